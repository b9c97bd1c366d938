// The inbox against hostile entries (runner/app/inbox.h, inbox_watch.h), in process with a real
// SQLite queue in a TempDir: a symlink to the key file, a hard link to it, a copy of it, a FIFO,
// a directory, a slow writer, names with a newline or a terminal escape, a planted symlink at
// rejected/NAME.error, a taken name in accepted/, hidden and .tmp names, and the modes under
// umask 022. Each .error file and log line is asserted by its exact text.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "runner/app/inbox.h"
#include "runner/app/inbox_watch.h"
#include "runner/core/clock.h"
#include "runner/core/log.h"
#include "runner/core/time_format.h"
#include "runner/queue/store.h"
#include "tests/support/temp_dir.h"

namespace qbi::app {
namespace {

namespace fs = std::filesystem;

const char* kJob =
    "version: 1\njob: inbox-job\ntasks:\n  - cancel-collection: {user: u1, works: [w1, w2]}\n";
const char* kSecret = "access_key_id = AKID5tInboxKeyId\naccess_key_secret = TopSecretValue42\n";
constexpr std::int64_t kNow = 1700000000000;

// Log lines, as the logger's sink receives them.
class LogCapture {
public:
    LogCapture() {
        log::set_sink([this](log::Level, std::string_view m) { lines_.emplace_back(m); });
    }
    ~LogCapture() { log::set_sink(nullptr); }
    const std::vector<std::string>& lines() const { return lines_; }

private:
    std::vector<std::string> lines_;  // the logger's mutex guards the sink
};

class InboxTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto s = queue::Store::open(dir / "queue.db", clock);
        ASSERT_TRUE(s) << s.error().message;
        store = std::make_unique<queue::Store>(std::move(*s));
        secret = dir.write("ak", kSecret).string();
        ASSERT_TRUE(inbox.prepare());
    }
    std::string in(const std::string& name) const { return (dir / "inbox" / name).string(); }
    std::string error_of(const std::string& name) const {
        return test::read_file(dir / "inbox/rejected" / (name + ".error"));
    }
    static std::string header() {
        return "rejected at " + format_rfc3339_ms(kNow) + "; nothing was enqueued\n";
    }
    static bool is_symlink(const std::string& p) { return fs::is_symlink(fs::symlink_status(p)); }
    InboxScan scan() { return inbox.scan(*store, cfg, kNow); }

    test::TempDir dir;
    ManualClock clock;
    std::unique_ptr<queue::Store> store;
    Config cfg;
    Inbox inbox{(dir / "inbox").string()};
    std::string secret;
};

// A symlink to the service's key file is not followed: rejected unread, moved as a link.
TEST_F(InboxTest, SymlinkToTheKeyFileIsRejectedUnread) {
    fs::create_symlink(secret, in("link.yaml"));
    LogCapture logs;
    InboxScan s = scan();
    EXPECT_EQ(s.rejected, 1);
    EXPECT_EQ(s.accepted, 0);
    EXPECT_TRUE(is_symlink(in("rejected/link.yaml")));
    EXPECT_EQ(error_of("link.yaml"),
              header() + in("link.yaml") + ": cannot read: a symbolic link, not a regular file\n");
    EXPECT_EQ(logs.lines(),
              std::vector<std::string>{"inbox: link.yaml rejected (1 error(s)); see " +
                                       in("rejected/link.yaml.error")});
    EXPECT_EQ(test::read_file(secret), kSecret);
}

// A hard link to the key file (same inode, two links) is rejected unread too.
TEST_F(InboxTest, HardLinkIsRejectedUnread) {
    ASSERT_EQ(::link(secret.c_str(), in("hard.yaml").c_str()), 0);
    EXPECT_EQ(scan().rejected, 1);
    EXPECT_EQ(error_of("hard.yaml"),
              header() + in("hard.yaml") +
                  ": cannot read: a file with 2 hard links; the inbox takes files with one link "
                  "only\n");
    EXPECT_EQ(test::read_file(secret), kSecret);
}

// A copy of the key file is read, but it is not a job: not one byte of it is quoted back.
TEST_F(InboxTest, AFileThatIsNotAJobIsNeverQuoted) {
    dir.write("inbox/copy.yaml", kSecret);
    EXPECT_EQ(scan().rejected, 1);
    std::string why = error_of("copy.yaml");
    EXPECT_EQ(why, header() + in("copy.yaml") +
                       ":1:1: expected a job (a map with version, job and tasks), got a single "
                       "value\n");
    EXPECT_EQ(why.find("AKID"), std::string::npos);
}

// A FIFO with no writer: the open does not block, the entry is rejected.
TEST_F(InboxTest, FifoIsRejectedWithoutBlocking) {
    ASSERT_EQ(::mkfifo(in("pipe.yaml").c_str(), 0600), 0);
    EXPECT_EQ(scan().rejected, 1);
    EXPECT_EQ(error_of("pipe.yaml"),
              header() + in("pipe.yaml") + ": cannot read: a FIFO, not a regular file\n");
    struct stat st {};
    ASSERT_EQ(::lstat(in("rejected/pipe.yaml").c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(InboxTest, DirectoryIsRejected) {
    fs::create_directory(in("dir.yaml"));
    EXPECT_EQ(scan().rejected, 1);
    EXPECT_EQ(error_of("dir.yaml"), header() + in("dir.yaml") + ": cannot read: Is a directory\n");
    EXPECT_TRUE(fs::is_directory(in("rejected/dir.yaml")));
}

// A planted symlink at rejected/NAME.error is never written through: the victim (here the
// queue itself) is untouched and the rejection goes to NAME.1 and NAME.1.error.
TEST_F(InboxTest, PlantedSymlinkAtTheErrorFileIsNotFollowed) {
    auto victim = dir.write("victim", "precious\n");
    fs::create_symlink(victim, in("rejected/bad.yaml.error"));
    dir.write("inbox/bad.yaml", "version: 1\njob: bad\ntasks: []\n");
    LogCapture logs;
    EXPECT_EQ(scan().rejected, 1);
    EXPECT_EQ(test::read_file(victim), "precious\n");
    EXPECT_TRUE(is_symlink(in("rejected/bad.yaml.error")));
    EXPECT_TRUE(fs::exists(in("rejected/bad.yaml.1")));
    EXPECT_EQ(error_of("bad.yaml.1"),
              header() + in("bad.yaml") +
                  ":3:8: tasks: the list is empty; a job needs at least one task\n");
    EXPECT_EQ(logs.lines(), std::vector<std::string>{"inbox: bad.yaml rejected (1 error(s)); see " +
                                                     in("rejected/bad.yaml.1.error") +
                                                     " (rejected/bad.yaml or its .error exists)"});
}

// A name already taken in accepted/ is not overwritten.
TEST_F(InboxTest, TakenNameInAcceptedIsNotOverwritten) {
    dir.write("inbox/accepted/good.yaml", "earlier\n");
    dir.write("inbox/good.yaml", kJob);
    LogCapture logs;
    EXPECT_EQ(scan().accepted, 1);
    EXPECT_EQ(test::read_file(dir / "inbox/accepted/good.yaml"), "earlier\n");
    EXPECT_EQ(test::read_file(dir / "inbox/accepted/good.yaml.1"), kJob);
    EXPECT_EQ(logs.lines(),
              (std::vector<std::string>{
                  "inbox: " + in("good.yaml") + ": submitted as job 1 (inbox-job, 2 tasks)",
                  "inbox: good.yaml moved to accepted/good.yaml.1 (accepted/good.yaml exists)"}));
}

// A newline or a terminal escape in a name cannot forge or colour a log line, nor the .error.
TEST_F(InboxTest, OddNamesAreEscapedInLogsAndErrors) {
    const std::string forged = "x\nqbi-runner: error: forged.yaml";
    const std::string red = "\x1b[31mred.yaml";
    dir.write("inbox/" + forged, kJob);
    dir.write("inbox/" + red, "version: 1\njob: red\ntasks: []\n");
    LogCapture logs;
    InboxScan s = scan();
    EXPECT_EQ(s.accepted, 1);
    EXPECT_EQ(s.rejected, 1);
    EXPECT_EQ(logs.lines(),
              (std::vector<std::string>{"inbox: \\x1b[31mred.yaml rejected (1 error(s)); see " +
                                            in("rejected/\\x1b[31mred.yaml.error"),
                                        "inbox: " + in("x\\nqbi-runner: error: forged.yaml") +
                                            ": submitted as job 1 (inbox-job, 2 tasks)"}));
    EXPECT_EQ(error_of(red), header() + in("\\x1b[31mred.yaml") +
                                 ":3:8: tasks: the list is empty; a job needs at least one task\n");
    EXPECT_TRUE(fs::exists(in("accepted/" + forged)));
}

// Hidden names, *.tmp and other extensions are left alone; a file renamed into place a moment
// ago is taken at once (there is no age rule: renames are the protocol).
TEST_F(InboxTest, CandidatesOnly) {
    EXPECT_TRUE(inbox_candidate("a.yaml"));
    EXPECT_TRUE(inbox_candidate("a.yml"));
    EXPECT_FALSE(inbox_candidate(".a.yaml"));
    EXPECT_FALSE(inbox_candidate("a.yaml.tmp"));
    EXPECT_FALSE(inbox_candidate("a.tmp"));
    EXPECT_FALSE(inbox_candidate("a.txt"));
    EXPECT_FALSE(inbox_candidate(".yaml"));
    dir.write("inbox/.hidden.yaml", kJob);
    dir.write("inbox/later.yaml.tmp", kJob);
    dir.write("inbox/notes.txt", kJob);
    dir.write("inbox/.fresh.yaml", kJob);
    fs::rename(in(".fresh.yaml"), in("fresh.yaml"));
    InboxScan s = scan();
    EXPECT_EQ(s.accepted, 1);
    EXPECT_EQ(s.deferred, 0);
    EXPECT_TRUE(fs::exists(in("accepted/fresh.yaml")));
    EXPECT_TRUE(fs::exists(in(".hidden.yaml")));
    EXPECT_TRUE(fs::exists(in("later.yaml.tmp")));
    EXPECT_TRUE(fs::exists(in("notes.txt")));
}

// Under umask 022 the folders are 0700 and the .error files 0600.
TEST_F(InboxTest, PrivateModesWhateverTheUmask) {
    mode_t old = ::umask(022);
    Inbox fresh((dir / "state/new-inbox").string());
    ASSERT_TRUE(fresh.prepare());
    dir.write("state/new-inbox/bad.yaml", "version: 1\n");
    fresh.scan(*store, cfg, kNow);
    ::umask(old);
    auto mode = [](const fs::path& p) {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
        return st.st_mode & 07777;
    };
    EXPECT_EQ(mode(dir / "state/new-inbox"), 0700u);
    EXPECT_EQ(mode(dir / "state/new-inbox/accepted"), 0700u);
    EXPECT_EQ(mode(dir / "state/new-inbox/rejected"), 0700u);
    EXPECT_EQ(mode(dir / "state/new-inbox/rejected/bad.yaml.error"), 0600u);
}

// serve's watcher: a file written in place is not taken while its writer still has it open
// (the writer paused half-way), and is taken once it is closed; a renamed file at once.
TEST_F(InboxTest, WatcherWaitsForTheWriterToClose) {
    InboxWatch watch(std::move(inbox));
    ASSERT_TRUE(watch.watching());
    EXPECT_EQ(watch.poll(*store, cfg, kNow).accepted, 0);  // the start scan: nothing yet
    const std::string text = kJob;
    int fd = ::open(in("slow.yaml").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), 30), 30);
    InboxScan s = watch.poll(*store, cfg, kNow + 5000);
    EXPECT_EQ(s.accepted + s.rejected, 0);
    EXPECT_TRUE(fs::exists(in("slow.yaml")));
    ASSERT_EQ(::write(fd, text.data() + 30, text.size() - 30),
              static_cast<ssize_t>(text.size() - 30));
    ::close(fd);
    s = watch.poll(*store, cfg, kNow + 6000);
    EXPECT_EQ(s.accepted, 1);
    EXPECT_EQ(s.rejected, 0);
    EXPECT_TRUE(fs::exists(in("accepted/slow.yaml")));
    dir.write("inbox/.next.yaml",
              "version: 1\njob: next\ntasks:\n  - cancel-collection: {user: "
              "u2, works: w9}\n");
    fs::rename(in(".next.yaml"), in("next.yaml"));
    EXPECT_EQ(watch.poll(*store, cfg, kNow + 6001).accepted, 1);
    EXPECT_EQ(watch.poll(*store, cfg, kNow + 9000).accepted, 0);  // nothing new
}

// The start scan of the watcher takes what was there before serve started.
TEST_F(InboxTest, WatcherScansAtStart) {
    dir.write("inbox/early.yaml", kJob);
    InboxWatch watch(std::move(inbox));
    EXPECT_EQ(watch.poll(*store, cfg, kNow).accepted, 1);
}

}  // namespace
}  // namespace qbi::app
