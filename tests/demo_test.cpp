// `qbi-runner demo` as a newcomer runs it: the real binaries (qbi-runner starts qbi-sim from the
// same folder as a child process), the shipped examples, a fresh temporary folder. And every
// bad option is refused before anything starts.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/cli_runner.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

// The examples end to end without faults: the discovery example is planned first (reads only),
// then every due task is done -- the discovery job's reads and the cancels they found included --
// the scheduled job is left for later, the audit chain verifies, the world no longer holds what
// the due jobs remove, and the group and organisation grants of the offboarded account remain.
TEST(Demo, RunsTheExamplesAgainstTheSimulatorChildProcess) {
    test::TempDir dir;
    auto r = test::run_process({QBI_RUNNER_BIN, "demo", "--no-faults"},
                               std::map<std::string, std::string>{{"HOME", dir.path().string()},
                                                                  {"TMPDIR", dir.path().string()}},
                               dir.path().string(), 60000);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("(loopback only; no faults)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("run finished"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("== plan "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("job: offboard-lwang-2026-06-30-plan"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("50 done, 0 already absent, 0 failed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("audit chain verified: 50 rows"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("offboard-lwang-2026-06-30: 0 of 9 still present; 3 of 3 grants through "
                         "groups or the organisation kept"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("dissolve-group-finance-2026-q4: 0 of 17 still present"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("offboard-jdoe-2026-11-30: 0 of 11 still present"), std::string::npos);
    EXPECT_NE(r.out.find("offboard-mchen-2026-12-18: 8 of 8 still present (scheduled"),
              std::string::npos);
    // It ends with the evidence report of the offboarding that discovered its work.
    const auto at = r.out.find("evidence report:       ");
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string report = r.out.substr(at + 23, r.out.find('\n', at) - at - 23);
    EXPECT_EQ(std::filesystem::path(report).filename(), "report-offboard-lwang-2026-06-30.html");
    const std::string html = test::read_file(report);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("<span class=\"ok\" id=\"chain-verdict\">intact</span>"),
              std::string::npos);
    // The simulator was stopped: its log says it shut down, nothing listens any more.
    EXPECT_EQ(r.err.find("error"), std::string::npos) << r.err;
}

TEST(Demo, BadOptionsAreRefusedBeforeAnythingStarts) {
    test::TempDir dir;
    Env env = env_from_map({{"HOME", dir.path().string()}});
    auto workers = test::run_cli({"demo", "--workers", "0"}, env);
    EXPECT_EQ(workers.code, 64);
    EXPECT_EQ(workers.err,
              "qbi-runner: error: --workers: expected a whole number from 1 to 512, got '0'\n");
    auto letters = test::run_cli({"demo", "--workers", "abc"}, env);
    EXPECT_EQ(letters.code, 64);
    auto seed = test::run_cli({"demo", "--seed", "abc"}, env);
    EXPECT_EQ(seed.code, 64);
    EXPECT_EQ(seed.err, "qbi-runner: error: --seed: expected a whole number, got 'abc'\n");
    auto examples = test::run_cli({"demo", "--examples", (dir / "none").string()}, env);
    EXPECT_EQ(examples.code, 78);
    EXPECT_EQ(examples.err,
              "qbi-runner: error: --examples " + (dir / "none").string() + " is not a folder\n");
    auto sim = test::run_cli({"demo", "--sim", (dir / "qbi-sim").string()}, env);
    EXPECT_EQ(sim.code, 69);
    EXPECT_EQ(sim.err, "qbi-runner: error: --sim " + (dir / "qbi-sim").string() +
                           " is not an executable file\n");
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace qbi
