// Hostile input at the command line's edges: a FIFO given as a job file, terminal escapes in a
// job's description and in a server's answer as `status` and `tasks` print them, `batch` with
// a bad flag (refused before the inbox is touched) and with a file renamed into the inbox a
// moment ago (taken at once), and the journal's priority prefix when stderr is the journal.
// The terminal's side too: colour only on a colour terminal (NO_COLOR, TERM=dumb, a pipe), -v,
// and the help written from the command table (examples, options matching the synopsis).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "runner/cli/commands.h"
#include "runner/core/clock.h"
#include "runner/core/log.h"
#include "runner/core/random.h"
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
    int cli(std::vector<std::string> args, std::map<std::string, std::string> env = {},
            Terminal terminal = {}) {
        std::vector<std::string> argv{"--db", db()};
        argv.insert(argv.end(), args.begin(), args.end());
        env["HOME"] = dir.path().string();
        env["STATE_DIRECTORY"] = state();
        auto r = test::run_cli(argv, env_from_map(env), terminal);
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

// `status` colours job states on a terminal only: not with NO_COLOR (set, not empty), not with
// TERM=dumb, not into a pipe. Colour never lets the job's own escapes through.
TEST_F(HostileCli, StatusColoursStatesOnlyOnAColourTerminal) {
    auto job = dir.write("job.yaml", kJob).string();
    ASSERT_EQ(cli({"submit", job}), 0) << err;
    const Terminal tty{true, true};
    const std::string row =
        "    1  hostile                          \x1b[36mqueued   \x1b[0m       1";
    EXPECT_EQ(cli({"status"}, {{"TERM", "xterm"}}, tty), 0);
    EXPECT_NE(out.find(row), std::string::npos) << out;
    EXPECT_EQ(cli({"status"}, {{"TERM", "xterm"}, {"NO_COLOR", ""}}, tty), 0);
    EXPECT_NE(out.find(row), std::string::npos) << out;
    EXPECT_EQ(cli({"status", "hostile"}, {}, tty), 0);
    EXPECT_NE(out.find("job 1: hostile (\x1b[36mqueued\x1b[0m)\n"), std::string::npos) << out;
    EXPECT_NE(out.find("  description:  \\x1b[2J"), std::string::npos) << out;
    const std::string plain = "    1  hostile                          queued          1";
    for (const auto& [env, terminal] :
         std::vector<std::pair<std::map<std::string, std::string>, Terminal>>{
             {{{"NO_COLOR", "1"}}, tty}, {{{"TERM", "dumb"}}, tty}, {{}, Terminal{false, true}}}) {
        EXPECT_EQ(cli({"status"}, env, terminal), 0);
        EXPECT_NE(out.find(plain), std::string::npos) << out;
        EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
    }
}

// The progress line is redrawn in place only on a terminal that can (not TERM=dumb).
TEST(TerminalGate, RedrawOnlyOnACapableTerminal) {
    std::ostringstream out, err;
    SystemClock clock;
    RandomNonceSource nonces;
    auto inv = [&](std::map<std::string, std::string> env, bool tty) {
        return Invocation{GlobalOptions{}, app::Config{}, out, err, env_from_map(env),
                          clock,           nonces,        tty, tty};
    };
    EXPECT_TRUE(inv({{"TERM", "xterm"}}, true).redraw());
    EXPECT_TRUE(inv({{"NO_COLOR", "1"}}, true).redraw());  // no colour, but \r still works
    EXPECT_FALSE(inv({{"NO_COLOR", "1"}}, true).colour());
    EXPECT_FALSE(inv({{"TERM", "dumb"}}, true).redraw());
    EXPECT_FALSE(inv({}, false).redraw());
}

// -v is log.level debug for this run, whatever the file says (an override, so a reload of
// serve keeps it); -q and -v together are a usage error.
TEST_F(HostileCli, VerboseRaisesTheLogLevelForOneRun) {
    auto ini = dir.write("runner.ini", "[log]\nlevel = error\n").string();
    auto job = dir.write("job.yaml", kJob).string();
    ASSERT_EQ(cli({"--config", ini, "validate", job}), 0) << err;
    EXPECT_EQ(log::level(), log::Level::Error);
    ASSERT_EQ(cli({"--config", ini, "-v", "validate", job}), 0) << err;
    EXPECT_EQ(log::level(), log::Level::Debug);
    ASSERT_EQ(cli({"--config", ini, "validate", job, "--verbose"}), 0) << err;
    EXPECT_EQ(log::level(), log::Level::Debug);
    EXPECT_EQ(cli({"-q", "-v", "validate", job}), 64);
    EXPECT_EQ(err, "qbi-runner: error: -q and -v exclude each other\n");
    app::ConfigOverrides o;
    o.log_level = "debug";
    auto cfg = app::load_configuration(o, env_from_map({{"QBI_RUNNER_CONFIG", ini}}));
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg->log_level, "debug");
    log::set_level(log::Level::Info);
}

// Every command's help shows its description, options and at least one example of itself;
// every option in the table appears in the command's synopsis and is accepted by its parser.
TEST_F(HostileCli, EveryCommandsHelpTeachesWithExamples) {
    for (const Command& c : commands()) {
        SCOPED_TRACE(c.name);
        ASSERT_EQ(cli({c.name, "--help"}), 0);
        EXPECT_EQ(out.rfind(std::string("usage: qbi-runner [global options] ") + c.usage + "\n", 0),
                  0u)
            << out;
        ASSERT_FALSE(c.examples.empty());
        EXPECT_NE(out.find("\nExamples:\n  " + std::string(c.examples[0].command) + "\n"),
                  std::string::npos)
            << out;
        for (const Example& e : c.examples) {
            const std::string command = e.command;
            EXPECT_TRUE(command.find(std::string(" ") + c.name) != std::string::npos ||
                        command.rfind("systemctl", 0) == 0)
                << command;
        }
        for (const Option& o : c.options) {
            EXPECT_NE(std::string(c.usage).find(o.alias ? o.alias : o.name), std::string::npos)
                << o.name;
            EXPECT_NE(out.find(o.name), std::string::npos) << o.name;
            std::vector<std::string> args{o.name};
            if (o.arg) args.push_back("x");
            EXPECT_TRUE(parse_args(args, c)) << o.name;
        }
    }
    // Every global option of the table is parsed (a valued one has a field to go to).
    for (const Option& o : global_options()) {
        std::vector<std::string> args{o.alias ? o.alias : o.name};
        if (o.arg) args.push_back("x");
        args.push_back("--help");
        EXPECT_EQ(cli(args), 0) << o.name << ": " << err;
    }
    auto parsed = parse_args({"a.yaml", "-o", "out.yaml"}, command("plan"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->get("--output"), "out.yaml");
    EXPECT_EQ(cli({"help", "cancel"}), 0);
    EXPECT_EQ(out,
              "usage: qbi-runner [global options] cancel JOB\n\n"
              "Cancels the tasks of a job that are still queued; rerun --state cancelled\n"
              "brings them back.\n\n"
              "Examples:\n"
              "  qbi-runner cancel offboard-jdoe-2026-12-03\n"
              "      the queued tasks will not run\n\n"
              "Global options: qbi-runner --help. Manual: man qbi-runner.\n");
    EXPECT_EQ(cli({"help", "cancle"}), 64);
    EXPECT_EQ(err, "qbi-runner: error: help: no command 'cancle' (see qbi-runner --help)\n");
    EXPECT_EQ(cli({"help", "jobs"}), 0);
    EXPECT_EQ(out.rfind("# qbi-runner-jobs(5)\n", 0), 0u) << out;
}

}  // namespace
}  // namespace qbi::cli
