// Follow-up tasks of a read (discovery.md §2): inserted in the transaction that records the
// read, keyed so nothing is inserted twice, within the job's task limit.
#include "runner/queue/params.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

Children Store::Impl::insert_children(std::int64_t job_id, std::int64_t parent_id,
                                      const std::vector<NewTask>& children,
                                      std::int64_t max_job_tasks, std::int64_t now) {
    Children out;
    int job_max_attempts = 1;
    {
        StatementUse s(job_limits, db,
                       "SELECT j.max_attempts, c.queued + c.running + c.done + c.already_absent "
                       "+ c.failed + c.cancelled FROM jobs j JOIN job_counts c ON c.job_id = j.id "
                       "WHERE j.id = ?");
        s->bind(1, job_id);
        if (s->executeStep()) {
            job_max_attempts = s->getColumn(0).getInt();
            out.job_tasks = s->getColumn(1).getInt64();
        }
    }
    db.exec("SAVEPOINT children");
    {
        // ON CONFLICT names the one constraint that may be skipped: any other violation (a
        // CHECK) still fails the transaction, as a bug should.
        StatementUse s(insert_child, db,
                       "INSERT INTO tasks (job_id, task_key, action, params, max_attempts, "
                       "next_run_at, created_at, updated_at, parent_id, context) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7, ?8) "
                       "ON CONFLICT (job_id, task_key) DO NOTHING");
        s->bind(1, job_id);
        s->bind(5, job_max_attempts);
        s->bind(6, now);
        s->bind(7, parent_id);
        for (const NewTask& t : children) {
            const std::string params = params_to_json(t.params);
            s->bind(2, t.task_key.empty() ? derived_task_key(t.action, params) : t.task_key);
            s->bind(3, t.action);
            s->bind(4, params);
            s->bind(8, t.context);
            if (s->exec() > 0)
                ++out.new_tasks;
            else
                ++out.existing;
            s->reset();
        }
    }
    if (max_job_tasks > 0 && out.job_tasks + out.new_tasks > max_job_tasks) {
        db.exec("ROLLBACK TO children");
        db.exec("RELEASE children");
        out.over_limit = true;
        return out;
    }
    if (out.new_tasks > 0) {
        StatementUse s(add_queued, db,
                       "UPDATE job_counts SET queued = queued + ? WHERE job_id = ?");
        s->bind(1, out.new_tasks);
        s->bind(2, job_id);
        s->exec();
    }
    db.exec("RELEASE children");
    return out;
}

}  // namespace qbi::queue
