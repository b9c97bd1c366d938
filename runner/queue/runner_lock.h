#pragma once
// One runner per database (design §4): `run` and `serve` hold an exclusive flock on a lock
// file named by the database file's identity, for as long as they work the queue:
//
//     <folder of the database's real path>/qbi-runner.<st_dev>.<st_ino>.lock
//
// so every path that reaches the same file takes the same lock: a symlink resolves to the
// same folder and inode, a hard link in the same folder has the same inode. (A hard link in
// another folder would also get its own -wal and -shm from SQLite, which names them by path,
// and corrupt the database; acquire() logs a warning when the file has several links.) The
// database file itself is not flocked: opening and closing a descriptor of it would drop the
// POSIX locks SQLite holds on it in this process. acquire() creates the database file (empty,
// 0600) when it is missing, so it has an identity before SQLite opens it.
//
// The lock file (0600) holds the holder's pid (text, one line) so a second runner can name
// it. The lock is released when the RunnerLock is destroyed or the process dies (the kernel
// drops flock locks with the last descriptor), so a crashed runner never leaves a stale lock.
// The file itself stays.
//
// Commands that only read or enqueue (submit, status, rerun, ...) do not take it.
//
// Thread-safety: a RunnerLock is a move-only handle; use it from one thread. The lock is per
// open file description: a second acquire() in the same process also fails.
#include <filesystem>
#include <optional>

#include "runner/core/result.h"

namespace qbi::queue {

class RunnerLock {
public:
    // Takes the lock without waiting. Errors: held by another runner (75): "another runner
    // (pid N) holds <lock file>"; the database or lock file cannot be created, resolved or
    // locked (74).
    static Result<RunnerLock> acquire(const std::filesystem::path& db_path);
    // The pid written in the lock file, if any (the last holder; it may be gone).
    static std::optional<int> holder_pid(const std::filesystem::path& db_path);
    // The lock file of an existing database (74 if it cannot be resolved).
    static Result<std::filesystem::path> lock_path(const std::filesystem::path& db_path);

    RunnerLock(RunnerLock&& other) noexcept;
    RunnerLock& operator=(RunnerLock&& other) noexcept;
    RunnerLock(const RunnerLock&) = delete;
    RunnerLock& operator=(const RunnerLock&) = delete;
    ~RunnerLock();

    const std::filesystem::path& path() const { return path_; }

private:
    RunnerLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::filesystem::path path_;
};

}  // namespace qbi::queue
