// Flow control of the Engine on a ManualClock with scripted answers
// (tests/engine_fake_fixture.h): a stop with a call that never answers (grace, then
// interrupted), the time limit, throttling, and retries after a backoff of clock time.
#include <gtest/gtest.h>

#include <map>

#include "tests/engine_fake_fixture.h"

namespace qbi::engine::test {
namespace {

using qbi::test::answer;
using qbi::test::done;
using queue::TaskState;

constexpr std::int64_t kMs = 1000000;  // nanoseconds

// A stop while two calls are out, grace 2 s, 2 workers, 3 tasks: call 0 hangs (it is held
// until the engine has given up on it), call 1 takes 1 s of clock time, the third task is
// claimed but not started. The stop releases the third task at once; call 1 answers within
// the grace and is recorded done; exactly 2 s of clock time after the stop call 0 is recorded
// as interrupted (no RequestId, not counted) and its task queued again. Its late answer,
// after the engine gave up, is not recorded.
TEST_F(EngineFakeTest, StopGivesCallsTheGraceThenRecordsThemAsInterrupted) {
    const std::int64_t job = submit("grace", 3);
    api_.on_call(0, FakeReply{done(), 0, true});
    api_.on_call(1, FakeReply{done(), 1000, false});
    api_.release_when([this] { return engine_ && engine_->progress().interrupted.load() >= 1; });
    EngineOptions o = options();
    o.workers = 2;
    o.grace_ms = 2000;

    std::int64_t stop_at = -1;
    RunReport r = run(o, [&](const Engine&) {
        if (stop_at < 0 && api_.blocked() == 1 && api_.in_flight() == 2) {
            stop_at = run_ms();
            stop_ = true;
        }
    });
    EXPECT_FALSE(api_.failsafe_hit());
    EXPECT_EQ(stop_at, 100);  // the first tick after the calls went out; call 1 still out
    EXPECT_EQ(r.reason, StopReason::Stopped);
    EXPECT_EQ(r.interrupted, 1);
    EXPECT_EQ(interrupted_, 1);
    EXPECT_EQ(r.elapsed_ms, 100 + 2000);
    EXPECT_EQ(attempts_, 1);

    const auto calls = api_.calls();
    ASSERT_EQ(calls.size(), 2u);
    const auto all = tasks(job);
    const queue::TaskInfo& hung = task_of(all, calls[0]);
    const queue::TaskInfo& answered = task_of(all, calls[1]);
    EXPECT_EQ(hung.state, TaskState::Queued);
    EXPECT_EQ(hung.attempts, 0);
    EXPECT_EQ(answered.state, TaskState::Succeeded);
    EXPECT_EQ(answered.attempts, 1);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 1);
    EXPECT_EQ(c.queued, 2);
    EXPECT_EQ(c.running + c.failed, 0);

    const auto rows = attempts();
    ASSERT_EQ(rows.size(), 2u);
    std::map<std::int64_t, queue::AttemptRow> by_task;
    for (const auto& a : rows) by_task[a.task_id] = a;
    const auto& interrupted = by_task.at(hung.id).record;
    EXPECT_EQ(interrupted.outcome, Outcome::Interrupted);
    EXPECT_EQ(interrupted.code, queue::kCodeInterrupted);
    EXPECT_EQ(interrupted.request_id, "");
    EXPECT_EQ(interrupted.started_at_ms, calls[0].started_wall_ms);
    EXPECT_EQ(by_task.at(answered.id).record.outcome, Outcome::Done);
    EXPECT_EQ(by_task.at(answered.id).record.latency_ms, 1000);
    expect_chain_intact();
}

// --max-time 1 s, 2 workers, 30 ms of clock latency per call, 100 tasks: two calls every
// 30 ms (at 0 and 1 ms, ..., at 990 and 991 ms). At 1 s the run stops dispatching; the two
// calls out answer at 1020 and 1021 ms and are recorded; the run ends with TimeLimit; the
// claimed rest goes back unstarted; nothing is left running or interrupted; every call is
// recorded exactly once.
TEST_F(EngineFakeTest, TimeLimitEndsTheRunAfterTheCallsOutAnswer) {
    const std::int64_t job = submit("time", 100);
    api_.set_default(FakeReply{done(), 30, false});
    EngineOptions o = options();
    o.workers = 2;
    o.max_time_ms = 1000;

    RunReport r = run(o);
    EXPECT_EQ(r.reason, StopReason::TimeLimit);
    EXPECT_EQ(r.interrupted, 0);
    EXPECT_EQ(r.elapsed_ms, 1021);
    const auto calls = api_.calls();
    ASSERT_EQ(calls.size(), 68u);
    EXPECT_EQ(run_ms(calls.back().started_ns), 991);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, static_cast<std::int64_t>(calls.size()));
    EXPECT_EQ(c.done + c.queued, 100);
    EXPECT_EQ(c.running + c.failed, 0);
    EXPECT_EQ(attempts().size(), calls.size());
}

// The endpoint answers Throttling.User above 5 calls per clock second; the engine may send
// 20/s; 1 worker, 40 tasks. At 20/s the sixth call (at 250 ms) is the first refused; each
// refusal of a call sent at the current rate halves the rate again (the gaps between calls
// double: 100, 200, 400 ms) until the next second's window opens; then the rate recovers by
// 2/s per quiet second (the gaps shrink), overshoots the limit now and then, halves again.
// Every task finishes: a handful of throttled attempts, each retried, none failed.
TEST_F(EngineFakeTest, ThrottlingHalvesTheRateWhichRecoversAndEveryTaskFinishes) {
    const std::int64_t job = submit("throttled", 40, 20);
    api_.respond(qbi::test::throttle_above(5));
    EngineOptions o = options();
    o.workers = 1;
    o.max_qps = 20;

    RunReport r = run(o);
    EXPECT_EQ(r.reason, StopReason::Finished);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 40);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);

    const auto calls = api_.calls();
    std::vector<std::int64_t> at;  // run time of each call
    int throttled = 0;
    for (const auto& call : calls) {
        at.push_back(run_ms(call.started_ns));
        throttled += call.result.code == "Throttling.User";
    }
    EXPECT_EQ(throttled_, throttled);
    EXPECT_EQ(retried_, throttled);
    EXPECT_EQ(static_cast<int>(calls.size()), 40 + throttled);
    EXPECT_EQ(throttled, 7) << "the engine kept pushing against the limit";
    ASSERT_GE(calls.size(), 13u);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(calls[i].result.outcome, Outcome::Done);
    for (std::size_t i = 5; i < 9; ++i) EXPECT_EQ(calls[i].result.code, "Throttling.User") << i;
    // 50 ms apart at 20/s; halved after each refusal (the gap doubles: 100, 200, 400 ms);
    // 800 ms at 1.25/s; then the gaps shrink as the rate recovers.
    const std::vector<std::int64_t> first(at.begin(), at.begin() + 13);
    EXPECT_EQ(first, (std::vector<std::int64_t>{0, 50, 100, 150, 200, 250, 350, 550, 950, 1750,
                                                2150, 2457, 2765}));
    EXPECT_LE(at.back() - at[at.size() - 2], 200);  // back at 5/s or more by the end
    expect_chain_intact();
}

// Transient errors: calls 0 and 1 answer Internal.System.Error. Their tasks are retried after
// a backoff of clock time (base 100 ms, full jitter: within 100 ms for a first retry; 21 and
// 48 ms with this seed), with attempt numbers 1 and 2 in the audit; everything ends done.
TEST_F(EngineFakeTest, TransientErrorsAreRetriedAfterTheBackoff) {
    const std::int64_t job = submit("retries", 10);
    api_.on_call(0, FakeReply{answer("Internal.System.Error"), 5, false});
    api_.on_call(1, FakeReply{answer("Internal.System.Error"), 5, false});
    api_.set_default(FakeReply{done(), 5, false});
    EngineOptions o = options();
    o.workers = 2;

    RunReport r = run(o);
    EXPECT_EQ(r.reason, StopReason::Finished);
    const auto calls = api_.calls();
    ASSERT_EQ(calls.size(), 12u);
    for (std::size_t failed : {0u, 1u}) {
        const FakeCall* retry = nullptr;
        for (const auto& c : calls)
            if (c.index != failed && c.params == calls[failed].params) retry = &c;
        ASSERT_NE(retry, nullptr) << "call " << failed;
        EXPECT_EQ(retry->result.outcome, Outcome::Done);
        EXPECT_EQ(retry->started_ns - calls[failed].answered_ns, (failed == 0 ? 21 : 48) * kMs);
    }
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 10);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    EXPECT_EQ(retried_, 2);
    std::map<std::int64_t, std::vector<int>> numbers;
    for (const auto& a : attempts()) numbers[a.task_id].push_back(a.attempt);
    int retried_tasks = 0;
    for (const auto& [task, list] : numbers) {
        if (list.size() == 2) {
            ++retried_tasks;
            EXPECT_EQ(list, (std::vector<int>{1, 2}));
        }
    }
    EXPECT_EQ(retried_tasks, 2);
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
