// Crash safety with real processes (design §10, "kill -9 at any moment"): the real qbi-sim
// binary serves a leaver's world with latency; the real `qbi-runner run` works a queue file
// and is killed with SIGKILL at seeded random moments, then restarted, until a run exits 0.
// Afterwards every task has settled exactly once as succeeded (done, or already_absent when
// a killed call had already taken effect), none is left running, the simulator holds none of
// the leaver's favourites or grants, and the audit chain verifies. Of the tasks found running
// after a kill, only those the dead runner's in-flight journal lists (the calls that may have
// been sent) got an `interrupted` attempt row from the next runner's recovery: at most one per
// worker and kill; the others went back to the queue without a row.
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
    std::int64_t running_at_kills = 0, in_doubt_at_kills = 0;
    int kills = 0, exit_code = -1;
    std::string last_err;
    for (int round = 0; round < 40 && exit_code != 0; ++round) {
        qbi::test::Process runner(argv, std::nullopt, dir_.path().string());
        if (kills < kKills) {
            exit_code = runner.wait_for(moment(rng));
            last_err = runner.err();
            if (exit_code >= 0) continue;  // it finished (or failed) before the kill
            exit_code = kill_when_safe(runner);
            last_err = runner.err();
            if (exit_code != 128 + SIGKILL) continue;
            ++kills;
            // What the dead runner left running; the next runner must recover each of them.
            running_at_kills += must(store().totals()).running;
            const std::int64_t doubt = in_doubt();
            EXPECT_LE(doubt, journal_slots(8))
                << "kill " << kills << ": more calls in doubt than journal slots";
            in_doubt_at_kills += doubt;
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
    EXPECT_EQ(interrupted, in_doubt_at_kills);
    EXPECT_LE(interrupted, journal_slots(8) * kills);  // interrupted rows per kill <= journal slots
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

// A task whose call brings the runner down every time (here: the runner is killed with SIGKILL
// while that one call is out, three times): each next runner's recovery records it as
// interrupted (one call in doubt, by the journal), and the third time in a row it fails the
// task with Runner.Interrupted instead of sending it again; `run` then exits 1 (a task failed)
// without a call.
TEST_F(EngineSimTest, ATaskInterruptedThreeTimesInARowFails) {
    ASSERT_NE(std::string(kRunnerBin), "") << "QBI_RUNNER_BIN is not defined";
    auto o = leaver_sim(1, 0);
    o.faults.latency_ms = 20000;  // the call never answers while the runner lives
    start_sim(o);
    const std::int64_t job = submit(leaver_job("leaver-killer", 1, 0));
    const auto ak = dir_.write("alibaba-ak", std::string("access_key_id = ") + kKeyId +
                                                 "\naccess_key_secret = " + kSecret + "\n");
    const auto config = dir_.write("runner.ini", "[run]\nbackoff_base = 5ms\n");
    const std::vector<std::string> argv = {kRunnerBin,
                                           "--config",
                                           config.string(),
                                           "--db",
                                           (dir_ / "queue.db").string(),
                                           "--endpoint",
                                           sim().endpoint(),
                                           "--ca-file",
                                           sim().ca_file(),
                                           "--credentials-file",
                                           ak.string(),
                                           "run",
                                           "--workers",
                                           "2"};
    for (std::uint64_t kill = 1; kill <= 3; ++kill) {
        qbi::test::Process runner(argv, std::nullopt, dir_.path().string());
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (sim().simulator().stats().requests() < kill &&
               std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        ASSERT_EQ(sim().simulator().stats().requests(), kill) << runner.err();
        runner.signal(SIGKILL);
        ASSERT_EQ(runner.wait_for(10000), 128 + SIGKILL);
        EXPECT_EQ(in_doubt(), 1);
    }
    auto last = qbi::test::run_process(argv, std::nullopt, dir_.path().string());
    EXPECT_EQ(last.exit_code, 1) << last.err;
    EXPECT_EQ(sim().simulator().stats().requests(), 3u);  // not sent a fourth time
    const queue::TaskInfo t = tasks(job).at(0);
    EXPECT_EQ(t.state, queue::TaskState::Failed);
    EXPECT_EQ(t.last_code, "Runner.Interrupted");
    EXPECT_EQ(t.last_message,
              "interrupted 3 times in a row (the runner stopped or crashed while this call was "
              "in flight); rerun it to try again");
    const auto rows = attempts();
    ASSERT_EQ(rows.size(), 3u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].attempt, static_cast<int>(i) + 1);
        EXPECT_EQ(rows[i].record.outcome, Outcome::Interrupted);
    }
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
