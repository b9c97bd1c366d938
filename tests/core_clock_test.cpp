// The ManualClock's semantics (runner/core/clock.h) with real threads: time jumps from deadline
// to deadline when every thread that uses the clock waits on it, and stands still while one
// of them runs. Each test says which threads wait on what; none sleeps in real time.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "runner/core/clock.h"

namespace qbi {
namespace {

constexpr std::int64_t kMs = 1000000;

void until_waiting(const ManualClock& clock, std::size_t n) {
    while (clock.waiting() < n) std::this_thread::yield();
}

// One thread alone: a sleep moves the clock to its deadline at once; wall and monotonic time
// move together; set_wall_ms() moves the wall clock alone.
TEST(ManualClock, ASleepAloneJumpsToItsDeadline) {
    ManualClock clock(1000, 0);
    clock.sleep_ms(250);
    EXPECT_EQ(clock.monotonic_ns(), 250 * kMs);
    EXPECT_EQ(clock.wall_ms(), 1250);
    clock.sleep_until_ns(100 * kMs);  // in the past: returns at once
    EXPECT_EQ(clock.monotonic_ns(), 250 * kMs);
    clock.set_wall_ms(5000);
    clock.advance_ms(10);
    EXPECT_EQ(clock.wall_ms(), 5010);
    EXPECT_EQ(clock.monotonic_ns(), 260 * kMs);
}

// Three threads sleep 50, 50 and 80 ms from t=0: the two 50 ms sleepers both wake at 50 (they
// overlap rather than add up), the third at 80, and the clock ends at 80.
TEST(ManualClock, ConcurrentSleepersOverlapAndWakeInDeadlineOrder) {
    ManualClock clock;
    clock.attach();  // hold time until all three sleep
    std::vector<std::int64_t> woke(3, -1);
    std::vector<std::thread> threads;
    const std::int64_t sleeps[] = {50, 50, 80};
    for (int i = 0; i < 3; ++i)
        threads.emplace_back([&, i] {
            clock.sleep_until_ns(sleeps[i] * kMs);
            woke[static_cast<std::size_t>(i)] = clock.monotonic_ns();
        });
    until_waiting(clock, 3);
    EXPECT_EQ(clock.monotonic_ns(), 0);  // this thread still runs
    clock.thread_done();                 // now time may pass
    for (auto& t : threads) t.join();
    EXPECT_EQ(woke, (std::vector<std::int64_t>{50 * kMs, 50 * kMs, 80 * kMs}));
    EXPECT_EQ(clock.monotonic_ns(), 80 * kMs);
}

// While a thread runs (it returned from a wait, or attached, and has not waited again) time
// stands still for the others; once it waits, the earliest deadline comes first: the other
// thread's 5 ms, then its own 100 ms.
TEST(ManualClock, TimeStandsStillWhileAThreadRuns) {
    ManualClock clock;
    clock.attach();
    std::atomic<std::int64_t> woke{-1};
    std::thread sleeper([&] {
        clock.sleep_ms(5);
        woke = clock.monotonic_ns();
    });
    until_waiting(clock, 1);  // its first attempt to move time has been made, and refused
    EXPECT_EQ(clock.monotonic_ns(), 0);
    EXPECT_EQ(woke.load(), -1);
    clock.sleep_ms(100);
    sleeper.join();
    EXPECT_EQ(woke.load(), 5 * kMs);
    EXPECT_EQ(clock.monotonic_ns(), 100 * kMs);
}

// A condition wait with a deadline and a predicate that never holds times out exactly at its
// deadline; one whose predicate a notifier (through the clock) makes true wakes at once, at
// the time of the notify, even though the notifier sleeps right after.
TEST(ManualClock, ConditionWaitsTimeOutAtTheDeadlineOrWakeOnNotify) {
    ManualClock clock;
    std::mutex mu;
    std::condition_variable cv;
    {
        std::unique_lock lock(mu);
        EXPECT_FALSE(clock.wait_until_ns(lock, cv, 300 * kMs, [] { return false; }));
        EXPECT_EQ(clock.monotonic_ns(), 300 * kMs);
    }

    bool ready = false;  // guarded by mu
    std::atomic<std::int64_t> woke{-1};
    std::thread waiter([&] {
        std::unique_lock lock(mu);
        if (clock.wait_until_ns(lock, cv, 1300 * kMs, [&] { return ready; }))
            woke = clock.monotonic_ns();
    });
    clock.attach();
    until_waiting(clock, 1);
    {
        std::lock_guard lock(mu);
        ready = true;
        clock.notify_all(cv);
    }
    clock.sleep_ms(500);  // may not move time before the waiter has run
    waiter.join();
    EXPECT_EQ(woke.load(), 300 * kMs);
    EXPECT_EQ(clock.monotonic_ns(), 800 * kMs);
}

// A test thread that holds time moves it by hand: advance_ms() wakes exactly the waits whose
// deadline came (400 ms of a 1 s sleep wake nobody; 600 more do).
TEST(ManualClock, AdvanceWakesTheWaitsWhoseDeadlineCame) {
    ManualClock clock;
    clock.attach();
    std::atomic<bool> awake{false};
    std::thread sleeper([&] {
        clock.sleep_ms(1000);
        awake = true;
    });
    until_waiting(clock, 1);
    clock.advance_ms(400);
    EXPECT_EQ(clock.waiting(), 1u);
    EXPECT_FALSE(awake.load());
    clock.advance_ms(600);
    sleeper.join();
    EXPECT_TRUE(awake.load());
    EXPECT_EQ(clock.monotonic_ns(), 1000 * kMs);
}

// A thread that waited on the clock and then exited no longer holds time: with a hold limit
// of a minute, a sleep after it has gone still returns at once (it would hang otherwise).
TEST(ManualClock, AThreadThatExitedHoldsNoTime) {
    ManualClock clock;
    clock.set_real_timing(std::chrono::milliseconds(1), std::chrono::minutes(1));
    std::thread([&] { clock.sleep_ms(1); }).join();
    clock.sleep_ms(10);
    EXPECT_EQ(clock.monotonic_ns(), 11 * kMs);
}

// A wait with no deadline (kNever) never moves time by itself; it ends when notified.
TEST(ManualClock, AWaitWithoutDeadlineLetsOthersMoveTime) {
    ManualClock clock;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;  // guarded by mu
    std::thread waiter([&] {
        std::unique_lock lock(mu);
        clock.wait_until_ns(lock, cv, Clock::kNever, [&] { return done; });
    });
    until_waiting(clock, 1);
    clock.sleep_ms(70);  // the only deadline: time jumps to it
    EXPECT_EQ(clock.monotonic_ns(), 70 * kMs);
    {
        std::lock_guard lock(mu);
        done = true;
        clock.notify_all(cv);
    }
    waiter.join();
    EXPECT_EQ(clock.monotonic_ns(), 70 * kMs);
}

}  // namespace
}  // namespace qbi
