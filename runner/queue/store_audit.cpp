// The Store's audit checks: the hash chain (with an optional anchor), its head, and the
// agreement of every task's state with its attempt rows.
#include <SQLiteCpp/Transaction.h>

#include "runner/queue/audit.h"
#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

Result<AuditVerdict> Store::verify_audit_chain(std::optional<AuditHead> anchor) {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<AuditVerdict> {
        ChainVerifier verifier(std::move(anchor), m.audit_key);
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::DEFERRED);
        {
            SQLite::Statement s(
                m.db, std::string("SELECT ") + kAttemptColumns + " FROM attempts ORDER BY id");
            while (s.executeStep())
                if (!verifier.add(read_attempt(s))) break;
        }
        tx.commit();
        return verifier.verdict();
    });
}

void Store::set_audit_key(AuditKeyRef key) {
    impl_->audit_key = std::move(key);
}

Result<std::int64_t> Store::last_keyed_row() {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::int64_t> {
        SQLite::Statement s(m.db, "SELECT id, keyed FROM attempts ORDER BY id DESC LIMIT 1");
        if (!s.executeStep() || s.getColumn(1).getInt() == 0) return std::int64_t{0};
        return s.getColumn(0).getInt64();
    });
}

Result<AuditHead> Store::audit_head() {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<AuditHead> {
        ChainHead h = m.chain_head();
        return AuditHead{h.id, h.hash};
    });
}

namespace {

// The code of a task failed for being interrupted too often (issue 9 item 11).
constexpr const char* kInterruptedOut = "Runner.Interrupted";

bool is_success_name(const std::string& o) {
    return o == "done" || o == "already_absent";
}

// The first task whose state its rows contradict ("" if none); `s` yields one task a row:
// id, state, outcome, attempts, max_attempts, last row id, its outcome, its code, counted rows,
// the task's last_code.
std::string first_task_mismatch(SQLite::Statement& s) {
    while (s.executeStep()) {
        const std::int64_t id = s.getColumn(0).getInt64();
        const std::string state = s.getColumn(1).getString();
        const std::string outcome = s.getColumn(2).getString();  // "" when NULL
        const int attempts = s.getColumn(3).getInt();
        const int max_attempts = s.getColumn(4).getInt();
        const bool has_row = !s.isColumnNull(5);
        const std::int64_t row_id = has_row ? s.getColumn(5).getInt64() : 0;
        const std::string row_outcome = s.getColumn(6).getString();
        const std::string row_code = s.getColumn(7).getString();
        const std::int64_t counted = s.getColumn(8).getInt64();
        const std::string task_code = s.getColumn(9).getString();
        const std::string task = "task " + std::to_string(id) + " is " + state;
        const std::string last =
            has_row ? "its last attempt row (" + std::to_string(row_id) + ") says " + row_outcome
                    : std::string("it has no attempt row");
        if (state == "succeeded") {
            if (!has_row || row_outcome != outcome) return task + " (" + outcome + ") but " + last;
        } else if (has_row && is_success_name(row_outcome)) {
            return task + " but " + last;
        }
        if (state == "failed") {
            const bool ok =
                has_row && (row_outcome == "permanent" ||
                            (row_outcome == "retryable" && attempts >= max_attempts) ||
                            (row_outcome == "interrupted" &&
                             (row_code == kInterruptedOut || task_code == kInterruptedOut)));
            if (!ok) {
                if (has_row && row_outcome == "retryable")
                    return task + " but " + last + " with " + std::to_string(attempts) + " of " +
                           std::to_string(max_attempts) + " attempts used";
                return task + " but " + last;
            }
        }
        if (attempts > counted)
            return "task " + std::to_string(id) + " counts " + std::to_string(attempts) +
                   " attempt(s) but has " + std::to_string(counted) + " counted attempt row(s)";
    }
    return "";
}

}  // namespace

Result<std::string> Store::check_task_states() {
    Impl& m = *impl_;
    return guarded(m.label, [&]() -> Result<std::string> {
        SQLite::Transaction tx(m.db, SQLite::TransactionBehavior::DEFERRED);
        std::string found;
        {
            SQLite::Statement s(
                m.db,
                "SELECT t.id, t.state, coalesce(t.outcome, ''), t.attempts, t.max_attempts, "
                "a.id, a.outcome, a.code, (SELECT count(*) FROM attempts c WHERE c.task_id = t.id "
                "AND c.outcome IN ('done', 'already_absent', 'retryable', 'permanent')), "
                "coalesce(t.last_code, '') "
                "FROM tasks t LEFT JOIN attempts a ON a.id = (SELECT max(id) FROM attempts "
                "WHERE task_id = t.id) ORDER BY t.id");
            found = first_task_mismatch(s);
        }
        if (found.empty()) {
            SQLite::Statement s(m.db,
                                "SELECT a.id, a.task_id, t.id IS NULL FROM attempts a LEFT JOIN "
                                "tasks t ON t.id = a.task_id WHERE t.id IS NULL OR "
                                "t.job_id != a.job_id OR t.action != a.action OR "
                                "t.params != a.params ORDER BY a.id LIMIT 1");
            if (s.executeStep()) {
                const std::string row = "attempt row " + s.getColumn(0).getString();
                const std::string task = "task " + s.getColumn(1).getString();
                found = s.getColumn(2).getInt() != 0
                            ? row + " names " + task + ", which does not exist"
                            : row + " names " + task +
                                  " but another job, action or params than the task has";
            }
        }
        tx.commit();
        return found;
    });
}

}  // namespace qbi::queue
