#include "runner/engine/idle_workers.h"

#include <algorithm>

namespace qbi::engine {

IdleWorkers::IdleWorkers(int workers) : cvs_(static_cast<std::size_t>(workers)) {
    stack_.reserve(cvs_.size());
}

void IdleWorkers::wait(Clock& clock, std::unique_lock<std::mutex>& lock, int id,
                       std::int64_t deadline_ns) {
    stack_.push_back(id);
    clock.wait_until_ns(lock, cvs_[static_cast<std::size_t>(id)], deadline_ns);
    // Still listed: not taken (the deadline, or a spurious wake-up); it takes itself off.
    if (auto it = std::find(stack_.begin(), stack_.end(), id); it != stack_.end())
        stack_.erase(it);
    else
        --taken_;
}

void IdleWorkers::take(int n, std::vector<int>& out) {
    for (; n > 0 && !stack_.empty(); --n) {
        out.push_back(stack_.back());
        stack_.pop_back();
        ++taken_;
    }
}

void IdleWorkers::notify(Clock& clock, const std::vector<int>& ids) {
    for (int id : ids) clock.notify_all(cvs_[static_cast<std::size_t>(id)]);
}

void IdleWorkers::notify_all(Clock& clock) {
    for (auto& cv : cvs_) clock.notify_all(cv);
}

}  // namespace qbi::engine
