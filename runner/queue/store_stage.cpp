// Store's streamed submit (store.h): a job staged in a private temporary table, then enqueued
// in bounded transactions. For jobs too large to hold in memory (a 12 KB file may fan out to a
// million tasks) and for the service, whose engine must not wait long behind one submit.
#include <SQLiteCpp/Transaction.h>

#include <algorithm>

#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

namespace {

// ord: file order (the first of equal dedup keys stays); dedup: the jobs layer's task key
// (the content hash walks it in order); task_key: the queue's key for the task.
constexpr const char* kCreateStaged =
    "CREATE TEMP TABLE staged (ord INTEGER PRIMARY KEY, dedup TEXT NOT NULL UNIQUE, "
    "task_key TEXT NOT NULL, action TEXT NOT NULL, params TEXT NOT NULL, context TEXT NOT NULL)";

}  // namespace

Status Store::begin_staging() {
    drop_staging();
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Status {
        // On disk (a temporary file SQLite deletes itself), with a bounded cache: a million
        // staged tasks cost the process 4 MB, not their size.
        m.db.exec("PRAGMA temp_store = FILE");
        m.db.exec("PRAGMA temp.cache_size = -4000");
        m.db.exec(kCreateStaged);
        // One transaction over the temporary table only: it takes no lock on the queue.
        m.db.exec("BEGIN");
        m.staging_tx = true;
        m.stage_insert.emplace(m.db,
                               "INSERT OR IGNORE INTO temp.staged (dedup, task_key, action, "
                               "params, context) VALUES (?,?,?,?,?)");
        return {};
    });
}

Status Store::stage(const NewTask& task, std::string_view dedup_key) {
    Impl& m = *impl_;
    if (!m.stage_insert) return Error{kExitSoftware, "stage() without begin_staging()"};
    return guarded(m.label, [&]() -> Status {
        SQLite::Statement& s = *m.stage_insert;
        s.bind(1, std::string(dedup_key));
        bind_task_fields(s, 2, task);
        s.exec();
        s.reset();
        return {};
    });
}

Result<std::int64_t> Store::staged_keys(const std::function<void(std::string_view)>& each) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::int64_t> {
        SQLite::Statement s(m.db, "SELECT dedup FROM temp.staged ORDER BY dedup");
        std::int64_t n = 0;
        while (s.executeStep()) {
            const SQLite::Column c = s.getColumn(0);
            each(std::string_view(static_cast<const char*>(c.getBlob()),
                                  static_cast<std::size_t>(c.getBytes())));
            ++n;
        }
        return n;
    });
}

void Store::drop_staging() {
    Impl& m = *impl_;
    m.stage_insert.reset();
    try {
        if (m.staging_tx) m.db.exec("ROLLBACK");
    } catch (const std::exception&) {
        // Nothing to roll back: the transaction ended with the connection's last error.
    }
    m.staging_tx = false;
    try {
        m.db.exec("DROP TABLE IF EXISTS temp.staged");
    } catch (const std::exception&) {
        // The connection is failing; the temporary table goes with it.
    }
}

Result<SubmitResult> Store::submit_staged(const NewJob& job, std::int64_t chunk,
                                          const std::function<bool()>& cancelled,
                                          std::int64_t pause_ms) {
    Impl& m = *impl_;
    chunk = std::max<std::int64_t>(1, chunk);
    auto result = guarded(m.label, [&]() -> Result<SubmitResult> {
        BulkInsertCache cache(m.db);
        if (m.staging_tx) {
            m.stage_insert.reset();
            m.db.exec("COMMIT");  // the staged rows only: the queue is not touched
            m.staging_tx = false;
        }
        const std::int64_t staged = m.db.execAndGet("SELECT count(*) FROM temp.staged").getInt64();
        if (job.name.empty() || job.name.size() > 128)
            return Error{kExitDataErr, "job name must be 1 to 128 characters, got " +
                                           std::to_string(job.name.size())};
        if (job.content_hash.empty() || job.max_attempts < 1 || staged == 0)
            return Error{kExitDataErr, "job '" + job.name + "': " +
                                           (staged == 0 ? "has no tasks"
                                                        : "content hash or max_attempts missing")};
        const std::int64_t now = m.now();
        const std::int64_t due = std::max(now, job.not_before_ms.value_or(now));
        SubmitResult out;
        std::int64_t job_id = 0;
        std::int64_t copied = 0;  // staged rows (by ord) already handled
        auto copy_chunk = [&](std::int64_t from) {
            SQLite::Statement s(m.db,
                                "INSERT OR IGNORE INTO tasks (job_id, task_key, action, params, "
                                "max_attempts, next_run_at, created_at, updated_at, context) "
                                "SELECT ?1, task_key, action, params, ?2, ?3, ?4, ?4, context "
                                "FROM temp.staged WHERE ord > ?5 AND ord <= ?6 ORDER BY ord");
            s.bind(1, job_id);
            s.bind(2, job.max_attempts);
            s.bind(3, due);
            s.bind(4, now);
            s.bind(5, from);
            s.bind(6, from + chunk);
            const std::int64_t inserted = s.exec();
            // Inserted tasks are counted once here, as submit() does (0003_job_counts.sql).
            SQLite::Statement count(m.db,
                                    "UPDATE job_counts SET queued = queued + ? WHERE job_id = ?");
            count.bind(1, inserted);
            count.bind(2, job_id);
            count.exec();
            out.added += inserted;
        };
        {
            SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement find(m.db,
                                   "SELECT id, content_hash, (SELECT count(*) FROM tasks t WHERE "
                                   "t.job_id = j.id AND t.parent_id IS NULL) FROM jobs j "
                                   "WHERE name = ?");
            find.bind(1, job.name);
            if (find.executeStep()) {
                job_id = find.getColumn(0).getInt64();
                if (find.getColumn(1).getString() != job.content_hash)
                    return Error{kExitDataErr,
                                 "job '" + job.name + "' was already submitted as job " +
                                     std::to_string(job_id) +
                                     " with different content; give the changed job a new name"};
                out.job_id = job_id;
                out.already = true;
                if (find.getColumn(2).getInt64() >= staged) {
                    find.reset();
                    tx.commit();
                    copied = staged;  // nothing to do
                } else {
                    out.resumed = true;  // completed below, chunk by chunk
                }
            } else {
                find.reset();
                job_id = m.add_job_row(job, now);
                out.job_id = job_id;
                copy_chunk(0);
                copied = chunk;
                tx.commit();
            }
        }
        for (; copied < staged; copied += chunk) {
            m.clock.sleep_ms(pause_ms);
            if (cancelled && cancelled())
                return Error{kExitTempFail, "submit of job '" + job.name + "' interrupted after " +
                                                std::to_string(copied) + " of " +
                                                std::to_string(staged) +
                                                " tasks; submit it again to complete it"};
            SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::IMMEDIATE);
            copy_chunk(copied);
            tx.commit();
        }
        if (out.resumed) {
            if (out.added > 0)
                out.already = false;
            else
                out.resumed = false;  // all there after all (keys shared with discovered tasks)
        }
        SQLite::Statement total(m.db, "SELECT count(*) FROM tasks WHERE job_id = ?");
        total.bind(1, job_id);
        total.executeStep();
        out.tasks = total.getColumn(0).getInt64();
        return out;
    });
    drop_staging();
    return result;
}

}  // namespace qbi::queue
