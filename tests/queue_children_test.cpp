// Follow-up tasks of a read (discovery.md §2) on a real SQLite file: inserted in the transaction
// that records the read, keyed so nothing is inserted twice, within the job's task limit, and
// only on success; claims by action; the tree as status and tasks read it.
#include <gtest/gtest.h>

#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

NewTask read_task(const std::string& user) {
    return NewTask{"ListCollections",
                   {{"UserId", user}},
                   "ListCollections " + user,
                   "{\"scope\":\"offboard\",\"user\":\"" + user + "\"}"};
}

NewTask cancel(const std::string& user, const std::string& work) {
    return NewTask{"CancelCollection", {{"UserId", user}, {"WorksId", work}}, "", "{\"found\":1}"};
}

class ChildrenTest : public QueueTest {
protected:
    // A job with one read task (and an explicit cancel of w1 for that user).
    std::int64_t submit_read_job(int max_attempts = 3) {
        NewJob j = make_job("offboard", 0);
        j.max_attempts = max_attempts;
        j.tasks = {read_task("u1"), cancel("u1", "w1")};
        return must(store_->submit(j)).job_id;
    }
    ClaimedTask claim_read() {
        auto c = must(store_->claim("r", 10, 60000, std::nullopt, "ListCollections"));
        EXPECT_EQ(c.size(), 1u);
        return c.at(0);
    }
};

// The read succeeds with three children, one of which the job already has: two are inserted,
// due now, with the read as parent, the job's max_attempts and their context; the attempt row
// says so; counts and totals include them.
TEST_F(ChildrenTest, SuccessInsertsTheNewChildrenInTheSameTransaction) {
    const std::int64_t job = submit_read_job(5);
    ClaimedTask read = claim_read();
    EXPECT_EQ(read.context, "{\"scope\":\"offboard\",\"user\":\"u1\"}");
    TaskResult r = result(read, "r", Outcome::Done);
    r.children = {cancel("u1", "w1"), cancel("u1", "w2"), cancel("u1", "w3")};
    auto recorded = must(store_->record_results({r}));
    ASSERT_EQ(recorded.size(), 1u);
    EXPECT_EQ(recorded[0].effect, TaskEffect::Succeeded);
    EXPECT_EQ(recorded[0].children, 2);

    auto rows = all_attempts();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].record.message, "created 2 task(s) (1 already in the job)");
    EXPECT_TRUE(must(store_->verify_audit_chain()).ok);

    TaskQuery q(job);
    q.parent_id = read.task_id;
    auto children = must(store_->tasks(q));
    ASSERT_EQ(children.size(), 2u);
    for (const auto& t : children) {
        EXPECT_EQ(t.parent_id, read.task_id);
        EXPECT_EQ(t.max_attempts, 5);
        EXPECT_EQ(t.state, TaskState::Queued);
        EXPECT_EQ(t.next_run_at, clock_.wall_ms());
        EXPECT_EQ(t.context, "{\"found\":1}");
    }
    EXPECT_EQ(children[0].params_json, "{\"UserId\":\"u1\",\"WorksId\":\"w2\"}");
    auto info = must(store_->job(job));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->counts, (TaskCounts{3, 0, 1, 0, 0, 0}));
    auto actions = must(store_->action_counts(job));
    ASSERT_EQ(actions.size(), 2u);
    EXPECT_EQ(actions[0].action, "CancelCollection");
    EXPECT_EQ(actions[0].counts, (TaskCounts{3, 0, 0, 0, 0, 0}));
    EXPECT_EQ(actions[1].action, "ListCollections");
    EXPECT_EQ(actions[1].counts, (TaskCounts{0, 0, 1, 0, 0, 0}));
}

// Children of an attempt that did not succeed are never inserted.
TEST_F(ChildrenTest, NoChildrenUnlessTheReadSucceeded) {
    const std::int64_t job = submit_read_job();
    for (Outcome o : {Outcome::Retryable, Outcome::Permanent}) {
        ClaimedTask read = claim_read();
        TaskResult r = result(read, "r", o, "Internal.System.Error");
        r.children = {cancel("u1", "w9")};
        EXPECT_EQ(must(store_->record_results({r}))[0].children, 0);
        if (o == Outcome::Retryable) clock_.advance_ms(1);
    }
    EXPECT_EQ(must(store_->job(job))->counts.total(), 2);
}

// A read whose new children would take the job over the limit fails, inserts nothing, and says
// which limit; after the limit is raised, a rerun of the read inserts them.
TEST_F(ChildrenTest, TheJobTaskLimitFailsTheReadAndInsertsNothing) {
    const std::int64_t job = submit_read_job();
    ClaimedTask read = claim_read();
    TaskResult r = result(read, "r", Outcome::Done);
    r.children = {cancel("u1", "w1"), cancel("u1", "w2"), cancel("u1", "w3")};
    r.max_job_tasks = 3;  // 2 tasks + 2 new ones = 4 > 3
    auto recorded = must(store_->record_results({r}));
    EXPECT_EQ(recorded[0].effect, TaskEffect::Failed);
    EXPECT_EQ(recorded[0].children, 0);
    auto t = must(store_->tasks(TaskQuery(job)));
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].last_code, kCodeTooManyTasks);
    EXPECT_EQ(t[0].last_message,
              "the answer would add 2 task(s) to a job of 2, over the limit of 3 (jobs.max_tasks); "
              "nothing was added. Raise jobs.max_tasks or split the job, then rerun it");
    EXPECT_EQ(all_attempts().back().record.code, kCodeTooManyTasks);

    RerunRequest rerun;
    rerun.job_id = job;
    EXPECT_EQ(must(store_->rerun(rerun)), 1);
    ClaimedTask again = claim_read();
    TaskResult ok = result(again, "r", Outcome::Done);
    ok.children = r.children;
    ok.max_job_tasks = 4;
    EXPECT_EQ(must(store_->record_results({ok}))[0].children, 2);
    EXPECT_EQ(must(store_->job(job))->counts.total(), 4);
}

// A read that runs again (rerun after a later failure of the chain, or a second identical
// answer) adds only what is missing; an identical answer adds nothing.
TEST_F(ChildrenTest, ARepeatedReadInsertsOnlyMissingChildren) {
    NewJob j = make_job("twice", 0);
    j.tasks = {read_task("u1"), read_task("u2")};
    const std::int64_t job = must(store_->submit(j)).job_id;
    auto reads = must(store_->claim("r", 10, 60000, std::nullopt, "ListCollections"));
    ASSERT_EQ(reads.size(), 2u);
    TaskResult a = result(reads[0], "r", Outcome::Done);
    a.children = {cancel("u1", "w1"), cancel("u1", "w2")};
    TaskResult b = result(reads[1], "r", Outcome::Done);
    b.children = {cancel("u1", "w2"), cancel("u1", "w3")};  // w2 reached by both chains
    auto recorded = must(store_->record_results({a, b}));
    EXPECT_EQ(recorded[0].children, 2);
    EXPECT_EQ(recorded[1].children, 1);
    EXPECT_EQ(must(store_->job(job))->counts.total(), 5);
    TaskQuery q(job);
    q.parent_id = reads[1].task_id;
    EXPECT_EQ(must(store_->tasks(q)).size(), 1u);
}

// Claims by action take only that action's due tasks, in due order, and ignore other jobs when
// a job is given.
TEST_F(ChildrenTest, ClaimByAction) {
    NewJob j = make_job("mixed", 3);
    j.tasks.push_back(read_task("u7"));
    const std::int64_t job = must(store_->submit(j)).job_id;
    must(store_->submit(make_job("other", 2)));
    auto reads = must(store_->claim("r", 10, 60000, job, "ListCollections"));
    ASSERT_EQ(reads.size(), 1u);
    EXPECT_EQ(reads[0].action, "ListCollections");
    auto cancels = must(store_->claim("r", 10, 60000, job, "CancelCollection"));
    EXPECT_EQ(cancels.size(), 3u);
    EXPECT_EQ(must(store_->claim("r", 10, 60000, std::nullopt, "CancelCollection")).size(), 2u);
    EXPECT_TRUE(must(store_->claim("r", 10, 60000, std::nullopt, "QueryShareList")).empty());
}

}  // namespace
}  // namespace qbi::queue::test
