// The waiting workers (runner/engine/idle_workers.h), with real threads on the system clock:
// a waker wakes exactly the workers it takes, the most recently idle first, and counts them
// until they run; a worker whose deadline passes takes itself off the list; notify_all()
// wakes everyone.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "runner/core/clock.h"
#include "runner/engine/idle_workers.h"

namespace qbi::engine {
namespace {

class EngineIdleTest : public ::testing::Test {
protected:
    static constexpr int kWorkers = 4;

    ~EngineIdleTest() override {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        idle_.notify_all(clock_);
        for (auto& t : threads_) t.join();
    }

    // Starts worker `id`, which waits (until `deadline_ns`) until woken, counts the wake-up in
    // woken_[id], and waits again until the test ends. Returns once it is listed.
    void start(int id, std::int64_t deadline_ns = Clock::kNever) {
        const int before = listed();
        threads_.emplace_back([this, id, deadline_ns] {
            std::unique_lock lock(mu_);
            idle_.wait(clock_, lock, id, deadline_ns);
            ++woken_[id];
            while (!stop_) idle_.wait(clock_, lock, id, Clock::kNever);
        });
        wait_for([&] { return listed() == before + 1 || woken_[id] > 0; });
    }

    int listed() {
        std::lock_guard lock(mu_);
        return idle_.waiting();
    }

    int taken() {
        std::lock_guard lock(mu_);
        return idle_.taken();
    }

    // Real time: a thread must run; fails after 10 s.
    template <class F>
    void wait_for(F done) {
        const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!done()) {
            ASSERT_LT(std::chrono::steady_clock::now(), limit) << "timed out";
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    std::vector<int> take(int n) {
        std::vector<int> ids;
        {
            std::lock_guard lock(mu_);
            idle_.take(n, ids);
        }
        idle_.notify(clock_, ids);
        return ids;
    }

    SystemClock clock_;
    std::mutex mu_;
    IdleWorkers idle_{kWorkers};
    bool stop_ = false;  // guarded by mu_
    std::atomic<int> woken_[kWorkers] = {};
    std::vector<std::thread> threads_;
};

TEST_F(EngineIdleTest, AWakerWakesTheMostRecentlyIdleFirstAndOnlyThoseItTakes) {
    for (int id = 0; id < kWorkers; ++id) start(id);
    ASSERT_EQ(listed(), kWorkers);

    {
        // Taken: counted until they run (a waker counts them as busy), notified only then.
        std::vector<int> ids;
        std::lock_guard lock(mu_);
        idle_.take(2, ids);
        EXPECT_EQ(ids, (std::vector<int>{3, 2}));
        EXPECT_EQ(idle_.taken(), 2);
        EXPECT_EQ(idle_.waiting(), kWorkers - 2);
        idle_.notify(clock_, ids);
    }
    wait_for([&] { return woken_[3] == 1 && woken_[2] == 1; });
    EXPECT_EQ(taken(), 0);
    // Woken and waiting again: listed on top, above the two that were never woken.
    wait_for([&] { return listed() == kWorkers; });
    EXPECT_EQ(woken_[0], 0);
    EXPECT_EQ(woken_[1], 0);

    EXPECT_EQ(take(3).size(), 3u);
    wait_for([&] { return woken_[1] == 1; });
    EXPECT_EQ(woken_[0], 0);  // the oldest still sleeps
    wait_for([&] { return listed() == kWorkers; });
    EXPECT_EQ(take(0), std::vector<int>{});
}

TEST_F(EngineIdleTest, TakingMoreThanAreListedTakesThemAll) {
    start(0);
    start(1);
    EXPECT_EQ(take(10), (std::vector<int>{1, 0}));
    wait_for([&] { return woken_[0] == 1 && woken_[1] == 1; });
}

TEST_F(EngineIdleTest, AWorkerWhoseDeadlinePassesTakesItselfOffTheList) {
    start(0);
    start(1, clock_.monotonic_ns() + 20 * 1000000);  // 20 ms
    wait_for([&] { return woken_[1] == 1; });
    // Waiting again (no deadline), listed once on top; worker 0 below it.
    wait_for([&] { return listed() == 2; });
    EXPECT_EQ(take(1), std::vector<int>{1});
    EXPECT_EQ(woken_[0], 0);
}

TEST_F(EngineIdleTest, NotifyAllWakesEveryWorker) {
    for (int id = 0; id < kWorkers; ++id) start(id);
    idle_.notify_all(clock_);
    wait_for([&] {
        for (const auto& w : woken_)
            if (w == 0) return false;
        return true;
    });
}

}  // namespace
}  // namespace qbi::engine
