#pragma once
// Opening the queue for a command: the database location rules of design §7 and the
// configured synchronous mode and busy timeout.
#include <string>

#include "runner/cli/context.h"
#include "runner/core/clock.h"
#include "runner/queue/store.h"

namespace qbi::cli {

// The database path for this invocation (see resolve_database).
Result<std::string> database_path(const Context& ctx);
Result<queue::Store> open_store(const Context& ctx, Clock& clock);
// A job by name (or id); a missing one is a usage error (64) that says how to list jobs.
Result<queue::JobInfo> lookup_job(queue::Store& store, const std::string& name_or_id);

}  // namespace qbi::cli
