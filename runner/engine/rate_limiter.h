#pragma once
// A token bucket shared by all workers, with adaptive slow-down on throttling (design §5).
//
// The configured rate is the ceiling. A throttling answer halves the current rate (not below
// `floor_qps`); every second without throttling the rate recovers by 10 % of the ceiling
// until it is back at the ceiling. Burst capacity is one second of the current rate (at
// least 1 token), so a quiet runner cannot fire a spike above the limit.
//
// Thread-safety: all members are safe to call from any thread (guarded by mutex_).
#include <cstdint>
#include <mutex>

#include "runner/core/clock.h"

namespace qbi::engine {

class RateLimiter {
public:
    RateLimiter(Clock& clock, double max_qps, double floor_qps = 0.5);

    // Takes one token if available now and returns 0; otherwise returns the nanoseconds to wait
    // before trying again (nothing is taken).
    std::int64_t try_acquire();
    // Returns one token taken by try_acquire() that was not used (up to the burst capacity).
    void refund();
    // Blocks (through Clock::sleep_until_ns) until a token is taken, or `cancelled()` turns
    // true; it looks at `cancelled()` at least every 50 ms of clock time. Returns false if
    // cancelled.
    template <class Cancelled>
    bool acquire(Cancelled cancelled) {
        for (;;) {
            if (cancelled()) return false;
            std::int64_t wait = try_acquire();
            if (wait == 0) return true;
            clock_.sleep_until_ns(clock_.monotonic_ns() + std::min<std::int64_t>(wait, 50000000));
        }
    }

    // A call sent at monotonic time `sent_at_ns` was throttled: halve the current rate, unless
    // the call was sent before the last halving (it was paced at the older, higher rate, so
    // its answer says nothing about the current one). Several workers that see the same
    // throttling burst thus halve once, while a rate still too high after a halving is halved
    // again as soon as a call sent at it is refused.
    void on_throttled(std::int64_t sent_at_ns);
    // The same when the send time is unknown: halve at most once per 200 ms.
    void on_throttled();
    double current_qps() const;
    double max_qps() const { return max_qps_; }

private:
    void refill_locked(std::int64_t now_ns);

    Clock& clock_;
    const double max_qps_;
    const double floor_qps_;
    mutable std::mutex mutex_;
    double rate_;                    // guarded by mutex_
    double tokens_;                  // guarded by mutex_
    std::int64_t last_refill_ns_;    // guarded by mutex_
    std::int64_t last_throttle_ns_;  // guarded by mutex_
    std::int64_t last_recover_ns_;   // guarded by mutex_
};

}  // namespace qbi::engine
