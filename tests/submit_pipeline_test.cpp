// The pipelined submit (app/submit_pipeline.h, Store::begin_job_insert): a job's tasks go in
// while its file is still parsed, and the result is the ordinary submit's, row for row: the
// header read last (name, not_before, max_attempts after the tasks), a resubmit, a refused
// one, a file that turns out invalid after its first tasks (nothing written), a database busy
// with another writer (the ordinary submit meets it and reports it; nothing written), and the
// service's paused submit, which does not pipeline.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runner/app/submit.h"
#include "tests/queue_fixture.h"

namespace qbi::queue::test {
namespace {

using PipelineTest = QueueTest;
using qbi::test::TempDir;

std::int64_t count_rows(Store& s, const char* table) {
    return s.raw_connection().execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
}

// Every task of the database at `path` as one line each, in id order.
std::vector<std::string> task_rows(const std::filesystem::path& path) {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
    SQLite::Statement s(db,
                        "SELECT id, job_id, task_key, action, params, state, max_attempts, "
                        "next_run_at - created_at, context FROM tasks ORDER BY id");
    std::vector<std::string> rows;
    while (s.executeStep()) {
        std::string row;
        for (int c = 0; c < 9; ++c) row += s.getColumn(c).getString() + "|";
        rows.push_back(row);
    }
    return rows;
}

std::string job_row(const std::filesystem::path& path) {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
    SQLite::Statement s(db,
                        "SELECT j.name, j.description, j.content_hash, j.source_file, "
                        "j.not_before, j.max_attempts, c.queued FROM jobs j JOIN job_counts c "
                        "ON c.job_id = j.id");
    std::string row;
    while (s.executeStep())
        for (int c = 0; c < 7; ++c) row += s.getColumn(c).getString() + "|";
    return row;
}

// The header after the tasks, with a not_before and max_attempts of its own, and a repeated
// task (the first stays).
const char* kLateHeader =
    "tasks:\n"
    "  - cancel-collection: {user: u1, works: [w3, w1, w2, w1]}\n"
    "  - cancel-share: {report: [r1, r2], to-type: group, to: [g1, g2]}\n"
    "version: 1\n"
    "max_attempts: 7\n"
    "not_before: 2099-01-01T00:00:00Z\n"
    "description: header last\n"
    "job: late-header\n";

TEST_F(PipelineTest, TheRowsAreTheOrdinarySubmitsWithTheHeaderReadLast) {
    app::Config cfg;
    auto piped = app::submit_text(*store_, "late.yaml", kLateHeader, cfg);
    ASSERT_EQ(piped.status, app::SubmitStatus::Submitted)
        << (piped.errors.empty() ? "" : piped.errors[0]);
    EXPECT_EQ(piped.tasks, 7);
    // The same file through the ordinary submit (staging-free, no pipeline) in another
    // database: a chunk of 1 task sends it through the staging, so compare with the Store's own
    // submit of the parsed job instead.
    TempDir other_dir;
    auto other = Store::open(other_dir / "q.db", clock_);
    ASSERT_TRUE(other);
    auto parsed = jobs::parse_job_text(kLateHeader, "late.yaml");
    ASSERT_TRUE(parsed);
    jobs::JobSpec spec = parsed.job();
    spec.content_hash = jobs::compute_content_hash(spec);
    ASSERT_TRUE(other->submit(app::to_new_job(spec, static_cast<int>(cfg.default_max_attempts))));
    EXPECT_EQ(task_rows(db_path()), task_rows(other_dir / "q.db"));
    EXPECT_EQ(job_row(db_path()), job_row(other_dir / "q.db"));
    EXPECT_NE(job_row(db_path()).find("late-header|header last|"), std::string::npos);
    EXPECT_NE(job_row(db_path()).find("|7|7|"), std::string::npos) << job_row(db_path());
    EXPECT_EQ(must(store_->check_task_states()), "");
}

TEST_F(PipelineTest, AResubmitIsTheExistingJobAndOtherContentIsRefused) {
    app::Config cfg;
    auto first = app::submit_text(*store_, "late.yaml", kLateHeader, cfg);
    ASSERT_EQ(first.status, app::SubmitStatus::Submitted);
    auto again = app::submit_text(*store_, "late.yaml", kLateHeader, cfg);
    EXPECT_EQ(again.status, app::SubmitStatus::AlreadySubmitted);
    EXPECT_EQ(again.job_id, first.job_id);
    EXPECT_EQ(again.tasks, 7);
    std::string changed = kLateHeader;
    changed.replace(changed.find("w3"), 2, "w9");
    auto refused = app::submit_text(*store_, "late.yaml", changed, cfg);
    EXPECT_EQ(refused.status, app::SubmitStatus::Refused);
    ASSERT_EQ(refused.errors.size(), 1u);
    EXPECT_NE(refused.errors[0].find("was already submitted as job 1 with different content"),
              std::string::npos)
        << refused.errors[0];
    EXPECT_EQ(task_rows(db_path()).size(), 7u);
    EXPECT_EQ(count_rows(*store_, "jobs"), 1);
}

TEST_F(PipelineTest, AFileInvalidAfterItsFirstTasksWritesNothing) {
    app::Config cfg;
    std::string text = "version: 1\njob: broken\ntasks:\n";
    for (int i = 0; i < 300; ++i)
        text += "  - cancel-collection: {user: u1, works: [w" + std::to_string(i) + "]}\n";
    text += "  - cancel-collection: {user: u1}\n";  // no works: invalid, at the very end
    auto o = app::submit_text(*store_, "broken.yaml", text, cfg);
    EXPECT_NE(o.status, app::SubmitStatus::Submitted);
    EXPECT_EQ(o.error_code, kExitDataErr);
    EXPECT_TRUE(task_rows(db_path()).empty());
    EXPECT_EQ(count_rows(*store_, "jobs"), 0);
    EXPECT_EQ(count_rows(*store_, "job_counts"), 0);
    // The store is usable at once.
    auto ok = app::submit_text(*store_, "late.yaml", kLateHeader, cfg);
    EXPECT_EQ(ok.status, app::SubmitStatus::Submitted);
}

TEST_F(PipelineTest, ADatabaseBusyWithAnotherWriterIsReportedAndNothingWritten) {
    StoreOptions quick;
    quick.busy_timeout_ms = 100;
    store_ = open_store(quick);
    SQLite::Database writer(db_path().string(), SQLite::OPEN_READWRITE);
    writer.exec("BEGIN IMMEDIATE");
    app::Config cfg;
    auto o = app::submit_text(*store_, "late.yaml", kLateHeader, cfg);
    EXPECT_EQ(o.status, app::SubmitStatus::StoreError);
    EXPECT_EQ(o.error_code, kExitTempFail);
    writer.exec("ROLLBACK");
    EXPECT_TRUE(task_rows(db_path()).empty());
    auto again = app::submit_text(*store_, "late.yaml", kLateHeader, cfg);
    EXPECT_EQ(again.status, app::SubmitStatus::Submitted);
    EXPECT_EQ(task_rows(db_path()).size(), 7u);
}

TEST_F(PipelineTest, TheServicesPausedSubmitDoesNotPipeline) {
    // The service pauses between chunks so that its engine gets the write lock: it must not
    // hold the lock while a file is parsed. Seen from the parsing thread on the store's own
    // connection, no task is there before the parse ends.
    app::Config cfg;
    std::int64_t seen = 0;
    app::SubmitControl paused{app::kSubmitChunk,
                              [&] {
                                  seen = std::max(seen, count_rows(*store_, "tasks"));
                                  return false;
                              },
                              1};
    auto o = app::submit_text(*store_, "late.yaml", kLateHeader, cfg, paused);
    EXPECT_EQ(o.status, app::SubmitStatus::Submitted);
    EXPECT_EQ(seen, 0);
    EXPECT_EQ(task_rows(db_path()).size(), 7u);
}

}  // namespace
}  // namespace qbi::queue::test
