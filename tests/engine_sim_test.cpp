// The engine end to end against the simulator over real TLS, with a real SQLite queue: the
// happy path, retries of transient errors, exhausted attempts, already-absent on a repeated
// clean-up, and a slow success (applied, answered after the client's timeout).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/engine_sim_fixture.h"

namespace qbi::engine::test {
namespace {

using queue::TaskState;

// A clean run: 150 favourites and 50 share grants of a leaver, 8 workers. Every task is done
// once, the simulator no longer holds any of them (and still holds the other user's
// favourite), and the audit has exactly one row per call with its RequestId, the endpoint,
// the signature scheme and the masked AccessKeyId, in an intact hash chain.
TEST_F(EngineSimTest, HappyPathCancelsEverythingAndAuditsEveryCall) {
    start_sim(leaver_sim(150, 50));
    const std::int64_t job = submit(leaver_job("leaver-happy", 150, 50));

    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    EXPECT_EQ(r.recovered, 0);
    EXPECT_EQ(r.interrupted, 0);

    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 200);
    EXPECT_EQ(c.queued + c.running + c.failed + c.already_absent, 0);
    EXPECT_EQ(last_progress_.done, 200);
    EXPECT_EQ(last_progress_.attempts, 200);

    sim::WorldData w = sim_world();
    EXPECT_EQ(leaver_items(w), 0u);
    ASSERT_EQ(w.favorites.size(), 1u);
    EXPECT_EQ(w.favorites[0].user, "u-other");
    EXPECT_EQ(sim().simulator().stats().requests(), 200u);

    std::map<std::int64_t, std::string> request_of_task;
    std::set<std::string> request_ids;
    for (const auto& a : attempts()) {
        EXPECT_EQ(a.record.outcome, Outcome::Done);
        EXPECT_EQ(a.attempt, 1);
        EXPECT_EQ(a.record.http_status, 200);
        EXPECT_EQ(a.record.endpoint, sim().endpoint());
        EXPECT_EQ(a.record.signature, "v3");
        EXPECT_EQ(a.record.access_key_id, "LTAI****test");
        EXPECT_EQ(a.record.request_id.size(), 36u) << a.record.request_id;
        EXPECT_TRUE(request_of_task.emplace(a.task_id, a.record.request_id).second)
            << "task " << a.task_id << " has two attempt rows";
        request_ids.insert(a.record.request_id);
    }
    EXPECT_EQ(request_of_task.size(), 200u);
    EXPECT_EQ(request_ids.size(), 200u);
    for (const auto& t : tasks(job)) {
        EXPECT_EQ(t.state, TaskState::Succeeded);
        EXPECT_EQ(t.outcome, Outcome::Done);
        EXPECT_EQ(t.attempts, 1);
        EXPECT_EQ(t.last_request_id, request_of_task[t.id]);
    }
    expect_chain_intact();
}

// Internal.System.Error on 30 % of requests: every task still succeeds; the failed attempts
// are in the audit as retryable, each with its RequestId and the code, numbered before the
// attempt that succeeded; the simulator saw exactly the calls the audit records.
TEST_F(EngineSimTest, TransientErrorsAreRetriedUntilEveryTaskSucceeds) {
    auto o = leaver_sim(120, 30);
    o.faults.fail.push_back(sim::FailRule{"Internal.System.Error", 0, 0.3});
    start_sim(o);
    const std::int64_t job = submit(leaver_job("leaver-retries", 120, 30, 12));

    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.done, 150);
    EXPECT_EQ(c.failed + c.queued + c.running, 0);
    EXPECT_EQ(leaver_items(sim_world()), 0u);

    std::map<std::int64_t, std::vector<queue::AttemptRow>> by_task;
    int retryable = 0;
    const auto rows = attempts();
    for (const auto& a : rows) {
        by_task[a.task_id].push_back(a);
        EXPECT_EQ(a.record.request_id.size(), 36u) << a.record.request_id;
        if (a.record.outcome == Outcome::Retryable) {
            ++retryable;
            EXPECT_EQ(a.record.code, "Internal.System.Error");
            EXPECT_EQ(a.record.http_status, 400);
            EXPECT_EQ(a.record.message, "An internal system error occurred.");
        } else {
            EXPECT_EQ(a.record.outcome, Outcome::Done) << a.record.code;
        }
    }
    // About 30 % of the calls failed (150 successes need ~214 calls).
    EXPECT_GT(retryable, 30);
    EXPECT_LT(retryable, 130);
    EXPECT_EQ(last_progress_.retried, retryable);
    EXPECT_EQ(sim().simulator().stats().requests(), rows.size());
    for (const auto& [task, list] : by_task) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            EXPECT_EQ(list[i].attempt, static_cast<int>(i + 1)) << "task " << task;
            EXPECT_EQ(list[i].record.outcome,
                      i + 1 == list.size() ? Outcome::Done : Outcome::Retryable);
        }
    }
    for (const auto& t : tasks(job)) EXPECT_EQ(t.attempts, static_cast<int>(by_task[t.id].size()));
    expect_chain_intact();
}

// Every request fails with Internal.System.Error: each task is tried exactly max_attempts (3)
// times, then fails with the last code and message; nothing changed in the world.
TEST_F(EngineSimTest, ExhaustedAttemptsFailTheTaskWithTheLastCode) {
    auto o = leaver_sim(20, 5);
    o.faults.fail.push_back(sim::FailRule{"Internal.System.Error", 0, 1.0});
    start_sim(o);
    const std::int64_t job = submit(leaver_job("leaver-exhausted", 20, 5, 3));

    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    queue::TaskCounts c = counts(job);
    EXPECT_EQ(c.failed, 25);
    EXPECT_EQ(c.succeeded() + c.queued + c.running, 0);
    EXPECT_EQ(last_progress_.failed, 25);
    for (const auto& t : tasks(job)) {
        EXPECT_EQ(t.state, TaskState::Failed);
        EXPECT_EQ(t.attempts, 3);
        EXPECT_EQ(t.last_code, "Internal.System.Error");
        EXPECT_EQ(t.last_message, "An internal system error occurred.");
        EXPECT_EQ(t.last_request_id.size(), 36u);
    }
    const auto rows = attempts();
    EXPECT_EQ(rows.size(), 75u);
    std::map<std::int64_t, int> per_task;
    for (const auto& a : rows) {
        EXPECT_EQ(a.record.outcome, Outcome::Retryable);
        EXPECT_EQ(a.attempt, ++per_task[a.task_id]);
    }
    EXPECT_EQ(leaver_items(sim_world()), 25u);
    expect_chain_intact();
}

// The same clean-up submitted again as a second job: the favourites are gone, so every task
// succeeds as already_absent (Favorite.NotCancel.Permission; Report.NotExist.Error for the
// grants with the simulator set to answer it for absent grants), and nothing is failed.
TEST_F(EngineSimTest, SecondRunOfTheSameCleanUpSucceedsAsAlreadyAbsent) {
    auto o = leaver_sim(60, 20);
    o.absent_share = sim::AbsentShare::Error;
    o.absent_share_code = "Report.NotExist.Error";
    start_sim(o);
    const std::int64_t first = submit(leaver_job("leaver-once", 60, 20));
    ASSERT_EQ(run(options()).reason, StopReason::Finished);
    EXPECT_EQ(counts(first).done, 80);

    const std::int64_t second = submit(leaver_job("leaver-twice", 60, 20));
    RunReport r = run(options());
    EXPECT_EQ(r.reason, StopReason::Finished);
    queue::TaskCounts c = counts(second);
    EXPECT_EQ(c.already_absent, 80);
    EXPECT_EQ(c.done + c.failed + c.queued + c.running, 0);
    EXPECT_EQ(last_progress_.already_absent, 80);
    for (const auto& t : tasks(second)) {
        EXPECT_EQ(t.outcome, Outcome::AlreadyAbsent);
        EXPECT_EQ(t.last_code, t.action == "CancelCollection" ? "Favorite.NotCancel.Permission"
                                                              : "Report.NotExist.Error");
    }
    int absent_rows = 0;
    for (const auto& a : attempts())
        if (a.job_id == second) {
            EXPECT_EQ(a.record.outcome, Outcome::AlreadyAbsent);
            EXPECT_EQ(a.record.request_id.size(), 36u);
            ++absent_rows;
        }
    EXPECT_EQ(absent_rows, 80);
    expect_chain_intact();
}

// Slow success: the simulator applies every cancel but answers after 3 s, beyond the
// client's 600 ms read timeout. The first attempt is recorded as a retryable timeout; the
// retry finds the favourite gone and the task succeeds as already_absent. (4 workers and 4
// tasks keep the timeouts below the circuit breaker's threshold of 5.)
TEST_F(EngineSimTest, SlowSuccessIsRetriedAndEndsAlreadyAbsent) {
    auto o = leaver_sim(4, 0);
    o.faults.slow_success = 1.0;
    o.faults.slow_delay_ms = 3000;
    start_sim(o);
    tls_.read_timeout_ms = 600;
    const std::int64_t job = submit(leaver_job("leaver-slow", 4, 0));

    EngineOptions opt = options();
    opt.workers = 4;
    RunReport r = run(opt);
    EXPECT_EQ(r.reason, StopReason::Finished);
    EXPECT_EQ(counts(job).already_absent, 4);
    EXPECT_EQ(leaver_items(sim_world()), 0u);
    std::map<std::int64_t, std::vector<queue::AttemptRow>> by_task;
    for (const auto& a : attempts()) by_task[a.task_id].push_back(a);
    ASSERT_EQ(by_task.size(), 4u);
    for (const auto& [task, list] : by_task) {
        ASSERT_EQ(list.size(), 2u) << "task " << task;
        EXPECT_EQ(list[0].record.outcome, Outcome::Retryable);
        EXPECT_EQ(list[0].record.code, kCodeTimeout);
        EXPECT_EQ(list[0].record.http_status, 0);
        EXPECT_EQ(list[1].record.outcome, Outcome::AlreadyAbsent);
        EXPECT_EQ(list[1].record.code, "Favorite.NotCancel.Permission");
    }
    expect_chain_intact();
}

}  // namespace
}  // namespace qbi::engine::test
