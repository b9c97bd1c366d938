// The runner's side of the queue on a ManualClock: claims with leases, results written with
// their audit rows in one transaction, retries, halts, lease loss, crash recovery, release,
// batches (results and a claim in one commit).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

using RunTest = QueueTest;

TaskInfo task(Store& s, std::int64_t job_id, std::int64_t task_id) {
    TaskQuery q(job_id);
    q.after_id = task_id - 1;
    q.limit = 1;
    auto r = s.tasks(q);
    EXPECT_TRUE(r && r->size() == 1u);
    return r->at(0);
}

// Claims hand out due tasks earliest first, lease them to the owner and skip leased ones.
TEST_F(RunTest, ClaimLeasesDueTasksInOrder) {
    auto j = must(store_->submit(make_job("a", 5)));
    auto first = must(store_->claim("runner-1", 3, 30000));
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(first[0].task_id, 1);
    EXPECT_EQ(first[1].task_id, 2);
    EXPECT_EQ(first[2].task_id, 3);
    EXPECT_EQ(first[0].job_id, j.job_id);
    EXPECT_EQ(first[0].action, "CancelCollection");
    EXPECT_EQ(first[0].params.at("WorksId"), "w0");
    EXPECT_EQ(first[0].attempt, 1);
    EXPECT_EQ(first[0].max_attempts, 3);
    EXPECT_EQ(first[0].lease_expires_at, kT0 + 30000);
    TaskInfo t = task(*store_, j.job_id, 1);
    EXPECT_EQ(t.state, TaskState::Running);
    EXPECT_EQ(t.lease_owner, "runner-1");
    EXPECT_EQ(t.lease_expires_at, kT0 + 30000);
    auto rest = must(store_->claim("runner-1", 10, 30000));
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[0].task_id, 4);
    EXPECT_TRUE(must(store_->claim("runner-1", 10, 30000)).empty());
    EXPECT_EQ(must(store_->totals()), (TaskCounts{0, 5, 0, 0, 0, 0}));
}

// `run --job NAME` claims only that job's tasks.
TEST_F(RunTest, ClaimCanBeLimitedToOneJob) {
    must(store_->submit(make_job("a", 3)));
    auto b = must(store_->submit(make_job("b", 2)));
    auto claimed = must(store_->claim("r", 10, 1000, b.job_id));
    ASSERT_EQ(claimed.size(), 2u);
    for (const auto& t : claimed) EXPECT_EQ(t.job_id, b.job_id);
    EXPECT_TRUE(must(store_->claim("r", 10, 1000, b.job_id)).empty());
    EXPECT_EQ(must(store_->claim("r", 10, 1000)).size(), 3u);
}

// Success, already-absent and permanent failure settle the task; each writes one attempt
// row carrying the call's facts.
TEST_F(RunTest, ResultsSettleTasksAndWriteAttemptRows) {
    auto j = must(store_->submit(make_job("a", 3)));
    auto c = must(store_->claim("r", 3, 1000));
    clock_.advance_ms(250);
    auto effects = effects_of(must(
        store_->record_results({result(c[0], "r", Outcome::Done),
                                result(c[1], "r", Outcome::AlreadyAbsent, "Report.NotExist.Error"),
                                result(c[2], "r", Outcome::Permanent, "Some.Other.Error")})));
    EXPECT_EQ(effects, (std::vector<TaskEffect>{TaskEffect::Succeeded, TaskEffect::Succeeded,
                                                TaskEffect::Failed}));
    auto job = must(store_->job(j.job_id));
    EXPECT_EQ(job->counts, (TaskCounts{0, 0, 1, 1, 1, 0}));
    EXPECT_EQ(job->state(), JobState::Failed);

    TaskInfo done = task(*store_, j.job_id, c[0].task_id);
    EXPECT_EQ(done.state, TaskState::Succeeded);
    EXPECT_EQ(done.outcome, Outcome::Done);
    EXPECT_EQ(done.attempts, 1);
    EXPECT_EQ(done.lease_owner, "");
    EXPECT_FALSE(done.lease_expires_at);
    EXPECT_EQ(done.last_request_id, "req");
    EXPECT_EQ(done.updated_at, kT0 + 250);
    TaskInfo absent = task(*store_, j.job_id, c[1].task_id);
    EXPECT_EQ(absent.outcome, Outcome::AlreadyAbsent);
    EXPECT_EQ(absent.last_code, "Report.NotExist.Error");
    TaskInfo failed = task(*store_, j.job_id, c[2].task_id);
    EXPECT_EQ(failed.state, TaskState::Failed);
    EXPECT_EQ(failed.last_code, "Some.Other.Error");
    EXPECT_EQ(failed.last_message, "message for Some.Other.Error");

    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 3u);
    const AttemptRow& r = rows[2];
    EXPECT_EQ(r.id, 3);
    EXPECT_EQ(r.job_id, j.job_id);
    EXPECT_EQ(r.task_id, c[2].task_id);
    EXPECT_EQ(r.attempt, 1);
    EXPECT_EQ(r.action, "CancelCollection");
    EXPECT_EQ(r.params_json, R"({"UserId":"u-a","WorksId":"w2"})");
    EXPECT_EQ(r.record.started_at_ms, kT0);
    EXPECT_EQ(r.record.latency_ms, 12);
    EXPECT_EQ(r.record.http_status, 400);
    EXPECT_EQ(r.record.request_id, "req");
    EXPECT_EQ(r.record.code, "Some.Other.Error");
    EXPECT_EQ(r.record.outcome, Outcome::Permanent);
    EXPECT_EQ(r.record.endpoint, "https://quickbi-public.cn-hangzhou.aliyuncs.com");
    EXPECT_EQ(r.record.signature, "v3");
    EXPECT_EQ(r.record.access_key_id, "LTAI****abcd");
    EXPECT_EQ(r.recorded_at, kT0 + 250);
    EXPECT_EQ(r.prev_hash, rows[1].hash);
}

// A retryable answer requeues the task at the given time, counting the attempt, until
// max_attempts is reached; then the task fails with the last code.
TEST_F(RunTest, RetryableAttemptsRescheduleUntilMaxAttempts) {
    auto j = must(store_->submit(make_job("a", 1)));  // max_attempts 3
    for (int attempt = 1; attempt <= 3; ++attempt) {
        SCOPED_TRACE("attempt " + std::to_string(attempt));
        auto c = must(store_->claim("r", 1, 1000));
        ASSERT_EQ(c.size(), 1u);
        EXPECT_EQ(c[0].attempt, attempt);
        TaskResult res = result(c[0], "r", Outcome::Retryable, "Throttling.User");
        res.retry_at_ms = clock_.wall_ms() + 5000;
        auto effects = effects_of(must(store_->record_results({res})));
        TaskInfo t = task(*store_, j.job_id, c[0].task_id);
        EXPECT_EQ(t.attempts, attempt);
        EXPECT_EQ(t.last_code, "Throttling.User");
        if (attempt < 3) {
            EXPECT_EQ(effects[0], TaskEffect::Retried);
            EXPECT_EQ(t.state, TaskState::Queued);
            EXPECT_EQ(t.next_run_at, clock_.wall_ms() + 5000);
            EXPECT_TRUE(must(store_->claim("r", 1, 1000)).empty());  // not due yet
            EXPECT_EQ(must(store_->next_retry_at()), clock_.wall_ms() + 5000);
            clock_.advance_ms(4999);
            EXPECT_TRUE(must(store_->claim("r", 1, 1000)).empty());
            clock_.advance_ms(1);
        } else {
            EXPECT_EQ(effects[0], TaskEffect::Failed);
            EXPECT_EQ(t.state, TaskState::Failed);
        }
    }
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(rows[i].attempt, i + 1);
        EXPECT_EQ(rows[i].record.outcome, Outcome::Retryable);
    }
    EXPECT_FALSE(must(store_->next_retry_at()));
}

// A halt (auth or permission) puts the task back without counting the attempt, but the
// attempt row is written.
TEST_F(RunTest, HaltRequeuesWithoutCountingTheAttempt) {
    auto j = must(store_->submit(make_job("a", 1)));
    auto c = must(store_->claim("r", 1, 1000));
    auto effects = effects_of(must(store_->record_results(
        {result(c[0], "r", Outcome::HaltAuth, "InvalidAccessKeyId.NotFound")})));
    EXPECT_EQ(effects[0], TaskEffect::Requeued);
    TaskInfo t = task(*store_, j.job_id, c[0].task_id);
    EXPECT_EQ(t.state, TaskState::Queued);
    EXPECT_EQ(t.attempts, 0);
    EXPECT_EQ(t.next_run_at, kT0);
    EXPECT_EQ(t.last_code, "InvalidAccessKeyId.NotFound");
    auto again = must(store_->claim("r", 1, 1000));
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].attempt, 1);
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].record.outcome, Outcome::HaltAuth);
    EXPECT_EQ(rows[0].attempt, 1);
}

// A result from an owner that no longer holds the lease is skipped and reported, and the
// other results of the batch are still written.
TEST_F(RunTest, ResultsWithoutTheLeaseAreSkipped) {
    auto j = must(store_->submit(make_job("a", 2)));
    auto c = must(store_->claim("r", 2, 1000));
    auto effects = effects_of(must(store_->record_results(
        {result(c[0], "someone-else", Outcome::Done), result(c[1], "r", Outcome::Done),
         result(c[1], "r", Outcome::Done)})));
    EXPECT_EQ(effects, (std::vector<TaskEffect>{TaskEffect::LeaseLost, TaskEffect::Succeeded,
                                                TaskEffect::LeaseLost}));
    EXPECT_EQ(task(*store_, j.job_id, c[0].task_id).state, TaskState::Running);
    EXPECT_EQ(all_attempts().size(), 1u);
}

// The same when the results carry the claim's facts (the engine's path, which skips reading the
// row): the lease is still checked, and a success keeps the task's due time.
TEST_F(RunTest, ResultsWithClaimFactsStillNeedTheLease) {
    auto j = must(store_->submit(make_job("a", 2)));
    auto c = must(store_->claim("r", 2, 1000));
    auto with_facts = [&](const ClaimedTask& t, const std::string& owner) {
        TaskResult r = result(t, owner, Outcome::Done);
        r.claim = ClaimFacts{t.job_id,       t.action,       t.params_json,       t.attempt - 1,
                             t.max_attempts, t.attempt_rows, t.interrupted_streak};
        return r;
    };
    const std::int64_t due = task(*store_, j.job_id, c[1].task_id).next_run_at;
    clock_.advance_ms(5000);
    auto effects = effects_of(must(store_->record_results(
        {with_facts(c[0], "someone-else"), with_facts(c[1], "r"), with_facts(c[1], "r")})));
    EXPECT_EQ(effects, (std::vector<TaskEffect>{TaskEffect::LeaseLost, TaskEffect::Succeeded,
                                                TaskEffect::LeaseLost}));
    EXPECT_EQ(task(*store_, j.job_id, c[0].task_id).state, TaskState::Running);
    TaskInfo done = task(*store_, j.job_id, c[1].task_id);
    EXPECT_EQ(done.state, TaskState::Succeeded);
    EXPECT_EQ(done.attempts, 1);
    EXPECT_EQ(done.next_run_at, due);
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].params_json, c[1].params_json);
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);
}

// An unmasked AccessKeyId never reaches the audit log: the whole batch is refused.
TEST_F(RunTest, RefusesAnUnmaskedAccessKeyId) {
    must(store_->submit(make_job("a", 2)));
    auto c = must(store_->claim("r", 2, 1000));
    TaskResult bad = result(c[1], "r", Outcome::Done);
    bad.attempt.access_key_id = "LTAI_Full_KeyId1234";
    auto r = store_->record_results({result(c[0], "r", Outcome::Done), bad});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kExitSoftware);
    EXPECT_EQ(r.error().message, "result for task 2 carries an unmasked AccessKeyId");
    EXPECT_TRUE(all_attempts().empty());
    EXPECT_EQ(must(store_->totals()).running, 2);
}

// After a crash without a journal, the new runner returns every running task to queued at
// once; each is in doubt, recorded as interrupted (outcome unknown) and not counted.
TEST_F(RunTest, RecoverRunningRequeuesADeadOwnersTasks) {
    auto j = must(store_->submit(make_job("a", 4)));
    auto first = must(store_->claim("dead-runner", 2, 30000));
    clock_.advance_ms(10);
    auto mine = must(store_->claim("dead-runner", 1, 30000));
    must(store_->record_results({result(mine[0], "dead-runner", Outcome::Done)}));
    store_.reset();  // the process dies; its connection is gone

    clock_.advance_ms(5000);
    store_ = open_store();
    Recovery rec = must(store_->recover_running());
    EXPECT_EQ(rec.interrupted, 2);
    EXPECT_EQ(rec.requeued + rec.failed, 0);
    EXPECT_EQ(must(store_->totals()), (TaskCounts{3, 0, 1, 0, 0, 0}));
    TaskInfo t = task(*store_, j.job_id, first[0].task_id);
    EXPECT_EQ(t.state, TaskState::Queued);
    EXPECT_EQ(t.attempts, 0);
    EXPECT_EQ(t.next_run_at, kT0 + 5010);
    EXPECT_EQ(t.last_code, kCodeInterrupted);
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1].task_id, first[0].task_id);
    EXPECT_EQ(rows[1].record.outcome, Outcome::Interrupted);
    EXPECT_EQ(rows[1].attempt, 1);
    EXPECT_EQ(rows[1].record.started_at_ms, kT0);  // the claim
    EXPECT_EQ(rows[1].recorded_at, kT0 + 5010);
    EXPECT_EQ(rows[1].record.code, "Runner.Interrupted");
    EXPECT_EQ(rows[1].record.message,
              "outcome unknown: the call may have been sent when the runner stopped");
    EXPECT_EQ(rows[2].task_id, first[1].task_id);
    EXPECT_EQ(must(store_->recover_running()).interrupted, 0);
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);
    // The dead owner's late results cannot land any more.
    EXPECT_EQ(
        must(store_->record_results({result(first[0], "dead-runner", Outcome::Done)}))[0].effect,
        TaskEffect::LeaseLost);
    EXPECT_EQ(must(store_->claim("new-runner", 10, 1000)).size(), 3u);
}

// With the dead runner's journal, only the tasks it lists may have been sent: they get an
// interrupted row; its other running tasks were never sent and go back without a row, their
// due time unchanged. A running task of an owner without a journal is in doubt.
TEST_F(RunTest, RecoverWithAJournalRecordsOnlyTheCallsThatMayHaveBeenSent) {
    auto j = must(store_->submit(make_job("a", 5)));
    auto dead = must(store_->claim("dead", 4, 30000));
    auto other = must(store_->claim("older", 1, 30000));
    clock_.advance_ms(100);
    Recovery rec = must(store_->recover_running({SentCalls{"dead", {dead[2].task_id, 99}}}));
    EXPECT_EQ(rec.interrupted, 2);  // dead[2] and the other owner's task
    EXPECT_EQ(rec.requeued, 3);
    EXPECT_EQ(rec.failed, 0);
    EXPECT_EQ(must(store_->totals()), (TaskCounts{5, 0, 0, 0, 0, 0}));
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].task_id, dead[2].task_id);
    EXPECT_EQ(rows[1].task_id, other[0].task_id);
    for (const auto& r : rows) {
        EXPECT_EQ(r.record.outcome, Outcome::Interrupted);
        EXPECT_EQ(r.attempt, 1);
    }
    TaskInfo never_sent = task(*store_, j.job_id, dead[0].task_id);
    EXPECT_EQ(never_sent.next_run_at, kT0);  // unchanged
    EXPECT_EQ(never_sent.last_code, "");
    EXPECT_EQ(task(*store_, j.job_id, dead[2].task_id).next_run_at, kT0 + 100);
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);
}

// Every attempt row of a task has its own number: halted and interrupted attempts take one
// too, though they do not count toward max_attempts.
TEST_F(RunTest, AttemptRowsNeverShareANumber) {
    auto j = must(store_->submit(make_job("a", 1)));
    auto c = must(store_->claim("r", 1, 1000));
    must(store_->record_results({result(c[0], "r", Outcome::HaltAuth, "InvalidAccessKeyId")}));
    c = must(store_->claim("r", 1, 1000));
    EXPECT_EQ(c[0].attempt_rows, 1);
    must(store_->record_results({result(c[0], "r", Outcome::Interrupted, kCodeInterrupted)}));
    c = must(store_->claim("r", 1, 1000));
    must(store_->record_results({result(c[0], "r", Outcome::Retryable, "InternalError")}));
    c = must(store_->claim("r", 1, 1000));
    must(store_->recover_running());
    c = must(store_->claim("r", 1, 1000));
    EXPECT_EQ(c[0].attempt, 2);  // one counted attempt so far
    must(store_->record_results({result(c[0], "r", Outcome::Done)}));
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 5u);
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].attempt, i + 1);
    TaskInfo t = task(*store_, j.job_id, c[0].task_id);
    EXPECT_EQ(t.attempts, 2);
    EXPECT_EQ(t.state, TaskState::Succeeded);
}

// A task whose call kills the runner: the third interrupted attempt in a row (crash recovery
// or a stop past the grace) fails it with Runner.Interrupted; an answer in between, or a
// rerun, starts the count again.
TEST_F(RunTest, ThreeInterruptionsInARowFailTheTask) {
    auto j = must(store_->submit(make_job("a", 1)));
    const std::int64_t id = 1;
    auto crash = [&] {
        must(store_->claim("r", 1, 1000));
        return must(store_->recover_running());
    };
    crash();
    crash();
    auto c = must(store_->claim("r", 1, 1000));  // an answer (a halt) breaks the run
    must(store_->record_results({result(c[0], "r", Outcome::HaltAuth, "InvalidAccessKeyId")}));
    crash();
    c = must(store_->claim("r", 1, 1000));  // a stop past the grace
    EXPECT_EQ(effects_of(must(store_->record_results(
                  {result(c[0], "r", Outcome::Interrupted, kCodeInterrupted)})))[0],
              TaskEffect::Requeued);
    Recovery third = crash();
    EXPECT_EQ(third.interrupted, 1);
    EXPECT_EQ(third.failed, 1);
    TaskInfo t = task(*store_, j.job_id, id);
    EXPECT_EQ(t.state, TaskState::Failed);
    EXPECT_EQ(t.last_code, "Runner.Interrupted");
    EXPECT_EQ(t.last_message,
              "interrupted 3 times in a row (the runner stopped or crashed while this call was in "
              "flight); rerun it to try again");
    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows.back().attempt, 6);
    EXPECT_EQ(rows.back().record.outcome, Outcome::Interrupted);
    EXPECT_EQ(rows.back().record.message, t.last_message);
    EXPECT_EQ(must(store_->totals()), (TaskCounts{0, 0, 0, 0, 1, 0}));

    // A rerun starts again: two more interruptions leave it queued, the third (through
    // record_results this time) fails it.
    EXPECT_EQ(
        must(store_->rerun(RerunRequest{j.job_id, {TaskState::Failed}, "Runner.Interrupted"})), 1);
    crash();
    crash();
    EXPECT_EQ(task(*store_, j.job_id, id).state, TaskState::Queued);
    c = must(store_->claim("r", 1, 1000));
    EXPECT_EQ(c[0].interrupted_streak, 2);
    EXPECT_EQ(effects_of(must(store_->record_results(
                  {result(c[0], "r", Outcome::Interrupted, kCodeInterrupted)})))[0],
              TaskEffect::Failed);
    t = task(*store_, j.job_id, id);
    EXPECT_EQ(t.state, TaskState::Failed);
    EXPECT_EQ(t.last_code, "Runner.Interrupted");
    EXPECT_EQ(t.attempts, 0);
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);
}

// Graceful stop: claimed tasks that never started go back without an attempt row; tasks of
// another owner are left alone.
TEST_F(RunTest, ReleaseReturnsUnstartedTasksSilently) {
    auto j = must(store_->submit(make_job("a", 3)));
    auto mine = must(store_->claim("r1", 2, 1000));
    auto theirs = must(store_->claim("r2", 1, 1000));
    EXPECT_EQ(must(store_->release("r1", {mine[0].task_id, mine[1].task_id, theirs[0].task_id})),
              2);
    EXPECT_EQ(must(store_->totals()), (TaskCounts{2, 1, 0, 0, 0, 0}));
    TaskInfo t = task(*store_, j.job_id, mine[0].task_id);
    EXPECT_EQ(t.state, TaskState::Queued);
    EXPECT_EQ(t.next_run_at, kT0);
    EXPECT_EQ(t.attempts, 0);
    EXPECT_TRUE(all_attempts().empty());
}

// A batch: the answers and the next claim in one transaction, seen by others only once
// committed; the commit is one.
TEST_F(RunTest, ABatchCommitsResultsAndAClaimTogether) {
    must(store_->submit(make_job("a", 4)));
    auto first = must(store_->claim("r", 2, 1000));
    int commits = 0;
    sqlite3_commit_hook(
        store_->raw_connection().getHandle(),
        [](void* n) {
            ++*static_cast<int*>(n);
            return 0;
        },
        &commits);
    ASSERT_TRUE(store_->begin_batch());
    EXPECT_TRUE(store_->batch_open());
    must(store_->record_results(
        {result(first[0], "r", Outcome::Done), result(first[1], "r", Outcome::Done)}));
    EXPECT_EQ(must(store_->claim("r", 2, 1000)).size(), 2u);
    auto other = open_store();  // another connection sees nothing of the batch yet
    EXPECT_EQ(must(other->totals()), (TaskCounts{2, 2, 0, 0, 0, 0}));
    ASSERT_TRUE(store_->commit_batch());
    EXPECT_FALSE(store_->batch_open());
    EXPECT_EQ(commits, 1);
    EXPECT_EQ(must(other->totals()), (TaskCounts{0, 2, 2, 0, 0, 0}));
    EXPECT_EQ(all_attempts().size(), 2u);
    sqlite3_commit_hook(store_->raw_connection().getHandle(), nullptr, nullptr);
}

// A batch rolled back leaves nothing: the answered tasks still running (in doubt for a
// recovery), the claimed ones queued, no attempt row; the store goes on.
TEST_F(RunTest, ARolledBackBatchLeavesNothing) {
    auto j = must(store_->submit(make_job("a", 4)));
    auto first = must(store_->claim("r", 2, 1000));
    ASSERT_TRUE(store_->begin_batch());
    must(store_->record_results({result(first[0], "r", Outcome::Done)}));
    must(store_->claim("r", 2, 1000));
    must(store_->release("r", {first[1].task_id}));
    store_->rollback_batch();
    EXPECT_FALSE(store_->batch_open());
    EXPECT_EQ(must(store_->totals()), (TaskCounts{2, 2, 0, 0, 0, 0}));
    EXPECT_TRUE(all_attempts().empty());
    EXPECT_EQ(task(*store_, j.job_id, first[0].task_id).state, TaskState::Running);
    must(store_->record_results({result(first[0], "r", Outcome::Done)}));  // on its own again
    EXPECT_EQ(must(store_->totals()), (TaskCounts{2, 1, 1, 0, 0, 0}));
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);
}

// A batch is not nested nor committed when none is open; another runner's open batch makes a
// second begin_batch busy (kExitTempFail), not wrong.
TEST_F(RunTest, BatchMisuseAndABusyDatabase) {
    must(store_->submit(make_job("a", 2)));
    EXPECT_EQ(store_->commit_batch().error().code, kExitSoftware);
    store_->rollback_batch();  // none open: nothing to do
    ASSERT_TRUE(store_->begin_batch());
    EXPECT_EQ(store_->begin_batch().error().code, kExitSoftware);
    StoreOptions quick;
    quick.busy_timeout_ms = 50;
    auto other = open_store(quick);
    auto busy = other->begin_batch();
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, kExitTempFail) << busy.error().message;
    EXPECT_FALSE(other->batch_open());
    ASSERT_TRUE(store_->commit_batch());
    ASSERT_TRUE(other->begin_batch());
    EXPECT_EQ(must(other->claim("r2", 5, 1000)).size(), 2u);
    ASSERT_TRUE(other->commit_batch());
}

// next_due_at sees every queued task; next_retry_at only those of jobs already due, so `run`
// can finish while a job waits for its not_before.
TEST_F(RunTest, NextDueAndNextRetryTimes) {
    EXPECT_FALSE(must(store_->next_due_at()));
    EXPECT_FALSE(must(store_->next_retry_at()));
    NewJob later = make_job("later", 1);
    later.not_before_ms = kT0 + 86400000;
    auto l = must(store_->submit(later));
    EXPECT_EQ(must(store_->next_due_at()), kT0 + 86400000);
    EXPECT_FALSE(must(store_->next_retry_at()));
    auto now = must(store_->submit(make_job("now", 1)));
    auto c = must(store_->claim("r", 1, 1000));
    TaskResult res = result(c[0], "r", Outcome::Retryable, "Internal.System.Error");
    res.retry_at_ms = kT0 + 2000;
    must(store_->record_results({res}));
    EXPECT_EQ(must(store_->next_due_at()), kT0 + 2000);
    EXPECT_EQ(must(store_->next_retry_at()), kT0 + 2000);
    EXPECT_EQ(must(store_->next_retry_at(now.job_id)), kT0 + 2000);
    EXPECT_FALSE(must(store_->next_retry_at(l.job_id)));
    EXPECT_EQ(must(store_->next_due_at(l.job_id)), kT0 + 86400000);
}

}  // namespace
}  // namespace qbi::queue::test
