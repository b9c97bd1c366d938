// Crash safety with real processes (design §10, "kill -9 at any moment"): the real qbi-sim
// binary serves a leaver's world with latency; the real `qbi-runner run` works a queue file
// and is killed with SIGKILL at seeded random moments, then restarted, until a run exits 0.
// Afterwards every task has settled exactly once as succeeded (done, or already_absent when
// a killed call had already taken effect), none is left running, the simulator holds none of
// the leaver's favourites or grants, every task found running after a kill got exactly one
// `interrupted` attempt row from the next runner's recovery, and the audit chain verifies.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "runner/sim/world_io.h"
#include "tests/engine_sim_fixture.h"

extern char** environ;

namespace qbi::engine::test {
namespace {

using queue::AttemptOutcome;

#ifdef QBI_RUNNER_BIN
constexpr const char* kRunnerBin = QBI_RUNNER_BIN;
#else
constexpr const char* kRunnerBin = "";
#endif

// `qbi-runner ARGS` in the background, stdout and stderr to files; returns the pid.
pid_t spawn_runner(const std::vector<std::string>& args, const std::string& out,
                   const std::string& err) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kRunnerBin));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, kRunnerBin, &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot start qbi-runner");
    return pid;
}

// Waits up to `ms` for the child to exit: its exit code (128 + signal if killed), or -1 if it
// is still running.
int wait_for_exit(pid_t pid, int ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// 320 favourites and 80 grants, 40 +/- 20 ms latency, 8 workers: a full run takes about two
// seconds. The runner is killed 6 times at seeded moments 80-450 ms after it starts, then
// allowed to finish.
TEST_F(EngineSimTest, KillNineAtRandomMomentsLosesNothing) {
    ASSERT_NE(std::string(kRunnerBin), "") << "QBI_RUNNER_BIN is not defined";
    constexpr int kFavorites = 320, kShares = 80, kTasks = kFavorites + kShares;
    constexpr int kKills = 6;

    const auto world = dir_.write("world.json", sim::world_to_value(leaver_world(kFavorites, kShares)).to_json());
    qbi::test::SimProcess simp({"--world", world.string(), "--latency", "40:20", "--seed", "7",
                                "--credentials", std::string(kKeyId) + ":" + kSecret, "-q"});
    ASSERT_TRUE(simp.started()) << simp.err();

    const std::int64_t job = submit(leaver_job("leaver-crash", kFavorites, kShares));
    const auto ak = dir_.write("alibaba-ak", std::string("access_key_id = ") + kKeyId +
                                                 "\naccess_key_secret = " + kSecret + "\n");
    const auto config = dir_.write("runner.ini", "[run]\nbackoff_base = 5ms\nbackoff_cap = 50ms\n");
    const std::vector<std::string> args = {
        "--config", config.string(),   "--db",         (dir_ / "queue.db").string(),
        "--endpoint", simp.endpoint(), "--ca-file",    simp.ca_file(),
        "--credentials-file", ak.string(), "run",      "--workers", "8",
        "--max-qps", "10000"};
    const std::string out = (dir_ / "runner.out").string(), err = (dir_ / "runner.err").string();

    std::mt19937 rng(20241122);
    std::uniform_int_distribution<int> moment(80, 450);
    std::int64_t running_at_kills = 0;
    int kills = 0, exit_code = -1;
    for (int round = 0; round < 40 && exit_code != 0; ++round) {
        const pid_t pid = spawn_runner(args, out, err);
        if (kills < kKills) {
            exit_code = wait_for_exit(pid, moment(rng));
            if (exit_code >= 0) continue;  // it finished (or failed) before the kill
            ASSERT_EQ(::kill(pid, SIGKILL), 0);
            ASSERT_EQ(wait_for_exit(pid, 10000), 128 + SIGKILL);
            ++kills;
            // What the dead runner left running; the next runner must recover each of them.
            running_at_kills += must(store().totals()).running;
        } else {
            exit_code = wait_for_exit(pid, 30000);
        }
        ASSERT_TRUE(exit_code == 0 || exit_code == -1 || exit_code == 128 + SIGKILL)
            << "exit " << exit_code << "\n" << qbi::test::read_file(err);
    }
    ASSERT_EQ(exit_code, 0) << qbi::test::read_file(err);
    EXPECT_EQ(kills, kKills);
    EXPECT_GT(running_at_kills, 0) << "no kill hit a runner with calls in flight";

    // Every task succeeded exactly once; nothing is left running, queued or failed.
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.succeeded(), kTasks);
    EXPECT_EQ(c.queued + c.running + c.failed + c.cancelled, 0);
    std::map<std::int64_t, int> successes;
    std::int64_t interrupted = 0;
    for (const auto& a : attempts()) {
        if (a.outcome == AttemptOutcome::Done || a.outcome == AttemptOutcome::AlreadyAbsent)
            ++successes[a.task_id];
        if (a.outcome == AttemptOutcome::Interrupted) {
            ++interrupted;
            EXPECT_EQ(a.code, queue::kCodeInterrupted);
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
