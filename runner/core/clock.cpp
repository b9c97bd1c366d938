#include "runner/core/clock.h"

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace qbi {

namespace {

std::chrono::steady_clock::time_point steady_at(std::int64_t ns) {
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::nanoseconds(ns)));
}

std::int64_t floor_ms(std::int64_t ns) {
    std::int64_t ms = ns / 1000000;
    return ns % 1000000 < 0 ? ms - 1 : ms;
}

// The ManualClocks alive, so that a thread's exit never touches a destroyed one. Never
// destroyed themselves: threads may exit after static destruction began.
std::mutex& live_mutex() {
    static auto* m = new std::mutex;
    return *m;
}
std::set<const ManualClock*>& live_clocks() {
    static auto* s = new std::set<const ManualClock*>;
    return *s;
}

// Per thread: the ManualClocks it ran on, told when the thread exits.
struct ExitHook {
    std::vector<ManualClock*> clocks;
    ~ExitHook() {
        std::lock_guard lock(live_mutex());
        for (ManualClock* c : clocks)
            if (live_clocks().count(c)) c->thread_done();
    }
};
thread_local ExitHook exit_hook;

}  // namespace

std::int64_t SystemClock::wall_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t SystemClock::monotonic_ns() const {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

void SystemClock::sleep_until_ns(std::int64_t deadline_ns) {
    std::this_thread::sleep_until(steady_at(deadline_ns));
}

bool SystemClock::wait_until_ns(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                                std::int64_t deadline_ns) {
    if (deadline_ns == kNever) {
        cv.wait(lock);
        return true;
    }
    return cv.wait_until(lock, steady_at(deadline_ns)) == std::cv_status::no_timeout &&
           monotonic_ns() < deadline_ns;
}

SystemClock& SystemClock::instance() {
    static SystemClock clock;
    return clock;
}

ManualClock::ManualClock(std::int64_t wall_ms, std::int64_t mono_ns)
    : mono_(mono_ns), wall_offset_ms_(wall_ms - floor_ms(mono_ns)) {
    std::lock_guard lock(live_mutex());
    live_clocks().insert(this);
}

ManualClock::~ManualClock() {
    std::lock_guard lock(live_mutex());
    live_clocks().erase(this);
}

void ManualClock::thread_done() {
    std::lock_guard self(mu_);
    running_.erase(std::this_thread::get_id());
    try_advance_locked();
}

std::int64_t ManualClock::wall_ms() const {
    return wall_offset_ms_.load() + floor_ms(mono_.load());
}

std::list<ManualClock::Waiter>::iterator ManualClock::enter_locked(std::int64_t deadline_ns,
                                                                   std::condition_variable* cv) {
    running_.erase(std::this_thread::get_id());
    return waiters_.insert(waiters_.end(), Waiter{deadline_ns, cv, false});
}

void ManualClock::run_locked() {
    running_[std::this_thread::get_id()] = std::chrono::steady_clock::now();
    if (std::find(exit_hook.clocks.begin(), exit_hook.clocks.end(), this) == exit_hook.clocks.end())
        exit_hook.clocks.push_back(this);
}

void ManualClock::leave_locked(std::list<Waiter>::iterator me) {
    waiters_.erase(me);
    run_locked();
}

void ManualClock::attach() {
    std::lock_guard self(mu_);
    run_locked();
}

void ManualClock::advance_locked(std::int64_t to_ns) {
    if (to_ns <= mono_.load()) return;
    mono_.store(to_ns);
    for (Waiter& w : waiters_) {
        if (w.deadline_ns <= to_ns && !w.woken) {
            w.woken = true;
            w.cv->notify_all();
        }
    }
}

void ManualClock::try_advance_locked() {
    const auto now = std::chrono::steady_clock::now();
    for (auto it = running_.begin(); it != running_.end();) {
        if (now - it->second < hold_limit_) return;  // someone runs: time stands still
        it = running_.erase(it);                     // presumed gone
    }
    std::int64_t earliest = kNever;
    for (const Waiter& w : waiters_) {
        if (w.woken) return;  // about to run
        earliest = std::min(earliest, w.deadline_ns);
    }
    if (earliest != kNever) advance_locked(earliest);
}

void ManualClock::sleep_until_ns(std::int64_t deadline_ns) {
    std::unique_lock self(mu_);
    auto me = enter_locked(deadline_ns, &sleep_cv_);
    try_advance_locked();
    while (mono_.load() < deadline_ns) {
        if (sleep_cv_.wait_for(self, poll_) == std::cv_status::timeout) try_advance_locked();
    }
    leave_locked(me);
}

bool ManualClock::wait_until_ns(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                                std::int64_t deadline_ns) {
    // Lock order: the caller's mutex, then mu_ (nothing here blocks while holding mu_).
    std::unique_lock self(mu_);
    auto me = enter_locked(deadline_ns, &cv);
    try_advance_locked();
    if (mono_.load() < deadline_ns && !me->woken) {
        const auto poll = poll_;
        self.unlock();
        const bool notified = cv.wait_for(lock, poll) == std::cv_status::no_timeout;
        self.lock();
        if (!notified && !me->woken) try_advance_locked();
    }
    const bool before_deadline = mono_.load() < deadline_ns;
    leave_locked(me);
    return before_deadline;
}

void ManualClock::notify_all(std::condition_variable& cv) {
    {
        std::lock_guard self(mu_);
        for (Waiter& w : waiters_)
            if (w.cv == &cv) w.woken = true;
    }
    cv.notify_all();
}

void ManualClock::advance_ms(std::int64_t ms) {
    std::lock_guard self(mu_);
    advance_locked(mono_.load() + ms * 1000000);
}

void ManualClock::advance_to_ns(std::int64_t mono_ns) {
    std::lock_guard self(mu_);
    advance_locked(mono_ns);
}

void ManualClock::set_wall_ms(std::int64_t ms) {
    wall_offset_ms_.store(ms - floor_ms(mono_.load()));
}

void ManualClock::set_real_timing(std::chrono::microseconds poll,
                                  std::chrono::microseconds hold_limit) {
    std::lock_guard self(mu_);
    poll_ = poll;
    hold_limit_ = hold_limit;
}

std::size_t ManualClock::waiting() const {
    std::lock_guard self(mu_);
    return waiters_.size();
}

}  // namespace qbi
