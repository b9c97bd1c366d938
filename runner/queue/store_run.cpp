// The runner's side of the Store: claim, record results (group commit), recover, release.
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <map>
#include <set>

#include "runner/queue/params.h"
#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

Status Store::Impl::claim_part(const std::string& owner, std::int64_t lease_ms, std::int64_t now,
                               std::optional<std::int64_t> job_id,
                               const std::optional<std::string>& action, int max_tasks,
                               std::vector<ClaimedTask>& out, std::vector<std::int64_t>& due_at) {
    // The next due tasks come from the partial index tasks_due (or tasks_job_due, or
    // tasks_action_due) in O(log n). INDEXED BY makes that a contract: without statistics the
    // planner would rather search another index and sort every queued task.
    StatementUse s =
        action ? StatementUse(claim_action, db,
                              "UPDATE tasks SET state = 'running', lease_owner = ?1, "
                              "lease_expires_at = ?2, updated_at = ?3 WHERE id IN (SELECT id FROM "
                              "tasks INDEXED BY tasks_action_due WHERE state = 'queued' AND "
                              "action = ?6 AND next_run_at <= ?3 AND (?5 IS NULL OR job_id = ?5) "
                              "ORDER BY next_run_at, id LIMIT ?4) RETURNING id, job_id, action, "
                              "params, attempts, max_attempts, next_run_at, context, attempt_rows, "
                              "interrupted_streak")
        : job_id
            ? StatementUse(claim_job, db,
                           "UPDATE tasks SET state = 'running', lease_owner = ?1, "
                           "lease_expires_at = ?2, updated_at = ?3 WHERE id IN (SELECT id "
                           "FROM tasks INDEXED BY tasks_job_due WHERE state = 'queued' AND "
                           "job_id = ?5 AND next_run_at <= ?3 ORDER BY next_run_at, id "
                           "LIMIT ?4) RETURNING id, job_id, action, params, attempts, "
                           "max_attempts, next_run_at, context, attempt_rows, interrupted_streak")
            : StatementUse(claim_any, db,
                           "UPDATE tasks SET state = 'running', lease_owner = ?1, "
                           "lease_expires_at = ?2, updated_at = ?3 WHERE id IN (SELECT id "
                           "FROM tasks INDEXED BY tasks_due WHERE state = 'queued' AND "
                           "next_run_at <= ?3 ORDER BY next_run_at, id LIMIT ?4) RETURNING "
                           "id, job_id, action, params, attempts, max_attempts, "
                           "next_run_at, context, attempt_rows, interrupted_streak");
    s->bind(1, owner);
    s->bind(2, now + lease_ms);
    s->bind(3, now);
    s->bind(4, max_tasks);
    if (job_id)
        s->bind(5, *job_id);
    else if (action)
        s->bind(5);
    if (action) s->bind(6, *action);
    while (s->executeStep()) {
        ClaimedTask t;
        t.task_id = s->getColumn(0).getInt64();
        t.job_id = s->getColumn(1).getInt64();
        t.action = s->getColumn(2).getString();
        t.params_json = s->getColumn(3).getString();
        auto params = params_from_json(t.params_json);
        if (!params)
            return Error{kExitSoftware, "database " + label + ": task " +
                                            std::to_string(t.task_id) + " has unreadable params " +
                                            t.params_json};
        t.params = std::move(*params);
        t.attempt = s->getColumn(4).getInt() + 1;
        t.max_attempts = s->getColumn(5).getInt();
        t.lease_expires_at = now + lease_ms;
        t.context = s->getColumn(7).getString();
        t.attempt_rows = s->getColumn(8).getInt();
        t.interrupted_streak = s->getColumn(9).getInt();
        due_at.push_back(s->getColumn(6).getInt64());
        out.push_back(std::move(t));
    }
    return {};
}

namespace {

// RETURNING order is unspecified: hand tasks out earliest due first.
std::vector<ClaimedTask> in_due_order(std::vector<ClaimedTask> out,
                                      const std::vector<std::int64_t>& due_at) {
    std::vector<std::size_t> order(out.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::tie(due_at[a], out[a].task_id) < std::tie(due_at[b], out[b].task_id);
    });
    std::vector<ClaimedTask> sorted;
    sorted.reserve(out.size());
    for (std::size_t i : order) sorted.push_back(std::move(out[i]));
    return sorted;
}

}  // namespace

Result<std::vector<ClaimedTask>> Store::claim(const std::string& owner, int max_tasks,
                                              std::int64_t lease_ms,
                                              std::optional<std::int64_t> job_id,
                                              std::optional<std::string> action) {
    if (owner.empty() || max_tasks < 1 || lease_ms < 1)
        return Error{kExitSoftware, "claim needs an owner, max_tasks >= 1 and lease_ms >= 1"};
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::vector<ClaimedTask>> {
        const std::int64_t now = m.now();
        std::vector<ClaimedTask> out;
        std::vector<std::int64_t> due_at;
        WriteTx tx(m.db, m.batch);
        if (auto st = m.claim_part(owner, lease_ms, now, job_id, action, max_tasks, out, due_at);
            !st)
            return st.error();
        tx.commit();
        return in_due_order(std::move(out), due_at);
    });
}

Result<std::vector<ClaimedTask>> Store::claim_each(
    const std::string& owner, std::int64_t lease_ms, std::optional<std::int64_t> job_id,
    const std::vector<std::pair<std::string, int>>& per_action, int total) {
    if (owner.empty() || lease_ms < 1)
        return Error{kExitSoftware, "claim needs an owner and lease_ms >= 1"};
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::vector<ClaimedTask>> {
        const std::int64_t now = m.now();
        std::vector<ClaimedTask> out;
        std::vector<std::int64_t> due_at;
        WriteTx tx(m.db, m.batch);
        for (const auto& [action, max_tasks] : per_action) {
            const int n = std::min(max_tasks, total - static_cast<int>(out.size()));
            if (n < 1) continue;
            if (auto st = m.claim_part(owner, lease_ms, now, job_id, action, n, out, due_at); !st)
                return st.error();
        }
        tx.commit();
        return in_due_order(std::move(out), due_at);
    });
}

namespace {

Status check_result(const TaskResult& r) {
    const std::string which = "result for task " + std::to_string(r.task_id);
    if (r.owner.empty()) return Error{kExitSoftware, which + " has no lease owner"};
    if (r.attempt.latency_ms < 0) return Error{kExitSoftware, which + " has a negative latency"};
    const std::string& key = r.attempt.access_key_id;
    if (!key.empty() && key.find("****") == std::string::npos)
        return Error{kExitSoftware, which + " carries an unmasked AccessKeyId"};
    return {};
}

// The task's next columns after an attempt with this outcome (see TaskResult).
struct Next {
    const char* state;
    const char* outcome;  // nullptr: NULL
    int attempts;
    std::optional<std::int64_t> next_run_at;  // absent: unchanged
    TaskEffect effect;
    int interrupted_streak = 0;
};

Next next_for(Outcome o, int attempts, int max_attempts, std::int64_t retry_at, int streak) {
    if (o == Outcome::Interrupted) {
        if (streak + 1 >= kMaxInterruptedInARow)
            return {"failed", nullptr, attempts, std::nullopt, TaskEffect::Failed, streak + 1};
        return {"queued", nullptr, attempts, retry_at, TaskEffect::Requeued, streak + 1};
    }
    switch (o) {
        case Outcome::Done:
            return {"succeeded", "done", attempts + 1, std::nullopt, TaskEffect::Succeeded};
        case Outcome::AlreadyAbsent:
            return {"succeeded", "already_absent", attempts + 1, std::nullopt,
                    TaskEffect::Succeeded};
        case Outcome::Retryable:
            if (attempts + 1 >= max_attempts)
                return {"failed", nullptr, attempts + 1, std::nullopt, TaskEffect::Failed};
            return {"queued", nullptr, attempts + 1, retry_at, TaskEffect::Retried};
        case Outcome::Permanent:
            return {"failed", nullptr, attempts + 1, std::nullopt, TaskEffect::Failed};
        case Outcome::HaltAuth:
        case Outcome::HaltPermission:
        case Outcome::Interrupted:
            break;
    }
    return {"queued", nullptr, attempts, retry_at, TaskEffect::Requeued};
}

}  // namespace

Result<std::vector<Recorded>> Store::record_results(const std::vector<TaskResult>& batch) {
    for (const TaskResult& r : batch)
        if (auto st = check_result(r); !st) return st.error();
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::vector<Recorded>> {
        const std::int64_t now = m.now();
        std::vector<Recorded> effects;
        effects.reserve(batch.size());
        WriteTx tx(m.db, m.batch);
        ChainHead head = m.chain_head();
        for (const TaskResult& r : batch) {
            AttemptRow row;
            int attempts = 0, max_attempts = 1, attempt_rows = 0, streak = 0;
            // The claim's facts spare reading the row, unless follow-up tasks are to be inserted
            // (they need the lease confirmed first).
            if (r.claim && r.children.empty()) {
                row.job_id = r.claim->job_id;
                row.action = r.claim->action;
                row.params_json = r.claim->params_json;
                attempts = r.claim->attempts;
                max_attempts = r.claim->max_attempts;
                attempt_rows = r.claim->attempt_rows;
                streak = r.claim->interrupted_streak;
            } else {
                StatementUse s(m.leased_task, m.db,
                               "SELECT job_id, action, params, attempts, max_attempts, "
                               "attempt_rows, interrupted_streak FROM tasks WHERE id = ? AND "
                               "state = 'running' AND lease_owner = ?");
                s->bind(1, r.task_id);
                s->bind(2, r.owner);
                if (!s->executeStep()) {
                    effects.push_back({TaskEffect::LeaseLost, 0});
                    continue;
                }
                row.job_id = s->getColumn(0).getInt64();
                row.action = s->getColumn(1).getString();
                row.params_json = s->getColumn(2).getString();
                attempts = s->getColumn(3).getInt();
                max_attempts = s->getColumn(4).getInt();
                attempt_rows = s->getColumn(5).getInt();
                streak = s->getColumn(6).getInt();
            }
            AttemptRecord a = r.attempt;
            std::int64_t children = 0;
            if (is_success(a.outcome) && !r.children.empty()) {
                Children added =
                    m.insert_children(row.job_id, r.task_id, r.children, r.max_job_tasks, now);
                if (added.over_limit) {
                    a.outcome = Outcome::Permanent;
                    a.code = kCodeTooManyTasks;
                    a.message = "the answer would add " + std::to_string(added.new_tasks) +
                                " task(s) to a job of " + std::to_string(added.job_tasks) +
                                ", over the limit of " + std::to_string(r.max_job_tasks) +
                                " (jobs.max_tasks); nothing was added. Raise jobs.max_tasks or "
                                "split the job, then rerun it";
                } else {
                    children = added.new_tasks;
                    const std::string note =
                        "created " + std::to_string(added.new_tasks) + " task(s)" +
                        (added.existing > 0
                             ? " (" + std::to_string(added.existing) + " already in the job)"
                             : "");
                    a.message = a.message.empty() ? note : a.message + "; " + note;
                }
            }
            Next next =
                next_for(a.outcome, attempts, max_attempts, r.retry_at_ms.value_or(now), streak);
            if (a.outcome == Outcome::Interrupted && next.effect == TaskEffect::Failed) {
                a.code = kCodeInterrupted;
                a.message = kInterruptedTooOftenMessage;
            }
            {
                // The lease is checked here too: with ClaimFacts the row was not read first.
                StatementUse s(m.finish_task, m.db,
                               "UPDATE tasks SET state = ?, outcome = ?, attempts = ?, "
                               "next_run_at = coalesce(?, next_run_at), lease_owner = NULL, "
                               "lease_expires_at = NULL, last_code = ?, last_message = ?, "
                               "last_request_id = ?, updated_at = ?, attempt_rows = ?, "
                               "interrupted_streak = ? WHERE id = ? AND "
                               "state = 'running' AND lease_owner = ?");
                s->bind(1, next.state);
                if (next.outcome)
                    s->bind(2, next.outcome);
                else
                    s->bind(2);
                s->bind(3, next.attempts);
                if (next.next_run_at)
                    s->bind(4, *next.next_run_at);
                else
                    s->bind(4);
                bind_text_or_null(*s, 5, a.code);
                bind_text_or_null(*s, 6, a.message);
                bind_text_or_null(*s, 7, a.request_id);
                s->bind(8, now);
                s->bind(9, attempt_rows + 1);
                s->bind(10, next.interrupted_streak);
                s->bind(11, r.task_id);
                s->bind(12, r.owner);
                if (s->exec() == 0) {  // the lease is no longer ours: nothing of this item
                    effects.push_back({TaskEffect::LeaseLost, 0});
                    continue;
                }
            }
            row.task_id = r.task_id;
            row.attempt = attempt_rows + 1;
            row.record = a;
            row.recorded_at = now;
            m.append_attempt(head, row);
            effects.push_back({next.effect, children});
        }
        tx.commit();
        return effects;
    });
}

Result<Recovery> Store::recover_running(const std::vector<SentCalls>& journals) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<Recovery> {
        const std::int64_t now = m.now();
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::IMMEDIATE);
        // A task is in doubt unless its owner's journal says it was never sent.
        std::map<std::string, std::set<std::int64_t>> sent;
        for (const SentCalls& j : journals)
            sent[j.owner].insert(j.task_ids.begin(), j.task_ids.end());
        struct Found {
            AttemptRow row;
            int streak = 0;
            bool in_doubt = true;
        };
        std::vector<Found> found;
        {
            SQLite::Statement s(m.db,
                                "SELECT id, job_id, action, params, attempt_rows, lease_owner, "
                                "updated_at, interrupted_streak FROM tasks WHERE state = 'running' "
                                "ORDER BY id");
            while (s.executeStep()) {
                Found f;
                f.row.task_id = s.getColumn(0).getInt64();
                f.row.job_id = s.getColumn(1).getInt64();
                f.row.action = s.getColumn(2).getString();
                f.row.params_json = s.getColumn(3).getString();
                f.row.attempt = s.getColumn(4).getInt() + 1;
                const std::string owner = s.getColumn(5).getString();
                f.row.record.started_at_ms =
                    s.getColumn(6).getInt64();  // the claim; nothing later is known
                f.streak = s.getColumn(7).getInt();
                auto it = sent.find(owner);
                f.in_doubt = it == sent.end() || it->second.count(f.row.task_id) > 0;
                found.push_back(std::move(f));
            }
        }
        Recovery done;
        if (found.empty()) return done;
        ChainHead head = m.chain_head();
        SQLite::Statement interrupt(
            m.db,
            "UPDATE tasks SET state = ?, lease_owner = NULL, lease_expires_at = NULL, "
            "next_run_at = ?, last_code = ?, last_message = ?, last_request_id = NULL, "
            "updated_at = ?, attempt_rows = attempt_rows + 1, interrupted_streak = ? "
            "WHERE id = ? AND state = 'running'");
        SQLite::Statement requeue(m.db,
                                  "UPDATE tasks SET state = 'queued', lease_owner = NULL, "
                                  "lease_expires_at = NULL, updated_at = ? "
                                  "WHERE id = ? AND state = 'running'");
        for (Found& f : found) {
            if (!f.in_doubt) {  // never sent: as if released
                requeue.bind(1, now);
                requeue.bind(2, f.row.task_id);
                requeue.exec();
                requeue.reset();
                ++done.requeued;
                continue;
            }
            AttemptRow& row = f.row;
            const bool fail = f.streak + 1 >= kMaxInterruptedInARow;
            row.record.latency_ms = 0;
            row.record.code = kCodeInterrupted;
            row.record.message = fail ? kInterruptedTooOftenMessage : kInterruptedMessage;
            row.record.outcome = Outcome::Interrupted;
            row.recorded_at = now;
            interrupt.bind(1, fail ? "failed" : "queued");
            interrupt.bind(2, now);
            interrupt.bind(3, row.record.code);
            interrupt.bind(4, row.record.message);
            interrupt.bind(5, now);
            interrupt.bind(6, f.streak + 1);
            interrupt.bind(7, row.task_id);
            interrupt.exec();
            interrupt.reset();
            m.append_attempt(head, row);
            done.interrupted_actions.push_back(row.action);
            ++done.interrupted;
            if (fail) ++done.failed;
        }
        tx.commit();
        return done;
    });
}

Result<std::int64_t> Store::release(const std::string& owner,
                                    const std::vector<std::int64_t>& ids) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::int64_t> {
        const std::int64_t now = m.now();
        std::int64_t released = 0;
        WriteTx tx(m.db, m.batch);
        for (std::int64_t id : ids) {
            StatementUse s(m.release_task, m.db,
                           "UPDATE tasks SET state = 'queued', lease_owner = NULL, "
                           "lease_expires_at = NULL, updated_at = ? "
                           "WHERE id = ? AND state = 'running' AND lease_owner = ?");
            s->bind(1, now);
            s->bind(2, id);
            s->bind(3, owner);
            released += s->exec();
        }
        tx.commit();
        return released;
    });
}

Result<std::optional<std::int64_t>> Store::next_due_at(std::optional<std::int64_t> job_id) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::optional<std::int64_t>> {
        StatementUse s =
            job_id ? StatementUse(
                         m.due_job, m.db,
                         "SELECT next_run_at FROM tasks INDEXED BY "
                         "tasks_job_due WHERE state = 'queued' AND job_id = ? ORDER BY next_run_at "
                         "LIMIT 1")
                   : StatementUse(m.due_any, m.db,
                                  "SELECT next_run_at FROM tasks INDEXED BY "
                                  "tasks_due WHERE state = 'queued' ORDER BY next_run_at LIMIT 1");
        if (job_id) s->bind(1, *job_id);
        if (!s->executeStep()) return std::optional<std::int64_t>{};
        return std::optional<std::int64_t>{s->getColumn(0).getInt64()};
    });
}

Result<std::optional<std::int64_t>> Store::next_retry_at(std::optional<std::int64_t> job_id,
                                                         const std::vector<std::string>& actions) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::optional<std::int64_t>> {
        if (!actions.empty()) {
            // Per action, the earliest queued task of a due job: the action's partial index in
            // due order, stopping at the first whose job is due.
            std::optional<std::int64_t> best;
            StatementUse s(m.retry_due_action, m.db,
                           "SELECT t.next_run_at FROM tasks t INDEXED BY tasks_action_due "
                           "JOIN jobs j ON j.id = t.job_id WHERE t.state = 'queued' AND "
                           "t.action = ?1 AND (j.not_before IS NULL OR j.not_before <= ?2) "
                           "AND (?3 IS NULL OR t.job_id = ?3) ORDER BY t.next_run_at LIMIT 1");
            for (const std::string& action : actions) {
                s->bind(1, action);
                s->bind(2, m.now());
                if (job_id)
                    s->bind(3, *job_id);
                else
                    s->bind(3);
                if (s->executeStep()) {
                    const std::int64_t at = s->getColumn(0).getInt64();
                    if (!best || at < *best) best = at;
                }
                s->reset();
            }
            return best;
        }
        // Per due job, the head of its partial index: O(jobs * log n), never a scan of the
        // queued tasks.
        StatementUse s(m.retry_due, m.db,
                       "SELECT min((SELECT t.next_run_at FROM tasks t INDEXED BY tasks_job_due "
                       "WHERE t.state = 'queued' AND t.job_id = j.id "
                       "ORDER BY t.next_run_at LIMIT 1)) "
                       "FROM jobs j WHERE (j.not_before IS NULL OR j.not_before <= ?1) "
                       "AND (?2 IS NULL OR j.id = ?2)");
        s->bind(1, m.now());
        if (job_id)
            s->bind(2, *job_id);
        else
            s->bind(2);
        if (!s->executeStep() || s->isColumnNull(0)) return std::optional<std::int64_t>{};
        return std::optional<std::int64_t>{s->getColumn(0).getInt64()};
    });
}

}  // namespace qbi::queue
