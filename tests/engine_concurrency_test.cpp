// The adaptive concurrency limit (runner/engine/concurrency_limit.h) as a pure computation over
// answer latencies and a clock: it keeps every worker busy far from the endpoint, shrinks when
// more calls only queue, never goes below its floor, and grows back when queueing stops.
#include <gtest/gtest.h>

#include "runner/engine/concurrency_limit.h"

namespace qbi::engine {
namespace {

constexpr std::int64_t kMs = 1000000;

// One window of `n` answers of `latency_ms` each (the first `fast` of them at `fast_ms`: the
// calls that found the endpoint idle), closed at `now`.
bool window(ConcurrencyLimit& l, std::int64_t& now, int n, double latency_ms, int fast = 0,
            double fast_ms = 0) {
    for (int i = 0; i < n; ++i)
        l.on_answer(static_cast<std::int64_t>((i < fast ? fast_ms : latency_ms) * kMs));
    now += ConcurrencyLimit::kWindowNs;
    return l.update(now);
}

// Round trips that do not grow with load (a distant endpoint): the limit stays at the workers.
TEST(EngineConcurrency, NoQueueingKeepsEveryWorker) {
    ConcurrencyLimit l(64);
    std::int64_t now = 0;
    l.update(now);
    for (int w = 0; w < 30; ++w) window(l, now, 50, 50 + (w % 3));
    EXPECT_EQ(l.limit(), 64);
}

// Calls that only queue (the latency grows with the calls out, as on loopback with no latency):
// the limit comes down quickly to a handful -- where the queueing it still allows (up to twice
// the unloaded round trip, plus sqrt(limit)) balances -- and never below the floor.
TEST(EngineConcurrency, QueueingShrinksToTheFloorAndRecovers) {
    ConcurrencyLimit l(64, 4);
    std::int64_t now = 0;
    l.update(now);
    window(l, now, 50, 0.2);  // the unloaded round trip: 0.2 ms
    // Latency proportional to the calls out; one call a window still finds the endpoint idle.
    int steps = 0;
    while (l.limit() > 8 && steps < 20) {
        window(l, now, 50, 0.125 * l.limit(), 1, 0.2);
        ++steps;
    }
    EXPECT_LE(steps, 10);  // from 64 to 8 within half a second
    for (int w = 0; w < 40; ++w) window(l, now, 50, 0.125 * l.limit(), 1, 0.2);
    EXPECT_GE(l.limit(), 4);
    EXPECT_LE(l.limit(), 8);
    // The endpoint gets far (the floor of the last 20 windows then catches up): it grows back.
    for (int w = 0; w < 60; ++w) window(l, now, 50, 40);
    EXPECT_EQ(l.limit(), 64);
}

// Too few answers in a window change nothing.
TEST(EngineConcurrency, AWindowNeedsEnoughAnswers) {
    ConcurrencyLimit l(64);
    std::int64_t now = 0;
    l.update(now);
    window(l, now, 50, 1);
    EXPECT_FALSE(window(l, now, ConcurrencyLimit::kMinAnswers - 1, 100));
    EXPECT_EQ(l.limit(), 64);
}

}  // namespace
}  // namespace qbi::engine
