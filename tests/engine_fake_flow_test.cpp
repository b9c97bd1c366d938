// Flow control of the Engine on a ManualClock with scripted answers
// (tests/engine_fake_fixture.h): a stop with a call that never answers (grace, then
// interrupted), the time limit, throttling, and retries after a backoff of clock time.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "runner/engine/inflight_journal.h"
#include "runner/metrics/registry.h"
#include "tests/engine_fake_fixture.h"

namespace qbi::engine::test {
namespace {

using qbi::test::answer;
using qbi::test::done;
using queue::TaskState;

constexpr std::int64_t kMs = 1000000;  // nanoseconds

// A stop while two calls are out, grace 2 s, 2 workers, 3 tasks: call 0 hangs, call 1 takes
// 1 s of clock time, the third task is claimed but not started. The stop releases the third
// task at once; call 1 answers within the grace and is recorded done; exactly 2 s of clock
// time after the stop call 0 is cut (Caller::abort) and recorded as interrupted (outcome
// unknown, no RequestId, not counted) and its task queued again.
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
    EXPECT_EQ(interrupted.message,
              "outcome unknown: the call was cut off when the runner stopped (grace period "
              "over); it may have taken effect");
    EXPECT_EQ(api_.aborted_calls(), 1u);
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
// a backoff of clock time (base 100 ms, full jitter: within 100 ms for a first retry; 20 and
// 48 ms with this seed) from their commit, with attempt numbers 1 and 2 in the audit;
// everything ends done.
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
        // The backoff counts from the answer's commit, which the group commit may hold up to
        // 5 ms (the writer's gathering window) after the answer.
        const std::int64_t backoff = (failed == 0 ? 20 : 48) * kMs;
        EXPECT_GE(retry->started_ns - calls[failed].answered_ns, backoff);
        EXPECT_LE(retry->started_ns - calls[failed].answered_ns, backoff + 5 * kMs);
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

// Claims come in batches, but a call goes out only holding a slot of the in-flight journal
// beside the database, until its result is committed: with 2 workers and every call held,
// the journal lists exactly the 2 calls out, for this runner, while more tasks are claimed
// (running). After the run it lists none.
TEST_F(EngineFakeTest, TheInFlightJournalListsExactlyTheCallsOut) {
    const std::int64_t job = submit("journal", 20);
    api_.set_default(FakeReply{done(), 0, true});
    EngineOptions o = options();
    o.workers = 2;
    const auto path = InFlightJournal::path_for(dir_ / "queue.db");
    EXPECT_EQ(path.filename(), "queue.db-inflight");
    std::optional<queue::SentCalls> seen;
    std::int64_t running = 0;
    RunReport r = run(o, [&](const Engine&) {
        if (!seen && api_.blocked() == 2) {
            seen = InFlightJournal::read(path);
            running = counts(job).running;
            api_.release_all();
        }
    });
    EXPECT_EQ(r.reason, StopReason::Finished);
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->owner, "engine-fake-test");
    EXPECT_EQ(seen->task_ids.size(), 2u);
    EXPECT_GT(running, 2);
    EXPECT_EQ(counts(job).done, 20);
    auto after = InFlightJournal::read(path);
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->task_ids.empty());
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// A runner died with 5 tasks claimed, its journal naming one call out: the next run records
// one interrupted row (outcome unknown) for it, returns the 4 others without a row, and then
// works all 5 (every attempt row with its own number).
TEST_F(EngineFakeTest, RecoveryRecordsOnlyTheCallsTheDeadRunnersJournalLists) {
    const std::int64_t job = submit("recover", 5);
    auto claimed = must(store().claim("dead-runner", 5, 600000));
    ASSERT_EQ(claimed.size(), 5u);
    {
        InFlightJournal dead;
        ASSERT_TRUE(dead.open(InFlightJournal::path_for(dir_ / "queue.db"), "dead-runner", 4));
        dead.set(2, claimed[3].task_id);
    }
    metrics::Registry registry({"CancelCollection"});
    EngineOptions o = options();
    o.metrics = &registry;
    RunReport r = run(o);
    EXPECT_EQ(r.reason, StopReason::Finished);
    EXPECT_EQ(r.recovered, 5);
    EXPECT_EQ(counts(job).done, 5);
    const auto rows = attempts();
    ASSERT_EQ(rows.size(), 6u);
    // The recovery's row counts in the metrics too, with its action.
    EXPECT_EQ(registry.attempts("CancelCollection", Outcome::Interrupted, "Runner.Interrupted"), 1);
    EXPECT_EQ(registry.attempts("CancelCollection", Outcome::Done, ""), 5);
    EXPECT_EQ(rows[0].task_id, claimed[3].task_id);
    EXPECT_EQ(rows[0].attempt, 1);
    EXPECT_EQ(rows[0].record.outcome, Outcome::Interrupted);
    EXPECT_EQ(rows[0].record.message,
              "outcome unknown: the call may have been sent when the runner stopped");
    for (std::size_t i = 1; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].record.outcome, Outcome::Done);
        EXPECT_EQ(rows[i].attempt, rows[i].task_id == claimed[3].task_id ? 2 : 1);
    }
    expect_chain_intact();
}

// A call that never answers, three runs each stopped past the grace (0): each run records it
// as interrupted; the third fails the task with Runner.Interrupted instead of queueing it for
// ever.
TEST_F(EngineFakeTest, ThreeInterruptedRunsInARowFailTheTask) {
    const std::int64_t job = submit("hangs", 1);
    api_.set_default(FakeReply{done(), 0, true});
    EngineOptions o = options();
    o.workers = 1;
    o.grace_ms = 0;
    for (int run_no = 1; run_no <= 3; ++run_no) {
        stop_ = false;
        const std::size_t before = api_.call_count();
        RunReport r = run(o, [&](const Engine&) {
            if (api_.call_count() > before && api_.blocked() == 1) stop_ = true;
        });
        EXPECT_EQ(r.reason, StopReason::Stopped);
        EXPECT_EQ(r.interrupted, 1);
        EXPECT_EQ(tasks(job)[0].state, run_no < 3 ? TaskState::Queued : TaskState::Failed);
    }
    const queue::TaskInfo t = tasks(job)[0];
    EXPECT_EQ(t.last_code, "Runner.Interrupted");
    EXPECT_EQ(t.last_message,
              "interrupted 3 times in a row (the runner stopped or crashed while this call was "
              "in flight); rerun it to try again");
    const auto rows = attempts();
    ASSERT_EQ(rows.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(rows[i].attempt, i + 1);
    EXPECT_FALSE(api_.failsafe_hit());
}

// EngineOptions::metrics: every attempt row is counted by action, outcome and code (unknown
// codes as "other"), with what it did to its task, while another thread renders the metrics
// all along (as the endpoint's threads do; ThreadSanitizer runs this suite).
TEST_F(EngineFakeTest, MetricsCountEveryAttemptRowWhileRenderedConcurrently) {
    const std::int64_t job = submit("metrics", 30, 2);
    api_.on_call(0, FakeReply{answer("Internal.System.Error"), 5, false});
    api_.on_call(1, FakeReply{answer("Throttling.User"), 5, false});
    api_.on_call(2, FakeReply{answer("Made.Up.Code"), 5, false});
    api_.on_call(3, FakeReply{answer("Favorite.NotCancel.Permission"), 5, false});
    api_.set_default(FakeReply{done(), 5, false});
    metrics::Registry registry({"CancelCollection"});
    EngineOptions o = options();
    o.workers = 3;
    o.metrics = &registry;
    std::atomic<bool> finished{false};
    std::size_t renders = 0;
    std::thread renderer([&] {
        while (!finished.load()) {
            renders += registry.render({}, "test").empty() ? 0 : 1;
            std::this_thread::yield();
        }
    });
    RunReport r = run(o);
    finished = true;
    renderer.join();
    EXPECT_EQ(r.reason, StopReason::Finished);
    EXPECT_GT(renders, 0u);
    const queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 28);
    EXPECT_EQ(c.already_absent, 1);
    EXPECT_EQ(c.failed, 1);
    std::map<std::string, std::int64_t> rows;
    for (const auto& a : attempts())
        ++rows[std::string(outcome_name(a.record.outcome)) + " " + a.record.code];
    EXPECT_EQ(rows, (std::map<std::string, std::int64_t>{
                        {"already_absent Favorite.NotCancel.Permission", 1},
                        {"done ", 28},
                        {"permanent Made.Up.Code", 1},
                        {"retryable Internal.System.Error", 1},
                        {"retryable Throttling.User", 1}}));
    auto n = [&](Outcome out, const char* code) {
        return registry.attempts("CancelCollection", out, code);
    };
    EXPECT_EQ(n(Outcome::Done, ""), 28);
    EXPECT_EQ(n(Outcome::AlreadyAbsent, "Favorite.NotCancel.Permission"), 1);
    EXPECT_EQ(n(Outcome::Permanent, "other"), 1);
    EXPECT_EQ(n(Outcome::Permanent, "Made.Up.Code"), 1);  // the same cell: folded
    EXPECT_EQ(n(Outcome::Retryable, "Internal.System.Error"), 1);
    EXPECT_EQ(n(Outcome::Retryable, "Throttling.User"), 1);
    using R = metrics::Registry::TaskResult;
    EXPECT_EQ(registry.task_results(R::Done), 28);
    EXPECT_EQ(registry.task_results(R::AlreadyAbsent), 1);
    EXPECT_EQ(registry.task_results(R::Failed), 1);
    EXPECT_EQ(registry.task_results(R::Retried), 2);
    EXPECT_EQ(registry.throttled(), 1);
    EXPECT_GT(registry.last_success_ms(), 0);
    const std::string text = registry.render({}, "test");
    EXPECT_NE(text.find("qbi_runner_call_duration_seconds_count{action=\"CancelCollection\"} 32\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("qbi_runner_halted{cause=\"auth\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace qbi::engine::test
