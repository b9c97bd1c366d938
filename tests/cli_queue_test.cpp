// The queue commands end to end through the command table, on a real SQLite file: validate,
// submit (atomic per file, idempotent, several files), status, tasks, rerun, cancel, audit,
// and their exit codes and --json schemas.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "runner/core/clock.h"
#include "runner/queue/store.h"
#include "tests/support/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace qbi::cli {
namespace {

const char* kJobA =
    "version: 1\njob: job-a\ntasks:\n"
    "  - cancel-collection: {user: \"100\", works: [w1, w2, w3]}\n";
const char* kJobB =
    "version: 1\njob: job-b\ntasks:\n"
    "  - cancel-share: {report: [r1, r2], to-type: group, to: g1}\n";
const char* kJobBad = "version: 1\njob: job-c\ntasks: []\n";

class QueueCli : public ::testing::Test {
protected:
    int cli(std::vector<std::string> args) {
        std::vector<std::string> argv{"--db", db()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = test::run_cli(argv, env_from_map({{"HOME", dir.path().string()}}));
        out = r.out;
        err = r.err;
        return r.code;
    }
    std::string db() const { return (dir / "q.db").string(); }
    std::string file(const std::string& name, const std::string& text) {
        return dir.write(name, text).string();
    }
    test::TempDir dir;
    std::string out, err;
};

TEST_F(QueueCli, ValidateReportsEachFile) {
    auto a = file("a.yaml", kJobA), bad = file("bad.yaml", kJobBad);
    EXPECT_EQ(cli({"validate", a}), 0);
    EXPECT_EQ(out, a + ": ok, job job-a, 3 tasks\n");
    EXPECT_EQ(cli({"validate", a, bad}), 65);
    EXPECT_EQ(err, bad + ":3:8: tasks: the list is empty; a job needs at least one task\n" + bad +
                       ": invalid\n");
    EXPECT_EQ(cli({"--json", "validate", bad}), 65);
    EXPECT_NE(out.find("\"valid\":false"), std::string::npos) << out;
}

// A bad file among good ones: the good ones go in, the bad one enqueues nothing, exit 65.
TEST_F(QueueCli, SubmitTakesGoodFilesAndRefusesBadOnes) {
    auto a = file("a.yaml", kJobA), b = file("b.yaml", kJobB), bad = file("bad.yaml", kJobBad);
    EXPECT_EQ(cli({"submit", a, bad, b}), 65);
    EXPECT_EQ(out, a + ": submitted as job 1 (job-a, 3 tasks)\n" + b +
                       ": submitted as job 2 (job-b, 2 tasks)\n");
    EXPECT_NE(err.find(bad + ": rejected, nothing enqueued"), std::string::npos) << err;
    EXPECT_EQ(cli({"--json", "status"}), 0);
    EXPECT_NE(out.find("\"name\":\"job-a\""), std::string::npos);
    EXPECT_EQ(out.find("job-c"), std::string::npos);
}

TEST_F(QueueCli, ResubmitIsIdempotentAndChangedContentIsRefused) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(out, a + ": already submitted as job 1 (job-a, 3 tasks); nothing changed\n");
    auto changed =
        file("a2.yaml", std::string(kJobA) + "  - cancel-collection: {user: \"100\", works: w4}\n");
    EXPECT_EQ(cli({"submit", changed}), 65);
    EXPECT_EQ(err, changed +
                       ": job 'job-a' was already submitted as job 1 with different content; "
                       "give the changed job a new name\n");
}

TEST_F(QueueCli, DryRunListsCallsAndWritesNothing) {
    auto b = file("b.yaml", kJobB);
    EXPECT_EQ(cli({"submit", "--dry-run", b}), 0);
    EXPECT_EQ(out, "# " + b +
                       ": job job-b, 2 calls\n"
                       "CancelReportShare ReportId=r1 ShareToIds=g1 ShareToType=1\n"
                       "CancelReportShare ReportId=r2 ShareToIds=g1 ShareToType=1\n");
    EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(QueueCli, StatusTasksCancelAndRerun) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(cli({"status", "job-a"}), 0);
    EXPECT_NE(out.find("tasks:        3 (queued 3, running 0, done 0, already absent 0, failed 0, "
                       "cancelled 0)"),
              std::string::npos)
        << out;
    EXPECT_EQ(cli({"cancel", "job-a"}), 0);
    EXPECT_EQ(out, "cancelled 3 queued task(s) of job job-a\n");
    EXPECT_EQ(cli({"tasks", "job-a", "--state", "cancelled"}), 0);
    EXPECT_NE(out.find("cancelled"), std::string::npos);
    EXPECT_EQ(cli({"rerun", "job-a"}), 0);
    EXPECT_EQ(out, "nothing to rerun in job job-a\n");  // failed is the default state
    EXPECT_EQ(cli({"rerun", "job-a", "--state", "cancelled"}), 0);
    EXPECT_EQ(out,
              "requeued 3 task(s) of job job-a (attempt history kept); run qbi-runner run to "
              "work them\n");
    EXPECT_EQ(cli({"--json", "tasks", "job-a", "--state", "queued"}), 0);
    EXPECT_NE(out.find("\"state\":\"queued\""), std::string::npos);
}

// Failed tasks rerun by code; the attempt history stays.
TEST_F(QueueCli, RerunByCode) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    {
        auto store = queue::Store::open(db(), SystemClock::instance());
        ASSERT_TRUE(store);
        auto claimed = store->claim("o", 3, 60000);
        ASSERT_TRUE(claimed);
        std::vector<queue::TaskResult> results;
        for (std::size_t i = 0; i < claimed->size(); ++i) {
            queue::TaskResult r;
            r.task_id = (*claimed)[i].task_id;
            r.owner = "o";
            r.attempt.outcome = Outcome::Permanent;
            r.attempt.code = i == 0 ? "User.Not.In.Organization" : "Invalid.Parameter";
            results.push_back(r);
        }
        ASSERT_TRUE(store->record_results(results));
    }
    EXPECT_EQ(cli({"rerun", "job-a", "--code", "Invalid.Parameter"}), 0);
    EXPECT_EQ(out,
              "requeued 2 task(s) of job job-a (attempt history kept); run qbi-runner run to "
              "work them\n");
    EXPECT_EQ(cli({"audit", "export", "--format", "csv"}), 0);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4);  // header + 3 attempts
    EXPECT_EQ(cli({"audit", "verify"}), 0);
    EXPECT_NE(out.find("audit chain intact: 3 attempt row(s)"), std::string::npos) << out;
    EXPECT_EQ(cli({"audit", "export", "--format", "jsonl", "--job", "job-a"}), 0);
    EXPECT_NE(out.find("\"code\":\"User.Not.In.Organization\""), std::string::npos);
}

TEST_F(QueueCli, UnknownJobAndBadOptions) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    EXPECT_EQ(cli({"status", "nope"}), 64);
    EXPECT_EQ(err, "qbi-runner: error: no job named 'nope' (see qbi-runner status)\n");
    EXPECT_EQ(cli({"tasks", "job-a", "--state", "done"}), 64);
    EXPECT_EQ(cli({"rerun"}), 64);
    EXPECT_EQ(err, "qbi-runner: error: rerun needs one job, or --all\n");
    EXPECT_EQ(cli({"rerun", "--all", "--state", "succeeded"}), 64);
    EXPECT_EQ(cli({"audit", "export", "--format", "xml"}), 64);
    EXPECT_EQ(err, "qbi-runner: error: --format: expected jsonl or csv, got 'xml'\n");
    EXPECT_EQ(cli({"audit", "export", "--since", "yesterday"}), 64);
    EXPECT_EQ(cli({"submit", "--dryrun", a}), 64);
    EXPECT_EQ(err, "qbi-runner: error: unknown option '--dryrun'; did you mean '--dry-run'?\n");
}

// A tampered audit row (rewritten through the raw file with the triggers dropped) is found.
TEST_F(QueueCli, AuditVerifyNamesTheFirstBrokenRow) {
    auto a = file("a.yaml", kJobA);
    ASSERT_EQ(cli({"submit", a}), 0);
    {
        auto store = queue::Store::open(db(), SystemClock::instance());
        auto claimed = store->claim("o", 3, 60000);
        std::vector<queue::TaskResult> results;
        for (const auto& t : *claimed) {
            queue::TaskResult r;
            r.task_id = t.task_id;
            r.owner = "o";
            r.attempt.outcome = Outcome::Done;
            results.push_back(r);
        }
        ASSERT_TRUE(store->record_results(results));
        auto& raw = store->raw_connection();
        SQLite::Statement triggers(
            raw, "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='attempts'");
        std::vector<std::string> names;
        while (triggers.executeStep()) names.push_back(triggers.getColumn(0).getString());
        triggers.reset();
        for (const auto& n : names) raw.exec("DROP TRIGGER " + n);
        raw.exec("UPDATE attempts SET code = 'forged' WHERE id = 2");
    }
    EXPECT_EQ(cli({"audit", "verify"}), 65);
    EXPECT_EQ(err.rfind("qbi-runner: error: audit chain broken at attempt row 2: ", 0), 0u) << err;
}

}  // namespace
}  // namespace qbi::cli
