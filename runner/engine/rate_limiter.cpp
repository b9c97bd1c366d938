#include "runner/engine/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace qbi::engine {

namespace {
constexpr std::int64_t kSecondNs = 1000000000;
}

RateLimiter::RateLimiter(Clock& clock, double max_qps, double floor_qps)
    : clock_(clock),
      max_qps_(max_qps),
      floor_qps_(std::min(floor_qps, max_qps)),
      rate_(max_qps),
      tokens_(1.0),
      last_refill_ns_(clock.monotonic_ns()),
      last_throttle_ns_(last_refill_ns_ - kSecondNs),
      last_recover_ns_(last_refill_ns_) {}

void RateLimiter::refill_locked(std::int64_t now) {
    // Recover 10 % of the ceiling per full second since the later of the last throttle and
    // the last recovery step.
    if (rate_ < max_qps_) {
        std::int64_t since = now - std::max(last_throttle_ns_, last_recover_ns_);
        if (since >= kSecondNs) {
            std::int64_t steps = since / kSecondNs;
            rate_ = std::min(max_qps_, rate_ + 0.1 * max_qps_ * static_cast<double>(steps));
            last_recover_ns_ = now;
        }
    } else {
        last_recover_ns_ = now;
    }
    double elapsed = static_cast<double>(now - last_refill_ns_) / kSecondNs;
    if (elapsed > 0) {
        tokens_ = std::min(std::max(1.0, rate_), tokens_ + elapsed * rate_);
        last_refill_ns_ = now;
    }
}

std::int64_t RateLimiter::try_acquire() {
    std::lock_guard lock(mutex_);
    std::int64_t now = clock_.monotonic_ns();
    refill_locked(now);
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return 0;
    }
    double missing = 1.0 - tokens_;
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(missing / rate_ * kSecondNs)));
}

void RateLimiter::refund() {
    std::lock_guard lock(mutex_);
    tokens_ = std::min(std::max(1.0, rate_), tokens_ + 1.0);
}

void RateLimiter::on_throttled() {
    std::lock_guard lock(mutex_);
    std::int64_t now = clock_.monotonic_ns();
    refill_locked(now);
    // Several workers may see the same throttling burst; halve at most once per 200 ms.
    if (now - last_throttle_ns_ < kSecondNs / 5) return;
    rate_ = std::max(floor_qps_, rate_ / 2);
    tokens_ = std::min(tokens_, std::max(1.0, rate_));
    last_throttle_ns_ = now;
}

void RateLimiter::on_throttled(std::int64_t sent_at_ns) {
    std::lock_guard lock(mutex_);
    std::int64_t now = clock_.monotonic_ns();
    refill_locked(now);
    if (sent_at_ns < last_throttle_ns_) return;
    rate_ = std::max(floor_qps_, rate_ / 2);
    tokens_ = std::min(tokens_, std::max(1.0, rate_));
    last_throttle_ns_ = now;
}

double RateLimiter::current_qps() const {
    std::lock_guard lock(mutex_);
    return rate_;
}

}  // namespace qbi::engine
