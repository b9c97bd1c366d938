// Operator actions and status queries: rerun by job, state and code (history kept, attempts
// reset), cancel, job lookup, paged task lists, and per-job counts that always agree with the
// tasks table.
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

class AdminTest : public QueueTest {
protected:
    // Job "a" (tasks 1-4) and job "b" (tasks 5-7), settled as
    //   a: 1 done, 2 failed Code.X, 3 failed Code.Y, 4 failed Code.X
    //   b: 5 failed Code.X, 6 already_absent, 7 still queued
    void SetUp() override {
        QueueTest::SetUp();
        a_ = must(store_->submit(make_job("a", 4))).job_id;
        b_ = must(store_->submit(make_job("b", 3))).job_id;
        auto c = must(store_->claim("r", 6, 1000));
        ASSERT_EQ(c.size(), 6u);
        must(store_->record_results(
            {result(c[0], "r", Outcome::Done), result(c[1], "r", Outcome::Permanent, "Code.X"),
             result(c[2], "r", Outcome::Permanent, "Code.Y"),
             result(c[3], "r", Outcome::Permanent, "Code.X"),
             result(c[4], "r", Outcome::Permanent, "Code.X"),
             result(c[5], "r", Outcome::AlreadyAbsent, "Report.NotExist.Error")}));
        clock_.advance_ms(60000);
    }

    std::vector<TaskInfo> tasks_in(std::int64_t job, std::optional<TaskState> state = {},
                                   std::optional<std::string> code = {}) {
        TaskQuery q(job);
        q.state = state;
        q.code = code;
        return must(store_->tasks(q));
    }

    static std::vector<std::int64_t> ids(const std::vector<TaskInfo>& tasks) {
        std::vector<std::int64_t> out;
        for (const auto& t : tasks) out.push_back(t.id);
        return out;
    }

    RerunRequest rerun_of(std::optional<std::int64_t> job,
                          std::vector<TaskState> states = {TaskState::Failed},
                          std::optional<std::string> code = {}) {
        RerunRequest r;
        r.job_id = job;
        r.states = std::move(states);
        r.code = std::move(code);
        return r;
    }

    std::int64_t a_ = 0, b_ = 0;
};

TEST_F(AdminTest, FixtureStartsFromKnownCounts) {
    EXPECT_EQ(must(store_->job(a_))->counts, (TaskCounts{0, 0, 1, 0, 3, 0}));
    EXPECT_EQ(must(store_->job(b_))->counts, (TaskCounts{1, 0, 0, 1, 1, 0}));
    EXPECT_EQ(must(store_->totals()), (TaskCounts{1, 0, 1, 1, 4, 0}));
}

// Rerunning a job requeues its failed tasks only, due now, attempts reset, and keeps every
// attempt row.
TEST_F(AdminTest, RerunOfAJobRequeuesItsFailedTasksKeepingHistory) {
    EXPECT_EQ(must(store_->rerun(rerun_of(a_))), 3);
    EXPECT_EQ(must(store_->job(a_))->counts, (TaskCounts{3, 0, 1, 0, 0, 0}));
    EXPECT_EQ(must(store_->job(b_))->counts, (TaskCounts{1, 0, 0, 1, 1, 0}));
    for (const TaskInfo& t : tasks_in(a_, TaskState::Queued)) {
        EXPECT_EQ(t.attempts, 0);
        EXPECT_EQ(t.next_run_at, kT0 + 60000);
        EXPECT_FALSE(t.outcome);
        EXPECT_EQ(t.updated_at, kT0 + 60000);
    }
    EXPECT_EQ(all_attempts().size(), 6u);
    EXPECT_EQ(must(store_->task_attempts(2)).size(), 1u);
    // The rerun tasks run again, as attempt 1 of a fresh count.
    auto c = must(store_->claim("r", 10, 1000, a_));
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].attempt, 1);
    must(store_->record_results({result(c[0], "r", Outcome::Done)}));
    auto history = must(store_->task_attempts(c[0].task_id));
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[0].record.outcome, Outcome::Permanent);
    EXPECT_EQ(history[1].record.outcome, Outcome::Done);
}

// Rerun by error code, across all jobs or within one.
TEST_F(AdminTest, RerunByErrorCode) {
    EXPECT_EQ(must(store_->rerun(rerun_of(a_, {TaskState::Failed}, "Code.Y"))), 1);
    EXPECT_EQ(ids(tasks_in(a_, TaskState::Queued)), (std::vector<std::int64_t>{3}));
    EXPECT_EQ(must(store_->rerun(rerun_of(std::nullopt, {TaskState::Failed}, "Code.X"))), 3);
    EXPECT_EQ(must(store_->totals()), (TaskCounts{5, 0, 1, 1, 0, 0}));
    EXPECT_EQ(must(store_->rerun(rerun_of(std::nullopt))), 0);
}

// Cancel takes the queued tasks of a job; running ones finish; rerun of cancelled tasks is
// possible when asked for explicitly.
TEST_F(AdminTest, CancelThenRerunCancelled) {
    must(store_->rerun(rerun_of(a_)));
    auto running = must(store_->claim("r", 1, 1000, a_));
    ASSERT_EQ(running.size(), 1u);
    EXPECT_EQ(must(store_->cancel_job(a_)), 2);
    EXPECT_EQ(must(store_->job(a_))->counts, (TaskCounts{0, 1, 1, 0, 0, 2}));
    EXPECT_EQ(must(store_->job(a_))->state(), JobState::Running);
    EXPECT_TRUE(must(store_->claim("r", 10, 1000, a_)).empty());
    must(store_->record_results({result(running[0], "r", Outcome::Done)}));
    EXPECT_EQ(must(store_->job(a_))->state(), JobState::Cancelled);
    EXPECT_EQ(must(store_->cancel_job(a_)), 0);

    EXPECT_EQ(must(store_->rerun(rerun_of(a_))), 0);  // failed is the default state
    EXPECT_EQ(must(store_->rerun(rerun_of(a_, {TaskState::Cancelled}))), 2);
    EXPECT_EQ(must(store_->job(a_))->counts, (TaskCounts{2, 0, 2, 0, 0, 0}));
}

// A rerun never makes a task due before its job's not_before.
TEST_F(AdminTest, RerunKeepsTheJobsNotBefore) {
    NewJob j = make_job("scheduled", 1);
    j.not_before_ms = kT0 + 120000;
    auto id = must(store_->submit(j)).job_id;
    EXPECT_EQ(must(store_->cancel_job(id)), 1);
    EXPECT_EQ(must(store_->rerun(rerun_of(id, {TaskState::Cancelled}))), 1);
    EXPECT_EQ(tasks_in(id)[0].next_run_at, kT0 + 120000);
}

// What rerun and cancel refuse, with the messages the CLI prints (exit 64).
TEST_F(AdminTest, RefusesBadRerunAndCancelRequests) {
    auto r = store_->rerun(rerun_of(a_, {TaskState::Succeeded}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kExitUsage);
    EXPECT_EQ(r.error().message, "rerun takes the states failed and cancelled, not 'succeeded'");
    EXPECT_EQ(store_->rerun(rerun_of(a_, {})).error().message,
              "rerun needs at least one state (failed or cancelled)");
    auto missing = store_->rerun(rerun_of(99));
    EXPECT_EQ(missing.error().code, kExitUsage);
    EXPECT_EQ(missing.error().message, "no job with id 99");
    EXPECT_EQ(store_->cancel_job(99).error().message, "no job with id 99");
    EXPECT_EQ(must(store_->totals()), (TaskCounts{1, 0, 1, 1, 4, 0}));
}

// Jobs are found by name first, then by id; the list carries counts and derived states.
TEST_F(AdminTest, FindsAndListsJobs) {
    auto numeric = must(store_->submit(make_job("1", 1))).job_id;  // a job named "1"
    EXPECT_EQ(must(store_->find_job("b"))->id, b_);
    EXPECT_EQ(must(store_->find_job("1"))->id, numeric);
    EXPECT_EQ(must(store_->find_job("2"))->id, b_);
    EXPECT_FALSE(must(store_->find_job("nope")));
    EXPECT_FALSE(must(store_->find_job("99")));
    EXPECT_FALSE(must(store_->find_job("")));
    EXPECT_FALSE(must(store_->job(99)));
    auto all = must(store_->jobs());
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].name, "a");
    EXPECT_EQ(all[0].state(), JobState::Failed);
    EXPECT_EQ(all[1].name, "b");
    EXPECT_EQ(all[1].state(), JobState::Queued);
    EXPECT_EQ(all[2].name, "1");
    EXPECT_EQ(all[2].counts.total(), 1);
}

// `tasks JOB --state S --code C`, paged by the last id seen.
TEST_F(AdminTest, ListsTasksFilteredAndPaged) {
    EXPECT_EQ(ids(tasks_in(a_)), (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(ids(tasks_in(a_, TaskState::Failed)), (std::vector<std::int64_t>{2, 3, 4}));
    EXPECT_EQ(ids(tasks_in(a_, TaskState::Failed, "Code.X")), (std::vector<std::int64_t>{2, 4}));
    EXPECT_EQ(ids(tasks_in(a_, std::nullopt, "Code.Y")), (std::vector<std::int64_t>{3}));
    EXPECT_TRUE(tasks_in(a_, TaskState::Cancelled).empty());
    TaskQuery page(a_);
    page.limit = 3;
    EXPECT_EQ(ids(must(store_->tasks(page))), (std::vector<std::int64_t>{1, 2, 3}));
    page.after_id = 3;
    EXPECT_EQ(ids(must(store_->tasks(page))), (std::vector<std::int64_t>{4}));
}

TEST(JobState, DerivedFromCounts) {
    EXPECT_EQ(derive_job_state(TaskCounts{1, 1, 0, 0, 1, 0}), JobState::Running);
    EXPECT_EQ(derive_job_state(TaskCounts{1, 0, 3, 0, 1, 1}), JobState::Queued);
    EXPECT_EQ(derive_job_state(TaskCounts{0, 0, 3, 0, 1, 1}), JobState::Failed);
    EXPECT_EQ(derive_job_state(TaskCounts{0, 0, 3, 2, 0, 1}), JobState::Cancelled);
    EXPECT_EQ(derive_job_state(TaskCounts{0, 0, 3, 2, 0, 0}), JobState::Succeeded);
    EXPECT_EQ(job_state_name(JobState::Succeeded), "succeeded");
}

// After a mix of every operation, the trigger-kept counts equal a fresh aggregate over tasks.
TEST_F(AdminTest, PerJobCountsAlwaysAgreeWithTheTasks) {
    must(store_->submit(make_job("c", 50)));
    must(store_->rerun(rerun_of(std::nullopt, {TaskState::Failed}, "Code.X")));
    auto c = must(store_->claim("r", 30, 1000));
    std::vector<TaskResult> results;
    for (std::size_t i = 0; i < c.size(); ++i) {
        static const Outcome kinds[] = {Outcome::Done,      Outcome::AlreadyAbsent,
                                        Outcome::Retryable, Outcome::Permanent,
                                        Outcome::HaltAuth,  Outcome::Interrupted};
        if (i % 7 == 6) continue;  // left running
        results.push_back(result(c[i], "r", kinds[i % 6], i % 6 >= 2 ? "Code.Z" : ""));
    }
    must(store_->record_results(results));
    must(store_->cancel_job(must(store_->find_job("c"))->id));
    must(store_->rerun(rerun_of(std::nullopt, {TaskState::Failed, TaskState::Cancelled})));
    must(store_->recover_running());

    SQLite::Statement agg(store_->raw_connection(),
                          "SELECT job_id, sum(state = 'queued'), sum(state = 'running'), "
                          "sum(outcome IS 'done'), sum(outcome IS 'already_absent'), "
                          "sum(state = 'failed'), sum(state = 'cancelled') FROM tasks "
                          "GROUP BY job_id ORDER BY job_id");
    auto jobs = must(store_->jobs());
    std::size_t i = 0;
    while (agg.executeStep()) {
        ASSERT_LT(i, jobs.size());
        EXPECT_EQ(jobs[i].id, agg.getColumn(0).getInt64());
        TaskCounts fresh{agg.getColumn(1).getInt64(), agg.getColumn(2).getInt64(),
                         agg.getColumn(3).getInt64(), agg.getColumn(4).getInt64(),
                         agg.getColumn(5).getInt64(), agg.getColumn(6).getInt64()};
        EXPECT_EQ(jobs[i].counts, fresh) << jobs[i].name;
        ++i;
    }
    EXPECT_EQ(i, jobs.size());
}

}  // namespace
}  // namespace qbi::queue::test
