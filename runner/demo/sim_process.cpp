#include "runner/demo/sim_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "runner/core/strings.h"

extern char** environ;

namespace qbi::demo {

namespace fs = std::filesystem;

namespace {

bool executable(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::string log_tail(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
    return trim(text);
}

}  // namespace

Result<std::string> find_sim_binary(const std::string& explicit_path, const Env& env) {
    if (!explicit_path.empty()) {
        if (executable(explicit_path)) return explicit_path;
        return Error{kExitUnavailable, "--sim " + explicit_path + " is not an executable file"};
    }
    std::vector<std::string> looked;
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const std::string beside = (self.parent_path() / "qbi-sim").string();
        if (executable(beside)) return beside;
        looked.push_back(beside);
    }
    if (auto path = env("PATH")) {
        for (const std::string& dir : split(*path, ':')) {
            if (dir.empty()) continue;
            const std::string candidate = dir + "/qbi-sim";
            if (executable(candidate)) return candidate;
        }
        looked.push_back("$PATH");
    }
    std::string where;
    for (const auto& l : looked) where += (where.empty() ? "" : ", ") + l;
    return Error{kExitUnavailable,
                 "the demo needs the simulator qbi-sim, which is not installed (looked at " +
                     where +
                     "); install the qbi-sim package, build it (make build), or pass --sim PATH"};
}

Result<SimProcess> SimProcess::start(const std::string& binary,
                                     const std::vector<std::string>& args,
                                     const std::string& port_file, const std::string& log_path,
                                     int timeout_ms) {
    std::vector<std::string> argv_text{binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // The child must not inherit our blocked signal mask: it blocks what it needs itself.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, binary.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return Error{kExitUnavailable, "cannot start " + binary + ": " + std::strerror(rc)};

    SimProcess process(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        std::ifstream in(port_file);
        int port = 0;
        if (in >> port && port > 0) {
            process.port_ = port;
            return process;
        }
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            process.pid_ = -1;
            return Error{kExitUnavailable,
                         "the simulator exited before it was ready (status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status)
                                                              : 128 + WTERMSIG(status)) +
                             "): " + log_tail(log_path)};
        }
        if (std::chrono::steady_clock::now() > deadline)
            return Error{kExitUnavailable, "the simulator did not start within " +
                                               std::to_string(timeout_ms / 1000) +
                                               " s: " + log_tail(log_path)};
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

SimProcess::SimProcess(SimProcess&& other) noexcept : pid_(other.pid_), port_(other.port_) {
    other.pid_ = -1;
}

SimProcess::~SimProcess() {
    if (pid_ > 0) stop(2000);
}

int SimProcess::stop(int grace_ms) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace qbi::demo
