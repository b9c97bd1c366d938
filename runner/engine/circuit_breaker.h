#pragma once
// Circuit breaker for transport failures (design §5): after `threshold` consecutive transport
// failures (timeouts, refused or reset connections) dispatch pauses, then lets a single probe
// through after a delay that doubles on each failed probe (from `initial_ms` up to `max_ms`).
// A success closes the circuit. Task-level answers from Quick BI (even errors) count as
// success here: the endpoint is reachable.
//
// Thread-safety: all members are safe to call from any thread (guarded by mutex_).
#include <cstdint>
#include <mutex>

#include "runner/core/clock.h"

namespace qbi::engine {

class CircuitBreaker {
public:
    enum class State { Closed, Open, HalfOpen };

    CircuitBreaker(Clock& clock, int threshold = 5, std::int64_t initial_ms = 1000,
                   std::int64_t max_ms = 60000);

    // May a call start now? In Open state returns false until the probe delay has passed, then
    // admits exactly one probe (HalfOpen) and refuses the rest until that probe reports.
    bool allow();
    // Milliseconds until allow() may admit a probe (0 when closed).
    std::int64_t wait_ms() const;
    void on_success();
    void on_transport_failure();
    State state() const;
    int opened_count() const;

private:
    Clock& clock_;
    const int threshold_;
    const std::int64_t initial_ms_;
    const std::int64_t max_ms_;
    mutable std::mutex mutex_;
    State state_ = State::Closed;    // guarded by mutex_
    int consecutive_ = 0;            // guarded by mutex_
    std::int64_t delay_ms_;          // guarded by mutex_
    std::int64_t reopen_at_ns_ = 0;  // guarded by mutex_
    int opened_ = 0;                 // guarded by mutex_
};

}  // namespace qbi::engine
