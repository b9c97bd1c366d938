#pragma once
// Opening the queue: the database location rules of design §7 and the configured synchronous
// mode and busy timeout. Thread-safety: free functions; the Store they return is one connection
// for one thread (runner/queue/store.h).
#include <string>

#include "runner/app/config.h"
#include "runner/core/clock.h"
#include "runner/queue/store.h"

namespace qbi::app {

// The database path (see resolve_database: queue.database, then the state directories).
Result<std::string> database_path(const Config& config, const Env& env);

// What a command does with the queue, which decides how it is opened.
enum class QueueUse {
    Enqueue,  // submit, offboard, the runners: created (0600, folder 0700) when missing
    // rerun, cancel: must exist (66 naming the path otherwise); a read-only one (as for Read)
    // is opened read-only, so the change fails with 74 instead of root writing it anyway
    Change,
    // status, tasks, audit: must exist (66); opened read-only (no migration, nothing written)
    // when the file or its folder is not writable, by permissions or by mode bits (chmod 0444
    // or 0555 mean read-only even to root); immutable when the folder is read-only and no
    // -wal file exists, since SQLite could not create the -shm a reader needs.
    Read,
};
queue::Access queue_access(const std::string& path, QueueUse use);
Result<queue::Store> open_store(const Config& config, const std::string& path, Clock& clock,
                                QueueUse use = QueueUse::Enqueue);
// The audit key (README "Audit log"): the bytes of config.audit_key_file without a final
// newline, 16 to 4096 of them; null when none is configured. Errors (78) name the file and
// say how to make a key; they never show its bytes.
Result<queue::AuditKeyRef> load_audit_key(const Config& config);
// For a store that will write attempt rows: keys them with the configured audit key. Without
// one, a log whose last row is keyed is refused (78): unkeyed rows after it would break it.
Status apply_audit_key(queue::Store& store, const Config& config);

// A job by name (or id); a missing one is a usage error (64) that says how to list jobs.
Result<queue::JobInfo> lookup_job(queue::Store& store, const std::string& name_or_id);

}  // namespace qbi::app
