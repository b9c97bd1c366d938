// The dispatcher's state machine (runner/engine/dispatch_state.h) as pure transitions: each
// test builds a state and an observation, and checks the next state and the exact actions.
// No threads, no clock, no store.
#include <gtest/gtest.h>

#include "runner/engine/dispatch_state.h"

namespace qbi::engine {
namespace {

DispatchConfig run_mode() {
    DispatchConfig c;
    c.continuous = false;
    c.capacity = 16;
    c.claim_batch = 64;
    c.idle_poll_ms = 1000;
    c.halt_probe_ms = 300000;
    c.grace_ms = 20000;
    return c;
}

DispatchConfig serve_mode(std::int64_t halt_probe_ms = 300000) {
    DispatchConfig c = run_mode();
    c.continuous = true;
    c.idle_poll_ms = 250;
    c.halt_probe_ms = halt_probe_ms;
    return c;
}

Observation at(std::int64_t now_ms, std::size_t busy = 0) {
    Observation o;
    o.now_ms = now_ms;
    o.busy = busy;
    return o;
}

DispatchState in(Phase p) {
    DispatchState s;
    s.phase = p;
    return s;
}

// Actions with nothing to do but wait until `until`.
void expect_only_wait(const Actions& a, std::int64_t until) {
    EXPECT_FALSE(a.resume || a.begin_stop || a.release_pending || a.abandon_in_flight ||
                 a.run_on_idle || a.query_next_retry);
    EXPECT_EQ(a.claim, 0);
    EXPECT_EQ(a.wait_until_ms, until);
}

// The figures the README and engine.h give for the calls in doubt after a crash.
TEST(EngineMachine, JournalSlotsAreACallPerWorkerAGroupCommitAndTheAnswersMeanwhile) {
    EXPECT_EQ(journal_slots(1), 1 + 64 + 12);
    EXPECT_EQ(journal_slots(8), 168);
    EXPECT_EQ(journal_slots(64), 224);
    EXPECT_EQ(journal_slots(200), 200 + 200 + 200);  // beyond 64 workers G and S grow with them
}

TEST(EngineMachine, ClaimCapacityIsThreePerWorkerUpToTwoSecondsOfTheRate) {
    EngineOptions o;
    o.workers = 8;
    o.claim_batch = 64;
    o.max_qps = 20;
    EXPECT_EQ(claim_capacity(o), 40);  // two seconds at 20/s
    o.max_qps = 1000;
    EXPECT_EQ(claim_capacity(o), journal_slots(8) + group_commit_size(8));  // every slot, and more
    EXPECT_EQ(claim_capacity(o), 232);
    o.claim_batch = 500;
    EXPECT_EQ(claim_capacity(o), 500);  // a larger claim batch
    o.claim_batch = 64;
    o.max_qps = 1;
    EXPECT_EQ(claim_capacity(o), 24);  // three per worker
    o.workers = 0;
    o.claim_batch = 0;
    o.max_qps = 0;
    EXPECT_EQ(claim_capacity(o), 3);
}

// Working with room for a batch: claim up to the room (never more than a claim batch); what
// happens next depends on the claim, so there is no wait or status yet.
TEST(EngineMachine, WorkingClaimsTheRoomLeft) {
    DispatchMachine m(run_mode());
    Step s = m.on_observe(in(Phase::Working), at(0, 5));
    EXPECT_EQ(s.state.phase, Phase::Working);
    EXPECT_EQ(s.actions.claim, 11);
    EXPECT_FALSE(s.actions.status);
    // Below the threshold (half the capacity): no claim, just wait for answers.
    s = m.on_observe(in(Phase::Working), at(0, 9));
    EXPECT_EQ(s.actions.status, "working");
    expect_only_wait(s.actions, 100);
    // After a claim that found tasks: working, wait for answers (at most kMaxWaitMs).
    s = m.on_claimed(in(Phase::Working), at(40, 5), ClaimResult{11, false});
    EXPECT_EQ(s.actions.status, "working");
    expect_only_wait(s.actions, 140);
}

// An open circuit breaker shows in the status with the seconds to its next probe, rounded up.
TEST(EngineMachine, OpenBreakerPausesWithACountdown) {
    DispatchMachine m(run_mode());
    Observation o = at(0, 16);
    o.breaker_closed = false;
    o.breaker_wait_ms = 1001;
    EXPECT_EQ(m.on_observe(in(Phase::Working), o).actions.status,
              "paused: endpoint unreachable after repeated transport failures; next probe in 2 s");
}

// Run mode, nothing claimed and nothing out: run on_idle, ask for the next retry; none left
// means the run is finished; a retry due in 30 ms means waiting for it.
TEST(EngineMachine, RunModeFinishesWhenNoRetryIsLeft) {
    DispatchMachine m(run_mode());
    Step s = m.on_claimed(in(Phase::Working), at(500), ClaimResult{0, false});
    EXPECT_TRUE(s.actions.run_on_idle);
    EXPECT_TRUE(s.actions.query_next_retry);
    Step done = m.on_next_retry(s.state, at(500), NextRetry{false, std::nullopt, 1000});
    EXPECT_EQ(done.state.phase, Phase::Done);
    EXPECT_EQ(done.state.reason, StopReason::Finished);

    Step wait = m.on_next_retry(s.state, at(500), NextRetry{false, 1030, 1000});
    EXPECT_EQ(wait.state.phase, Phase::Working);
    EXPECT_EQ(wait.actions.status, "waiting for retries");
    expect_only_wait(wait.actions, 530);
    // A retry far ahead: look again after at most kMaxWaitMs.
    wait = m.on_next_retry(s.state, at(500), NextRetry{false, 901000, 1000});
    expect_only_wait(wait.actions, 600);
}

// Continuous mode never finishes by itself: with nothing queued it is idle and polls.
TEST(EngineMachine, ServeModeIdlesAndPolls) {
    DispatchMachine m(serve_mode());
    Step s = m.on_next_retry(in(Phase::Working), at(500), NextRetry{false, std::nullopt, 1000});
    EXPECT_EQ(s.state.phase, Phase::Working);
    EXPECT_EQ(s.actions.status, "idle");
    expect_only_wait(s.actions, 600);  // idle_poll_ms 250, capped at kMaxWaitMs
}

// A busy database: the claim claims nothing; the idle decision then waits 100 ms instead of
// asking for the next retry (work may be due), and forgets the busy claim. A busy next-retry
// query waits too.
TEST(EngineMachine, BusyDatabaseIsWaitedOut) {
    DispatchMachine m(run_mode());
    Step s = m.on_claimed(in(Phase::Working), at(10), ClaimResult{0, true});
    EXPECT_TRUE(s.actions.run_on_idle);
    EXPECT_FALSE(s.actions.query_next_retry);
    EXPECT_FALSE(s.state.claim_busy);
    EXPECT_EQ(s.actions.wait_until_ms, 10 + kBusyRetryMs);
    // A busy claim while answers are out is remembered until the next idle decision.
    s = m.on_claimed(in(Phase::Working), at(10, 3), ClaimResult{0, true});
    EXPECT_TRUE(s.state.claim_busy);
    EXPECT_FALSE(s.actions.run_on_idle);
    s = m.on_claimed(s.state, at(20), ClaimResult{0, false});
    EXPECT_FALSE(s.actions.query_next_retry);
    EXPECT_FALSE(s.state.claim_busy);

    s = m.on_next_retry(in(Phase::Working), at(10), NextRetry{true, std::nullopt, 0});
    EXPECT_EQ(s.state.phase, Phase::Working);
    expect_only_wait(s.actions, 10 + kBusyRetryMs);
}

// A stop: nothing more is claimed, claimed tasks go back, status "stopping", and the writer
// observes again at once. Then: done when nothing is out; waiting for answers until the grace
// ends; at the grace end the calls still out are abandoned.
TEST(EngineMachine, StopReleasesThenWaitsForTheGraceThenAbandons) {
    DispatchMachine m(run_mode());
    Observation o = at(1000, 7);
    o.stop_requested = true;
    Step s = m.on_observe(in(Phase::Working), o);
    EXPECT_EQ(s.state.phase, Phase::Stopping);
    EXPECT_EQ(s.state.reason, StopReason::Stopped);
    EXPECT_EQ(s.state.stop_began_ms, 1000);
    EXPECT_TRUE(s.actions.begin_stop);
    EXPECT_TRUE(s.actions.release_pending);
    EXPECT_FALSE(s.actions.abandon_in_flight);
    EXPECT_EQ(s.actions.claim, 0);
    EXPECT_EQ(s.actions.status, "stopping");
    EXPECT_EQ(s.actions.wait_until_ms, 1000);

    const DispatchState stopping = s.state;
    s = m.on_observe(stopping, at(1000, 2));
    EXPECT_EQ(s.state.phase, Phase::Stopping);
    expect_only_wait(s.actions, 1100);
    s = m.on_observe(stopping, at(20950, 2));
    expect_only_wait(s.actions, 21000);  // never past the grace end
    s = m.on_observe(stopping, at(21000, 2));
    EXPECT_EQ(s.state.phase, Phase::Done);
    EXPECT_EQ(s.state.reason, StopReason::Stopped);
    EXPECT_TRUE(s.actions.release_pending);
    EXPECT_TRUE(s.actions.abandon_in_flight);

    s = m.on_observe(stopping, at(1500, 0));
    EXPECT_EQ(s.state.phase, Phase::Done);
    EXPECT_FALSE(s.actions.abandon_in_flight);
}

// The time limit is a stop with reason TimeLimit; until then no wait passes it.
TEST(EngineMachine, TimeLimitStopsWithTimeLimit) {
    DispatchConfig c = run_mode();
    c.max_time_ms = 5000;
    DispatchMachine m(c);
    Step s = m.on_observe(in(Phase::Working), at(4950, 12));
    expect_only_wait(s.actions, 5000);
    s = m.on_observe(in(Phase::Working), at(5000, 12));
    EXPECT_EQ(s.state.phase, Phase::Stopping);
    EXPECT_EQ(s.state.reason, StopReason::TimeLimit);
    EXPECT_TRUE(s.actions.begin_stop);
    // A stop requested at the same moment wins.
    Observation o = at(5000, 12);
    o.stop_requested = true;
    EXPECT_EQ(m.on_observe(in(Phase::Working), o).state.reason, StopReason::Stopped);
}

// Run mode: a halt answer stops dispatch (pending tasks go back each pass); the run ends
// Halted once the calls still out have answered. The status is left alone.
TEST(EngineMachine, RunModeHaltEndsWhenNothingIsOut) {
    DispatchMachine m(run_mode());
    Observation o = at(700, 3);
    o.halt_seen = true;
    o.halt_code = "SignatureDoesNotMatch";
    Step s = m.on_observe(in(Phase::Working), o);
    EXPECT_EQ(s.state.phase, Phase::Halted);
    EXPECT_TRUE(s.actions.release_pending);
    EXPECT_EQ(s.actions.claim, 0);
    EXPECT_FALSE(s.actions.status);
    EXPECT_EQ(s.actions.wait_until_ms, 800);
    o.busy = 0;
    s = m.on_observe(s.state, o);
    EXPECT_EQ(s.state.phase, Phase::Done);
    EXPECT_EQ(s.state.reason, StopReason::Halted);
}

// Continuous mode: the first probe is due halt_probe_ms after the HALT (not after the run's
// start); until then the status counts down and the writer sleeps until the probe (at most
// kMaxWaitMs at a time). At the due time exactly one task is claimed as the probe.
TEST(EngineMachine, ServeModeProbesHaltProbeMsAfterTheHalt) {
    DispatchMachine m(serve_mode(5000));
    Observation o = at(7000);
    o.halt_seen = true;
    o.halt_code = "Access.Forbidden";
    Step s = m.on_observe(in(Phase::Working), o);
    EXPECT_EQ(s.state.phase, Phase::Halted);
    EXPECT_EQ(s.state.next_probe_ms, 12000);
    EXPECT_EQ(s.actions.status, "halted: Access.Forbidden; next probe in 5 s");
    EXPECT_TRUE(s.actions.release_pending);
    EXPECT_EQ(s.actions.claim, 0);
    EXPECT_EQ(s.actions.wait_until_ms, 7100);

    const DispatchState halted = s.state;
    o.now_ms = 11950;
    s = m.on_observe(halted, o);
    EXPECT_EQ(s.actions.status, "halted: Access.Forbidden; next probe in 0 s");
    EXPECT_EQ(s.actions.wait_until_ms, 12000);
    o.busy = 1;  // a call from before the halt still out: no probe yet
    o.now_ms = 12000;
    EXPECT_EQ(m.on_observe(halted, o).actions.claim, 0);
    o.busy = 0;
    s = m.on_observe(halted, o);
    EXPECT_EQ(s.state.phase, Phase::Probing);
    EXPECT_EQ(s.actions.claim, 1);
    EXPECT_EQ(s.state.next_probe_ms, 17000);

    // Nothing to probe with (or a busy database): halted again, next try halt_probe_ms later.
    Step none = m.on_claimed(s.state, o, ClaimResult{0, false});
    EXPECT_EQ(none.state.phase, Phase::Halted);
    EXPECT_EQ(none.actions.wait_until_ms, 12100);
    Step one = m.on_claimed(s.state, o, ClaimResult{1, false});
    EXPECT_EQ(one.state.phase, Phase::Probing);
    expect_only_wait(one.actions, 12100);
}

// The probe's answer: anything but a halt resumes dispatch (and claims in the same pass);
// another halt keeps the engine halted, with the next probe halt_probe_ms after this one.
TEST(EngineMachine, ProbeAnswerResumesOrStaysHalted) {
    DispatchMachine m(serve_mode(5000));
    DispatchState probing = in(Phase::Probing);
    probing.next_probe_ms = 17000;
    Observation o = at(12040);
    o.halt_seen = true;
    o.halt_code = "Access.Forbidden";
    // Still out: wait for it.
    Step s = m.on_observe(probing, o);
    EXPECT_EQ(s.state.phase, Phase::Probing);
    expect_only_wait(s.actions, 12140);

    o.probe = ProbeAnswer::Halt;
    s = m.on_observe(probing, o);
    EXPECT_EQ(s.state.phase, Phase::Halted);
    EXPECT_EQ(s.state.next_probe_ms, 17000);
    EXPECT_EQ(s.actions.status, "halted: Access.Forbidden; next probe in 4 s");

    o.probe = ProbeAnswer::Ok;
    o.halt_seen = true;  // the flag is cleared by the resume action
    s = m.on_observe(probing, o);
    EXPECT_EQ(s.state.phase, Phase::Working);
    EXPECT_TRUE(s.actions.resume);
    EXPECT_EQ(s.actions.claim, 16);
}

// A stop while the probe's (good) answer is recorded: the resume happens, then the stop.
TEST(EngineMachine, StopAfterAProbeAnswerStillResumes) {
    DispatchMachine m(serve_mode(5000));
    Observation o = at(12040);
    o.probe = ProbeAnswer::Ok;
    o.stop_requested = true;
    Step s = m.on_observe(in(Phase::Probing), o);
    EXPECT_TRUE(s.actions.resume);
    EXPECT_EQ(s.state.phase, Phase::Stopping);
    EXPECT_TRUE(s.actions.begin_stop);
}

// A store failure ends the run from any phase, and workers are told to stop.
TEST(EngineMachine, StoreErrorEndsTheRun) {
    DispatchMachine m(serve_mode());
    for (Phase p : {Phase::Working, Phase::Halted, Phase::Probing, Phase::Stopping}) {
        Step s = m.on_store_error(in(p));
        EXPECT_EQ(s.state.phase, Phase::Done) << phase_name(p);
        EXPECT_EQ(s.state.reason, StopReason::StoreError);
        EXPECT_TRUE(s.actions.begin_stop);
    }
    // Done stays done.
    Observation o = at(5);
    o.stop_requested = true;
    Step s = m.on_observe(in(Phase::Done), o);
    EXPECT_EQ(s.state.phase, Phase::Done);
    EXPECT_FALSE(s.actions.begin_stop);
}

}  // namespace
}  // namespace qbi::engine
