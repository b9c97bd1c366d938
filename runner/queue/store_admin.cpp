// Operator actions on the Store: rerun and cancel.
#include <SQLiteCpp/Transaction.h>

#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

namespace {

bool job_exists(SQLite::Database& db, std::int64_t job_id) {
    SQLite::Statement s(db, "SELECT 1 FROM jobs WHERE id = ?");
    s.bind(1, job_id);
    return s.executeStep();
}

Error no_such_job(std::int64_t job_id) {
    return Error{kExitUsage, "no job with id " + std::to_string(job_id)};
}

}  // namespace

Result<std::int64_t> Store::rerun(const RerunRequest& request) {
    if (request.states.empty())
        return Error{kExitUsage, "rerun needs at least one state (failed or cancelled)"};
    std::string states;
    for (TaskState st : request.states) {
        if (st != TaskState::Failed && st != TaskState::Cancelled)
            return Error{kExitUsage, "rerun takes the states failed and cancelled, not '" +
                                         std::string(task_state_name(st)) + "'"};
        if (!states.empty()) states += ", ";
        states += "'" + std::string(task_state_name(st)) + "'";
    }
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::int64_t> {
        const std::int64_t now = m.now();
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::IMMEDIATE);
        if (request.job_id && !job_exists(m.db, *request.job_id))
            return no_such_job(*request.job_id);
        // A task is never due before its job's not_before, rerun or not.
        std::string sql =
            "UPDATE tasks SET state = 'queued', outcome = NULL, attempts = 0, interrupted_streak = "
            "0, "
            "next_run_at = max(?1, coalesce((SELECT not_before FROM jobs "
            "WHERE jobs.id = tasks.job_id), ?1)), updated_at = ?1 WHERE state IN (" +
            states + ")";
        if (request.job_id) sql += " AND job_id = ?2";
        if (request.code) sql += " AND last_code = ?3";
        SQLite::Statement s(m.db, sql);
        s.bind(1, now);
        if (request.job_id) s.bind(2, *request.job_id);
        if (request.code) s.bind(3, *request.code);
        std::int64_t n = s.exec();
        tx.commit();
        return n;
    });
}

Result<std::int64_t> Store::cancel_job(std::int64_t job_id) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::int64_t> {
        const std::int64_t now = m.now();
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::IMMEDIATE);
        if (!job_exists(m.db, job_id)) return no_such_job(job_id);
        SQLite::Statement s(m.db,
                            "UPDATE tasks SET state = 'cancelled', updated_at = ? "
                            "WHERE state = 'queued' AND job_id = ?");
        s.bind(1, now);
        s.bind(2, job_id);
        std::int64_t n = s.exec();
        tx.commit();
        return n;
    });
}

}  // namespace qbi::queue
