// Discovery under kill -9 (discovery.md §2, design §10) with the real binaries: qbi-sim serves
// 12 leavers, each with favourites, personal grants and grants through a group, with 30 %
// Internal.System.Error, 2 % dropped connections and latency; `qbi-runner run` works one
// offboarding job of all 12 accounts and is killed with SIGKILL at seeded moments, then
// restarted until a run exits 0. Afterwards the world is exactly the fault-free outcome, no
// call of the job exists twice, every read is audited with its RequestId, and the chain holds.
#include <signal.h>

#include <random>
#include <set>

#include "runner/jobs/job_spec.h"
#include "runner/sim/world_io.h"
#include "tests/discovery_fixture.h"
#include "tests/engine_sim_fixture.h"
#include "tests/support/process.h"

namespace qbi::engine::test {
namespace {

constexpr int kLeavers = 12, kFavorites = 15, kPersonal = 8, kGroup = 5;

std::string crash_world() {
    std::string w = "version: 1\norganization: {id: org-1}\nimplicit: true\nusers:\n";
    for (int u = 0; u < kLeavers; ++u)
        w += "  - {id: \"20" + std::to_string(100 + u) + "\", account: leaver" + std::to_string(u) +
             "}\n";
    w += "  - {id: stay, account: stay}\ngroups:\n";
    for (int u = 0; u < kLeavers; ++u)
        w += "  - {id: g" + std::to_string(u) + ", members: [\"20" + std::to_string(100 + u) +
             "\", stay]}\n";
    w += "favorites:\n";
    for (int u = 0; u < kLeavers; ++u) {
        const std::string id = "20" + std::to_string(100 + u);
        for (int f = 0; f < kFavorites; ++f)
            w += "  - {user: \"" + id + "\", work: f" + std::to_string(u) + "-" +
                 std::to_string(f) + "}\n";
        w += "  - {user: stay, work: f" + std::to_string(u) + "-0}\n";
    }
    w += "shares:\n";
    for (int u = 0; u < kLeavers; ++u) {
        const std::string id = "20" + std::to_string(100 + u), n = std::to_string(u);
        for (int s = 0; s < kPersonal; ++s)
            w += "  - {report: r" + n + "-" + std::to_string(s) + ", to_type: user, to: \"" + id +
                 "\"}\n";
        for (int s = 0; s < kGroup; ++s)
            w += "  - {report: r" + n + "-" + std::to_string(s) + ", to_type: group, to: g" + n +
                 "}\n";
        w += "  - {report: r" + n + "-0, to_type: user, to: stay}\n";
    }
    return w;
}

TEST_F(EngineSimTest, DiscoveryUnderKillNineAndFaultsEndsLikeAFaultFreeRun) {
    const auto world = dir_.write("world.yaml", crash_world());
    auto initial = sim::load_world_file(world.string());
    ASSERT_TRUE(initial) << initial.error().message;
    sim::add_implicit_entities(initial->data);
    qbi::test::SimProcess simp({"--world", world.string(), "--latency", "15:10", "--seed", "11",
                                "--fail", "Internal.System.Error=0.3", "--drop", "0.02",
                                "--credentials", std::string(kKeyId) + ":" + kSecret, "-q"});
    ASSERT_TRUE(simp.started()) << simp.err();

    std::string job =
        "version: 1\njob: offboard-twelve\nmax_attempts: 40\ntasks:\n"
        "  - offboard-user:\n      account: [";
    for (int u = 0; u < kLeavers; ++u)
        job += (u ? ", " : "") + std::string("leaver") + std::to_string(u);
    job += "]\n";
    const auto job_file = dir_.write("job.yaml", job);
    const auto ak = dir_.write("alibaba-ak", std::string("access_key_id = ") + kKeyId +
                                                 "\naccess_key_secret = " + kSecret + "\n");
    const auto config = dir_.write("runner.ini", "[run]\nbackoff_base = 5ms\nbackoff_cap = 40ms\n");
    const std::vector<std::string> common = {QBI_RUNNER_BIN,
                                             "--config",
                                             config.string(),
                                             "--db",
                                             (dir_ / "queue.db").string(),
                                             "--endpoint",
                                             simp.endpoint(),
                                             "--ca-file",
                                             simp.ca_file(),
                                             "--credentials-file",
                                             ak.string()};
    std::vector<std::string> submit_argv = common;
    submit_argv.insert(submit_argv.end(), {"submit", job_file.string()});
    auto submitted = qbi::test::run_process(submit_argv, std::nullopt, dir_.path().string());
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    std::vector<std::string> run_argv = common;
    // Paced at 200 calls/s, so that the job (about 600 calls with the faults) outlasts the six
    // kills: unpaced, a fast runner could finish it before the sixth.
    run_argv.insert(run_argv.end(), {"run", "--workers", "8", "--max-qps", "200"});

    std::mt19937 rng(20261202);
    std::uniform_int_distribution<int> moment(60, 400);
    int kills = 0, exit_code = -1;
    std::int64_t in_doubt_at_kills = 0;
    std::string last_err;
    for (int round = 0; round < 40 && exit_code != 0; ++round) {
        qbi::test::Process runner(run_argv, std::nullopt, dir_.path().string());
        if (kills < 6) {
            exit_code = runner.wait_for(moment(rng));
            last_err = runner.err();
            if (exit_code >= 0) continue;  // it finished (or failed) before the kill
            exit_code = kill_when_safe(runner);
            last_err = runner.err();
            if (exit_code != 128 + SIGKILL) continue;
            ++kills;
            const std::int64_t doubt = in_doubt();
            EXPECT_LE(doubt, journal_slots(8))
                << "kill " << kills << ": more calls in doubt than journal slots";
            in_doubt_at_kills += doubt;
        } else {
            exit_code = runner.wait_for(60000);
            last_err = runner.err();
        }
    }
    ASSERT_EQ(exit_code, 0) << last_err;
    EXPECT_EQ(kills, 6);

    // The world of a fault-free run: every leaver's favourites and personal grants gone,
    // everything else (group grants, the stayer's favourites and grants) untouched.
    auto [status, body] = qbi::test::sim_get(simp.endpoint(), simp.ca_file(), "/__sim/state");
    ASSERT_EQ(status, 200);
    auto after = sim::parse_world(body, "state.json");
    ASSERT_TRUE(after) << after.error().message;
    qbi::test::FavoriteSet favorites;
    for (const auto& f : qbi::test::favorites_of(initial->data))
        if (f.first == "stay") favorites.insert(f);
    qbi::test::ShareSet shares;
    for (const auto& s : qbi::test::shares_of(initial->data))
        if (std::get<1>(s) != 0 || std::get<2>(s) == "stay") shares.insert(s);
    EXPECT_EQ(qbi::test::favorites_of(after->data), favorites);
    EXPECT_EQ(qbi::test::shares_of(after->data), shares);

    // Nothing twice, nothing left, every read audited with a RequestId, the chain intact.
    auto job_info = must(store().find_job("offboard-twelve"));
    ASSERT_TRUE(job_info);
    queue::TaskCounts c = counts(job_info->id);
    EXPECT_EQ(c.queued + c.running + c.failed, 0);
    std::set<std::string> calls;
    std::set<std::int64_t> reads;
    for (const auto& t : tasks(job_info->id)) {
        EXPECT_TRUE(calls.insert(t.action + " " + t.params_json + " " + t.context).second);
        if (jobs::is_read_action(t.action)) reads.insert(t.id);
    }
    // Per leaver: lookup, ListCollections, QuerySharesToUserList, 8 QueryShareList (personal
    // and group routes are the same 8 works), 15 + 8 cancels.
    EXPECT_EQ(c.total(), kLeavers * (3 + kPersonal + kFavorites + kPersonal));
    // Interrupted rows only for the calls in doubt: at most journal_slots(8) per kill.
    std::int64_t interrupted = 0;
    for (const auto& a : attempts()) interrupted += a.record.outcome == Outcome::Interrupted;
    EXPECT_EQ(interrupted, in_doubt_at_kills);
    EXPECT_LE(interrupted, journal_slots(8) * kills);
    std::set<std::int64_t> audited;
    for (const auto& a : attempts())
        if (reads.count(a.task_id) && a.record.outcome == Outcome::Done &&
            qbi::test::is_request_id(a.record.request_id))
            audited.insert(a.task_id);
    EXPECT_EQ(audited, reads);
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
