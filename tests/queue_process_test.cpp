// Several processes on one queue: the runner lock (one runner per database, released when its
// holder dies), a submitter beside a claiming runner without "database is locked", and
// concurrent first opens racing to migrate a new file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "runner/queue/migrations.h"
#include "runner/queue/runner_lock.h"
#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

// A forked child running fn; its exit status is fn's result (0 = fine). What it prints to
// the pipe comes back through output(). No SQLite connection may be open across fork().
class Child {
public:
    explicit Child(const std::function<int(FILE* out)>& fn) {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::close(fds[0]);
            FILE* out = ::fdopen(fds[1], "w");
            int rc = 70;
            try {
                rc = fn(out);
            } catch (const std::exception& e) {
                std::fprintf(out, "exception: %s", e.what());
            }
            std::fflush(out);
            ::_exit(rc);
        }
        ::close(fds[1]);
        read_fd_ = fds[0];
    }
    ~Child() {
        if (pid_ > 0 && !waited_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
        if (read_fd_ >= 0) ::close(read_fd_);
    }
    pid_t pid() const { return pid_; }
    // Waits for the child; returns its exit code (128 + signal if killed).
    int wait() { return *reap(0); }
    // The exit code if the child has ended, without blocking.
    std::optional<int> try_wait() { return reap(WNOHANG); }
    // Blocks until the child has written at least one byte (e.g. "ready").
    std::string read_some() {
        char buf[256];
        ssize_t n = ::read(read_fd_, buf, sizeof buf);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }
    const std::string& output() const { return output_; }

private:
    std::optional<int> reap(int flags) {
        if (!waited_) {
            int status = 0;
            if (::waitpid(pid_, &status, flags) != pid_) return std::nullopt;
            waited_ = true;
            code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            char buf[4096];
            ssize_t n;
            while ((n = ::read(read_fd_, buf, sizeof buf)) > 0)
                output_.append(buf, static_cast<std::size_t>(n));
        }
        return code_;
    }

    pid_t pid_ = -1;
    int code_ = -1;
    int read_fd_ = -1;
    bool waited_ = false;
    std::string output_;
};

// A second runner, in another process, is refused (75) and told the holder's pid.
TEST(RunnerLock, ASecondRunnerIsRefusedWithTheHoldersPid) {
    qbi::test::TempDir dir;
    auto db = dir / "state/queue.db";
    auto lock = RunnerLock::acquire(db);
    ASSERT_TRUE(lock) << lock.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(db.c_str(), &st), 0);  // acquire() created the (empty) database
    const auto lock_file = dir / ("state/qbi-runner." + std::to_string(st.st_dev) + "." +
                                  std::to_string(st.st_ino) + ".lock");
    EXPECT_EQ(lock->path(), lock_file);
    EXPECT_EQ(qbi::test::read_file(lock->path()), std::to_string(::getpid()) + "\n");

    Child other([&](FILE* out) {
        auto second = RunnerLock::acquire(db);
        if (second) return 1;
        std::fprintf(out, "%d %s", second.error().code, second.error().message.c_str());
        return 0;
    });
    ASSERT_EQ(other.wait(), 0);
    EXPECT_EQ(other.output(), "75 another runner (pid " + std::to_string(::getpid()) + ") holds " +
                                  lock_file.string());

    // Within one process too: the lock belongs to the open file, not the process.
    auto again = RunnerLock::acquire(db);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, kExitTempFail);

    // Released with the handle: the next runner gets it.
    lock = Error{};
    Child next([&](FILE*) { return RunnerLock::acquire(db) ? 0 : 1; });
    EXPECT_EQ(next.wait(), 0);
}

// The lock belongs to the database file, not to the path: a second runner that reaches the
// same file through a symlink (to the file, or to its folder) or a hard link is refused with
// the holder's pid, in another process and within this one (flock is per open file
// description, so a second descriptor is a second runner).
TEST(RunnerLock, ASymlinkOrHardLinkToTheDatabaseTakesTheSameLock) {
    qbi::test::TempDir dir;
    const auto db = dir / "state/queue.db";
    auto lock = RunnerLock::acquire(db);
    ASSERT_TRUE(lock) << lock.error().message;
    std::filesystem::create_directories(dir / "elsewhere");
    std::filesystem::create_symlink(db, dir / "elsewhere/link.db");
    std::filesystem::create_directory_symlink(dir / "state", dir / "state-link");
    std::filesystem::create_hard_link(db, dir / "state/hard.db");
    const std::string refused =
        "75 another runner (pid " + std::to_string(::getpid()) + ") holds " + lock->path().string();
    for (const auto& other_path :
         {dir / "elsewhere/link.db", dir / "state-link/queue.db", dir / "state/hard.db"}) {
        SCOPED_TRACE(other_path.string());
        EXPECT_EQ(RunnerLock::lock_path(other_path).value(), lock->path());
        auto second = RunnerLock::acquire(other_path);
        ASSERT_FALSE(second);
        EXPECT_EQ(std::to_string(second.error().code) + " " + second.error().message, refused);
        Child other([&](FILE* out) {
            auto third = RunnerLock::acquire(other_path);
            if (third) return 1;
            std::fprintf(out, "%d %s", third.error().code, third.error().message.c_str());
            return 0;
        });
        ASSERT_EQ(other.wait(), 0);
        EXPECT_EQ(other.output(), refused);
    }
    // Released: the hard link's runner gets it (the same lock file).
    lock = Error{};
    auto via_link = RunnerLock::acquire(dir / "state/hard.db");
    ASSERT_TRUE(via_link) << via_link.error().message;
    EXPECT_FALSE(RunnerLock::acquire(db));
}

// Under umask 022 the runner's folder is 0700 and the database and lock files 0600.
TEST(RunnerLock, CreatesPrivateFilesWhateverTheUmask) {
    qbi::test::TempDir dir;
    const mode_t old = ::umask(022);
    auto lock = RunnerLock::acquire(dir / "new/state/queue.db");
    ::umask(old);
    ASSERT_TRUE(lock) << lock.error().message;
    auto mode = [](const std::filesystem::path& p) {
        struct stat st {};
        ::stat(p.c_str(), &st);
        return st.st_mode & 07777;
    };
    EXPECT_EQ(mode(dir / "new"), 0700u);
    EXPECT_EQ(mode(dir / "new/state"), 0700u);
    EXPECT_EQ(mode(dir / "new/state/queue.db"), 0600u);
    EXPECT_EQ(mode(lock->path()), 0600u);
}

// A runner killed with SIGKILL leaves no stale lock: the kernel drops it with the process.
TEST(RunnerLock, IsReleasedWhenTheHolderIsKilled) {
    qbi::test::TempDir dir;
    auto db = dir / "queue.db";
    Child holder([&](FILE* out) {
        auto lock = RunnerLock::acquire(db);
        std::fprintf(out, lock ? "held" : "failed");
        std::fflush(out);
        ::pause();  // until killed
        return 0;
    });
    ASSERT_EQ(holder.read_some(), "held");
    EXPECT_EQ(RunnerLock::holder_pid(db), holder.pid());
    EXPECT_FALSE(RunnerLock::acquire(db));
    ::kill(holder.pid(), SIGKILL);
    EXPECT_EQ(holder.wait(), 128 + SIGKILL);
    auto lock = RunnerLock::acquire(db);
    ASSERT_TRUE(lock) << lock.error().message;
    EXPECT_EQ(RunnerLock::holder_pid(db), ::getpid());
}

// `submit` beside a running runner: a child process submits 20 jobs while this process
// claims and completes in batches. Neither sees an error (no "database is locked"), and every
// task settles exactly once.
TEST(TwoProcesses, ASubmitterAndAClaimerShareTheDatabase) {
    qbi::test::TempDir dir;
    auto db = dir / "queue.db";
    {
        ManualClock clock;
        ASSERT_TRUE(Store::open(db, clock));  // created, then closed before fork()
    }
    constexpr int kJobs = 20, kTasksPerJob = 250;
    Child submitter([&](FILE* out) {
        ManualClock clock;
        auto store = Store::open(db, clock);
        if (!store) return std::fprintf(out, "%s", store.error().message.c_str()), 1;
        for (int j = 0; j < kJobs; ++j) {
            auto r = store->submit(make_job("job-" + std::to_string(j), kTasksPerJob));
            if (!r) return std::fprintf(out, "%s", r.error().message.c_str()), 1;
        }
        return 0;
    });

    ManualClock clock;
    auto store = Store::open(db, clock);
    ASSERT_TRUE(store) << store.error().message;
    std::int64_t completed = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (completed < kJobs * kTasksPerJob && std::chrono::steady_clock::now() < deadline) {
        auto claimed = store->claim("runner", 64, 60000);
        ASSERT_TRUE(claimed) << claimed.error().message;
        if (claimed->empty()) {
            if (auto rc = submitter.try_wait()) {
                ASSERT_EQ(*rc, 0) << submitter.output();
            }
            continue;
        }
        std::vector<TaskResult> results;
        for (const auto& t : *claimed) results.push_back(result(t, "runner", Outcome::Done));
        auto effects = store->record_results(results);
        ASSERT_TRUE(effects) << effects.error().message;
        for (const Recorded& e : *effects) ASSERT_EQ(e.effect, TaskEffect::Succeeded);
        completed += static_cast<std::int64_t>(effects->size());
    }
    EXPECT_EQ(submitter.wait(), 0) << submitter.output();
    EXPECT_EQ(completed, kJobs * kTasksPerJob);
    auto totals = store->totals();
    ASSERT_TRUE(totals);
    EXPECT_EQ(*totals, (TaskCounts{0, 0, kJobs * kTasksPerJob, 0, 0, 0}));
    auto verdict = store->verify_audit_chain();
    ASSERT_TRUE(verdict);
    EXPECT_TRUE(verdict->ok);
    EXPECT_EQ(verdict->rows, kJobs * kTasksPerJob);
}

// Four processes open the same new file at once: one creates and migrates it, the others
// wait and find it ready; each then submits its job.
TEST(TwoProcesses, ConcurrentFirstOpensMigrateOnce) {
    qbi::test::TempDir dir;
    auto db = dir / "new/queue.db";
    std::vector<std::unique_ptr<Child>> children;
    for (int i = 0; i < 4; ++i)
        children.push_back(std::make_unique<Child>([&, i](FILE* out) {
            ManualClock clock;
            auto store = Store::open(db, clock);
            if (!store) return std::fprintf(out, "%s", store.error().message.c_str()), 1;
            auto r = store->submit(make_job("job-" + std::to_string(i), 10));
            if (!r) return std::fprintf(out, "%s", r.error().message.c_str()), 1;
            return 0;
        }));
    for (auto& c : children) EXPECT_EQ(c->wait(), 0) << c->output();
    ManualClock clock;
    auto store = Store::open(db, clock);
    ASSERT_TRUE(store);
    EXPECT_EQ(store->schema_version(), latest_schema_version());
    auto jobs = store->jobs();
    ASSERT_TRUE(jobs);
    EXPECT_EQ(jobs->size(), 4u);
    EXPECT_EQ(store->totals()->queued, 40);
}

}  // namespace
}  // namespace qbi::queue::test
