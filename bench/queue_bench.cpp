// Queue figures for design §10, on real SQLite files (synchronous=FULL unless noted):
//   - submit of one 100k-task job (target <= 2 s, peak RSS <= 300 MB), median of 3;
//   - claim + complete throughput in batches of 64 and 256 (each batch: one claim
//     transaction and one group-commit transaction with its audit rows), tasks/s;
//   - `status` queries over a 1M-task queue (target <= 200 ms), and a claim on it.
// Usage: queue_bench [--quick] [--dir DIR]   (a scratch folder is made in DIR, default $TMPDIR
// or /tmp, and removed at the end)
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "runner/core/clock.h"
#include "runner/queue/store.h"

using namespace qbi;
using namespace qbi::queue;

namespace {

using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point t0) {
    return std::chrono::duration<double>(Steady::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

long peak_rss_mb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;  // ru_maxrss is in KiB on Linux
}

NewJob make_job(const std::string& name, int tasks) {
    NewJob j;
    j.name = name;
    j.content_hash = "bench-" + name;
    j.max_attempts = 6;
    j.tasks.reserve(static_cast<std::size_t>(tasks));
    for (int i = 0; i < tasks; ++i) {
        char works[40];
        std::snprintf(works, sizeof works, "5d6ae4e7-cede-43cd-b4d3-%012d", i);
        j.tasks.push_back(
            NewTask{"CancelCollection", {{"UserId", "1213444447901234"}, {"WorksId", works}}, ""});
    }
    return j;
}

template <class T>
T must(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "queue_bench: %s: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
    return std::move(*r);
}

Store open_fresh(const std::filesystem::path& path, Synchronous sync) {
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
    return must(Store::open(path, SystemClock::instance(), StoreOptions{sync, 5000, -1}), "open");
}

// Claims and completes every due task in batches; returns tasks/s.
double drain(Store& store, int batch) {
    AttemptRecord ok;
    ok.outcome = Outcome::Done;
    ok.http_status = 200;
    ok.latency_ms = 20;
    ok.request_id = "E2B7D8A2-0C4B-5E8F-9D1A-3F5B6C7D8E9F";
    ok.endpoint = "https://quickbi-public.cn-hangzhou.aliyuncs.com";
    ok.signature = "v3";
    ok.access_key_id = "LTAI****abcd";
    std::int64_t n = 0;
    auto t0 = Steady::now();
    for (;;) {
        auto claimed = must(store.claim("bench", batch, 60000), "claim");
        if (claimed.empty()) break;
        std::vector<TaskResult> results;
        results.reserve(claimed.size());
        for (const auto& t : claimed)
            results.push_back(TaskResult{
                t.task_id,
                "bench",
                ok,
                {},
                {},
                0,
                ClaimFacts{t.job_id, t.action, t.params_json, t.attempt - 1, t.max_attempts}});
        must(store.record_results(results), "record_results");
        n += static_cast<std::int64_t>(claimed.size());
    }
    return static_cast<double>(n) / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    std::filesystem::path base;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--quick") {
            quick = true;
        } else if (a == "--dir" && i + 1 < argc) {
            base = argv[++i];
        } else {
            std::fprintf(stderr, "usage: queue_bench [--quick] [--dir DIR]\n");
            return 64;
        }
    }
    if (base.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        base = tmp && *tmp ? tmp : "/tmp";
    }
    // A fresh folder of our own inside, removed at the end.
    std::string tmpl = (base / "qbi-queue-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
        std::fprintf(stderr, "queue_bench: cannot create a folder in %s\n", base.c_str());
        return 74;
    }
    base = tmpl;
    const int submit_runs = quick ? 1 : 3;
    const int drain_tasks = quick ? 5000 : 20000;
    const int big_jobs = quick ? 2 : 10;  // of 100k tasks each

    std::printf("queue_bench: databases in %s\n", base.c_str());

    // 1. Submit of a 100k-task job.
    {
        NewJob job = make_job("submit-100k", 100000);
        std::vector<double> times;
        for (int r = 0; r < submit_runs; ++r) {
            Store store = open_fresh(base / "submit.db", Synchronous::Full);
            auto t0 = Steady::now();
            must(store.submit(job), "submit");
            times.push_back(seconds_since(t0));
        }
        double t = median(times);
        std::printf(
            "submit 100k tasks (FULL):        %7.3f s  %9.0f tasks/s  peak RSS %ld MB"
            "  (median of %d)\n",
            t, 100000 / t, peak_rss_mb(), submit_runs);
    }

    // 2. Claim + complete throughput.
    for (Synchronous sync : {Synchronous::Full, Synchronous::Normal}) {
        for (int batch : {64, 256}) {
            std::vector<double> rates;
            for (int r = 0; r < (quick ? 1 : 3); ++r) {
                Store store = open_fresh(base / "drain.db", sync);
                must(store.submit(make_job("drain", drain_tasks)), "submit");
                rates.push_back(drain(store, batch));
            }
            std::printf("claim+complete %dk, batch %3d (%s): %9.0f tasks/s  (median of %d)\n",
                        drain_tasks / 1000, batch, sync == Synchronous::Full ? "FULL  " : "NORMAL",
                        median(rates), quick ? 1 : 3);
        }
    }

    // 3. Status over a large queue: big_jobs x 100k tasks, 10% of each settled.
    {
        Store store = open_fresh(base / "status.db", Synchronous::Normal);
        auto t0 = Steady::now();
        for (int j = 0; j < big_jobs; ++j)
            must(store.submit(make_job("big-" + std::to_string(j), 100000)), "submit");
        double build = seconds_since(t0);
        AttemptRecord ok;
        ok.outcome = Outcome::Done;
        for (int k = 0; k < big_jobs * 10000 / 1000; ++k) {
            auto claimed = must(store.claim("bench", 1000, 60000), "claim");
            std::vector<TaskResult> results;
            for (const auto& t : claimed)
                results.push_back(TaskResult{
                    t.task_id,
                    "bench",
                    ok,
                    {},
                    {},
                    0,
                    ClaimFacts{t.job_id, t.action, t.params_json, t.attempt - 1, t.max_attempts}});
            must(store.record_results(results), "record_results");
        }
        const std::int64_t total = must(store.totals(), "totals").total();
        std::printf("large queue: %lld tasks in %d jobs built in %.1f s\n",
                    static_cast<long long>(total), big_jobs, build);

        std::vector<double> jobs_ms, totals_ms, agg_ms, claim_ms;
        for (int r = 0; r < 5; ++r) {
            auto t = Steady::now();
            auto jobs = must(store.jobs(), "jobs");
            jobs_ms.push_back(seconds_since(t) * 1000);
            t = Steady::now();
            must(store.totals(), "totals");
            totals_ms.push_back(seconds_since(t) * 1000);
            // What `status` would cost without the per-job counts table.
            t = Steady::now();
            store.raw_connection().exec(
                "SELECT job_id, state, outcome, count(*) FROM tasks GROUP BY job_id, state, "
                "outcome");
            agg_ms.push_back(seconds_since(t) * 1000);
            t = Steady::now();
            auto c = must(store.claim("bench", 64, 60000), "claim");
            claim_ms.push_back(seconds_since(t) * 1000);
            must(store.release("bench",
                               [&] {
                                   std::vector<std::int64_t> ids;
                                   for (const auto& x : c) ids.push_back(x.task_id);
                                   return ids;
                               }()),
                 "release");
        }
        std::printf("status (jobs + counts):          %7.2f ms  (median of 5)\n", median(jobs_ms));
        std::printf("totals (STATUS= line):           %7.2f ms\n", median(totals_ms));
        std::printf("  same counts by GROUP BY scan:  %7.2f ms  (what the counts table saves)\n",
                    median(agg_ms));
        std::printf("claim 64 from the large queue:   %7.2f ms\n", median(claim_ms));
    }
    std::printf("peak RSS of the whole run: %ld MB\n", peak_rss_mb());
    std::filesystem::remove_all(base);
    return 0;
}
