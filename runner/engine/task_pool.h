#pragma once
// The claimed tasks waiting for a worker, by action, and the choice of the next one to send.
//
// Contract: take() hands out a task only when its action's rate limit (if any) and the global
// one both have a token now, and takes those tokens; among the actions that can go, it goes
// round robin. So an action that is waiting for tokens never holds up another one (no
// head-of-line blocking: 40,000 QueryShareList calls at their own rate do not delay the
// ListCollections behind them), and a worker never sits on a task it cannot send yet. Within one
// action, tasks go in claim order (due order).
//
// Thread-safety: none of its own; the engine guards it with its mu. The RateLimiters it is
// given lock themselves (lock order: the engine's mu, then a limiter's).
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runner/engine/rate_limiter.h"
#include "runner/queue/types.h"

namespace qbi::engine {

class TaskPool {
public:
    // `actions` may lack an action (no limit of its own); both must outlive the pool.
    TaskPool(RateLimiter& global,
             const std::map<std::string, std::unique_ptr<RateLimiter>>& actions)
        : global_(global), action_limits_(actions) {}

    void add(queue::ClaimedTask task);
    // Puts a task taken by take() back at the front of its action's queue and returns its tokens
    // (the worker could not send it after all).
    void put_back(queue::ClaimedTask task);
    std::size_t size() const { return size_; }
    std::size_t size(const std::string& action) const;
    bool empty() const { return size_ == 0; }

    struct Pick {
        std::optional<queue::ClaimedTask> task;  // taken, with its tokens
        std::int64_t wait_ns = 0;  // no task: nanoseconds until one may go (0: the pool is empty)
    };
    Pick take();
    // The first task in claim order, ignoring rate limits (a probe, which must go now).
    std::optional<queue::ClaimedTask> take_any();
    // Everything still waiting (a stop or a halt gives it back to the queue).
    std::vector<queue::ClaimedTask> drain();

private:
    RateLimiter* limit_of(const std::string& action) const;

    RateLimiter& global_;
    const std::map<std::string, std::unique_ptr<RateLimiter>>& action_limits_;
    std::map<std::string, std::deque<queue::ClaimedTask>> queues_;  // non-empty ones only
    std::size_t size_ = 0;
    std::string last_action_;  // round robin: the next pick starts after this action
};

}  // namespace qbi::engine
