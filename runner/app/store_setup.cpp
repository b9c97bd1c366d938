#include "runner/app/store_setup.h"

namespace qbi::app {

Result<std::string> database_path(const Config& config, const Env& env) {
    return resolve_database("", config, env);
}

Result<queue::Store> open_store(const Config& config, const std::string& path, Clock& clock) {
    queue::StoreOptions o;
    o.synchronous =
        config.synchronous == "normal" ? queue::Synchronous::Normal : queue::Synchronous::Full;
    o.busy_timeout_ms = static_cast<int>(config.busy_timeout_ms);
    return queue::Store::open(path, clock, o);
}

Result<queue::JobInfo> lookup_job(queue::Store& store, const std::string& name_or_id) {
    auto job = store.find_job(name_or_id);
    if (!job) return job.error();
    if (!*job)
        return Error{kExitUsage, "no job named '" + name_or_id + "' (see qbi-runner status)"};
    return **job;
}

}  // namespace qbi::app
