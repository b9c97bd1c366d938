#include "runner/engine/task_pool.h"

#include <algorithm>

namespace qbi::engine {

RateLimiter* TaskPool::limit_of(const std::string& action) const {
    auto it = action_limits_.find(action);
    return it == action_limits_.end() ? nullptr : it->second.get();
}

void TaskPool::add(queue::ClaimedTask task) {
    std::string action = task.action;
    queues_[action].push_back(std::move(task));
    ++size_;
}

void TaskPool::put_back(queue::ClaimedTask task) {
    if (RateLimiter* l = limit_of(task.action)) l->refund();
    global_.refund();
    std::string action = task.action;
    queues_[action].push_front(std::move(task));
    ++size_;
}

std::size_t TaskPool::size(const std::string& action) const {
    auto it = queues_.find(action);
    return it == queues_.end() ? 0 : it->second.size();
}

TaskPool::Pick TaskPool::take() {
    Pick p;
    if (size_ == 0) return p;
    // Round robin: start with the first action after the one picked last.
    auto start = queues_.upper_bound(last_action_);
    std::int64_t soonest = -1;
    for (std::size_t n = 0; n < queues_.size(); ++n, ++start) {
        if (start == queues_.end()) start = queues_.begin();
        RateLimiter* own = limit_of(start->first);
        std::int64_t wait = own ? own->try_acquire() : 0;
        if (wait == 0) {
            wait = global_.try_acquire();
            if (wait != 0 && own) own->refund();
        }
        if (wait != 0) {
            soonest = soonest < 0 ? wait : std::min(soonest, wait);
            continue;
        }
        last_action_ = start->first;
        p.task = std::move(start->second.front());
        start->second.pop_front();
        if (start->second.empty()) queues_.erase(start);
        --size_;
        return p;
    }
    p.wait_ns = std::max<std::int64_t>(1, soonest);
    return p;
}

std::optional<queue::ClaimedTask> TaskPool::take_any() {
    if (size_ == 0) return std::nullopt;
    // The earliest claimed: the smallest task id among the queue heads.
    auto best = queues_.begin();
    for (auto it = queues_.begin(); it != queues_.end(); ++it)
        if (it->second.front().task_id < best->second.front().task_id) best = it;
    queue::ClaimedTask t = std::move(best->second.front());
    best->second.pop_front();
    if (best->second.empty()) queues_.erase(best);
    --size_;
    return t;
}

std::vector<queue::ClaimedTask> TaskPool::drain() {
    std::vector<queue::ClaimedTask> out;
    out.reserve(size_);
    for (auto& [action, q] : queues_)
        for (auto& t : q) out.push_back(std::move(t));
    queues_.clear();
    size_ = 0;
    return out;
}

}  // namespace qbi::engine
