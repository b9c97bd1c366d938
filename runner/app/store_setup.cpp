#include "runner/app/store_setup.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "runner/core/files.h"

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

Result<queue::AuditKeyRef> load_audit_key(const Config& config) {
    if (config.audit_key_file.empty()) return queue::AuditKeyRef{};
    const std::string& path = config.audit_key_file;
    auto fail = [&](const std::string& why) {
        return Error{kExitConfig, "audit key " + path + ": " + why +
                                      " (make one with: head -c 32 /dev/urandom > FILE; "
                                      "chmod 0400 FILE)"};
    };
    auto f = open_regular_file(AT_FDCWD, path, Follow::Yes);
    if (!f) return fail("cannot read: " + f.error().message);
    constexpr std::size_t kMaxKey = 4096;
    bool over = false;
    auto bytes = read_to_end(f->fd.get(), kMaxKey, over);
    if (!bytes) return fail("cannot read: " + bytes.error().message);
    std::string key = std::move(*bytes);
    if (over) {
        ::explicit_bzero(key.data(), key.size());
        return fail("over " + std::to_string(kMaxKey) + " bytes; not a key file");
    }
    if (!key.empty() && key.back() == '\n') key.pop_back();
    if (!key.empty() && key.back() == '\r') key.pop_back();
    if (key.size() < 16) {
        const std::size_t n = key.size();
        ::explicit_bzero(key.data(), key.size());
        return fail(std::to_string(n) + " bytes; an audit key needs at least 16");
    }
    return std::make_shared<const queue::AuditKey>(std::move(key));
}

Status apply_audit_key(queue::Store& store, const Config& config) {
    auto key = load_audit_key(config);
    if (!key) return key.error();
    if (*key) {
        store.set_audit_key(*key);
        return {};
    }
    auto keyed = store.last_keyed_row();
    if (!keyed) return keyed.error();
    if (*keyed > 0)
        return Error{kExitConfig,
                     "the audit log is keyed (its last row, " + std::to_string(*keyed) +
                         ", is an HMAC under the audit key) and no key is configured: set "
                         "audit.key_file (or give the service the credential audit-key) to the "
                         "key it was written with; rows written without it would break the log"};
    return {};
}

Result<queue::JobInfo> lookup_job(queue::Store& store, const std::string& name_or_id) {
    auto job = store.find_job(name_or_id);
    if (!job) return job.error();
    if (!*job)
        return Error{kExitUsage, "no job named '" + name_or_id + "' (see qbi-runner status)"};
    return **job;
}

}  // namespace qbi::app
