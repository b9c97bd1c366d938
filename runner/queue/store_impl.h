#pragma once
// Private to runner/queue: the state behind a Store and helpers shared by its .cpp files.
// Same thread-safety as Store: one thread at a time.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <filesystem>
#include <optional>
#include <string>

#include "runner/core/clock.h"
#include "runner/queue/store.h"

namespace qbi::queue {

// Borrows a cached prepared statement (preparing it on first use) and resets it when the
// scope ends, even on an exception, so no statement keeps a read transaction open.
class StatementUse {
public:
    StatementUse(std::optional<SQLite::Statement>& slot, SQLite::Database& db, const char* sql)
        : s_(slot ? *slot : slot.emplace(db, sql)) {}
    ~StatementUse() { s_.tryReset(); }
    StatementUse(const StatementUse&) = delete;
    StatementUse& operator=(const StatementUse&) = delete;
    SQLite::Statement& operator*() { return s_; }
    SQLite::Statement* operator->() { return &s_; }

private:
    SQLite::Statement& s_;
};

// The write transaction of one of the runner's writes: its own (BEGIN IMMEDIATE ... COMMIT),
// or the open batch's (Store::begin_batch), which the batch's owner commits or rolls back.
class WriteTx {
public:
    WriteTx(SQLite::Database& db, bool batch_open) {
        if (!batch_open) own_.emplace(db, SQLite::TransactionBehavior::IMMEDIATE);
    }
    void commit() {
        if (own_) own_->commit();
    }

private:
    std::optional<SQLite::Transaction> own_;
};

// While a bulk insert (a submit) runs, the connection's page cache may hold up to 16 MB
// instead of SQLite's default 2 MB, which spills a 20k-task transaction's dirty pages to the
// WAL and reads them back (about a third more page writes and reads, and 8-13 % of the CPU of
// such a submit); the previous size is restored when the scope ends.
class BulkInsertCache {
public:
    explicit BulkInsertCache(SQLite::Database& db)
        : db_(db), before_(db.execAndGet("PRAGMA cache_size").getInt()) {
        db_.exec("PRAGMA cache_size = -16384");
    }
    ~BulkInsertCache() {
        try {
            db_.exec("PRAGMA cache_size = " + std::to_string(before_));
        } catch (...) {  // never thrown for this pragma; a destructor must not throw
        }
    }
    BulkInsertCache(const BulkInsertCache&) = delete;
    BulkInsertCache& operator=(const BulkInsertCache&) = delete;

private:
    SQLite::Database& db_;
    const int before_;
};

// The last row of the audit chain, read at the start of a writing transaction and advanced
// by each append.
struct ChainHead {
    std::int64_t id = 0;
    std::string hash;
};

// What inserting a read's follow-up tasks came to.
struct Children {
    bool over_limit = false;     // nothing was inserted
    std::int64_t new_tasks = 0;  // inserted (or, over the limit, that would have been)
    std::int64_t existing = 0;   // keys the job already had
    std::int64_t job_tasks = 0;  // the job's tasks before
};

struct Store::Impl {
    Impl(std::filesystem::path p, Clock& c, SQLite::Database d, int v)
        : path(std::move(p)), label(path.string()), clock(c), version(v), db(std::move(d)) {}

    std::int64_t now() const { return clock.wall_ms(); }
    ChainHead chain_head();
    // Sets row.id, row.prev_hash and row.hash from `head`, inserts the row, advances `head`.
    // Call inside the writing transaction that read `head`.
    void append_attempt(ChainHead& head, AttemptRow& row);
    // Inserts the row of a new job (its own fields, submitted at `now`, no tasks counted) and
    // returns its id; call inside the submitting transaction.
    std::int64_t add_job_row(const NewJob& job, std::int64_t now);
    // One part of a claim (see Store::claim), appended to `out` with each task's due time;
    // call inside the claiming transaction.
    Status claim_part(const std::string& owner, std::int64_t lease_ms, std::int64_t now,
                      std::optional<std::int64_t> job_id, const std::optional<std::string>& action,
                      int max_tasks, std::vector<ClaimedTask>& out,
                      std::vector<std::int64_t>& due_at);
    // Inserts `children` of task `parent_id` into job `job_id` (see TaskResult). Call inside a
    // writing transaction; on the limit nothing of it stays (a savepoint is rolled back).
    Children insert_children(std::int64_t job_id, std::int64_t parent_id,
                             const std::vector<NewTask>& children, std::int64_t max_job_tasks,
                             std::int64_t now);

    std::filesystem::path path;
    std::string label;      // the path, for messages
    AuditKeyRef audit_key;  // set: new attempt rows are keyed (audit.h)
    Clock& clock;
    int version;
    SQLite::Database db;

    // Cached statements: declared after `db` so they are finalised before it closes.
    std::optional<SQLite::Statement> job_by_name;
    std::optional<SQLite::Statement> insert_job;
    std::optional<SQLite::Statement> insert_task;
    // Streamed submit (store_stage.cpp): the insert into temp.staged while a staging is open.
    std::optional<SQLite::Statement> stage_insert;
    bool staging_tx = false;  // the staging's transaction (on the temp table only) is open
    bool batch = false;       // a batch (Store::begin_batch) is open
    // A pipelined submit (Store::begin_job_insert): its transaction, job and insert time.
    std::optional<SQLite::Transaction> job_insert;
    std::int64_t job_insert_id = 0;
    std::int64_t job_insert_now = 0;
    int job_insert_attempts = 0;
    std::optional<SQLite::Statement> claim_any;
    std::optional<SQLite::Statement> claim_job;
    std::optional<SQLite::Statement> claim_action;
    std::optional<SQLite::Statement> job_limits;
    std::optional<SQLite::Statement> insert_child;
    std::optional<SQLite::Statement> add_queued;
    std::optional<SQLite::Statement> leased_task;
    std::optional<SQLite::Statement> finish_task;
    std::optional<SQLite::Statement> release_task;
    std::optional<SQLite::Statement> last_attempt;
    std::optional<SQLite::Statement> insert_attempt;
    std::optional<SQLite::Statement> due_any;
    std::optional<SQLite::Statement> due_job;
    std::optional<SQLite::Statement> retry_due;
    std::optional<SQLite::Statement> retry_due_action;
    std::optional<SQLite::Statement> job_by_id;
    std::optional<SQLite::Statement> totals;
    std::optional<SQLite::Statement> due_count;    // queue_stats
    std::optional<SQLite::Statement> later_count;  // queue_stats
    std::optional<SQLite::Statement> oldest_due;   // queue_stats
    std::optional<SQLite::Statement> last_row;     // queue_stats
};

// Column readers shared by the query files. `first` is the index of the first column.
inline constexpr const char* kJobColumns =
    "j.id, j.name, j.description, j.content_hash, j.source_file, j.not_before, j.max_attempts, "
    "j.submitted_at, c.queued, c.running, c.done, c.already_absent, c.failed, c.cancelled";
inline constexpr const char* kAttemptColumns =
    "id, job_id, task_id, attempt, action, params, started_at, latency_ms, http_status, "
    "request_id, code, message, outcome, endpoint, signature, access_key_id, recorded_at, "
    "prev_hash, hash, keyed";
JobInfo read_job(SQLite::Statement& s);
// Six count columns from `first` on: queued, running, done, already_absent, failed, cancelled.
TaskCounts read_counts(SQLite::Statement& s, int first);
AttemptRow read_attempt(SQLite::Statement& s);
// Binds a job's own fields to parameters first..first+5, in the jobs table's column order:
// name, description, content_hash, source_file, not_before (NULL when absent), max_attempts.
void bind_job_fields(SQLite::Statement& s, int first, const NewJob& job);
// Binds a task's own fields to parameters first..first+3: task_key (derived from the action and
// the canonical params when the task has none, queue/params.h), action, params (canonical JSON),
// context. The tasks table and the staging table take them in this order.
void bind_task_fields(SQLite::Statement& s, int first, const NewTask& task);
// NULL for an empty string, so optional text columns stay NULL when there is nothing to say.
void bind_text_or_null(SQLite::Statement& s, int index, const std::string& value);

}  // namespace qbi::queue
