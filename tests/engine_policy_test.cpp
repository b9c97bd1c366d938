// Retry backoff, the adaptive token bucket and the circuit breaker, driven by a ManualClock so
// every timing decision is reproducible without sleeping.
#include <gtest/gtest.h>

#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/engine/backoff.h"
#include "runner/engine/circuit_breaker.h"
#include "runner/engine/rate_limiter.h"

namespace qbi::engine {
namespace {

TEST(Backoff, CeilingDoublesUpToCap) {
    BackoffPolicy p{1000, 300000};
    EXPECT_EQ(backoff_ceiling_ms(p, 1), 1000);
    EXPECT_EQ(backoff_ceiling_ms(p, 2), 2000);
    EXPECT_EQ(backoff_ceiling_ms(p, 5), 16000);
    EXPECT_EQ(backoff_ceiling_ms(p, 9), 256000);
    EXPECT_EQ(backoff_ceiling_ms(p, 10), 300000);
    EXPECT_EQ(backoff_ceiling_ms(p, 60), 300000);  // no overflow for large attempt numbers
}

// Full jitter: every delay lies in [0, ceiling], they spread over the range, and the same seed
// gives the same sequence.
TEST(Backoff, FullJitterIsBoundedSpreadAndSeeded) {
    BackoffPolicy p{1000, 300000};
    SeededRandom a(7), b(7);
    std::int64_t lo = 1 << 30, hi = -1;
    for (int i = 0; i < 2000; ++i) {
        std::int64_t d = backoff_delay_ms(p, 4, a);
        ASSERT_GE(d, 0);
        ASSERT_LE(d, 8000);
        EXPECT_EQ(d, backoff_delay_ms(p, 4, b));
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    EXPECT_LT(lo, 400);
    EXPECT_GT(hi, 7600);
}

// A 10/s bucket admits one call, then one every 100 ms.
TEST(RateLimiter, SpacesCallsAtTheConfiguredRate) {
    ManualClock clock;
    RateLimiter rl(clock, 10);
    EXPECT_EQ(rl.try_acquire(), 0);
    std::int64_t wait = rl.try_acquire();
    EXPECT_GT(wait, 0);
    EXPECT_LE(wait, 100000000);
    clock.advance_ms(100);
    EXPECT_EQ(rl.try_acquire(), 0);
    // Over 10 simulated seconds exactly ~100 tokens are granted.
    int granted = 0;
    for (int ms = 0; ms < 10000; ++ms) {
        while (rl.try_acquire() == 0) ++granted;
        clock.advance_ms(1);
    }
    EXPECT_GE(granted, 99);
    EXPECT_LE(granted, 101);
}

// Throttling halves the rate (once per burst), and it recovers by 10 % of the ceiling per
// quiet second.
TEST(RateLimiter, ThrottlingHalvesThenRecovers) {
    ManualClock clock;
    RateLimiter rl(clock, 40);
    rl.on_throttled();
    EXPECT_DOUBLE_EQ(rl.current_qps(), 20);
    rl.on_throttled();  // same burst: ignored
    EXPECT_DOUBLE_EQ(rl.current_qps(), 20);
    clock.advance_ms(300);
    rl.on_throttled();
    EXPECT_DOUBLE_EQ(rl.current_qps(), 10);
    clock.advance_ms(1000);
    rl.try_acquire();
    EXPECT_DOUBLE_EQ(rl.current_qps(), 14);
    clock.advance_ms(10000);
    rl.try_acquire();
    EXPECT_DOUBLE_EQ(rl.current_qps(), 40);
}

// With send times: answers to calls sent before the last halving do not halve again (they
// were paced at the older rate); a call sent after it that is throttled halves at once.
TEST(RateLimiter, ThrottlingOfCallsSentAtTheCurrentRateHalvesAgain) {
    ManualClock clock;
    RateLimiter rl(clock, 400);
    const std::int64_t before = clock.monotonic_ns();
    clock.advance_ms(5);
    rl.on_throttled(before);
    EXPECT_DOUBLE_EQ(rl.current_qps(), 200);
    rl.on_throttled(before);  // sent at 400/s, answered after the halving: ignored
    EXPECT_DOUBLE_EQ(rl.current_qps(), 200);
    clock.advance_ms(3);
    const std::int64_t at_200 = clock.monotonic_ns();
    clock.advance_ms(2);
    rl.on_throttled(at_200);  // 5 ms later, but sent at 200/s: halve again
    EXPECT_DOUBLE_EQ(rl.current_qps(), 100);
    rl.on_throttled(at_200);
    EXPECT_DOUBLE_EQ(rl.current_qps(), 100);
}

TEST(RateLimiter, NeverBelowFloor) {
    ManualClock clock;
    RateLimiter rl(clock, 2, 0.5);
    for (int i = 0; i < 10; ++i) {
        rl.on_throttled();
        clock.advance_ms(250);
    }
    EXPECT_DOUBLE_EQ(rl.current_qps(), 0.5);
}

// Five transport failures open the circuit; one probe after 1 s; a failed probe doubles the
// wait; a success closes it.
TEST(CircuitBreaker, OpensProbesAndCloses) {
    ManualClock clock;
    CircuitBreaker cb(clock, 5, 1000, 8000);
    for (int i = 0; i < 4; ++i) cb.on_transport_failure();
    EXPECT_TRUE(cb.allow());
    cb.on_transport_failure();
    EXPECT_EQ(cb.state(), CircuitBreaker::State::Open);
    EXPECT_FALSE(cb.allow());
    EXPECT_EQ(cb.wait_ms(), 1000);
    clock.advance_ms(1000);
    EXPECT_TRUE(cb.allow());   // the probe
    EXPECT_FALSE(cb.allow());  // only one
    cb.on_transport_failure();
    EXPECT_EQ(cb.wait_ms(), 2000);
    clock.advance_ms(2000);
    EXPECT_TRUE(cb.allow());
    cb.on_success();
    EXPECT_EQ(cb.state(), CircuitBreaker::State::Closed);
    EXPECT_TRUE(cb.allow());
    EXPECT_EQ(cb.opened_count(), 2);
}

TEST(CircuitBreaker, ProbeDelayIsCapped) {
    ManualClock clock;
    CircuitBreaker cb(clock, 1, 1000, 4000);
    cb.on_transport_failure();
    for (int i = 0; i < 6; ++i) {
        clock.advance_ms(cb.wait_ms());
        ASSERT_TRUE(cb.allow());
        cb.on_transport_failure();
    }
    EXPECT_EQ(cb.wait_ms(), 4000);
}

}  // namespace
}  // namespace qbi::engine
