// Store::submit: a whole job in one IMMEDIATE transaction, idempotent by name + content.
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <algorithm>

#include "runner/queue/params.h"
#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

namespace {

Status check_job(const NewJob& job) {
    auto bad = [&](const std::string& what) {
        return Error{kExitDataErr, "job '" + job.name + "': " + what};
    };
    if (job.name.empty() || job.name.size() > 128)
        return Error{kExitDataErr, "job name must be 1 to 128 characters, got " +
                                       std::to_string(job.name.size())};
    if (job.content_hash.empty()) return bad("content hash is empty");
    if (job.max_attempts < 1) return bad("max_attempts must be at least 1");
    if (job.tasks.empty()) return bad("has no tasks");
    for (std::size_t i = 0; i < job.tasks.size(); ++i)
        if (job.tasks[i].action.empty())
            return bad("task " + std::to_string(i + 1) + " has no action");
    return {};
}

// The job already submitted under `job.name`, if any: the same content answers the existing
// job (already = true), other content is refused.
std::optional<Result<SubmitResult>> existing_job(Store::Impl& m, const NewJob& job) {
    StatementUse s(m.job_by_name, m.db,
                   "SELECT j.id, j.content_hash, c.queued + c.running + c.done + "
                   "c.already_absent + c.failed + c.cancelled "
                   "FROM jobs j JOIN job_counts c ON c.job_id = j.id WHERE j.name = ?");
    s->bind(1, job.name);
    if (!s->executeStep()) return std::nullopt;
    const std::int64_t id = s->getColumn(0).getInt64();
    if (s->getColumn(1).getString() != job.content_hash)
        return Result<SubmitResult>{
            Error{kExitDataErr, "job '" + job.name + "' was already submitted as job " +
                                    std::to_string(id) +
                                    " with different content; give the changed job "
                                    "a new name"}};
    return Result<SubmitResult>{SubmitResult{id, true, s->getColumn(2).getInt64()}};
}

// One task row: the task's own fields at 2..5 (bind_task_fields), its job's at 1 and 6..9
// (bind_task_job).
constexpr const char* kInsertTask =
    "INSERT INTO tasks (job_id, task_key, action, params, context, max_attempts, next_run_at, "
    "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)";

void bind_task_job(SQLite::Statement& s, std::int64_t job_id, int max_attempts, std::int64_t due,
                   std::int64_t now) {
    s.bind(1, job_id);
    s.bind(6, max_attempts);
    s.bind(7, due);
    s.bind(8, now);
    s.bind(9, now);
}

// Inserts one task with kInsertTask (its job's fields bound already).
void insert_task(SQLite::Statement& s, const NewTask& t) {
    bind_task_fields(s, 2, t);
    s.exec();
    s.reset();
}

}  // namespace

Result<SubmitResult> Store::submit(const NewJob& job) {
    if (auto st = check_job(job); !st) return st.error();
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<SubmitResult> {
        const std::int64_t now = m.now();
        BulkInsertCache cache(m.db);
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::IMMEDIATE);
        if (auto existing = existing_job(m, job)) return *existing;
        const std::int64_t job_id = m.add_job_row(job, now);
        const std::int64_t due = std::max(now, job.not_before_ms.value_or(now));
        StatementUse s(m.insert_task, m.db, kInsertTask);
        bind_task_job(*s, job_id, job.max_attempts, due, now);
        for (std::size_t i = 0; i < job.tasks.size(); ++i) {
            const NewTask& t = job.tasks[i];
            try {
                insert_task(*s, t);
            } catch (const SQLite::Exception& e) {
                if (e.getExtendedErrorCode() != SQLITE_CONSTRAINT_UNIQUE) throw;
                return Error{kExitDataErr, "job '" + job.name + "': task " + std::to_string(i + 1) +
                                               " (" + t.action + " " + params_to_json(t.params) +
                                               ") duplicates an earlier task; nothing "
                                               "was submitted"};
            }
        }
        // Inserted tasks are counted here, once, not by a per-row trigger (0003_job_counts.sql).
        SQLite::Statement count(m.db, "UPDATE job_counts SET queued = queued + ? WHERE job_id = ?");
        count.bind(1, static_cast<std::int64_t>(job.tasks.size()));
        count.bind(2, job_id);
        count.exec();
        tx.commit();
        return SubmitResult{job_id, false, static_cast<std::int64_t>(job.tasks.size())};
    });
}

Status Store::begin_job_insert(int max_attempts, const std::string& source_file) {
    Impl& m = *impl_;
    if (m.job_insert || m.batch || m.staging_tx)
        return Error{kExitSoftware, "database " + m.label + ": a transaction is already open"};
    if (max_attempts < 1) return Error{kExitDataErr, "max_attempts must be at least 1"};
    auto st = guarded(m.label, [&]() -> Status {
        m.job_insert.emplace(m.db, SQLite::TransactionBehavior::IMMEDIATE);
        m.job_insert_now = m.now();
        m.job_insert_attempts = max_attempts;
        // A name no job file can give (job names are checked text): replaced at the commit.
        SQLite::Statement s(m.db,
                            "INSERT INTO jobs (name, content_hash, source_file, max_attempts, "
                            "submitted_at) VALUES ('\x01 submit in progress', 'pending', ?, ?, ?)");
        s.bind(1, source_file);
        s.bind(2, max_attempts);
        s.bind(3, m.job_insert_now);
        s.exec();
        m.job_insert_id = m.db.getLastInsertRowid();
        return {};
    });
    if (!st) abort_job_insert();
    return st;
}

Status Store::add_job_task(const NewTask& task) {
    Impl& m = *impl_;
    if (!m.job_insert) return Error{kExitSoftware, "database " + m.label + ": no job insert open"};
    if (task.action.empty()) return Error{kExitDataErr, "a task has no action"};
    return guarded(m.label, [&]() -> Status {
        StatementUse s(m.insert_task, m.db, kInsertTask);
        bind_task_job(*s, m.job_insert_id, m.job_insert_attempts, m.job_insert_now,
                      m.job_insert_now);
        insert_task(*s, task);
        return {};
    });
}

Result<SubmitResult> Store::commit_job_insert(const NewJob& header, std::int64_t tasks) {
    Impl& m = *impl_;
    if (!m.job_insert) return Error{kExitSoftware, "database " + m.label + ": no job insert open"};
    NewJob check = header;
    check.tasks.assign(1, NewTask{"counted", {}, ""});  // check_job wants tasks; they went in
    if (auto st = check_job(check); !st) {
        abort_job_insert();
        return st.error();
    }
    if (tasks < 1) {
        abort_job_insert();
        return Error{kExitDataErr, "job '" + header.name + "': has no tasks"};
    }
    auto r = guarded(m.label, [&]() -> Result<SubmitResult> {
        if (auto existing = existing_job(m, header)) {
            abort_job_insert();
            return *existing;
        }
        const std::int64_t id = m.job_insert_id;
        SQLite::Statement job(m.db,
                              "UPDATE jobs SET name = ?, description = ?, content_hash = ?, "
                              "source_file = ?, not_before = ?, max_attempts = ? WHERE id = ?");
        bind_job_fields(job, 1, header);
        job.bind(7, id);
        job.exec();
        // The tasks went in due now with the provisional max_attempts: as submit() would have
        // them, when the header says otherwise.
        const std::int64_t due =
            std::max(m.job_insert_now, header.not_before_ms.value_or(m.job_insert_now));
        if (due != m.job_insert_now || header.max_attempts != m.job_insert_attempts) {
            SQLite::Statement fix(
                m.db, "UPDATE tasks SET next_run_at = ?, max_attempts = ? WHERE job_id = ?");
            fix.bind(1, due);
            fix.bind(2, header.max_attempts);
            fix.bind(3, id);
            fix.exec();
        }
        SQLite::Statement count(m.db, "UPDATE job_counts SET queued = queued + ? WHERE job_id = ?");
        count.bind(1, tasks);
        count.bind(2, id);
        count.exec();
        m.job_insert->commit();
        m.job_insert.reset();
        return SubmitResult{id, false, tasks};
    });
    if (!r) abort_job_insert();
    return r;
}

void Store::abort_job_insert() {
    Impl& m = *impl_;
    try {
        m.job_insert.reset();  // rolls back unless committed
    } catch (...) {  // SQLiteCpp's rollback does not throw from the destructor; to be sure
    }
}

}  // namespace qbi::queue
