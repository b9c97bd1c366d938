#include "runner/engine/idle_workers.h"

#include <algorithm>

namespace qbi::engine {

IdleWorkers::IdleWorkers(int workers)
    : cvs_(std::make_unique<std::condition_variable[]>(static_cast<std::size_t>(workers))),
      workers_(workers),
      listed_(static_cast<std::size_t>(workers), 0) {
    stack_.reserve(static_cast<std::size_t>(workers));
}

void IdleWorkers::wait(Clock& clock, std::unique_lock<std::mutex>& lock, int id,
                       std::int64_t deadline_ns) {
    const auto i = static_cast<std::size_t>(id);
    stack_.push_back(id);
    listed_[i] = 1;
    clock.wait_until_ns(lock, cvs_[i], deadline_ns);
    if (listed_[i]) {  // not taken: the deadline, or a spurious wake-up
        listed_[i] = 0;
        stack_.erase(std::find(stack_.begin(), stack_.end(), id));
    } else {
        --taken_;
    }
}

void IdleWorkers::take(int n, std::vector<int>& out) {
    for (; n > 0 && !stack_.empty(); --n) {
        const int id = stack_.back();
        stack_.pop_back();
        listed_[static_cast<std::size_t>(id)] = 0;
        out.push_back(id);
        ++taken_;
    }
}

void IdleWorkers::notify(Clock& clock, const std::vector<int>& ids) {
    for (int id : ids) clock.notify_all(cvs_[static_cast<std::size_t>(id)]);
}

void IdleWorkers::notify_all(Clock& clock) {
    for (int i = 0; i < workers_; ++i) clock.notify_all(cvs_[static_cast<std::size_t>(i)]);
}

}  // namespace qbi::engine
