#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"

namespace qbi::test {

namespace {
std::atomic<int> g_counter{0};
}

Process::Process(std::vector<std::string> argv,
                 std::optional<std::map<std::string, std::string>> env, const std::string& dir) {
    int n = ++g_counter;
    out_path_ = dir + "/proc" + std::to_string(n) + ".out";
    err_path_ = dir + "/proc" + std::to_string(n) + ".err";
    std::vector<std::string> env_strings;
    if (env) {
        if (!env->count("PATH")) (*env)["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        for (const auto& [k, v] : *env) env_strings.push_back(k + "=" + v);
    } else {
        for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    }
    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    for (auto& e : env_strings) cenv.push_back(e.data());
    cenv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(&pid_, cargv[0], &actions, &attr, cargv.data(), cenv.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

Process::~Process() {
    if (pid_ > 0 && status_ < 0) {
        ::kill(pid_, SIGKILL);
        int st;
        ::waitpid(pid_, &st, 0);
    }
}

void Process::signal(int sig) {
    if (pid_ > 0 && status_ < 0) ::kill(pid_, sig);
}

bool Process::pause() {
    if (pid_ <= 0 || status_ >= 0) return false;
    ::kill(pid_, SIGSTOP);
    for (;;) {
        int st;
        rusage ru{};
        const pid_t r = ::wait4(pid_, &st, WUNTRACED, &ru);
        if (r != pid_) return false;
        if (WIFSTOPPED(st)) return true;
        if (WIFEXITED(st) || WIFSIGNALED(st)) {
            max_rss_kb_ = ru.ru_maxrss;
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return false;
        }
    }
}

bool Process::running() {
    if (status_ >= 0) return false;
    int st;
    rusage ru{};
    pid_t r = ::wait4(pid_, &st, WNOHANG, &ru);
    if (r == pid_) {
        max_rss_kb_ = ru.ru_maxrss;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return false;
    }
    return true;
}

int Process::wait_for(int ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return exit_code();
}

int Process::exit_code() {
    if (running()) return -1;
    return status_ == 1000 ? -1 : status_;
}

ProcessResult Process::wait(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            int st;
            ::waitpid(pid_, &st, 0);
            status_ = 1000;  // marks "timed out"
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ProcessResult r;
    r.exit_code = status_ == 1000 ? -1 : status_;
    r.out = out();
    r.err = err();
    r.max_rss_kb = max_rss_kb_;
    return r;
}

std::string Process::out() const {
    return read_file(out_path_);
}
std::string Process::err() const {
    return read_file(err_path_);
}

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<std::map<std::string, std::string>>& env,
                          const std::string& dir, int timeout_ms) {
    Process p(argv, env, dir);
    return p.wait(timeout_ms);
}

}  // namespace qbi::test
