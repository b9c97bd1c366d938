#pragma once
// Time, injected. Wall time (epoch milliseconds, UTC) is what gets stored and signed;
// monotonic time is what timeouts, leases' local deadlines and rate limits measure.
//
// Thread-safety: SystemClock is stateless and safe to share. ManualClock is safe to share
// (its fields are atomics), so a test thread may advance it while workers read it.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace qbi {

class Clock {
public:
    virtual ~Clock() = default;
    // Milliseconds since the Unix epoch, UTC.
    virtual std::int64_t wall_ms() const = 0;
    // Nanoseconds on a clock that never goes backwards; the origin is arbitrary.
    virtual std::int64_t monotonic_ns() const = 0;
    // Blocks for `ms` of this clock's time. ManualClock advances instead of sleeping.
    virtual void sleep_ms(std::int64_t ms) = 0;
};

class SystemClock final : public Clock {
public:
    std::int64_t wall_ms() const override;
    std::int64_t monotonic_ns() const override;
    void sleep_ms(std::int64_t ms) override;
    // A process-wide instance, for mains; library code takes a Clock& instead.
    static SystemClock& instance();
};

// A clock that moves only when told to: for reproducible tests of backoff, leases and
// signatures.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t wall_ms = 1700000000000, std::int64_t mono_ns = 0)
        : wall_(wall_ms), mono_(mono_ns) {}
    std::int64_t wall_ms() const override { return wall_.load(); }
    std::int64_t monotonic_ns() const override { return mono_.load(); }
    void sleep_ms(std::int64_t ms) override { advance_ms(ms); }
    void advance_ms(std::int64_t ms) {
        wall_ += ms;
        mono_ += ms * 1000000;
    }
    void set_wall_ms(std::int64_t ms) { wall_ = ms; }

private:
    std::atomic<std::int64_t> wall_;
    std::atomic<std::int64_t> mono_;
};

}  // namespace qbi
