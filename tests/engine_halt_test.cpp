// Halts against the simulator over real TLS: answers that would fail every task the same way
// (credentials, permission) stop dispatch without failing or counting any task, and a run
// after the cause is fixed finishes the job.
#include <gtest/gtest.h>

#include <set>

#include "tests/engine_sim_fixture.h"

namespace qbi::engine::test {
namespace {

using queue::TaskState;

// The simulator answers InvalidAccessKeyId.NotFound from its 50th request on (--halt-after 50).
// The run halts with that code and its RequestId; the 49 earlier calls are done; the calls in
// flight when the halt came are recorded as halt_auth without counting; no task is failed and
// the rest stay queued. Then, against a simulator holding the same world without the fault,
// a new engine finishes the job and nothing is left in the world.
TEST_F(EngineSimTest, HaltAfterAuthErrorStopsDispatchAndARerunFinishes) {
    auto o = leaver_sim(200, 0);
    o.faults.halt_after = 50;
    o.faults.halt_code = "InvalidAccessKeyId.NotFound";
    start_sim(o);
    const std::int64_t job = submit(leaver_job("leaver-halt", 200, 0));

    EngineOptions opt = options();
    opt.workers = 4;
    RunReport r = run(opt);
    EXPECT_EQ(r.reason, StopReason::Halted);
    EXPECT_EQ(r.halt_outcome, Outcome::HaltAuth);
    EXPECT_EQ(r.halt_code, "InvalidAccessKeyId.NotFound");
    EXPECT_EQ(r.halt_message, "Specified access key is not found.");
    EXPECT_EQ(r.halt_request_id.size(), 36u);

    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 49);
    EXPECT_EQ(c.queued, 151);
    EXPECT_EQ(c.failed + c.running, 0);
    const std::uint64_t calls = sim().simulator().stats().requests();
    EXPECT_GE(calls, 50u);
    EXPECT_LE(calls, 49u + 4u);  // no more than one halt answer per worker
    int halted_rows = 0;
    for (const auto& a : attempts()) {
        if (a.record.outcome == Outcome::HaltAuth) {
            ++halted_rows;
            EXPECT_EQ(a.record.code, "InvalidAccessKeyId.NotFound");
            EXPECT_EQ(a.record.request_id.size(), 36u);
        } else {
            EXPECT_EQ(a.record.outcome, Outcome::Done);
        }
    }
    EXPECT_EQ(static_cast<std::uint64_t>(halted_rows), calls - 49);
    for (const auto& t : tasks(job))
        if (t.state == TaskState::Queued) {
            EXPECT_EQ(t.attempts, 0) << "task " << t.id;
        }

    // The cause is fixed: the same world, served without the fault.
    auto fixed = leaver_sim(0, 0);
    fixed.world = sim().world().snapshot();
    start_sim(fixed);
    r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    c = counts(job);
    EXPECT_EQ(c.done, 200);
    EXPECT_EQ(c.failed + c.queued + c.running + c.already_absent, 0);
    EXPECT_EQ(leaver_items(sim_world()), 0u);
    expect_chain_intact();
}

// A wrong AccessKey secret: the first answer is SignatureDoesNotMatch, the run halts at once,
// every task stays queued with no attempt counted, and the secret appears nowhere in the
// audit. With the right secret the next run finishes.
TEST_F(EngineSimTest, WrongSecretHaltsAtOnceAndFixedCredentialsFinish) {
    start_sim(leaver_sim(40, 10));
    const std::int64_t job = submit(leaver_job("leaver-badkey", 40, 10));

    RunReport r = run(options(), {}, callers(qbi::test::sim_credentials(kKeyId, "wrong-secret-x")));
    EXPECT_EQ(r.reason, StopReason::Halted);
    EXPECT_EQ(r.halt_outcome, Outcome::HaltAuth);
    EXPECT_EQ(r.halt_code, "SignatureDoesNotMatch");
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.queued, 50);
    EXPECT_EQ(c.succeeded() + c.failed + c.running, 0);
    const auto rows = attempts();
    EXPECT_GE(rows.size(), 1u);
    EXPECT_LE(rows.size(), 8u);  // at most one call per worker
    for (const auto& a : rows) {
        EXPECT_EQ(a.record.outcome, Outcome::HaltAuth);
        EXPECT_EQ(a.record.message.find("wrong-secret-x"), std::string::npos) << a.record.message;
    }
    for (const auto& t : tasks(job)) EXPECT_EQ(t.attempts, 0);

    r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    c = counts(job);
    EXPECT_EQ(c.done, 50);
    EXPECT_EQ(leaver_items(sim_world()), 0u);
    expect_chain_intact();
}

// An organisation on the standard edition answers Access.Forbidden to every business call:
// the run halts with HaltPermission (exit 77 in the CLI), no task failed. After the upgrade
// (professional edition) the job finishes.
TEST_F(EngineSimTest, PermissionRefusalHaltsWithHaltPermission) {
    auto o = leaver_sim(30, 0);
    o.world.organization.edition = "standard";
    start_sim(o);
    const std::int64_t job = submit(leaver_job("leaver-edition", 30, 0));

    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Halted);
    EXPECT_EQ(r.halt_outcome, Outcome::HaltPermission);
    EXPECT_EQ(r.halt_code, "Access.Forbidden");
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.queued, 30);
    EXPECT_EQ(c.succeeded() + c.failed + c.running, 0);
    for (const auto& a : attempts()) EXPECT_EQ(a.record.outcome, Outcome::HaltPermission);

    auto upgraded = leaver_sim(0, 0);
    upgraded.world = sim().world().snapshot();
    upgraded.world.organization.edition = "professional";
    start_sim(upgraded);
    r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    EXPECT_EQ(counts(job).done, 30);
    expect_chain_intact();
}

// Continuous mode (serve) over TLS: a halt pauses dispatch and a single task probes every
// halt_probe_ms (150 ms here); a probe that succeeds resumes dispatch. The simulator refuses
// 10 % of requests with Access.Forbidden, so halts come and go; every task still ends done
// and none is failed for a halt. (The probe's timing, exactly halt_probe_ms after the halt
// and after a refused probe, is engine_fake_test's
// ServeModeProbesAfterHaltProbeMsAndResumesOnSuccess, on a ManualClock.)
TEST_F(EngineSimTest, ContinuousModeProbesAfterAHaltAndResumes) {
    auto o = leaver_sim(40, 0);
    o.faults.fail.push_back(sim::FailRule{"Access.Forbidden", 0, 0.1});
    start_sim(o);
    const std::int64_t job = submit(leaver_job("leaver-serve", 40, 0));

    EngineOptions opt = options();
    opt.continuous = true;
    opt.idle_poll_ms = 20;
    opt.halt_probe_ms = 150;
    std::set<std::string> statuses;
    RunReport r = run(opt, [&](const Engine& e) {
        statuses.insert(e.status_text().substr(0, 24));
        if (e.progress().done == 40) stop_ = true;
    });
    EXPECT_EQ(r.reason, StopReason::Stopped);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 40);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    EXPECT_TRUE(statuses.count("halted: Access.Forbidden")) << statuses.size();
    int halts = 0;
    for (const auto& a : attempts()) halts += a.record.outcome == Outcome::HaltPermission;
    EXPECT_GE(halts, 1);
    EXPECT_EQ(last_progress_.halted_attempts, halts);
    for (const auto& t : tasks(job)) EXPECT_EQ(t.attempts, 1) << "task " << t.id;
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
