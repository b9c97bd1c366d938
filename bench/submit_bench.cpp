// submit_bench: job files from disk to the queue with the real `qbi-runner submit` (a fresh
// process per file, so the peak RSS is the submit's alone; synchronous=FULL):
//   listed-100k  100,000 tasks written out (1,000 users x 100 works)       design §10
//   listed-1M    1,000,000 tasks written out (10,000 users x 100 works)
//   wide-1M      a ~12 KB file whose cancel-share fans out to 1,000 x 1,000 = 1,000,000 tasks
// Targets: 100k in <= 2 s (design §10); peak RSS <= 100 MB for every file (the Hardening
// issue: the submit is streamed, memory holds the file and its parse tree, never the tasks).
//
// Usage: submit_bench [--quick]   (--quick: the 100k file only). Exits 1 on a missed target.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Run {
    int status = -1;
    double seconds = 0;
    long peak_rss_mb = 0;
};

Run submit(const fs::path& config, const fs::path& db, const fs::path& file) {
    std::fflush(stdout);
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
        std::freopen("/dev/null", "w", stdout);
        ::execl(QBI_BENCH_QBI_RUNNER_BIN, "qbi-runner", "-q", "--config", config.c_str(), "--db",
                db.c_str(), "submit", file.c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    Run r;
    int st = 0;
    rusage ru{};
    ::wait4(pid, &st, 0, &ru);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.peak_rss_mb = ru.ru_maxrss / 1024;
    return r;
}

void listed(const fs::path& file, long tasks) {
    std::ofstream out(file);
    out << "version: 1\njob: listed-" << tasks << "\ntasks:\n";
    for (long u = 0; u * 100 < tasks; ++u) {
        out << "  - cancel-collection:\n      user: \"" << 1213444440000000 + u
            << "\"\n      works:\n";
        for (long w = 0; w < 100 && u * 100 + w < tasks; ++w)
            out << "        - " << std::hex << (0x10000000 + u * 100 + w) << std::dec
                << "-e774-406b-9956-da2425c21234\n";
    }
}

void wide(const fs::path& file, int reports, int users) {
    std::ofstream out(file);
    out << "version: 1\njob: wide-" << reports << "x" << users
        << "\ntasks:\n  - cancel-share:\n      to-type: user\n      report: [";
    for (int r = 0; r < reports; ++r) out << (r ? ", " : "") << "r" << r;
    out << "]\n      to: [";
    for (int u = 0; u < users; ++u) out << (u ? ", " : "") << "u" << u;
    out << "]\n";
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    fs::path dir = fs::temp_directory_path() / ("qbi-submit-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    struct Case {
        const char* name;
        long tasks;
        fs::path file;
        double max_seconds;  // 0: no time target
    };
    std::vector<Case> cases = {{"listed-100k", 100000, dir / "listed-100k.yaml", 2.0}};
    listed(cases[0].file, 100000);
    if (!quick) {
        cases.push_back({"listed-1M", 1000000, dir / "listed-1m.yaml", 0});
        listed(cases.back().file, 1000000);
        cases.push_back({"wide-1M", 1000000, dir / "wide-1m.yaml", 0});
        wide(cases.back().file, 1000, 1000);
    }
    // The 1M-task file is 48 MB: over the default jobs.max_file_bytes (16 MB).
    std::ofstream(dir / "runner.ini") << "[jobs]\nmax_file_bytes = 64000000\n";
    bool ok = true;
    for (const Case& c : cases) {
        fs::remove(dir / "q.db");
        Run r = submit(dir / "runner.ini", dir / "q.db", c.file);
        const bool time_ok = c.max_seconds == 0 || r.seconds <= c.max_seconds;
        const bool rss_ok = r.peak_rss_mb <= 100;
        ok = ok && r.status == 0 && time_ok && rss_ok;
        std::printf(
            "submit_bench: %-12s %8ld tasks, file %6.2f MB: exit %d, %.2f s = %.0f tasks/s%s; "
            "peak RSS %ld MB (target <= 100 MB: %s)\n",
            c.name, c.tasks, static_cast<double>(fs::file_size(c.file)) / 1e6, r.status, r.seconds,
            static_cast<double>(c.tasks) / r.seconds,
            c.max_seconds == 0 ? ""
                               : (time_ok ? " (target <= 2 s: met)" : " (target <= 2 s: MISSED)"),
            r.peak_rss_mb, rss_ok ? "met" : "MISSED");
    }
    fs::remove_all(dir);
    return ok ? 0 : 1;
}
