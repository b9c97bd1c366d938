#include "runner/cli/store_setup.h"

namespace qbi::cli {

Result<std::string> database_path(const Context& ctx) {
    return resolve_database(ctx.global.db, ctx.config, ctx.env);
}

Result<queue::Store> open_store(const Context& ctx, Clock& clock) {
    auto path = database_path(ctx);
    if (!path) return path.error();
    queue::StoreOptions o;
    o.synchronous =
        ctx.config.synchronous == "normal" ? queue::Synchronous::Normal : queue::Synchronous::Full;
    o.busy_timeout_ms = static_cast<int>(ctx.config.busy_timeout_ms);
    return queue::Store::open(*path, clock, o);
}

Result<queue::JobInfo> lookup_job(queue::Store& store, const std::string& name_or_id) {
    auto job = store.find_job(name_or_id);
    if (!job) return job.error();
    if (!*job)
        return Error{kExitUsage, "no job named '" + name_or_id + "' (see qbi-runner status)"};
    return **job;
}

}  // namespace qbi::cli
