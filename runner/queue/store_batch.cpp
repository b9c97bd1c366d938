// Store batches: several of the runner's writes in one transaction (store.h, begin_batch).
#include "runner/queue/sqlite_error.h"
#include "runner/queue/store_impl.h"

namespace qbi::queue {

Status Store::begin_batch() {
    Impl& m = *impl_;
    if (m.batch || m.staging_tx)
        return Error{kExitSoftware, "database " + m.label + ": a batch is already open"};
    return guarded(m.label, [&]() -> Status {
        m.db.exec("BEGIN IMMEDIATE");
        m.batch = true;
        return {};
    });
}

Status Store::commit_batch() {
    Impl& m = *impl_;
    if (!m.batch) return Error{kExitSoftware, "database " + m.label + ": no batch is open"};
    auto st = guarded(m.label, [&]() -> Status {
        m.db.exec("COMMIT");
        m.batch = false;
        return {};
    });
    if (!st) rollback_batch();
    return st;
}

void Store::rollback_batch() {
    Impl& m = *impl_;
    if (!m.batch) return;
    m.batch = false;
    try {
        m.db.exec("ROLLBACK");
    } catch (const SQLite::Exception&) {
        // SQLite already rolled back (some errors end the transaction themselves).
    }
}

bool Store::batch_open() const {
    return impl_->batch;
}

}  // namespace qbi::queue
