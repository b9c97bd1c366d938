#include "runner/app/store_setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace qbi::app {

Result<std::string> database_path(const Config& config, const Env& env) {
    return resolve_database("", config, env);
}

namespace {

bool writable(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return false;
    return (st.st_mode & 0222) != 0 && ::access(p.c_str(), W_OK) == 0;
}

}  // namespace

queue::Access queue_access(const std::string& path, QueueUse use) {
    if (use == QueueUse::Enqueue) return queue::Access::Create;
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::canonical(path, ec);
    if (ec) return queue::Access::Existing;  // missing: open() says so
    if (use == QueueUse::Change)             // a read-only file stays so: the write fails (74)
        return writable(real) && writable(real.parent_path()) ? queue::Access::Existing
                                                              : queue::Access::ReadOnly;
    if (!writable(real.parent_path())) {
        return std::filesystem::exists(real.string() + "-wal", ec)
                   ? queue::Access::ReadOnly
                   : queue::Access::ReadOnlyImmutable;
    }
    return writable(real) ? queue::Access::Existing : queue::Access::ReadOnly;
}

Result<queue::Store> open_store(const Config& config, const std::string& path, Clock& clock,
                                QueueUse use) {
    queue::StoreOptions o;
    o.access = queue_access(path, use);
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
