#pragma once
// A child process for CLI tests: posix_spawn with an explicit argv and environment (nothing
// inherited unless asked), stdout and stderr captured to files, a clean signal mask.
// Not thread-safe; one per test.
#include <signal.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qbi::test {

struct ProcessResult {
    int exit_code = -1;  // exit status, or 128 + signal when killed
    std::string out, err;
    long max_rss_kb = 0;  // the child's peak resident set (wait4), once it has ended
};

class Process {
public:
    // `env` is the complete environment of the child (PATH is added if missing); nullopt:
    // the test process's own environment. stdout and stderr go to files in `output_dir`.
    Process(std::vector<std::string> argv, std::optional<std::map<std::string, std::string>> env,
            const std::string& output_dir);
    Process(std::vector<std::string> argv, std::map<std::string, std::string> env,
            const std::string& output_dir)
        : Process(std::move(argv), std::optional(std::move(env)), output_dir) {}
    ~Process();  // SIGKILL and reap if still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig);
    // SIGSTOP, and waits until the child is stopped (every thread frozen, so what it has
    // written is all it will have written until resume()). False if it ended instead.
    bool pause();
    void resume() { signal(SIGCONT); }
    // Waits up to `ms` for the child to end: its exit code, or -1 if it still runs (it is
    // left running).
    int wait_for(int ms);
    // Waits up to timeout_ms; on timeout kills the child and reports exit_code -1.
    ProcessResult wait(int timeout_ms = 60000);
    bool running();
    // The exit code once the child has ended (see ProcessResult), -1 while it runs.
    int exit_code();
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    int status_ = -1;
    long max_rss_kb_ = 0;
    std::string out_path_, err_path_;
};

// Runs to completion: the common case.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<std::map<std::string, std::string>>& env,
                          const std::string& work_dir, int timeout_ms = 60000);
inline ProcessResult run_process(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& work_dir, int timeout_ms = 60000) {
    return run_process(argv, std::optional(env), work_dir, timeout_ms);
}

}  // namespace qbi::test
