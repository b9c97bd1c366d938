// Crash safety with real processes (design §10, "kill -9 at any moment"): the real qbi-sim
// binary serves a leaver's world with latency; the real `qbi-runner run` works a queue file
// and is killed with SIGKILL at seeded random moments, then restarted, until a run exits 0.
// Afterwards every task has settled exactly once as succeeded (done, or already_absent when
// a killed call had already taken effect), none is left running, the simulator holds none of
// the leaver's favourites or grants, every task found running after a kill got exactly one
// `interrupted` attempt row from the next runner's recovery, and the audit chain verifies.
#include <signal.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "runner/sim/world_io.h"
#include "tests/engine_sim_fixture.h"
#include "tests/support/process.h"

namespace qbi::engine::test {
namespace {

#ifdef QBI_RUNNER_BIN
constexpr const char* kRunnerBin = QBI_RUNNER_BIN;
#else
constexpr const char* kRunnerBin = "";
#endif

// 320 favourites and 80 grants, 40 +/- 20 ms latency, 8 workers: a full run takes about two
// seconds. The runner is killed 6 times at seeded moments 80-450 ms after it starts, then
// allowed to finish.
TEST_F(EngineSimTest, KillNineAtRandomMomentsLosesNothing) {
    ASSERT_NE(std::string(kRunnerBin), "") << "QBI_RUNNER_BIN is not defined";
    constexpr int kFavorites = 320, kShares = 80, kTasks = kFavorites + kShares;
    constexpr int kKills = 6;

    const auto world =
        dir_.write("world.json", sim::world_to_value(leaver_world(kFavorites, kShares)).to_json());
    qbi::test::SimProcess simp({"--world", world.string(), "--latency", "40:20", "--seed", "7",
                                "--credentials", std::string(kKeyId) + ":" + kSecret, "-q"});
    ASSERT_TRUE(simp.started()) << simp.err();

    const std::int64_t job = submit(leaver_job("leaver-crash", kFavorites, kShares));
    const auto ak = dir_.write("alibaba-ak", std::string("access_key_id = ") + kKeyId +
                                                 "\naccess_key_secret = " + kSecret + "\n");
    const auto config = dir_.write("runner.ini", "[run]\nbackoff_base = 5ms\nbackoff_cap = 50ms\n");
    const std::vector<std::string> args = {"--config",
                                           config.string(),
                                           "--db",
                                           (dir_ / "queue.db").string(),
                                           "--endpoint",
                                           simp.endpoint(),
                                           "--ca-file",
                                           simp.ca_file(),
                                           "--credentials-file",
                                           ak.string(),
                                           "run",
                                           "--workers",
                                           "8",
                                           "--max-qps",
                                           "10000"};
    std::vector<std::string> argv{kRunnerBin};
    argv.insert(argv.end(), args.begin(), args.end());

    std::mt19937 rng(20241122);
    std::uniform_int_distribution<int> moment(80, 450);
    std::int64_t running_at_kills = 0;
    int kills = 0, exit_code = -1;
    std::string last_err;
    for (int round = 0; round < 40 && exit_code != 0; ++round) {
        qbi::test::Process runner(argv, std::nullopt, dir_.path().string());
        if (kills < kKills) {
            exit_code = runner.wait_for(moment(rng));
            last_err = runner.err();
            if (exit_code >= 0) continue;  // it finished (or failed) before the kill
            runner.signal(SIGKILL);
            ASSERT_EQ(runner.wait_for(10000), 128 + SIGKILL);
            ++kills;
            // What the dead runner left running; the next runner must recover each of them.
            running_at_kills += must(store().totals()).running;
        } else {
            exit_code = runner.wait_for(30000);
            last_err = runner.err();
        }
        ASSERT_TRUE(exit_code == 0 || exit_code == -1 || exit_code == 128 + SIGKILL)
            << "exit " << exit_code << "\n"
            << last_err;
    }
    ASSERT_EQ(exit_code, 0) << last_err;
    EXPECT_EQ(kills, kKills);
    EXPECT_GT(running_at_kills, 0) << "no kill hit a runner with calls in flight";

    // Every task succeeded exactly once; nothing is left running, queued or failed.
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.succeeded(), kTasks);
    EXPECT_EQ(c.queued + c.running + c.failed + c.cancelled, 0);
    std::map<std::int64_t, int> successes;
    std::int64_t interrupted = 0;
    for (const auto& a : attempts()) {
        if (a.record.outcome == Outcome::Done || a.record.outcome == Outcome::AlreadyAbsent)
            ++successes[a.task_id];
        if (a.record.outcome == Outcome::Interrupted) {
            ++interrupted;
            EXPECT_EQ(a.record.code, queue::kCodeInterrupted);
        }
    }
    EXPECT_EQ(successes.size(), static_cast<std::size_t>(kTasks));
    for (const auto& [task, n] : successes) EXPECT_EQ(n, 1) << "task " << task;
    EXPECT_EQ(interrupted, running_at_kills);
    expect_chain_intact();

    // The simulator's own view: none of the leaver's favourites or grants is left, the other
    // user's favourite is untouched.
    auto [status, body] = qbi::test::sim_get(simp.endpoint(), simp.ca_file(), "/__sim/state");
    ASSERT_EQ(status, 200);
    auto state = sim::parse_world(body, "state.json");
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ(leaver_items(state->data), 0u);
    EXPECT_EQ(state->data.favorites.size(), 1u);
}

}  // namespace
}  // namespace qbi::engine::test
