// The discovery commands through the real command table against the simulator over TLS:
// `offboard` submits the discovery job (and --dry-run shows it), `plan` prints a job file that
// submits as it is (and leaves the world untouched), `status JOB` counts by action, `tasks`
// names the read that created each task, and `submit --dry-run` says the reads run first.
#include <gtest/gtest.h>

#include "tests/discovery_fixture.h"
#include "tests/support/cli_runner.h"
#include "tests/support/sim_fixture.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

class DiscoveryCli : public ::testing::Test {
protected:
    DiscoveryCli() {
        test::SimFixtureOptions o;
        o.credentials = {test::sim_credentials("AKIDdiscoverycli01", "cli-secret")};
        o.world_yaml = test::kOffboardWorld;
        sim_ = std::make_unique<test::SimFixture>(o);
    }
    test::CliResult cli(std::vector<std::string> args) {
        std::vector<std::string> argv{"--db",       (dir_ / "q.db").string(),
                                      "--endpoint", sim_->endpoint(),
                                      "--ca-file",  sim_->ca_file()};
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_cli(argv,
                             env_from_map({{"HOME", dir_.path().string()},
                                           {"ALIBABA_CLOUD_ACCESS_KEY_ID", "AKIDdiscoverycli01"},
                                           {"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "cli-secret"}}));
    }
    test::TempDir dir_;
    std::unique_ptr<test::SimFixture> sim_;
};

TEST_F(DiscoveryCli, OffboardDryRunShowsTheJobAndItsFirstReads) {
    auto r = cli({"offboard", "jdoe", "--at", "2026-12-18T18:00:00+08:00", "--dry-run"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out,
              "version: 1\njob: \"offboard-jdoe-2026-12-18\"\ndescription: \"Offboarding jdoe\"\n"
              "not_before: 2026-12-18T10:00:00.000Z\ntasks:\n  - offboard-user:\n      account: "
              "[\"jdoe\"]\n# the discovery calls that run first (their answers decide the cancel "
              "calls):\n# QueryUserInfoByAccount Account=jdoe (offboarding account jdoe: "
              "favourites and direct shares)\n");
    EXPECT_FALSE(std::filesystem::exists(dir_ / "q.db"));  // nothing queued
}

// offboard submits; run works it; status counts by action; tasks names each task's read.
TEST_F(DiscoveryCli, OffboardRunStatusAndTasks) {
    auto s = cli({"offboard", "jdoe", "--description", "J. Doe leaves (HR-4411)"});
    ASSERT_EQ(s.code, 0) << s.err;
    const std::string name =
        s.out.substr(s.out.find("(") + 1, s.out.find(",") - s.out.find("(") - 1);
    EXPECT_EQ(name.rfind("offboard-jdoe-", 0), 0u) << s.out;
    auto again = cli({"offboard", "jdoe", "--description", "J. Doe leaves (HR-4411)"});
    EXPECT_EQ(again.code, 0);
    EXPECT_NE(again.out.find("already submitted"), std::string::npos) << again.out;

    auto run = cli({"run"});
    ASSERT_EQ(run.code, 0) << run.err;
    EXPECT_NE(run.out.find("16 done, 0 already absent, 0 failed"), std::string::npos) << run.out;

    auto status = cli({"status", name});
    ASSERT_EQ(status.code, 0) << status.err;
    EXPECT_NE(status.out.find("  by action:"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("    CancelCollection                         4       0       0 "
                              "      4"),
              std::string::npos)
        << status.out;
    EXPECT_NE(status.out.find("    QueryShareList                           6"), std::string::npos);
    auto json = cli({"--json", "status", name});
    EXPECT_NE(json.out.find("\"actions\":{\"CancelCollection\":{\"total\":4,"), std::string::npos)
        << json.out;

    auto tasks = cli({"tasks", name, "--action", "ListCollections"});
    ASSERT_EQ(tasks.code, 0) << tasks.err;
    const auto from = tasks.out.find("(from read ");
    ASSERT_NE(from, std::string::npos) << tasks.out;
    const std::string parent = tasks.out.substr(from + 11, tasks.out.find(')', from) - from - 11);
    auto children = cli({"--json", "tasks", name, "--parent", parent});
    EXPECT_EQ(children.out.find("\"action\":\"CancelCollection\""), std::string::npos);
    EXPECT_NE(children.out.find("\"action\":\"ListCollections\""), std::string::npos)
        << children.out;  // the lookup's children: ListCollections and QuerySharesToUserList
    EXPECT_NE(children.out.find("\"parent\":" + parent), std::string::npos);
    auto bad = cli({"tasks", name, "--parent", "abc"});
    EXPECT_EQ(bad.code, 64);
    EXPECT_EQ(bad.err,
              "qbi-runner: error: --parent: expected a task id (see the tasks listing), "
              "got 'abc'\n");
}

// plan prints a job file (the reads made, nothing cancelled) that submits as it is; an unknown
// account makes the plan incomplete: it says so, and exits 1.
TEST_F(DiscoveryCli, PlanPrintsASubmittableJobFile) {
    auto job =
        dir_.write("offboard.yaml",
                   "version: 1\njob: offboard-jdoe\ntasks:\n  - offboard-user: {account: jdoe}\n");
    const std::string before = sim_->state_json();
    auto p = cli({"plan", job.string()});
    ASSERT_EQ(p.code, 0) << p.err;
    EXPECT_NE(p.out.find("job: offboard-jdoe-plan\n"), std::string::npos) << p.out;
    EXPECT_EQ(sim_->state_json(), before);
    auto file = dir_.write("plan.yaml", p.out);
    auto v = cli({"validate", file.string()});
    EXPECT_EQ(v.code, 0) << v.err;
    EXPECT_EQ(v.out, file.string() + ": ok, job offboard-jdoe-plan, 7 tasks\n");
    auto out = cli({"plan", job.string(), "-o", (dir_ / "written.yaml").string()});
    EXPECT_EQ(out.code, 0);
    const std::string written = test::read_file(dir_ / "written.yaml");
    EXPECT_EQ(written.substr(written.find("version: 1")), p.out.substr(p.out.find("version: 1")));

    auto ghost = dir_.write(
        "ghost.yaml", "version: 1\njob: ghost\ntasks:\n  - offboard-user: {account: ghost}\n");
    auto g = cli({"plan", ghost.string()});
    EXPECT_EQ(g.code, 1);
    EXPECT_NE(g.out.find("# INCOMPLETE: 1 read(s) failed"), std::string::npos) << g.out;
    EXPECT_NE(g.err.find("account 'ghost' is not in the Quick BI organisation"), std::string::npos)
        << g.err;
    auto several = cli({"plan", job.string(), ghost.string()});
    EXPECT_EQ(several.code, 64);
}

TEST_F(DiscoveryCli, SubmitDryRunSaysTheReadsRunFirst) {
    auto job =
        dir_.write("offboard.yaml",
                   "version: 1\njob: offboard-jdoe\ntasks:\n  - offboard-user: {account: jdoe}\n");
    auto r = cli({"submit", "--dry-run", job.string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("# the discovery calls below run first, when the job is due; their "
                         "answers decide the cancel calls (qbi-runner plan shows them now)\n"),
              std::string::npos)
        << r.out;
}

}  // namespace
}  // namespace qbi
