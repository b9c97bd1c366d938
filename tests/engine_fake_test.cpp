// The Engine on a ManualClock with scripted answers (tests/engine_fake_fixture.h): halts in
// run and serve mode, the halt probe's timing, and the circuit breaker. Each test simulates
// seconds of clock time in milliseconds of real time; counts are exact, timings exact at
// their lower bound (nothing happens early) and bounded above by the writer's longest wait.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "runner/engine/concurrency_limit.h"
#include "tests/engine_fake_fixture.h"

namespace qbi::engine::test {
namespace {

using qbi::test::answer;
using qbi::test::done;
using qbi::test::transport_failure;
using queue::TaskState;

constexpr std::int64_t kMs = 1000000;  // nanoseconds

// Run mode, 40 tasks, 4 workers, 10 ms of clock latency per call (the 1000/s rate limit
// spaces the first calls 1 ms apart): call 10 answers InvalidAccessKeyId.NotFound at 32 ms.
// The run ends Halted with that code, message and RequestId. Only calls already out when the
// halt answered were made: 0-13 (12 and 13 went out at 30 and 31 ms); they were answered and
// recorded as done. The halted task stays queued with no attempt counted; nothing failed;
// the rest stays queued.
TEST_F(EngineFakeTest, HaltInRunModeEndsWithTheCodeAndCountsNoAttempt) {
    const std::int64_t job = submit("halt", 40);
    api_.set_default(FakeReply{done(), 10, false});
    api_.on_call(10, FakeReply{answer("InvalidAccessKeyId.NotFound"), 10, false});

    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Halted);
    EXPECT_EQ(r.halt_outcome, Outcome::HaltAuth);
    EXPECT_EQ(r.halt_code, "InvalidAccessKeyId.NotFound");
    EXPECT_EQ(r.halt_message, "fake: InvalidAccessKeyId.NotFound");
    EXPECT_EQ(r.halt_request_id, "fake-req-10");

    const auto calls = api_.calls();
    ASSERT_EQ(calls.size(), 14u);
    const FakeCall& halt = calls[10];
    EXPECT_EQ(run_ms(halt.answered_ns), 32);
    for (const auto& c : calls) EXPECT_LE(c.started_ns, halt.answered_ns) << "call " << c.index;

    const auto n = static_cast<std::int64_t>(calls.size());
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, n - 1);
    EXPECT_EQ(c.queued, 40 - (n - 1));
    EXPECT_EQ(c.failed + c.running, 0);
    EXPECT_EQ(done_, n - 1);
    EXPECT_EQ(halted_attempts_, 1);
    EXPECT_EQ(attempts_, n);

    const auto all = tasks(job);
    const queue::TaskInfo& halted_task = task_of(all, halt);
    EXPECT_EQ(halted_task.state, TaskState::Queued);
    EXPECT_EQ(halted_task.attempts, 0);
    const auto rows = attempts();
    ASSERT_EQ(rows.size(), calls.size());
    for (const auto& a : rows) {
        if (a.task_id == halted_task.id) {
            EXPECT_EQ(a.record.outcome, Outcome::HaltAuth);
            EXPECT_EQ(a.record.code, "InvalidAccessKeyId.NotFound");
            EXPECT_EQ(a.record.request_id, "fake-req-10");
        } else {
            EXPECT_EQ(a.record.outcome, Outcome::Done);
        }
    }
    expect_chain_intact();
}

// Serve mode, 12 tasks, 2 workers, 20 ms latency, halt_probe_ms 5 s: call 4 answers
// Access.Forbidden. Dispatch stops; 5 s of clock time after the halt answer ONE probe goes
// out, alone, and is refused again (still halted, status counting down); 5 s after that probe
// the next one succeeds and dispatch resumes. Every task ends done exactly once, none failed,
// the two refusals were recorded without counting an attempt.
TEST_F(EngineFakeTest, ServeModeProbesAfterHaltProbeMsAndResumesOnSuccess) {
    const std::int64_t job = submit("probe", 12);
    api_.set_default(FakeReply{done(), 20, false});
    const FakeReply refused{answer("Access.Forbidden"), 20, false};
    // Call 4 is refused, and so is the first call that starts a second or more after it (the
    // first probe).
    std::int64_t halt_started = -1;
    bool probe_refused = false;
    api_.respond([&](const FakeCall& c) -> std::optional<FakeReply> {
        if (c.index == 4) {
            halt_started = c.started_ns;
            return refused;
        }
        if (halt_started >= 0 && !probe_refused && c.started_ns >= halt_started + 1000 * kMs) {
            probe_refused = true;
            return refused;
        }
        return std::nullopt;
    });
    EngineOptions o = options();
    o.workers = 2;
    o.continuous = true;
    o.idle_poll_ms = 1000;
    o.halt_probe_ms = 5000;

    RunReport r = run(o, [&](const Engine& e) {
        if (e.progress().done == 12) stop_ = true;
    });
    EXPECT_EQ(r.reason, StopReason::Stopped);
    EXPECT_EQ(r.halt_code, "");  // cleared when dispatch resumed

    const auto calls = api_.calls();
    ASSERT_GE(calls.size(), 14u);
    const FakeCall& halt = calls[4];
    // The probes: the first two calls that start after the halt answered (a call another
    // worker had already sent may answer after it; it started before).
    std::vector<FakeCall> after;
    for (const auto& c : calls)
        if (c.started_ns > halt.answered_ns) after.push_back(c);
    ASSERT_GE(after.size(), 2u);
    const FakeCall& probe1 = after[0];
    const FakeCall& probe2 = after[1];
    EXPECT_EQ(probe1.result.code, "Access.Forbidden");
    EXPECT_EQ(probe2.result.outcome, Outcome::Done);
    EXPECT_EQ(run_ms(halt.answered_ns), 60);  // calls 0-4 at 0, 1, 20, 21 and 40 ms
    EXPECT_EQ(probe1.started_ns - halt.answered_ns, 5000 * kMs);
    EXPECT_EQ(probe2.started_ns - probe1.started_ns, 5000 * kMs);  // counted from the probe
    EXPECT_GE(probe2.started_ns, probe1.answered_ns);              // alone: one probe at a time
    EXPECT_EQ(calls.size(), 14u) << "12 done, the halt and the refused probe";

    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 12);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    EXPECT_EQ(halted_attempts_, 2);
    for (const auto& t : tasks(job)) EXPECT_EQ(t.attempts, 1) << "task " << t.id;
    EXPECT_TRUE(statuses_.count("halted: Access.Forbidden; next probe in 4 s"));
    EXPECT_TRUE(statuses_.count("idle"));  // after the last task, until the stop
    expect_chain_intact();
}

// The endpoint refuses connections for the first 2.5 s of clock time; 1 worker, 12 tasks.
// Five transport failures in a row open the circuit breaker at once; dispatch pauses (the
// status says so, with the countdown); one probe goes out 1 s after the fifth failure and is
// refused (the delay doubles); the next 2 s after that succeeds and closes the circuit; every
// task then finishes. Exactly 6 attempts were lost, none failed.
TEST_F(EngineFakeTest, CircuitBreakerPausesAndProbesWithGrowingDelay) {
    const std::int64_t job = submit("breaker", 12, 10);
    api_.respond([&](const FakeCall& c) -> std::optional<FakeReply> {
        if (run_ms(c.started_ns) < 2500) return FakeReply{transport_failure(), 0, false};
        return std::nullopt;
    });
    EngineOptions o = options();
    o.workers = 1;

    RunReport r = run(o);
    EXPECT_EQ(r.reason, StopReason::Finished);
    const auto calls = api_.calls();
    ASSERT_EQ(calls.size(), 18u);
    for (std::size_t i = 0; i < 6; ++i)
        EXPECT_EQ(calls[i].result.code, kCodeConnection) << "call " << i;
    for (std::size_t i = 6; i < calls.size(); ++i)
        EXPECT_EQ(calls[i].result.outcome, Outcome::Done) << "call " << i;
    // The first five back to back (1 ms apart: the 1000/s rate limit); the probes exactly
    // 1 s and 2 s after the failure before them; then everything at once.
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(calls[i].started_ns, std::int64_t(i) * kMs);
    EXPECT_EQ(calls[5].started_ns, calls[4].answered_ns + 1000 * kMs);
    EXPECT_EQ(calls[6].started_ns, calls[5].answered_ns + 2000 * kMs);
    EXPECT_EQ(run_ms(calls.back().started_ns), 3004);

    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 12);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    EXPECT_EQ(retried_, 6);
    int twice = 0;
    for (const auto& t : tasks(job)) twice += t.attempts == 2;
    EXPECT_EQ(twice, 6);
    const std::string paused =
        "paused: endpoint unreachable after repeated transport failures; next probe in ";
    EXPECT_TRUE(statuses_.count(paused + "1 s"));
    EXPECT_TRUE(statuses_.count(paused + "2 s"));
    expect_chain_intact();
}

// The same outage with 4 workers: before the circuit opens at most 5 + 3 calls go out (the
// five failures plus one per other worker already past the breaker), then single probes.
TEST_F(EngineFakeTest, CircuitBreakerBoundsTheFailuresOfConcurrentWorkers) {
    const std::int64_t job = submit("breaker4", 40, 10);
    api_.respond([&](const FakeCall& c) -> std::optional<FakeReply> {
        if (run_ms(c.started_ns) < 2500) return FakeReply{transport_failure(), 5, false};
        return FakeReply{done(), 5, false};
    });
    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    int early = 0, probes = 0;  // before 500 ms, and from then to 2.5 s
    for (const auto& call : api_.calls()) {
        const std::int64_t at = run_ms(call.started_ns);
        if (at < 500) ++early;
        if (at >= 500 && at < 2500) ++probes;
    }
    // Two waves of four calls (at 0-3 and 5-8 ms): the fifth failure opens the circuit while
    // the other three of the second wave are out.
    EXPECT_EQ(early, 5 + 3);
    EXPECT_EQ(probes, 1);  // 1 s after the fifth failure; refused; the next, 2 s later, succeeds
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 40);
    EXPECT_EQ(c.failed, 0);
    EXPECT_EQ(retried_, early + probes);
}

// Workers over the adaptive concurrency limit (concurrency_limit.h) park, and come back when it
// grows. 12 workers; calls take 1 ms of clock time, then 10 ms (a server that queues: the
// limit falls towards its floor of 4), then 1 ms again (it grows back to 12, so the parked
// workers must be woken). Measured from the fake's log: how many calls were out when each
// began. Every task ends done. The clock's real-time poll is 30 s here (not 1 ms), so the
// parked workers come back only when something wakes them: wake_idle_workers() after a change
// of the limit, a commit or a claim.
TEST_F(EngineFakeTest, WorkersOverTheConcurrencyLimitParkAndComeBackWhenItGrows) {
    constexpr std::size_t kFast = 700, kSlow = 400, kTotal = 2700;
    clock_.set_real_timing(std::chrono::seconds(30), std::chrono::milliseconds(500));
    const std::int64_t job = submit("limit", static_cast<int>(kTotal));
    api_.respond([&](const FakeCall& call) -> std::optional<FakeReply> {
        const bool slow = call.index >= kFast && call.index < kFast + kSlow;
        return FakeReply{done(), slow ? 10 : 1, false};
    });
    EngineOptions o = options();
    o.workers = 12;
    o.max_qps = 100000;

    RunReport r = run(o);
    EXPECT_EQ(r.reason, StopReason::Finished) << r.store_error.message;
    const auto calls = api_.calls();
    ASSERT_EQ(calls.size(), kTotal);
    // FakeCall::in_flight: the calls out when it began (itself included).
    std::size_t most_fast = 0, most_late_slow = 0, most_end = 0;
    for (std::size_t i = 0; i < 200; ++i) most_fast = std::max(most_fast, calls[i].in_flight);
    for (std::size_t i = kFast + kSlow - 100; i < kFast + kSlow; ++i)
        most_late_slow = std::max(most_late_slow, calls[i].in_flight);
    for (std::size_t i = kTotal - 300; i < kTotal; ++i)
        most_end = std::max(most_end, calls[i].in_flight);
    EXPECT_EQ(most_fast, 12u);      // at first every worker calls
    EXPECT_LE(most_late_slow, 6u);  // queueing: near the floor, the rest parked
    EXPECT_GE(most_end, 11u);       // no queueing again: the parked workers came back
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, static_cast<std::int64_t>(kTotal));
    EXPECT_EQ(c.queued + c.running + c.failed, 0);
}

// The workers the concurrency limit keeps out sleep through the run: a claim, a commit or a
// change of the limit wakes only as many waiting workers as may send, the most recently idle
// first (idle_workers.h), so the same few threads make the calls: the 16 the limit starts with
// (ConcurrencyLimit::kInitial), and later fewer. (Waking every parked worker at each change of
// the limit, and every waiting one at each claim, spread the calls over 23 to 26 threads here,
// and over dozens in real runs.) An endpoint that queues by turns: for 100 ms a call takes 2 ms
// per call out (the limit falls), then for 50 ms 2 ms flat (it grows back; the limit stays
// between 4 and about 8); one call in ten finds it idle (1 ms: the unloaded round trip stays
// known). The clock's real-time poll is 30 s here, so a wait that no notify ends would stall
// the run for that long (and polls would not shuffle the sleepers: with the usual 1 ms, some
// 35 threads made the later calls).
TEST_F(EngineFakeTest, OnlyAsManyWorkersAsTheLimitLetsCallAreWoken) {
    constexpr std::size_t kTotal = 3000;
    clock_.set_real_timing(std::chrono::seconds(30), std::chrono::milliseconds(500));
    const std::int64_t job = submit("sleepers", static_cast<int>(kTotal));
    api_.respond([](const FakeCall& call) -> std::optional<FakeReply> {
        const bool queueing = (call.started_ns / kMs) % 150 < 100;
        const auto out = static_cast<std::int64_t>(call.in_flight);
        return FakeReply{done(), call.index % 10 == 0 ? 1 : queueing ? 2 * out : 2, false};
    });
    EngineOptions o = options();
    o.workers = 64;
    o.max_qps = 100000;

    const auto began = std::chrono::steady_clock::now();
    RunReport r = run(o);
    const auto took = std::chrono::steady_clock::now() - began;
    EXPECT_EQ(r.reason, StopReason::Finished) << r.store_error.message;
    EXPECT_LT(took, std::chrono::seconds(30));  // no wait was ended by a poll alone
    const auto calls = api_.calls();
    ASSERT_EQ(calls.size(), kTotal);
    std::set<std::thread::id> all, late;
    std::size_t most_late = 0;  // calls out at once, in the second half
    for (std::size_t i = 0; i < kTotal; ++i) {
        all.insert(calls[i].thread);
        if (i < kTotal / 2) continue;
        late.insert(calls[i].thread);
        most_late = std::max(most_late, calls[i].in_flight);
    }
    EXPECT_LE(all.size(), static_cast<std::size_t>(ConcurrencyLimit::kInitial) + 3);
    // Later the calls stay with as many threads as were ever out at once (5 or 6 here), give
    // or take one a claim woke that found the limit reached.
    EXPECT_LE(most_late, 12u);
    EXPECT_LE(late.size(), most_late + 2);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, static_cast<std::int64_t>(kTotal));
}

TEST_F(EngineFakeTest, APassCommitsItsAnswersAndItsClaimTogether) {
    // Every transaction that writes no attempt row is a claim of its own (or the recovery at
    // the start): with the answers and the next claim in one commit, only a claim made while
    // no answer waits (the first) stands alone.
    const std::int64_t job = submit("batch", 512);
    api_.respond([&](const FakeCall&) -> std::optional<FakeReply> {
        return FakeReply{done(), 1, false};
    });
    struct Count {
        bool attempt = false;
        int with_attempts = 0, without = 0;
    } count;
    sqlite3* db = store().raw_connection().getHandle();
    sqlite3_update_hook(
        db,
        [](void* p, int op, const char*, const char* table, sqlite3_int64) {
            if (op == SQLITE_INSERT && std::string_view(table) == "attempts")
                static_cast<Count*>(p)->attempt = true;
        },
        &count);
    sqlite3_commit_hook(
        db,
        [](void* p) {
            auto& c = *static_cast<Count*>(p);
            ++(c.attempt ? c.with_attempts : c.without);
            c.attempt = false;
            return 0;
        },
        &count);
    EngineOptions o = options();
    o.workers = 8;
    o.max_qps = 100000;
    RunReport r = run(o);
    sqlite3_commit_hook(db, nullptr, nullptr);
    sqlite3_update_hook(db, nullptr, nullptr);
    EXPECT_EQ(r.reason, StopReason::Finished) << r.store_error.message;
    EXPECT_EQ(counts(job).done, 512);
    // 512 tasks in claims of at most 64: at least 8 claims, all but about the first inside a
    // commit of answers.
    EXPECT_GE(count.with_attempts, 8);
    EXPECT_LE(count.without, 3) << count.with_attempts << " commits with answers";
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
