// Hostile input at the command line's edges: a FIFO given as a job file, terminal escapes in a
// job's description and in a server's answer as `status` and `tasks` print them, `batch` with
// a bad flag (refused before the inbox is touched) and with a file renamed into the inbox a
// moment ago (taken at once), and the journal's priority prefix when stderr is the journal.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "runner/core/clock.h"
#include "runner/queue/store.h"
#include "tests/support/cli_runner.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace qbi::cli {
namespace {

namespace fs = std::filesystem;

const char* kJob =
    "version: 1\njob: hostile\ndescription: \"\\e[2J\\e[31mred\\e]0;title\\a\"\ntasks:\n"
    "  - cancel-collection: {user: \"100\", works: [w1]}\n";

class HostileCli : public ::testing::Test {
protected:
    int cli(std::vector<std::string> args) {
        std::vector<std::string> argv{"--db", db()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = test::run_cli(
            argv, env_from_map({{"HOME", dir.path().string()}, {"STATE_DIRECTORY", state()}}));
        out = r.out;
        err = r.err;
        return r.code;
    }
    std::string db() const { return (dir / "state/q.db").string(); }
    std::string state() const { return (dir / "state").string(); }
    test::TempDir dir;
    std::string out, err;
};

// A FIFO given to validate, submit or plan no longer hangs them: refused, exit 65.
TEST_F(HostileCli, FifoJobFileIsRefused) {
    std::string fifo = (dir / "job.yaml").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(cli({"validate", fifo}), 65);
    EXPECT_EQ(err, fifo + ": cannot read: a FIFO, not a regular file\n" + fifo + ": invalid\n");
    EXPECT_EQ(cli({"submit", fifo}), 65);
    EXPECT_EQ(err, fifo + ": cannot read: a FIFO, not a regular file\n" + fifo +
                       ": rejected, nothing enqueued\n");
    EXPECT_EQ(cli({"plan", fifo}), 65);
    EXPECT_EQ(err, "qbi-runner: error: " + fifo + ": cannot read: a FIFO, not a regular file\n");
}

// Escapes from the job file (description) and from the server (code, RequestId) are printed
// visibly, never raw; --json escapes them as JSON.
TEST_F(HostileCli, StatusAndTasksEscapeControlCharacters) {
    auto job = dir.write("job.yaml", kJob).string();
    ASSERT_EQ(cli({"submit", job}), 0) << err;
    {
        auto store = queue::Store::open(db(), SystemClock::instance());
        ASSERT_TRUE(store);
        auto claimed = store->claim("o", 1, 60000);
        ASSERT_TRUE(claimed);
        ASSERT_EQ(claimed->size(), 1u);
        queue::TaskResult r;
        r.task_id = (*claimed)[0].task_id;
        r.owner = "o";
        r.attempt.outcome = Outcome::Permanent;
        r.attempt.code = "Bad\x1b[8mHidden";
        r.attempt.request_id = "req\nforged line";
        ASSERT_TRUE(store->record_results({r}));
    }
    EXPECT_EQ(cli({"status", "hostile"}), 0);
    EXPECT_NE(out.find("  description:  \\x1b[2J\\x1b[31mred\\x1b]0;title\\x07\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
    EXPECT_EQ(cli({"tasks", "hostile"}), 0);
    EXPECT_NE(out.find("  /  Bad\\x1b[8mHidden  req\\nforged line\n"), std::string::npos) << out;
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
    EXPECT_EQ(cli({"--json", "status", "hostile"}), 0);
    EXPECT_NE(out.find("\"description\":\"\\u001b[2J"), std::string::npos) << out;
}

// An option is checked before anything is done: the inbox file stays where it is.
TEST_F(HostileCli, BatchRefusesABadFlagBeforeTouchingTheInbox) {
    dir.write("state/inbox/a.yaml", kJob);
    EXPECT_EQ(cli({"batch", "--max-time", "banana"}), 64);
    EXPECT_EQ(err,
              "qbi-runner: error: --max-time: expected a duration such as 90s, 15m or 2h, got "
              "'banana'\n");
    EXPECT_TRUE(fs::exists(dir / "state/inbox/a.yaml"));
    EXPECT_FALSE(fs::exists(dir / "state/inbox/accepted"));
}

// A file renamed into the inbox just before batch runs is submitted, not left for a later
// batch. (The run that follows finds no server: every attempt fails on transport, 69.)
TEST_F(HostileCli, BatchTakesAFileRenamedAMomentAgo) {
    auto ak = dir.write("ak", "access_key_id = AKIDhostile\naccess_key_secret = hostile-secret\n");
    dir.write("state/inbox/.a.yaml", kJob);
    fs::rename(dir / "state/inbox/.a.yaml", dir / "state/inbox/a.yaml");
    EXPECT_EQ(cli({"--endpoint", "https://127.0.0.1:9", "--credentials-file", ak.string(), "-q",
                   "batch", "--max-time", "1s"}),
              69);
    EXPECT_TRUE(fs::exists(dir / "state/inbox/accepted/a.yaml"));
    EXPECT_EQ(cli({"status"}), 0);
    EXPECT_NE(out.find("hostile"), std::string::npos) << out;
}

// When JOURNAL_STREAM names stderr (as systemd sets it), lines carry their syslog priority.
TEST_F(HostileCli, JournalPriorityPrefix) {
    auto r = test::run_process(
        {"/bin/sh", "-c",
         "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" frobnicate",
         QBI_RUNNER_BIN},
        {{"HOME", dir.path().string()}}, dir.path().string());
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_EQ(r.err,
              "<3>qbi-runner: error: unknown command 'frobnicate' (see qbi-runner --help)\n");
    r = test::run_process({QBI_RUNNER_BIN, "frobnicate"}, {{"HOME", dir.path().string()}},
                          dir.path().string());
    EXPECT_EQ(r.err, "qbi-runner: error: unknown command 'frobnicate' (see qbi-runner --help)\n");
}

}  // namespace
}  // namespace qbi::cli
