// Submitting jobs: atomicity (a real failure mid-submit leaves nothing), idempotent resubmit,
// refusals with their exact messages, due times and canonical parameters.
#include <gtest/gtest.h>

#include "runner/queue/params.h"
#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

using SubmitTest = QueueTest;

std::int64_t count_rows(Store& s, const char* table) {
    return s.raw_connection().execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
}

// A plain submit creates the job and its tasks, queued and due now.
TEST_F(SubmitTest, EnqueuesAJobWithItsTasks) {
    auto r = must(store_->submit(make_job("offboard-jdoe", 3)));
    EXPECT_EQ(r.job_id, 1);
    EXPECT_FALSE(r.already);
    EXPECT_EQ(r.tasks, 3);
    auto job = must(store_->job(r.job_id));
    ASSERT_TRUE(job);
    EXPECT_EQ(job->name, "offboard-jdoe");
    EXPECT_EQ(job->description, "test job offboard-jdoe");
    EXPECT_EQ(job->source_file, "/inbox/offboard-jdoe.yaml");
    EXPECT_EQ(job->max_attempts, 3);
    EXPECT_EQ(job->submitted_at, kT0);
    EXPECT_FALSE(job->not_before_ms);
    EXPECT_EQ(job->counts, (TaskCounts{3, 0, 0, 0, 0, 0}));
    EXPECT_EQ(job->state(), JobState::Queued);
    auto tasks = must(store_->tasks(TaskQuery(r.job_id)));
    ASSERT_EQ(tasks.size(), 3u);
    EXPECT_EQ(tasks[0].action, "CancelCollection");
    EXPECT_EQ(tasks[0].params_json, R"({"UserId":"u-offboard-jdoe","WorksId":"w0"})");
    EXPECT_EQ(tasks[0].task_key, derived_task_key("CancelCollection", tasks[0].params_json));
    EXPECT_EQ(tasks[0].state, TaskState::Queued);
    EXPECT_EQ(tasks[0].attempts, 0);
    EXPECT_EQ(tasks[0].max_attempts, 3);
    EXPECT_EQ(tasks[0].next_run_at, kT0);
    EXPECT_EQ(must(store_->next_due_at()), kT0);
}

// The same name with the same content is a no-op that names the existing job.
TEST_F(SubmitTest, ResubmittingTheSameJobReportsTheExistingOne) {
    must(store_->submit(make_job("other", 1)));
    auto first = must(store_->submit(make_job("offboard-jdoe", 4)));
    clock_.advance_ms(60000);
    auto again = must(store_->submit(make_job("offboard-jdoe", 4)));
    EXPECT_TRUE(again.already);
    EXPECT_EQ(again.job_id, first.job_id);
    EXPECT_EQ(again.tasks, 4);
    EXPECT_EQ(count_rows(*store_, "jobs"), 2);
    EXPECT_EQ(count_rows(*store_, "tasks"), 5);
    EXPECT_EQ(must(store_->job(first.job_id))->submitted_at, kT0);
}

// The same name with other content is refused (65) and changes nothing.
TEST_F(SubmitTest, RefusesTheSameNameWithDifferentContent) {
    must(store_->submit(make_job("other", 1)));
    must(store_->submit(make_job("offboard-jdoe", 4, "hash-a")));
    auto r = store_->submit(make_job("offboard-jdoe", 5, "hash-b"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kExitDataErr);
    EXPECT_EQ(r.error().message,
              "job 'offboard-jdoe' was already submitted as job 2 with different content; give "
              "the changed job a new name");
    EXPECT_EQ(count_rows(*store_, "tasks"), 5);
}

// A duplicate task deep inside a large job aborts the whole submit: no job row, no task.
TEST_F(SubmitTest, ADuplicateTaskLeavesNothingWritten) {
    NewJob j = make_job("dup", 20000);
    j.tasks[15000] = j.tasks[42];
    auto r = store_->submit(j);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kExitDataErr);
    EXPECT_EQ(r.error().message,
              "job 'dup': task 15001 (CancelCollection {\"UserId\":\"u-dup\",\"WorksId\":\"w42\"}) "
              "duplicates an earlier task; nothing was submitted");
    EXPECT_EQ(count_rows(*store_, "jobs"), 0);
    EXPECT_EQ(count_rows(*store_, "tasks"), 0);
    EXPECT_EQ(count_rows(*store_, "job_counts"), 0);
    EXPECT_EQ(must(store_->totals()), TaskCounts{});
}

// A submit's larger page cache is the submit's only: the connection's own size comes back,
// after a failed submit too.
TEST_F(SubmitTest, TheBulkInsertCacheIsGivenBackAfterwards) {
    auto cache_size = [&] {
        return store_->raw_connection().execAndGet("PRAGMA cache_size").getInt();
    };
    store_->raw_connection().exec("PRAGMA cache_size = -3000");
    must(store_->submit(make_job("big", 3000)));
    EXPECT_EQ(cache_size(), -3000);
    NewJob dup = make_job("dup", 10);
    dup.tasks[5] = dup.tasks[1];
    EXPECT_FALSE(store_->submit(dup));
    EXPECT_EQ(cache_size(), -3000);
}

// A real I/O failure mid-submit: the database may not grow past a few pages more than it has,
// so SQLite reports "database or disk is full" while inserting the tasks. The transaction
// rolls back whole (74), and once there is room the same job goes in.
TEST_F(SubmitTest, ADiskFullFailureMidSubmitLeavesNothingWritten) {
    must(store_->submit(make_job("before", 2)));
    SQLite::Database& db = store_->raw_connection();
    const int pages = db.execAndGet("PRAGMA page_count").getInt();
    db.exec("PRAGMA max_page_count = " + std::to_string(pages + 20));
    auto r = store_->submit(make_job("big", 5000));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kExitIoErr);
    EXPECT_EQ(r.error().message, "database " + db_path().string() + ": database or disk is full");
    EXPECT_EQ(count_rows(*store_, "jobs"), 1);
    EXPECT_EQ(count_rows(*store_, "tasks"), 2);
    EXPECT_FALSE(must(store_->find_job("big")));
    EXPECT_EQ(must(store_->totals()), (TaskCounts{2, 0, 0, 0, 0, 0}));

    db.exec("PRAGMA max_page_count = 1073741823");
    auto ok = must(store_->submit(make_job("big", 5000)));
    EXPECT_FALSE(ok.already);
    EXPECT_EQ(ok.tasks, 5000);
    EXPECT_EQ(must(store_->totals()).queued, 5002);
}

// Tasks are not due before the job's not_before; a not_before in the past means now.
TEST_F(SubmitTest, TasksAreDueAtTheLaterOfNowAndNotBefore) {
    NewJob later = make_job("later", 2);
    later.not_before_ms = kT0 + 3600000;
    NewJob past = make_job("past", 1);
    past.not_before_ms = kT0 - 3600000;
    auto l = must(store_->submit(later));
    auto p = must(store_->submit(past));
    EXPECT_EQ(must(store_->job(l.job_id))->not_before_ms, kT0 + 3600000);
    EXPECT_EQ(must(store_->tasks(TaskQuery(l.job_id)))[0].next_run_at, kT0 + 3600000);
    EXPECT_EQ(must(store_->tasks(TaskQuery(p.job_id)))[0].next_run_at, kT0);

    auto now = must(store_->claim("r", 10, 1000));
    ASSERT_EQ(now.size(), 1u);
    EXPECT_EQ(now[0].job_id, p.job_id);
    EXPECT_EQ(must(store_->next_due_at()), kT0 + 3600000);
    clock_.advance_ms(3600000 - 1);
    EXPECT_TRUE(must(store_->claim("r", 10, 1000)).empty());
    clock_.advance_ms(1);
    EXPECT_EQ(must(store_->claim("r", 10, 1000)).size(), 2u);
}

// What the store itself refuses, with the messages the CLI prints.
TEST_F(SubmitTest, RefusesJobsTheSchemaCannotHold) {
    NewJob unnamed = make_job("", 1);
    EXPECT_EQ(store_->submit(unnamed).error().message,
              "job name must be 1 to 128 characters, got 0");
    NewJob empty = make_job("empty", 0);
    auto e = store_->submit(empty);
    EXPECT_EQ(e.error().code, kExitDataErr);
    EXPECT_EQ(e.error().message, "job 'empty': has no tasks");
    NewJob zero = make_job("zero", 1);
    zero.max_attempts = 0;
    EXPECT_EQ(store_->submit(zero).error().message, "job 'zero': max_attempts must be at least 1");
    NewJob nohash = make_job("nohash", 1, "");
    EXPECT_EQ(store_->submit(nohash).error().message, "job 'nohash': content hash is empty");
    EXPECT_EQ(count_rows(*store_, "jobs"), 0);
}

// Explicit task keys are kept; parameters are stored as canonical JSON and read back.
TEST_F(SubmitTest, StoresCanonicalParamsAndExplicitKeys) {
    NewJob j = make_job("keys", 0);
    j.tasks.push_back(
        NewTask{"CancelReportShare",
                {{"ShareToIds", "g1"}, {"ReportId", "r\"1\\\n"}, {"ShareToType", "1"}},
                "share r1 g1"});
    auto r = must(store_->submit(j));
    auto t = must(store_->tasks(TaskQuery(r.job_id)));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].task_key, "share r1 g1");
    EXPECT_EQ(t[0].params_json, R"({"ReportId":"r\"1\\\n","ShareToIds":"g1","ShareToType":"1"})");
    auto claimed = must(store_->claim("r", 1, 1000));
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0].params, j.tasks[0].params);
}

TEST(Params, CanonicalJsonRoundTrips) {
    Params p{{"b", "2"}, {"a", "tab\there \"q\" \x01 \xc3\xa9"}, {"", ""}};
    std::string json = params_to_json(p);
    EXPECT_EQ(json, "{\"\":\"\",\"a\":\"tab\\there \\\"q\\\" \\u0001 \xc3\xa9\",\"b\":\"2\"}");
    EXPECT_EQ(params_from_json(json), p);
    EXPECT_EQ(params_from_json("{}"), Params{});
    EXPECT_EQ(params_from_json(R"( { "k" : "\u00e9\ud83d\ude00\/" } )"),
              (Params{{"k", "\xc3\xa9\xf0\x9f\x98\x80/"}}));
    EXPECT_FALSE(params_from_json(R"({"k":1})"));
    EXPECT_FALSE(params_from_json(R"({"k":"v",})"));
    EXPECT_FALSE(params_from_json(R"({"k":"v"} x)"));
    EXPECT_FALSE(params_from_json(R"({"k":"\ude00"})"));
    EXPECT_FALSE(params_from_json("[]"));
}

// The 100k-task job of design §10 goes in as one transaction (the timing is bench/'s job).
TEST_F(SubmitTest, SubmitsAHundredThousandTasks) {
    auto r = must(store_->submit(make_job("huge", 100000)));
    EXPECT_EQ(r.tasks, 100000);
    EXPECT_EQ(must(store_->job(r.job_id))->counts.queued, 100000);
    EXPECT_EQ(count_rows(*store_, "tasks"), 100000);
}

}  // namespace
}  // namespace qbi::queue::test
