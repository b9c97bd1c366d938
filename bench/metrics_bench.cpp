// What the metrics cost the engine (issue 10): a 100k-task run without metrics, and the same
// run counting into a metrics::Registry while its endpoint (the service's MetricsServer with
// the QueueSampler, as `serve` wires them) is scraped over HTTP 10 times a second.
//
// The caller answers at once in process (no network, no TLS): the engine's own cost per task
// (claim, group commit with the audit row, SQLite synchronous=FULL) is all there is, so the
// share the metrics take is the largest any real run would see. Runs alternate (without,
// with, without, ...) so that background load hits both alike; each figure is the median of
// --runs runs (5 by default). Target: with scraping >= 98 % of the tasks/s without; exit 1 on
// a miss.
//
// Usage: metrics_bench [--runs N] [--tasks N] [--dir DIR]
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "runner/app/config.h"
#include "runner/app/metrics_output.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/engine/caller.h"
#include "runner/engine/engine.h"
#include "runner/jobs/job_spec.h"
#include "runner/metrics/http_server.h"
#include "runner/metrics/registry.h"
#include "runner/queue/store.h"

using namespace qbi;
using bench::die;
using bench::must;

const char* const qbi::bench::kName = "metrics_bench";

namespace {

// Answers every call at once: done, with a RequestId and a latency of a few milliseconds (so
// the histogram's buckets move as they would).
class InstantCaller final : public engine::Caller {
public:
    ApiResult call(const std::string&, const Params&) override {
        ApiResult r;
        r.outcome = Outcome::Done;
        r.http_status = 200;
        r.request_id = "5CC8B25F-0000-4000-8000-" + std::to_string(100000000000 + ++n_);
        r.latency_ms = static_cast<std::int64_t>(n_ % 200);
        return r;
    }
    void abort() override {}

private:
    std::int64_t n_ = 0;
};

struct Figures {
    double tasks_per_s = 0;
    double cpu_ms_per_1000 = 0;  // the process's CPU time (user + system) per 1,000 tasks
    int scrapes = 0;
    std::size_t scrape_bytes = 0;
    double sample_ms = 0;  // one fresh read of the queue gauges with every task due
};

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

Figures run_once(const std::filesystem::path& dir, int tasks, bool with_metrics) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    Clock& clock = SystemClock::instance();
    const std::string db = (dir / "queue.db").string();
    queue::Store store = must(queue::Store::open(db, clock), "opening the queue");
    must(store.submit(bench::leaver_job(tasks)), "submitting the job");

    metrics::Registry registry(jobs::api_actions());
    engine::EngineOptions opt;
    opt.owner = "metrics-bench";
    opt.workers = 8;
    opt.max_qps = 1e9;
    opt.actions = jobs::api_actions();
    opt.endpoint = "https://127.0.0.1:1";
    opt.signature = "v3";
    opt.access_key_id = "AKID****0key";
    if (with_metrics) opt.metrics = &registry;
    SeededRandom random(42);
    engine::Engine engine(
        store, [] { return std::make_unique<InstantCaller>(); }, opt, clock, random);

    // The endpoint as `serve` wires it, scraped every 100 ms by a client thread.
    app::Config config;
    app::QueueSampler sampler(db, config, clock);
    std::unique_ptr<metrics::MetricsServer> server;
    std::atomic<bool> done{false};
    Figures f;
    std::thread scraper;
    if (with_metrics) {
        // What one sample costs when the whole job is due (the due count's worst case).
        const auto s0 = std::chrono::steady_clock::now();
        if (!sampler.gauges().known) die("the queue gauges could not be read");
        f.sample_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0)
                .count();
        auto address = must(metrics::parse_listen_address("127.0.0.1:0", "bench"), "address");
        server = must(
            metrics::MetricsServer::start(
                address, [&] { return registry.render(sampler.gauges(), QBI_VERSION); }, "bench"),
            "starting the endpoint");
        const int port = server->port();
        scraper = std::thread([&, port] {
            auto next = std::chrono::steady_clock::now();
            while (!done.load()) {
                Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
                Poco::Net::HTTPRequest req("GET", "/metrics", Poco::Net::HTTPMessage::HTTP_1_1);
                session.sendRequest(req);
                Poco::Net::HTTPResponse resp;
                std::string body;
                Poco::StreamCopier::copyToString(session.receiveResponse(resp), body);
                if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) die("scrape failed");
                ++f.scrapes;
                f.scrape_bytes = body.size();
                next += std::chrono::milliseconds(100);
                std::this_thread::sleep_until(next);
            }
        });
    }
    std::atomic<bool> stop{false};
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    engine::RunReport report = engine.run(stop);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    done = true;
    if (scraper.joinable()) scraper.join();
    if (server) server->stop();
    const engine::Progress& p = engine.progress();
    if (report.reason != engine::StopReason::Finished || p.done != tasks)
        die("the run did not finish every task");
    if (with_metrics && registry.attempts("CancelCollection", Outcome::Done, "") != tasks)
        die("the metrics did not count every attempt");
    f.tasks_per_s = static_cast<double>(p.done) / secs;
    f.cpu_ms_per_1000 = cpu * 1e6 / static_cast<double>(p.done);
    return f;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 5, tasks = 100000;
    std::filesystem::path base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc)
            runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--tasks" && i + 1 < argc)
            tasks = std::max(1, std::atoi(argv[++i]));
        else if (a == "--dir" && i + 1 < argc)
            base = argv[++i];
        else
            die("usage: metrics_bench [--runs N] [--tasks N] [--dir DIR]");
    }
    const auto dir = base / ("qbi-metrics-bench-" + std::to_string(::getpid()));
    std::vector<double> without, with, cpu_without, cpu_with, samples;
    int scrapes = 0;
    std::size_t bytes = 0;
    for (int r = 0; r < runs; ++r) {
        // Alternating, and which goes first alternates too.
        for (bool m : {r % 2 == 1, r % 2 == 0}) {
            Figures f = run_once(dir, tasks, m);
            (m ? with : without).push_back(f.tasks_per_s);
            (m ? cpu_with : cpu_without).push_back(f.cpu_ms_per_1000);
            if (m) {
                scrapes += f.scrapes;
                bytes = f.scrape_bytes;
                samples.push_back(f.sample_ms);
            }
            std::printf(
                "metrics_bench: run %d %-28s %8.0f tasks/s, CPU %6.1f ms per 1,000 tasks%s\n",
                r + 1, m ? "with metrics, scraped 10/s" : "without metrics", f.tasks_per_s,
                f.cpu_ms_per_1000,
                m ? (", " + std::to_string(f.scrapes) + " scrapes").c_str() : "");
            std::fflush(stdout);
        }
    }
    std::filesystem::remove_all(dir);
    const double a = median(without), b = median(with), ratio = b / a;
    const bool ok = ratio >= 0.98;
    std::printf(
        "metrics_bench: %d tasks, median of %d runs: without metrics %.0f tasks/s, with metrics "
        "scraped 10/s %.0f tasks/s (%d scrapes of %zu bytes in all); ratio %.3f (target >= "
        "0.98: %s)\n"
        "metrics_bench: CPU per 1,000 tasks: without %.1f ms, with %.1f ms (ratio %.3f); one "
        "queue sample with all %d tasks due: %.1f ms (taken at most once a second)\n",
        tasks, runs, a, b, scrapes, bytes, ratio, ok ? "met" : "MISSED", median(cpu_without),
        median(cpu_with), median(cpu_with) / median(cpu_without), tasks, median(samples));
    return ok ? 0 : 1;
}
