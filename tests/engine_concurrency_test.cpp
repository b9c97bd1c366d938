// The adaptive concurrency limit (runner/engine/concurrency_limit.h) as a pure computation over
// answer latencies and a clock: it starts low and doubles while nothing queues, keeps every
// worker busy far from the endpoint, shrinks when more calls only queue, never goes below its
// floor, and grows back when queueing stops.
#include <gtest/gtest.h>

#include "runner/engine/concurrency_limit.h"

namespace qbi::engine {
namespace {

constexpr std::int64_t kMs = 1000000;

// One window of `n` answers of `latency_ms` each (the first `fast` of them at `fast_ms`: the
// calls that found the endpoint idle), closed at `now`. The calls out reached the limit.
bool window(ConcurrencyLimit& l, std::int64_t& now, int n, double latency_ms, int fast = 0,
            double fast_ms = 0) {
    const int out = l.limit();
    for (int i = 0; i < n; ++i)
        l.on_answer(static_cast<std::int64_t>((i < fast ? fast_ms : latency_ms) * kMs), out);
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

// It starts at kInitial (or the workers, if fewer) and doubles every window while nothing
// queues: 64 workers far from the endpoint are all in use after two windows.
TEST(EngineConcurrency, StartsLowAndDoublesWhileNothingQueues) {
    EXPECT_EQ(ConcurrencyLimit(8).limit(), 8);
    ConcurrencyLimit l(64);
    EXPECT_EQ(l.limit(), ConcurrencyLimit::kInitial);
    std::int64_t now = 0;
    l.update(now);
    EXPECT_TRUE(window(l, now, 50, 50));
    EXPECT_EQ(l.limit(), 2 * ConcurrencyLimit::kInitial);
    EXPECT_TRUE(window(l, now, 50, 51));
    EXPECT_EQ(l.limit(), 64);
}

// Once a window has shown queueing, the limit grows by sqrt(limit) a window, not twice over.
TEST(EngineConcurrency, AfterQueueingItGrowsSlowly) {
    ConcurrencyLimit l(64);
    std::int64_t now = 0;
    l.update(now);
    window(l, now, 50, 1);  // unloaded: 1 ms (16 -> 32)
    window(l, now, 50, 8);  // 8x queueing: cut to a quarter, plus sqrt: 8 + 5.6
    const int cut = l.limit();
    EXPECT_EQ(cut, 13);
    window(l, now, 50, 1);     // no queueing again
    EXPECT_EQ(l.limit(), 17);  // 13.66 + sqrt(13.66), not 27
}

// Calls that only queue (the latency grows with the calls out, as on loopback with no latency):
// a limit far too high (64 at once) comes down in a few windows to a handful -- where the
// queueing it still allows (up to twice the unloaded round trip, plus sqrt(limit)) balances --
// and never below the floor.
TEST(EngineConcurrency, QueueingShrinksToTheFloorAndRecovers) {
    ConcurrencyLimit l(64, 4, 64);
    std::int64_t now = 0;
    l.update(now);
    window(l, now, 50, 0.2);  // the unloaded round trip: 0.2 ms
    // Latency proportional to the calls out; one call a window still finds the endpoint idle.
    int steps = 0;
    while (l.limit() > 8 && steps < 20) {
        window(l, now, 50, 0.125 * l.limit(), 1, 0.2);
        ++steps;
    }
    EXPECT_LE(steps, 3);  // from 64 to 8 within 150 ms
    for (int w = 0; w < 40; ++w) window(l, now, 50, 0.125 * l.limit(), 1, 0.2);
    EXPECT_GE(l.limit(), 4);
    EXPECT_LE(l.limit(), 8);
    // The endpoint gets far (the floor of the last 20 windows then catches up): it grows back.
    for (int w = 0; w < 60; ++w) window(l, now, 50, 40);
    EXPECT_EQ(l.limit(), 64);
}

// A window whose calls out stayed below the limit (a trickle of tasks, a rate limit) does not
// raise it: when the backlog comes, no burst of calls the endpoint was never shown.
TEST(EngineConcurrency, ItGrowsOnlyWhenTheCallsOutReachedIt) {
    ConcurrencyLimit l(64);
    std::int64_t now = 0;
    l.update(now);
    for (int w = 0; w < 5; ++w) {
        for (int i = 0; i < 20; ++i) l.on_answer(50 * kMs, 1);  // one call out at a time
        now += ConcurrencyLimit::kWindowNs;
        EXPECT_FALSE(l.update(now));
    }
    EXPECT_EQ(l.limit(), ConcurrencyLimit::kInitial);
    EXPECT_TRUE(window(l, now, 50, 50));  // the calls out reach it: slow start goes on
    EXPECT_EQ(l.limit(), 2 * ConcurrencyLimit::kInitial);
    // Queueing cuts it whatever the calls out were.
    for (int i = 0; i < 20; ++i) l.on_answer(400 * kMs, 1);
    now += ConcurrencyLimit::kWindowNs;
    EXPECT_TRUE(l.update(now));
    EXPECT_LT(l.limit(), 2 * ConcurrencyLimit::kInitial);
}

// The default start falls when the first window already queues (and slow start ends there).
TEST(EngineConcurrency, AFirstWindowThatQueuesCutsTheStart) {
    ConcurrencyLimit l(64);
    std::int64_t now = 0;
    l.update(now);
    EXPECT_TRUE(window(l, now, 50, 8, 1, 1));  // mostly 8 ms, one at 1 ms: 4x-8x queueing
    EXPECT_EQ(l.limit(), 8);                   // 16 * 0.25 + 4
    EXPECT_TRUE(window(l, now, 50, 1));        // no queueing: sqrt growth, not doubling
    EXPECT_EQ(l.limit(), 10);
}

// Too few answers in a window change nothing.
TEST(EngineConcurrency, AWindowNeedsEnoughAnswers) {
    ConcurrencyLimit l(64);
    std::int64_t now = 0;
    l.update(now);
    window(l, now, 50, 1);
    const int before = l.limit();
    EXPECT_FALSE(window(l, now, ConcurrencyLimit::kMinAnswers - 1, 100));
    EXPECT_EQ(l.limit(), before);
}

}  // namespace
}  // namespace qbi::engine
