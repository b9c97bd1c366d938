#include "runner/queue/runner_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace qbi::queue {

std::filesystem::path RunnerLock::lock_path(const std::filesystem::path& db_path) {
    return std::filesystem::path(db_path.string() + ".lock");
}

std::optional<int> RunnerLock::holder_pid(const std::filesystem::path& db_path) {
    std::ifstream in(lock_path(db_path));
    int pid = 0;
    if (in >> pid && pid > 0) return pid;
    return std::nullopt;
}

Result<RunnerLock> RunnerLock::acquire(const std::filesystem::path& db_path) {
    const std::filesystem::path path = lock_path(db_path);
    auto io_error = [&](const char* doing) {
        return Error{kExitIoErr, "cannot " + std::string(doing) + " " + path.string() + ": " +
                                     std::strerror(errno)};
    };
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("open");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) {
            auto pid = holder_pid(db_path);
            return Error{kExitTempFail, "another runner (pid " +
                                            (pid ? std::to_string(*pid) : std::string("unknown")) +
                                            ") holds " + path.string()};
        }
        errno = err;
        return io_error("lock");
    }
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        Error e = io_error("write");
        ::close(fd);
        return e;
    }
    return RunnerLock(fd, path);
}

RunnerLock::RunnerLock(RunnerLock&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
}

RunnerLock& RunnerLock::operator=(RunnerLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        path_ = std::move(other.path_);
        other.fd_ = -1;
    }
    return *this;
}

RunnerLock::~RunnerLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace qbi::queue
