// submit_bench: a 100k-task job file from disk to the queue, as `qbi-runner submit` does it
// (parse and validate, expand, one IMMEDIATE transaction with synchronous=FULL), in a fresh
// process so peak RSS is this path's alone. Design §10 target: ≤ 2 s, peak RSS ≤ 300 MB.
//
// Usage: submit_bench [TASKS]   (default 100000). Prints phase times and the peak RSS.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "runner/app/submit.h"
#include "runner/core/clock.h"
#include "runner/jobs/job_file.h"
#include "runner/queue/store.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

long peak_rss_mb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
    const long tasks = argc > 1 ? std::stol(argv[1]) : 100000;
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("qbi-submit-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::path file = dir / "big.yaml";
    {
        // An offboarding of 1,000 users with 100 favourites each: lists of 100 works.
        std::ofstream out(file);
        out << "version: 1\njob: bench-" << tasks << "\ntasks:\n";
        for (long u = 0; u * 100 < tasks; ++u) {
            out << "  - cancel-collection:\n      user: \"" << 1213444440000000 + u
                << "\"\n      works:\n";
            for (long w = 0; w < 100 && u * 100 + w < tasks; ++w)
                out << "        - " << std::hex << (0x10000000 + u * 100 + w) << std::dec
                    << "-e774-406b-9956-da2425c21234\n";
        }
    }
    qbi::app::Config cfg;
    auto t0 = std::chrono::steady_clock::now();
    auto parsed = qbi::jobs::parse_job_file(file.string(), qbi::app::job_limits(cfg));
    if (!parsed) {
        std::fprintf(stderr, "parse failed: %s\n", parsed.errors().front().to_string().c_str());
        return 1;
    }
    double parse_s = seconds_since(t0);
    auto store = qbi::queue::Store::open(dir / "q.db", qbi::SystemClock::instance());
    if (!store) return 1;
    auto t1 = std::chrono::steady_clock::now();
    auto job = qbi::app::to_new_job(parsed.job(), 6);
    auto r = store->submit(job);
    if (!r) {
        std::fprintf(stderr, "submit failed: %s\n", r.error().message.c_str());
        return 1;
    }
    double submit_s = seconds_since(t1);
    double total = seconds_since(t0);
    std::printf(
        "submit_bench: %ld tasks (%.1f MB file): parse+validate %.2f s, enqueue %.2f s, "
        "total %.2f s = %.0f tasks/s (target <= 2 s: %s); peak RSS %ld MB (target <= 300 "
        "MB: %s)\n",
        tasks, static_cast<double>(fs::file_size(file)) / 1e6, parse_s, submit_s, total,
        static_cast<double>(tasks) / total, total <= 2.0 ? "met" : "MISSED", peak_rss_mb(),
        peak_rss_mb() <= 300 ? "met" : "MISSED");
    fs::remove_all(dir);
    return 0;
}
