#pragma once
// The runner's metrics (issue 10), kept in memory and written in the Prometheus text format
// (exposition.h) by render(): the counters and gauges the engine, the service and the inbox
// update, plus the queue's gauges read from the store by whoever renders (QueueGauges).
//
// Label values are bounded: `action` is one of the actions given at construction, `outcome` one
// of the seven outcome names (core/outcome.h), `code` a known code (api/codes.h) or "none"
// (no code: a success) or "other"; an action or code outside those lists counts as "other".
//
// Cost: on_attempt() is a handful of relaxed atomic additions on fixed arrays (no lock, no
// allocation); the engine calls it from its writer thread only, so nothing contends. The
// setters are single relaxed stores.
// Thread-safety: every member may be called from any thread; render() may run while the
// counters move (each value is read once; a histogram's _count is the sum of the bucket values
// read, so it always equals its +Inf bucket).
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/outcome.h"

namespace qbi::metrics {

// The upper bounds of qbi_runner_call_duration_seconds's buckets, in milliseconds (+Inf
// follows): a Quick BI call takes 50 ms to a few seconds; a timeout ends at the call timeout.
inline constexpr std::array<std::int64_t, 11> kDurationBoundsMs = {
    25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

inline constexpr int kOutcomes = kOutcomeCount;  // indexed by Outcome

enum class HaltCause { None, Auth, Permission };

// What the task table says when render() is called (read by the caller from the store:
// Store::queue_gauges). `known` false: the store could not be read; those families are left
// out rather than shown as zero.
struct QueueGauges {
    bool known = false;
    std::int64_t queued = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0;
    std::int64_t due = 0;               // queued tasks due now (at most the cap counted)
    double oldest_due_age_seconds = 0;  // how long the earliest due task has waited
    std::int64_t audit_rows = 0;        // rows in the audit log
    std::int64_t last_success_ms = 0;   // the audit log's last success (0: none seen)
};

// How a run of `run`/`batch` ended, for its metrics file only (the service has no end).
struct RunEnd {
    std::int64_t end_ms = 0;  // wall time
    int exit_code = 0;
};

class Registry {
public:
    explicit Registry(std::vector<std::string> actions);
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // One attempt row written (by the writer, after its commit): counted by action, outcome
    // and code, its latency observed; a success also moves the last-success time to `now_ms`.
    void on_attempt(std::string_view action, Outcome outcome, std::string_view code,
                    std::int64_t latency_ms, std::int64_t now_ms) noexcept;
    // What a recorded attempt did to its task: settled or queued again.
    enum class TaskResult { Done, AlreadyAbsent, Failed, Retried };
    void on_task(TaskResult r, std::int64_t n = 1) noexcept;
    void on_throttled() noexcept;
    void set_rate_qps(double qps) noexcept;
    void set_halted(HaltCause cause) noexcept;
    void set_breaker_open(bool open) noexcept;
    void add_inbox(std::int64_t accepted, std::int64_t rejected) noexcept;

    // Reading (render, tests).
    std::int64_t attempts(std::string_view action, Outcome outcome, std::string_view code) const;
    std::int64_t task_results(TaskResult r) const;
    std::int64_t throttled() const;
    std::int64_t last_success_ms() const;

    // The whole exposition: every family of the README's table. The last success shown is the
    // later of this process's and `queue.last_success_ms`. With `run` (the metrics file of a
    // run), also qbi_runner_run_end_timestamp_seconds and qbi_runner_run_exit_code.
    std::string render(const QueueGauges& queue, std::string_view version,
                       const RunEnd* run = nullptr) const;

private:
    std::size_t action_index(std::string_view action) const;
    static std::size_t code_index(std::string_view code);
    std::size_t cell(std::size_t a, Outcome o, std::size_t c) const;

    std::vector<std::string> actions_;  // label values; index actions_.size() is "other"
    std::size_t codes_;                 // code label values: none, the known codes, other
    std::unique_ptr<std::atomic<std::int64_t>[]> attempts_;  // [action][outcome][code]
    static constexpr std::size_t kBuckets = kDurationBoundsMs.size() + 1;
    std::unique_ptr<std::atomic<std::int64_t>[]> buckets_;  // [action][bucket], not cumulative
    std::unique_ptr<std::atomic<std::int64_t>[]> sum_ms_;   // [action]
    std::array<std::atomic<std::int64_t>, 4> tasks_{};
    std::atomic<std::int64_t> throttled_{0};
    std::atomic<double> rate_qps_{0};
    std::atomic<int> halted_{0};
    std::atomic<bool> breaker_open_{false};
    std::atomic<std::int64_t> last_success_ms_{0};
    std::array<std::atomic<std::int64_t>, 2> inbox_{};  // accepted, rejected
};

}  // namespace qbi::metrics
