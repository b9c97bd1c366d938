// Streamed submit (issue: a job file that fans out to a million tasks): Store's staging and
// chunked enqueue on a real SQLite file, app::submit_text against the in-memory parse it
// replaces, an interrupted submit completed by the next one, and the real binary's peak RSS on
// a small file that expands to 200,000 tasks.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "runner/app/submit.h"
#include "runner/jobs/job_file.h"
#include "runner/queue/params.h"
#include "tests/queue_fixture.h"
#include "tests/support/process.h"

namespace qbi::queue::test {
namespace {

NewTask cancel(const std::string& user, const std::string& work) {
    return NewTask{"CancelCollection", {{"UserId", user}, {"WorksId", work}}, ""};
}

NewJob meta(const std::string& name, const std::string& hash = "h1") {
    NewJob j;
    j.name = name;
    j.content_hash = hash;
    j.max_attempts = 4;
    return j;
}

class StagingTest : public QueueTest {
protected:
    // Stages n tasks (works w0..w(n-1)), the dedup key being the work.
    void stage_n(int n, int from = 0) {
        for (int i = from; i < from + n; ++i)
            ASSERT_TRUE(store_->stage(cancel("u1", "w" + std::to_string(i)),
                                      "key-" + std::to_string(1000 + i)));
    }
    std::int64_t count(const std::string& sql) {
        return store_->raw_connection().execAndGet(sql).getInt64();
    }
};

TEST_F(StagingTest, DuplicatesKeepTheFirstAndKeysComeSorted) {
    ASSERT_TRUE(store_->begin_staging());
    ASSERT_TRUE(store_->stage(cancel("u1", "w-b"), "b"));
    ASSERT_TRUE(store_->stage(cancel("u1", "w-a"), "a"));
    ASSERT_TRUE(store_->stage(cancel("u1", "w-second"), "b"));  // same key: ignored
    std::vector<std::string> keys;
    EXPECT_EQ(must(store_->staged_keys([&](std::string_view k) { keys.emplace_back(k); })), 2);
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b"}));
    auto r = must(store_->submit_staged(meta("dups")));
    EXPECT_FALSE(r.already);
    EXPECT_EQ(r.tasks, 2);
    auto tasks = must(store_->tasks(TaskQuery{r.job_id}));
    ASSERT_EQ(tasks.size(), 2u);
    EXPECT_EQ(tasks[0].params_json, R"({"UserId":"u1","WorksId":"w-b"})");  // file order kept
    EXPECT_EQ(tasks[1].params_json, R"({"UserId":"u1","WorksId":"w-a"})");
}

TEST_F(StagingTest, ChunksAddUpIdempotentAndRefuseOtherContent) {
    ASSERT_TRUE(store_->begin_staging());
    stage_n(10);
    auto r = must(store_->submit_staged(meta("chunked"), 3));
    EXPECT_EQ(r.tasks, 10);
    EXPECT_EQ(r.added, 10);
    auto job = must(store_->job(r.job_id));
    ASSERT_TRUE(job);
    EXPECT_EQ(job->counts.queued, 10);
    EXPECT_EQ(job->max_attempts, 4);
    // The staging is gone: a second submit stages afresh.
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_temp_master WHERE name = 'staged'"), 0);

    ASSERT_TRUE(store_->begin_staging());
    stage_n(10);
    auto again = must(store_->submit_staged(meta("chunked"), 3));
    EXPECT_TRUE(again.already);
    EXPECT_FALSE(again.resumed);
    EXPECT_EQ(again.job_id, r.job_id);
    EXPECT_EQ(again.added, 0);

    ASSERT_TRUE(store_->begin_staging());
    stage_n(10);
    auto other = store_->submit_staged(meta("chunked", "h2"), 3);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, kExitDataErr);
    EXPECT_EQ(other.error().message,
              "job 'chunked' was already submitted as job 1 with different content; give the "
              "changed job a new name");
    EXPECT_EQ(count("SELECT count(*) FROM tasks"), 10);
}

TEST_F(StagingTest, AnInterruptedSubmitIsCompletedByTheNextOne) {
    ASSERT_TRUE(store_->begin_staging());
    stage_n(10);
    int asked = 0;
    auto cut = store_->submit_staged(meta("cut"), 4, [&] { return ++asked >= 2; });
    ASSERT_FALSE(cut);
    EXPECT_EQ(cut.error().code, kExitTempFail);
    EXPECT_EQ(cut.error().message,
              "submit of job 'cut' interrupted after 8 of 10 tasks; submit it again to complete "
              "it");
    EXPECT_EQ(count("SELECT count(*) FROM tasks"), 8);
    EXPECT_EQ(count("SELECT queued FROM job_counts"), 8);

    ASSERT_TRUE(store_->begin_staging());
    stage_n(10);
    auto done = must(store_->submit_staged(meta("cut"), 4));
    EXPECT_TRUE(done.resumed);
    EXPECT_FALSE(done.already);
    EXPECT_EQ(done.added, 2);
    EXPECT_EQ(done.tasks, 10);
    EXPECT_EQ(count("SELECT queued FROM job_counts"), 10);
}

TEST_F(StagingTest, DropStagingDiscardsAndLeavesTheQueueAlone) {
    ASSERT_TRUE(store_->begin_staging());
    stage_n(5);
    store_->drop_staging();
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_temp_master WHERE name = 'staged'"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM jobs"), 0);
    // The queue stayed writable meanwhile: staging takes no lock on it.
    ASSERT_TRUE(store_->begin_staging());
    stage_n(2);
    auto other = Store::open(db_path(), clock_);
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->submit(make_job("beside", 3)));
    EXPECT_TRUE(store_->submit_staged(meta("after")));
    EXPECT_EQ(count("SELECT count(*) FROM tasks"), 5);
}

// ---- app::submit_text: the streamed path means the same as the in-memory one ----

const char* kJobText =
    "version: 1\njob: stream-1\ndescription: streamed\nmax_attempts: 5\ntasks:\n"
    "  - cancel-collection: {user: u1, works: [w3, w1, w2, w1]}\n"
    "  - cancel-share: {report: [r1, r2], to-type: group, to: [g1, g2]}\n"
    "  - offboard-user: {account: jdoe}\n"
    "  - cancel-collection: {user: u1, works: [w2]}\n";

TEST_F(QueueTest, StreamedSubmitHashesAndOrdersAsTheInMemoryParse) {
    app::Config cfg;
    auto parsed = jobs::parse_job_text(kJobText, "a.yaml");
    ASSERT_TRUE(parsed);
    auto o = app::submit_text(*store_, "a.yaml", kJobText, cfg, {2, {}});
    ASSERT_EQ(o.status, app::SubmitStatus::Submitted) << (o.errors.empty() ? "" : o.errors[0]);
    EXPECT_EQ(o.tasks, static_cast<std::int64_t>(parsed.job().tasks.size()));
    auto job = must(store_->job(o.job_id));
    ASSERT_TRUE(job);
    EXPECT_EQ(job->content_hash, parsed.job().content_hash);
    EXPECT_EQ(job->max_attempts, 5);
    auto tasks = must(store_->tasks(TaskQuery{o.job_id}));
    ASSERT_EQ(tasks.size(), parsed.job().tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        EXPECT_EQ(tasks[i].action, parsed.job().tasks[i].action) << i;
        EXPECT_EQ(tasks[i].params_json, params_to_json(parsed.job().tasks[i].params)) << i;
    }
    // The in-memory path (offboard, plan) sees the streamed job as the same job.
    auto same = app::submit_parsed(*store_, "a.yaml", parsed, cfg);
    EXPECT_EQ(same.status, app::SubmitStatus::AlreadySubmitted);
    EXPECT_EQ(same.job_id, o.job_id);
}

TEST_F(QueueTest, StreamedSubmitOfAnInvalidFileEnqueuesNothing) {
    app::Config cfg;
    // Tasks are staged before the error at the end is found; none may stay.
    std::string text = std::string(kJobText) + "  - cancel-colection: {user: u1, works: [w9]}\n";
    auto o = app::submit_text(*store_, "bad.yaml", text, cfg);
    EXPECT_EQ(o.status, app::SubmitStatus::Invalid);
    EXPECT_EQ(o.errors, (std::vector<std::string>{
                            "bad.yaml:10:5: unknown action 'cancel-colection'; did you mean "
                            "'cancel-collection'?"}));
    EXPECT_EQ(store_->raw_connection().execAndGet("SELECT count(*) FROM tasks").getInt64(), 0);
    EXPECT_EQ(store_->raw_connection().execAndGet("SELECT count(*) FROM jobs").getInt64(), 0);
    // A missing file: the line-0 error of parse_job_file.
    auto missing = app::submit_file(*store_, (dir_ / "nope.yaml").string(), cfg);
    EXPECT_EQ(missing.status, app::SubmitStatus::Invalid);
    ASSERT_EQ(missing.errors.size(), 1u);
    EXPECT_EQ(missing.errors[0],
              (dir_ / "nope.yaml").string() + ": cannot read: No such file or directory");
}

TEST_F(QueueTest, CancelledSubmitIsCompletedBySubmittingAgain) {
    app::Config cfg;
    // Stops after the first transaction: parsing and staging ask too, while the queue is still
    // empty. Asked through a connection of its own, which sees only what is committed (the
    // store's may be inserting the first tasks on another thread, uncommitted).
    SQLite::Database reader(db_path().string(), SQLite::OPEN_READONLY);
    app::SubmitControl stop_early{
        3, [&] { return reader.execAndGet("SELECT count(*) FROM tasks").getInt64() > 0; }};
    auto cut = app::submit_text(*store_, "a.yaml", kJobText, cfg, stop_early);
    EXPECT_EQ(cut.status, app::SubmitStatus::StoreError);
    EXPECT_EQ(cut.error_code, kExitTempFail);
    auto done = app::submit_text(*store_, "a.yaml", kJobText, cfg, {3, {}});
    EXPECT_EQ(done.status, app::SubmitStatus::Submitted);
    EXPECT_TRUE(done.resumed);
    EXPECT_EQ(done.tasks, 8);
    EXPECT_EQ(app::describe(done),
              "a.yaml: completed the interrupted submit of job 1 (stream-1, 8 tasks)");
}

// ---- the binary: a 12 KB-class file that fans out to 300,000 tasks ----

TEST(SubmitStreamProcess, CrossProductOf200kTasksStaysUnder100MB) {
    qbi::test::TempDir dir;
    {
        std::ofstream f(dir / "wide.yaml");
        f << "version: 1\njob: wide\nnot_before: 2099-01-01T00:00:00Z\ntasks:\n"
             "  - cancel-share:\n      to-type: user\n      report: [";
        for (int r = 0; r < 400; ++r) f << (r ? ", " : "") << "rep" << r;
        f << "]\n      to: [";
        for (int u = 0; u < 500; ++u) f << (u ? ", " : "") << "user" << u;
        f << "]\n";
    }
    auto r = qbi::test::run_process(
        {QBI_RUNNER_BIN, "--db", (dir / "q.db").string(), "submit", (dir / "wide.yaml").string()},
        std::map<std::string, std::string>{{"HOME", dir.path().string()}}, dir.path().string(),
        120000);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, (dir / "wide.yaml").string() + ": submitted as job 1 (wide, 200000 tasks)\n");
    std::printf("peak RSS of submit: %ld MB\n", r.max_rss_kb / 1024);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's shadow memory and quarantine are not ours
    EXPECT_LE(r.max_rss_kb, 100 * 1024);
#endif
}

}  // namespace
}  // namespace qbi::queue::test
