// Read-only Store queries: status, tasks, totals, attempts, audit export and verification.
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <charconv>

#include "runner/queue/audit.h"
#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

namespace {

const std::string kJobSelect =
    std::string("SELECT ") + kJobColumns + " FROM jobs j JOIN job_counts c ON c.job_id = j.id";

TaskInfo read_task(SQLite::Statement& s) {
    TaskInfo t;
    t.id = s.getColumn(0).getInt64();
    t.job_id = s.getColumn(1).getInt64();
    t.task_key = s.getColumn(2).getString();
    t.action = s.getColumn(3).getString();
    t.params_json = s.getColumn(4).getString();
    t.state = parse_task_state(s.getColumn(5).getString()).value_or(TaskState::Queued);
    if (!s.isColumnNull(6)) t.outcome = parse_outcome(s.getColumn(6).getString());
    t.attempts = s.getColumn(7).getInt();
    t.max_attempts = s.getColumn(8).getInt();
    t.next_run_at = s.getColumn(9).getInt64();
    t.lease_owner = s.getColumn(10).getString();  // NULL reads as ""
    if (!s.isColumnNull(11)) t.lease_expires_at = s.getColumn(11).getInt64();
    t.last_code = s.getColumn(12).getString();
    t.last_message = s.getColumn(13).getString();
    t.last_request_id = s.getColumn(14).getString();
    t.created_at = s.getColumn(15).getInt64();
    t.updated_at = s.getColumn(16).getInt64();
    if (!s.isColumnNull(17)) t.parent_id = s.getColumn(17).getInt64();
    t.context = s.getColumn(18).getString();
    t.attempt_rows = s.getColumn(19).getInt();
    return t;
}

}  // namespace

Result<std::optional<JobInfo>> Store::find_job(std::string_view name_or_id) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::optional<JobInfo>> {
        {
            SQLite::Statement s(m.db, kJobSelect + " WHERE j.name = ?");
            s.bind(1, std::string(name_or_id));
            if (s.executeStep()) return std::optional<JobInfo>{read_job(s)};
        }
        std::int64_t id = 0;
        const char* end = name_or_id.data() + name_or_id.size();
        auto [ptr, ec] = std::from_chars(name_or_id.data(), end, id);
        if (name_or_id.empty() || ec != std::errc() || ptr != end || id <= 0)
            return std::optional<JobInfo>{};
        return job(id);
    });
}

Result<std::optional<JobInfo>> Store::job(std::int64_t job_id) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::optional<JobInfo>> {
        StatementUse s(m.job_by_id, m.db, (kJobSelect + " WHERE j.id = ?").c_str());
        s->bind(1, job_id);
        if (!s->executeStep()) return std::optional<JobInfo>{};
        return std::optional<JobInfo>{read_job(*s)};
    });
}

Result<std::vector<JobInfo>> Store::jobs() {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::vector<JobInfo>> {
        std::vector<JobInfo> out;
        SQLite::Statement s(m.db, kJobSelect + " ORDER BY j.id");
        while (s.executeStep()) out.push_back(read_job(s));
        return out;
    });
}

Result<std::vector<TaskInfo>> Store::tasks(const TaskQuery& q) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::vector<TaskInfo>> {
        std::int64_t after = q.after_id;
        // Without a code, a parent or the failed state (whose indexes find few rows), the page
        // is read in rowid order within the job's id range: through the (job_id, task_key)
        // index every page would read and sort the whole job.
        const bool by_rowid = !q.code && !q.parent_id && q.state != TaskState::Failed;
        std::int64_t last_id = 0;
        if (by_rowid) {
            SQLite::Statement range(m.db, "SELECT min(id), max(id) FROM tasks WHERE job_id = ?");
            range.bind(1, q.job_id);
            if (!range.executeStep() || range.isColumnNull(0)) return std::vector<TaskInfo>{};
            after = std::max(after, range.getColumn(0).getInt64() - 1);
            last_id = range.getColumn(1).getInt64();
        }
        std::string sql =
            "SELECT id, job_id, task_key, action, params, state, outcome, attempts, "
            "max_attempts, next_run_at, lease_owner, lease_expires_at, last_code, last_message, "
            "last_request_id, created_at, updated_at, parent_id, context, attempt_rows FROM tasks "
            "WHERE ";
        sql += by_rowid ? "+job_id = ?1 AND id > ?2 AND id <= ?7" : "job_id = ?1 AND id > ?2";
        // The state as a literal (it comes from the enum), so the partial index tasks_failed
        // can serve `--state failed`.
        if (q.state) sql += " AND state = '" + std::string(task_state_name(*q.state)) + "'";
        if (q.code) sql += " AND last_code = ?4";
        if (q.parent_id) sql += " AND parent_id = ?3";
        if (q.action) sql += " AND action = ?6";
        sql += " ORDER BY id LIMIT ?5";
        SQLite::Statement s(m.db, sql);
        s.bind(1, q.job_id);
        s.bind(2, after);
        if (by_rowid) s.bind(7, last_id);
        if (q.code) s.bind(4, *q.code);
        if (q.parent_id) s.bind(3, *q.parent_id);
        if (q.action) s.bind(6, *q.action);
        s.bind(5, std::clamp(q.limit, 1, 100000));
        std::vector<TaskInfo> out;
        while (s.executeStep()) out.push_back(read_task(s));
        return out;
    });
}

Result<std::vector<ActionCounts>> Store::action_counts(std::int64_t job_id) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::vector<ActionCounts>> {
        // The job's rows through the (job_id, task_key) index, grouped in memory by action.
        SQLite::Statement s(m.db,
                            "SELECT action, "
                            "sum(state = 'queued'), sum(state = 'running'), "
                            "sum(state = 'succeeded' AND outcome = 'done'), "
                            "sum(state = 'succeeded' AND outcome = 'already_absent'), "
                            "sum(state = 'failed'), sum(state = 'cancelled') "
                            "FROM tasks WHERE job_id = ? GROUP BY action ORDER BY action");
        s.bind(1, job_id);
        std::vector<ActionCounts> out;
        while (s.executeStep()) {
            ActionCounts a;
            a.action = s.getColumn(0).getString();
            a.counts = read_counts(s, 1);
            out.push_back(std::move(a));
        }
        return out;
    });
}

namespace {

// Every job's counts summed (the queue's totals), through the cached statement `slot`.
TaskCounts sum_counts(std::optional<SQLite::Statement>& slot, SQLite::Database& db) {
    StatementUse s(slot, db,
                   "SELECT coalesce(sum(queued), 0), coalesce(sum(running), 0), "
                   "coalesce(sum(done), 0), coalesce(sum(already_absent), 0), "
                   "coalesce(sum(failed), 0), coalesce(sum(cancelled), 0) FROM job_counts");
    s->executeStep();
    return read_counts(*s, 0);
}

}  // namespace

Result<TaskCounts> Store::totals() {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<TaskCounts> { return sum_counts(m.totals, m.db); });
}

Result<QueueStats> Store::queue_stats(std::int64_t due_cap) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<QueueStats> {
        QueueStats q;
        const std::int64_t now = m.now();
        // One snapshot: the counts and the due tasks agree with each other.
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::DEFERRED);
        q.counts = sum_counts(m.totals, m.db);
        // Through the tasks_due index, each side at most `due_cap` entries: the due ones, and
        // when they reach the cap the ones not yet due (retries waiting, jobs not yet due), whose
        // count subtracted from the queued count is exact. Only both sides over the cap leave
        // a lower bound (the cap).
        auto count_side = [&](std::optional<SQLite::Statement>& slot, const char* sql) {
            StatementUse s(slot, m.db, sql);
            s->bind(1, now);
            s->bind(2, due_cap);
            s->executeStep();
            return s->getColumn(0).getInt64();
        };
        q.due = count_side(m.due_count,
                           "SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_due "
                           "WHERE state = 'queued' AND next_run_at <= ? LIMIT ?)");
        if (q.due >= due_cap) {
            const std::int64_t later =
                count_side(m.later_count,
                           "SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_due "
                           "WHERE state = 'queued' AND next_run_at > ? LIMIT ?)");
            if (later < due_cap) q.due = std::max(q.due, q.counts.queued - later);
        }
        {
            StatementUse s(m.oldest_due, m.db,
                           "SELECT min(next_run_at) FROM tasks INDEXED BY tasks_due "
                           "WHERE state = 'queued'");
            s->executeStep();
            if (!s->getColumn(0).isNull() && s->getColumn(0).getInt64() <= now)
                q.oldest_due_at_ms = s->getColumn(0).getInt64();
        }
        {
            StatementUse s(m.last_row, m.db, "SELECT coalesce(max(id), 0) FROM attempts");
            s->executeStep();
            q.audit_rows = s->getColumn(0).getInt64();
        }
        tx.commit();
        return q;
    });
}

Result<std::optional<std::int64_t>> Store::last_success_at() {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::optional<std::int64_t>> {
        SQLite::Statement s(m.db,
                            "SELECT recorded_at FROM attempts WHERE outcome IN ('done', "
                            "'already_absent') ORDER BY id DESC LIMIT 1");
        if (!s.executeStep()) return std::optional<std::int64_t>();
        return std::optional<std::int64_t>(s.getColumn(0).getInt64());
    });
}

Result<std::vector<AttemptRow>> Store::task_attempts(std::int64_t task_id) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::vector<AttemptRow>> {
        SQLite::Statement s(m.db, std::string("SELECT ") + kAttemptColumns +
                                      " FROM attempts WHERE task_id = ? ORDER BY id");
        s.bind(1, task_id);
        std::vector<AttemptRow> out;
        while (s.executeStep()) out.push_back(read_attempt(s));
        return out;
    });
}

Result<std::int64_t> Store::for_each_attempt(const AttemptFilter& filter,
                                             const std::function<bool(const AttemptRow&)>& fn) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::int64_t> {
        std::string sql = std::string("SELECT ") + kAttemptColumns + " FROM attempts WHERE 1";
        if (filter.job_id) sql += " AND job_id = ?1";
        if (filter.since_ms) sql += " AND started_at >= ?2";
        sql += " ORDER BY id";
        // One read transaction: the export is a consistent snapshot while writers go on.
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::DEFERRED);
        std::int64_t n = 0;
        {
            SQLite::Statement s(m.db, sql);
            if (filter.job_id) s.bind(1, *filter.job_id);
            if (filter.since_ms) s.bind(2, *filter.since_ms);
            while (s.executeStep()) {
                ++n;
                if (!fn(read_attempt(s))) break;
            }
        }
        tx.commit();
        return n;
    });
}

}  // namespace qbi::queue
