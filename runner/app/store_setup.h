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
Result<queue::Store> open_store(const Config& config, const std::string& path, Clock& clock);
// A job by name (or id); a missing one is a usage error (64) that says how to list jobs.
Result<queue::JobInfo> lookup_job(queue::Store& store, const std::string& name_or_id);

}  // namespace qbi::app
