// The task pool's choice (runner/engine/task_pool.h) on a ManualClock: an action waiting for its
// own rate tokens never holds up another; actions with tokens take turns; a task given back
// returns its tokens; a stop drains everything.
#include <gtest/gtest.h>

#include "runner/core/clock.h"
#include "runner/engine/task_pool.h"

namespace qbi::engine {
namespace {

queue::ClaimedTask task(std::int64_t id, const std::string& action) {
    queue::ClaimedTask t;
    t.task_id = id;
    t.action = action;
    return t;
}

class EnginePool : public ::testing::Test {
protected:
    EnginePool() : global_(clock_, 1000) {
        limits_.emplace("Slow", std::make_unique<RateLimiter>(clock_, 1));
        limits_.emplace("Fast", std::make_unique<RateLimiter>(clock_, 100));
    }
    ManualClock clock_;
    RateLimiter global_;
    std::map<std::string, std::unique_ptr<RateLimiter>> limits_;
};

// Five slow tasks claimed first, then five fast ones: after the one slow token, the fast ones go
// at their own rate while the slow ones wait for theirs.
TEST_F(EnginePool, ASlowActionDoesNotHoldUpAFastOne) {
    TaskPool pool(global_, limits_);
    for (int i = 1; i <= 5; ++i) pool.add(task(i, "Slow"));
    for (int i = 6; i <= 10; ++i) pool.add(task(i, "Fast"));
    std::vector<std::int64_t> order;
    for (int i = 0; i < 2; ++i) {
        clock_.advance_ms(1);  // the global limit (1000/s) has a token every millisecond
        auto p = pool.take();
        ASSERT_TRUE(p.task);
        order.push_back(p.task->task_id);
    }
    // One slow (its first token) and one fast; then the slow action waits ~1 s, the fast 10 ms.
    EXPECT_EQ(order, (std::vector<std::int64_t>{6, 1}));
    clock_.advance_ms(1);
    auto none = pool.take();
    EXPECT_FALSE(none.task);
    EXPECT_GT(none.wait_ns, 0);
    EXPECT_LE(none.wait_ns, 10 * 1000000);
    clock_.advance_ms(9);
    auto fast = pool.take();
    ASSERT_TRUE(fast.task);
    EXPECT_EQ(fast.task->action, "Fast");
    for (int i = 0; i < 3; ++i) {
        clock_.advance_ms(10);
        auto p = pool.take();
        ASSERT_TRUE(p.task);
        EXPECT_EQ(p.task->action, "Fast");
    }
    EXPECT_EQ(pool.size("Fast"), 0u);
    EXPECT_EQ(pool.size("Slow"), 4u);
    clock_.advance_ms(1000);
    auto slow = pool.take();
    ASSERT_TRUE(slow.task);
    EXPECT_EQ(slow.task->task_id, 2);  // within an action, claim order
}

// With tokens everywhere, the actions take turns; put_back returns the task and its tokens;
// take_any ignores the limits (a probe); drain empties the pool.
TEST_F(EnginePool, TurnsPutBackAndDrain) {
    TaskPool pool(global_, limits_);
    pool.add(task(1, "Other"));
    pool.add(task(2, "Other"));
    pool.add(task(3, "Fast"));
    clock_.advance_ms(1);
    auto a = pool.take();
    clock_.advance_ms(1);
    auto b = pool.take();
    ASSERT_TRUE(a.task && b.task);
    EXPECT_NE(a.task->action, b.task->action);
    pool.put_back(std::move(*b.task));  // its tokens come back: it can go again at once
    EXPECT_EQ(pool.size(), 2u);
    auto again = pool.take();
    ASSERT_TRUE(again.task);
    auto probe = pool.take_any();
    ASSERT_TRUE(probe);
    EXPECT_EQ(pool.size(), 0u);
    pool.add(task(4, "Slow"));
    pool.add(task(5, "Fast"));
    EXPECT_EQ(pool.drain().size(), 2u);
    EXPECT_TRUE(pool.empty());
    EXPECT_FALSE(pool.take().task);
    EXPECT_EQ(pool.take().wait_ns, 0);
}

}  // namespace
}  // namespace qbi::engine
