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

}  // namespace

Result<SubmitResult> Store::submit(const NewJob& job) {
    if (auto st = check_job(job); !st) return st.error();
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<SubmitResult> {
        const std::int64_t now = m.now();
        BulkInsertCache cache(m.db);
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::IMMEDIATE);
        {
            StatementUse s(m.job_by_name, m.db,
                           "SELECT j.id, j.content_hash, c.queued + c.running + c.done + "
                           "c.already_absent + c.failed + c.cancelled "
                           "FROM jobs j JOIN job_counts c ON c.job_id = j.id WHERE j.name = ?");
            s->bind(1, job.name);
            if (s->executeStep()) {
                const std::int64_t id = s->getColumn(0).getInt64();
                if (s->getColumn(1).getString() != job.content_hash)
                    return Error{kExitDataErr,
                                 "job '" + job.name + "' was already submitted as job " +
                                     std::to_string(id) +
                                     " with different content; give the changed job a new name"};
                return SubmitResult{id, true, s->getColumn(2).getInt64()};
            }
        }
        std::int64_t job_id = 0;
        {
            StatementUse s(m.insert_job, m.db,
                           "INSERT INTO jobs (name, description, content_hash, source_file, "
                           "not_before, max_attempts, submitted_at) VALUES (?,?,?,?,?,?,?)");
            s->bind(1, job.name);
            s->bind(2, job.description);
            s->bind(3, job.content_hash);
            s->bind(4, job.source_file);
            if (job.not_before_ms)
                s->bind(5, *job.not_before_ms);
            else
                s->bind(5);
            s->bind(6, job.max_attempts);
            s->bind(7, now);
            s->exec();
            job_id = m.db.getLastInsertRowid();
        }
        const std::int64_t due = std::max(now, job.not_before_ms.value_or(now));
        StatementUse s(m.insert_task, m.db,
                       "INSERT INTO tasks (job_id, task_key, action, params, max_attempts, "
                       "next_run_at, created_at, updated_at, context) VALUES (?,?,?,?,?,?,?,?,?)");
        s->bind(1, job_id);
        s->bind(5, job.max_attempts);
        s->bind(6, due);
        s->bind(7, now);
        s->bind(8, now);
        for (std::size_t i = 0; i < job.tasks.size(); ++i) {
            const NewTask& t = job.tasks[i];
            std::string params = params_to_json(t.params);
            std::string key = t.task_key.empty() ? derived_task_key(t.action, params) : t.task_key;
            s->bind(2, key);
            s->bind(3, t.action);
            s->bind(4, params);
            s->bind(9, t.context);
            try {
                s->exec();
            } catch (const SQLite::Exception& e) {
                if (e.getExtendedErrorCode() != SQLITE_CONSTRAINT_UNIQUE) throw;
                return Error{kExitDataErr, "job '" + job.name + "': task " + std::to_string(i + 1) +
                                               " (" + t.action + " " + params +
                                               ") duplicates an earlier task; nothing "
                                               "was submitted"};
            }
            s->reset();
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

}  // namespace qbi::queue
