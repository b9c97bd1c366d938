#include "runner/metrics/registry.h"

#include <algorithm>

#include "runner/api/codes.h"
#include "runner/metrics/exposition.h"

namespace qbi::metrics {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

constexpr std::array<std::string_view, 4> kTaskResults = {"done", "already_absent", "failed",
                                                          "retried"};
constexpr std::array<std::string_view, 2> kInboxResults = {"accepted", "rejected"};

std::string le_text(std::int64_t bound_ms) {
    return format_value(static_cast<double>(bound_ms) / 1000.0);
}

}  // namespace

Registry::Registry(std::vector<std::string> actions)
    : actions_(std::move(actions)), codes_(known_codes().size() + 2) {
    const std::size_t a = actions_.size() + 1;
    attempts_ = std::make_unique<std::atomic<std::int64_t>[]>(a * kOutcomes * codes_);
    buckets_ = std::make_unique<std::atomic<std::int64_t>[]>(a * kBuckets);
    sum_ms_ = std::make_unique<std::atomic<std::int64_t>[]>(a);
}

std::size_t Registry::action_index(std::string_view action) const {
    for (std::size_t i = 0; i < actions_.size(); ++i)
        if (actions_[i] == action) return i;
    return actions_.size();
}

std::size_t Registry::code_index(std::string_view code) {
    if (code.empty()) return 0;
    const auto codes = known_codes();
    auto it = std::lower_bound(codes.begin(), codes.end(), code);
    if (it != codes.end() && *it == code) return 1 + static_cast<std::size_t>(it - codes.begin());
    return codes.size() + 1;
}

std::size_t Registry::cell(std::size_t a, Outcome o, std::size_t c) const {
    return (a * kOutcomes + static_cast<std::size_t>(o)) * codes_ + c;
}

void Registry::on_attempt(std::string_view action, Outcome outcome, std::string_view code,
                          std::int64_t latency_ms, std::int64_t now_ms) noexcept {
    const std::size_t a = action_index(action);
    attempts_[cell(a, outcome, code_index(code))].fetch_add(1, kRelaxed);
    std::size_t b = 0;
    while (b < kDurationBoundsMs.size() && latency_ms > kDurationBoundsMs[b]) ++b;
    buckets_[a * kBuckets + b].fetch_add(1, kRelaxed);
    sum_ms_[a].fetch_add(std::max<std::int64_t>(0, latency_ms), kRelaxed);
    if (is_success(outcome)) {
        std::int64_t seen = last_success_ms_.load(kRelaxed);
        while (now_ms > seen && !last_success_ms_.compare_exchange_weak(seen, now_ms, kRelaxed)) {
        }
    }
}

void Registry::on_task(TaskResult r, std::int64_t n) noexcept {
    tasks_[static_cast<std::size_t>(r)].fetch_add(n, kRelaxed);
}

void Registry::on_throttled() noexcept {
    throttled_.fetch_add(1, kRelaxed);
}

void Registry::set_rate_qps(double qps) noexcept {
    rate_qps_.store(qps, kRelaxed);
}

void Registry::set_halted(HaltCause cause) noexcept {
    halted_.store(static_cast<int>(cause), kRelaxed);
}

void Registry::set_breaker_open(bool open) noexcept {
    breaker_open_.store(open, kRelaxed);
}

void Registry::add_inbox(std::int64_t accepted, std::int64_t rejected) noexcept {
    inbox_[0].fetch_add(accepted, kRelaxed);
    inbox_[1].fetch_add(rejected, kRelaxed);
}

std::int64_t Registry::attempts(std::string_view action, Outcome outcome,
                                std::string_view code) const {
    return attempts_[cell(action_index(action), outcome, code_index(code))].load(kRelaxed);
}

std::int64_t Registry::task_results(TaskResult r) const {
    return tasks_[static_cast<std::size_t>(r)].load(kRelaxed);
}

std::int64_t Registry::throttled() const {
    return throttled_.load(kRelaxed);
}

std::int64_t Registry::last_success_ms() const {
    return last_success_ms_.load(kRelaxed);
}

std::string Registry::render(const QueueGauges& q, std::string_view version,
                             const RunEnd* run) const {
    TextWriter w;
    auto action_name = [this](std::size_t a) -> std::string_view {
        return a < actions_.size() ? std::string_view(actions_[a]) : "other";
    };
    const auto codes = known_codes();
    auto code_name = [&codes](std::size_t c) -> std::string_view {
        if (c == 0) return "none";
        if (c <= codes.size()) return codes[c - 1];
        return "other";
    };

    w.family("qbi_runner_build_info", "gauge", "Always 1; the version of qbi-runner.");
    w.sample("qbi_runner_build_info", {{"version", version}}, std::int64_t{1});

    w.family("qbi_runner_attempts_total", "counter",
             "API attempts recorded in the audit log by this process, by action, outcome and "
             "error code (none: no code; other: a code outside the catalogue).");
    for (std::size_t a = 0; a <= actions_.size(); ++a)
        for (int o = 0; o < kOutcomes; ++o)
            for (std::size_t c = 0; c < codes_; ++c) {
                const std::int64_t n = attempts_[cell(a, Outcome(o), c)].load(kRelaxed);
                if (n == 0) continue;
                w.sample("qbi_runner_attempts_total",
                         {{"action", action_name(a)},
                          {"outcome", outcome_name(Outcome(o))},
                          {"code", code_name(c)}},
                         n);
            }

    w.family("qbi_runner_call_duration_seconds", "histogram",
             "Duration of the API calls recorded, by action.");
    for (std::size_t a = 0; a <= actions_.size(); ++a) {
        std::array<std::int64_t, kBuckets> counts{};
        std::int64_t total = 0;
        for (std::size_t b = 0; b < kBuckets; ++b) {
            counts[b] = buckets_[a * kBuckets + b].load(kRelaxed);
            total += counts[b];
        }
        if (total == 0) continue;
        const std::string_view action = action_name(a);
        std::int64_t cumulative = 0;
        for (std::size_t b = 0; b < kDurationBoundsMs.size(); ++b) {
            cumulative += counts[b];
            const std::string le = le_text(kDurationBoundsMs[b]);
            w.sample("qbi_runner_call_duration_seconds_bucket", {{"action", action}, {"le", le}},
                     cumulative);
        }
        w.sample("qbi_runner_call_duration_seconds_bucket", {{"action", action}, {"le", "+Inf"}},
                 total);
        w.sample("qbi_runner_call_duration_seconds_sum", {{"action", action}},
                 static_cast<double>(sum_ms_[a].load(kRelaxed)) / 1000.0);
        w.sample("qbi_runner_call_duration_seconds_count", {{"action", action}}, total);
    }

    w.family("qbi_runner_task_results_total", "counter",
             "What the attempts recorded by this process did to their tasks: settled (done, "
             "already_absent, failed) or queued again (retried).");
    for (std::size_t r = 0; r < kTaskResults.size(); ++r)
        w.sample("qbi_runner_task_results_total", {{"result", kTaskResults[r]}},
                 tasks_[r].load(kRelaxed));

    w.family("qbi_runner_throttled_total", "counter",
             "Attempts answered with a throttling code (the rate limit was halved).");
    w.sample("qbi_runner_throttled_total", {}, throttled_.load(kRelaxed));

    w.family("qbi_runner_rate_limit_qps", "gauge",
             "The current global call rate limit after throttling, in calls per second.");
    w.sample("qbi_runner_rate_limit_qps", {}, rate_qps_.load(kRelaxed));

    w.family("qbi_runner_halted", "gauge",
             "1 while dispatch is halted because Quick BI refused the credentials (auth) or the "
             "account's permission (permission).");
    const int halted = halted_.load(kRelaxed);
    w.sample("qbi_runner_halted", {{"cause", "auth"}},
             std::int64_t{halted == static_cast<int>(HaltCause::Auth)});
    w.sample("qbi_runner_halted", {{"cause", "permission"}},
             std::int64_t{halted == static_cast<int>(HaltCause::Permission)});

    w.family("qbi_runner_breaker_open", "gauge",
             "1 while the circuit breaker pauses dispatch after repeated transport failures.");
    w.sample("qbi_runner_breaker_open", {}, std::int64_t{breaker_open_.load(kRelaxed)});

    w.family("qbi_runner_last_success_timestamp_seconds", "gauge",
             "When a call last succeeded (done or already absent), in seconds since the epoch; "
             "0 when none is known.");
    const std::int64_t last = std::max(last_success_ms_.load(kRelaxed), q.last_success_ms);
    w.sample("qbi_runner_last_success_timestamp_seconds", {}, static_cast<double>(last) / 1000.0);

    w.family("qbi_runner_inbox_files_total", "counter",
             "Job files taken from the inbox by this process: accepted (submitted, or already "
             "submitted with the same content) or rejected.");
    for (std::size_t r = 0; r < kInboxResults.size(); ++r)
        w.sample("qbi_runner_inbox_files_total", {{"result", kInboxResults[r]}},
                 inbox_[r].load(kRelaxed));

    if (q.known) {
        w.family("qbi_runner_tasks", "gauge", "Tasks in the queue by state.");
        w.sample("qbi_runner_tasks", {{"state", "queued"}}, q.queued);
        w.sample("qbi_runner_tasks", {{"state", "running"}}, q.running);
        w.sample("qbi_runner_tasks", {{"state", "succeeded"}}, q.succeeded);
        w.sample("qbi_runner_tasks", {{"state", "failed"}}, q.failed);
        w.sample("qbi_runner_tasks", {{"state", "cancelled"}}, q.cancelled);
        w.family("qbi_runner_due_tasks", "gauge",
                 "Queued tasks that are due now (at least this many when both the due and the "
                 "not yet due tasks pass the count's cap; see the README).");
        w.sample("qbi_runner_due_tasks", {}, q.due);
        w.family("qbi_runner_oldest_due_age_seconds", "gauge",
                 "How long the earliest due task has been waiting (0: none is due).");
        w.sample("qbi_runner_oldest_due_age_seconds", {}, q.oldest_due_age_seconds);
        w.family("qbi_runner_audit_rows_total", "counter", "Rows in the audit log.");
        w.sample("qbi_runner_audit_rows_total", {}, q.audit_rows);
    }
    if (run) {
        w.family("qbi_runner_run_end_timestamp_seconds", "gauge",
                 "When the run that wrote this file ended, in seconds since the epoch.");
        w.sample("qbi_runner_run_end_timestamp_seconds", {},
                 static_cast<double>(run->end_ms) / 1000.0);
        w.family("qbi_runner_run_exit_code", "gauge",
                 "The exit code of the run that wrote this file (0 ok, 1 tasks failed, 75 work "
                 "left, 77/78 halted; see the README).");
        w.sample("qbi_runner_run_exit_code", {}, std::int64_t{run->exit_code});
    }
    return w.take();
}

}  // namespace qbi::metrics
