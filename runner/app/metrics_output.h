#pragma once
// Where the metrics (runner/metrics) go (issue 10): the `serve` endpoint's queue gauges, read
// on the endpoint's threads through a connection of their own, and the textfile that
// `run`/`batch --metrics-file` write at the end of a run.
//
// Cost of a scrape: the queue gauges are read at most once per kSampleEveryMs (the answers in
// between reuse them), with Store::queue_stats (one row per job, two index probes and at most
// 2 x kDueCap index entries for the due tasks); the audit log's last success is read once, at
// the first sample.
// Nothing on the scrape path waits for the engine's writer (WAL: readers never block it).
//
// Thread-safety: QueueSampler::gauges() may be called from any thread (a mutex serialises the
// samples); the free functions are plain.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "runner/app/config.h"
#include "runner/core/clock.h"
#include "runner/metrics/registry.h"
#include "runner/queue/store.h"

namespace qbi::app {

inline constexpr std::int64_t kSampleEveryMs = 1000;
// The due tasks are counted through their index at most this many on each side of now
// (Store::queue_stats): exact unless both the due and the not-yet-due tasks are more.
inline constexpr std::int64_t kDueCap = 10000;

// The gauges of `store` now (known = false when it cannot be read). `last_success_ms` is kept
// as given (the caller reads the log's last success once).
metrics::QueueGauges read_queue_gauges(queue::Store& store, Clock& clock,
                                       std::int64_t last_success_ms);

class QueueSampler {
public:
    QueueSampler(std::string db_path, const Config& config, Clock& clock);
    // The gauges, read again when the last sample is kSampleEveryMs old (or failed).
    metrics::QueueGauges gauges();

private:
    std::string db_path_;
    std::int64_t busy_timeout_ms_;
    Clock& clock_;
    std::mutex mu_;
    std::optional<queue::Store> store_;            // guarded by mu_
    std::optional<std::int64_t> last_success_ms_;  // guarded by mu_: read once
    std::optional<std::int64_t> sampled_at_ns_;    // guarded by mu_
    metrics::QueueGauges cached_;                  // guarded by mu_
};

// --metrics-file: the path is usable (its folder exists and a file can be created there),
// checked before the run so that a typo fails at once. Error 74 naming the path (64: empty).
Status check_metrics_file(const std::string& path);
// Writes `text` to `path` atomically, as node_exporter's textfile collector expects
// (replace_file: a temporary ".NAME.tmp-XXXXXX" in the same folder, which the collector
// ignores), mode 0644 (metrics are not secret, and the collector runs as another user).
// Error 74 naming the path.
Status write_metrics_file(const std::string& path, const std::string& text);

}  // namespace qbi::app
