#include "runner/engine/concurrency_limit.h"

#include <algorithm>
#include <cmath>

namespace qbi::engine {

ConcurrencyLimit::ConcurrencyLimit(int max, int min, int initial)
    : max_(std::max(1, max)),
      min_(std::clamp(min, 1, max_)),
      limit_(std::clamp(initial, min_, max_)) {}

void ConcurrencyLimit::on_answer(std::int64_t latency_ns, int calls_out) {
    std::lock_guard lock(mutex_);
    latency_ns = std::max<std::int64_t>(latency_ns, 1);
    window_peak_ = std::max(window_peak_, calls_out);
    sum_ns_ += latency_ns;
    window_min_ns_ = count_ == 0 ? latency_ns : std::min(window_min_ns_, latency_ns);
    ++count_;
}

bool ConcurrencyLimit::update(std::int64_t now_ns) {
    std::lock_guard lock(mutex_);
    if (window_start_ns_ < 0) window_start_ns_ = now_ns;
    if (now_ns - window_start_ns_ < kWindowNs || count_ < kMinAnswers) return false;
    mins_[next_min_] = window_min_ns_;
    next_min_ = (next_min_ + 1) % kNoloadWindows;
    mins_seen_ = std::min(mins_seen_ + 1, kNoloadWindows);
    const std::int64_t noload = *std::min_element(mins_.begin(), mins_.begin() + mins_seen_);
    const double rtt = static_cast<double>(sum_ns_) / static_cast<double>(count_);
    const double gradient = std::clamp(2.0 * static_cast<double>(noload) / rtt, 0.25, 1.0);
    if (gradient < 1.0) slow_start_ = false;
    double wanted = slow_start_ ? limit_ * 2 : limit_ * gradient + std::sqrt(limit_);
    // It grows only if the calls out reached it: otherwise it was not what held them back.
    if (window_peak_ < static_cast<int>(limit_)) wanted = std::min(wanted, limit_);
    const double before = limit_;
    limit_ = std::clamp(wanted, static_cast<double>(min_), static_cast<double>(max_));
    window_start_ns_ = now_ns;
    sum_ns_ = count_ = 0;
    window_peak_ = 0;
    return static_cast<int>(before) != static_cast<int>(limit_);
}

int ConcurrencyLimit::limit() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(limit_);
}

}  // namespace qbi::engine
