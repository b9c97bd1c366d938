#include "runner/queue/runner_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "runner/core/log.h"
#include "runner/queue/private_files.h"

namespace qbi::queue {

Result<std::filesystem::path> RunnerLock::lock_path(const std::filesystem::path& db_path) {
    struct stat st {};
    if (::stat(db_path.c_str(), &st) != 0) return io_error("stat", db_path, errno);
    char* real = ::realpath(db_path.c_str(), nullptr);
    if (!real) return io_error("resolve", db_path, errno);
    std::filesystem::path folder = std::filesystem::path(real).parent_path();
    std::free(real);
    return folder / ("qbi-runner." + std::to_string(static_cast<unsigned long long>(st.st_dev)) +
                     "." + std::to_string(static_cast<unsigned long long>(st.st_ino)) + ".lock");
}

std::optional<int> RunnerLock::holder_pid(const std::filesystem::path& db_path) {
    auto path = lock_path(db_path);
    if (!path) return std::nullopt;
    std::ifstream in(*path);
    int pid = 0;
    if (in >> pid && pid > 0) return pid;
    return std::nullopt;
}

Result<RunnerLock> RunnerLock::acquire(const std::filesystem::path& db_path) {
    if (db_path.has_parent_path()) {
        if (auto st = make_private_dirs(db_path.parent_path()); !st) return st.error();
    }
    if (auto created = create_private_file(db_path); !created) return created.error();
    auto resolved = lock_path(db_path);
    if (!resolved) return resolved.error();
    const std::filesystem::path path = *resolved;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("open", path, errno);
    struct stat own {};
    if (::fstat(fd, &own) != 0 || !S_ISREG(own.st_mode)) {
        ::close(fd);
        return io_error("open", path, EINVAL);
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) {
            auto pid = holder_pid(db_path);
            return Error{kExitTempFail, "another runner (pid " +
                                            (pid ? std::to_string(*pid) : std::string("unknown")) +
                                            ") holds " + path.string()};
        }
        return io_error("lock", path, err);
    }
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::fchmod(fd, 0600) != 0 || ::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        Error e = io_error("write", path, errno);
        ::close(fd);
        return e;
    }
    struct stat db {};
    if (::stat(db_path.c_str(), &db) == 0 && db.st_nlink > 1)
        log::warn("database " + db_path.string() + " has " + std::to_string(db.st_nlink) +
                  " hard links; SQLite names its -wal and -shm files by path, so reach it by one "
                  "name only");
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
