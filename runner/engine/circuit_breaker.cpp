#include "runner/engine/circuit_breaker.h"

#include <algorithm>

namespace qbi::engine {

CircuitBreaker::CircuitBreaker(Clock& clock, int threshold, std::int64_t initial_ms,
                               std::int64_t max_ms)
    : clock_(clock),
      threshold_(threshold),
      initial_ms_(initial_ms),
      max_ms_(max_ms),
      delay_ms_(initial_ms) {}

bool CircuitBreaker::allow() {
    std::lock_guard lock(mutex_);
    switch (state_) {
        case State::Closed:
            return true;
        case State::HalfOpen:
            return false;  // one probe at a time
        case State::Open:
            if (clock_.monotonic_ns() >= reopen_at_ns_) {
                state_ = State::HalfOpen;
                return true;
            }
            return false;
    }
    return false;
}

std::int64_t CircuitBreaker::wait_ms() const {
    std::lock_guard lock(mutex_);
    if (state_ != State::Open) return 0;
    std::int64_t left = reopen_at_ns_ - clock_.monotonic_ns();
    return left > 0 ? (left + 999999) / 1000000 : 0;
}

void CircuitBreaker::on_success() {
    std::lock_guard lock(mutex_);
    state_ = State::Closed;
    consecutive_ = 0;
    delay_ms_ = initial_ms_;
}

void CircuitBreaker::on_transport_failure() {
    std::lock_guard lock(mutex_);
    ++consecutive_;
    if (state_ == State::HalfOpen) {
        delay_ms_ = std::min(max_ms_, delay_ms_ * 2);  // the probe failed: wait longer
    } else if (state_ == State::Open || consecutive_ < threshold_) {
        return;
    }
    state_ = State::Open;
    ++opened_;
    reopen_at_ns_ = clock_.monotonic_ns() + delay_ms_ * 1000000;
}

CircuitBreaker::State CircuitBreaker::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

int CircuitBreaker::opened_count() const {
    std::lock_guard lock(mutex_);
    return opened_;
}

}  // namespace qbi::engine
