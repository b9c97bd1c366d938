#include "runner/app/metrics_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "runner/core/exit_codes.h"
#include "runner/core/files.h"

namespace qbi::app {

namespace fs = std::filesystem;

namespace {

std::string temp_path_for(const std::string& path) {
    fs::path p(path);
    return (p.parent_path() / ("." + p.filename().string() + ".tmp")).string();
}

Error io_error(const std::string& what, const std::string& path) {
    return Error{kExitIoErr,
                 "metrics file " + path + ": cannot " + what + ": " + std::strerror(errno)};
}

}  // namespace

metrics::QueueGauges read_queue_gauges(queue::Store& store, Clock& clock,
                                       std::int64_t last_success_ms) {
    metrics::QueueGauges g;
    g.last_success_ms = last_success_ms;
    auto q = store.queue_stats(kDueCap);
    if (!q) return g;
    g.known = true;
    g.queued = q->counts.queued;
    g.running = q->counts.running;
    g.succeeded = q->counts.succeeded();
    g.failed = q->counts.failed;
    g.cancelled = q->counts.cancelled;
    g.due = q->due;
    if (q->oldest_due_at_ms)
        g.oldest_due_age_seconds =
            static_cast<double>(std::max<std::int64_t>(0, clock.wall_ms() - *q->oldest_due_at_ms)) /
            1000.0;
    g.audit_rows = q->audit_rows;
    return g;
}

QueueSampler::QueueSampler(std::string db_path, const Config& config, Clock& clock)
    : db_path_(std::move(db_path)), busy_timeout_ms_(config.busy_timeout_ms), clock_(clock) {}

metrics::QueueGauges QueueSampler::gauges() {
    std::lock_guard lock(mu_);
    const std::int64_t now = clock_.monotonic_ns();
    if (sampled_at_ns_ && cached_.known && now - *sampled_at_ns_ < kSampleEveryMs * 1000000)
        return cached_;
    if (!store_) {
        queue::StoreOptions o;
        o.access = queue::Access::ReadOnly;
        o.busy_timeout_ms = static_cast<int>(std::min<std::int64_t>(busy_timeout_ms_, 1000));
        auto s = queue::Store::open(db_path_, clock_, o);
        if (!s) return {};
        store_.emplace(std::move(*s));
    }
    if (!last_success_ms_) {
        if (auto last = store_->last_success_at()) last_success_ms_ = last->value_or(0);
    }
    cached_ = read_queue_gauges(*store_, clock_, last_success_ms_.value_or(0));
    sampled_at_ns_ = now;
    return cached_;
}

Status check_metrics_file(const std::string& path) {
    if (path.empty() || fs::path(path).filename().empty())
        return Error{kExitUsage, "--metrics-file: expected a file path, got '" + path + "'"};
    const std::string tmp = temp_path_for(path);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return io_error("create " + tmp, path);
    ::close(fd);
    ::unlink(tmp.c_str());
    return {};
}

Status write_metrics_file(const std::string& path, const std::string& text) {
    // 0644 whatever the umask (the units set UMask=0077): the collector reads it as another
    // user. The temporary name starts with a dot, which the collector ignores.
    auto st = replace_file(path, 0644, text);
    if (!st)
        return Error{kExitIoErr,
                     "metrics file " + path + ": cannot write it: " + st.error().message};
    return {};
}

}  // namespace qbi::app
