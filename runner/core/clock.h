#pragma once
// Time, injected. Wall time (epoch milliseconds, UTC) is what gets stored and signed;
// monotonic time is what timeouts, leases' local deadlines and rate limits measure. Every
// timed wait of library code goes through a Clock (sleep_until_ns, wait_until_ns), so a test
// can run timing logic on a ManualClock.
//
// Thread-safety: SystemClock is stateless and safe to share. ManualClock is safe to share: a
// test thread may advance it while workers read it and wait on it (its state is guarded by
// its mutex; the time itself is an atomic).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <list>
#include <map>
#include <mutex>
#include <thread>

namespace qbi {

class Clock {
public:
    // A deadline that never comes: wait_until_ns(lock, cv, kNever, ready) waits for `ready`.
    static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

    virtual ~Clock() = default;
    // Milliseconds since the Unix epoch, UTC.
    virtual std::int64_t wall_ms() const = 0;
    // Nanoseconds on a clock that never goes backwards; the origin is arbitrary.
    virtual std::int64_t monotonic_ns() const = 0;
    // Blocks until monotonic_ns() >= deadline_ns (returns at once if it already is).
    virtual void sleep_until_ns(std::int64_t deadline_ns) = 0;
    // std::condition_variable::wait_until on this clock: `lock` must hold the mutex that
    // guards what the waiter waits for (the notifier changes that state under it); it is
    // released while waiting and held again on return. Returns true when woken (by a notify,
    // or spuriously), false once monotonic_ns() >= deadline_ns (a timeout).
    virtual bool wait_until_ns(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                               std::int64_t deadline_ns) = 0;
    // Wakes every wait_until_ns on `cv`. Code whose waits go through a Clock notifies through
    // it too, so a ManualClock knows those waiters are about to run.
    virtual void notify_all(std::condition_variable& cv) { cv.notify_all(); }

    // Blocks for `ms` of this clock's time (none if ms <= 0).
    void sleep_ms(std::int64_t ms) {
        if (ms > 0) sleep_until_ns(monotonic_ns() + ms * 1000000);
    }
    // Waits until `ready()` (checked with `lock` held) or the deadline; returns ready().
    template <class Ready>
    bool wait_until_ns(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                       std::int64_t deadline_ns, Ready ready) {
        while (!ready()) {
            if (!wait_until_ns(lock, cv, deadline_ns)) return ready();
        }
        return true;
    }
};

class SystemClock final : public Clock {
public:
    using Clock::wait_until_ns;
    std::int64_t wall_ms() const override;
    std::int64_t monotonic_ns() const override;
    void sleep_until_ns(std::int64_t deadline_ns) override;
    bool wait_until_ns(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                       std::int64_t deadline_ns) override;
    // A process-wide instance, for mains; library code takes a Clock& instead.
    static SystemClock& instance();
};

// A clock that moves only when told to (advance_ms, advance_to_ns), or when every thread that
// uses it waits on it: reproducible tests of backoff, leases and signatures, and engine tests
// that simulate minutes of clock time in milliseconds of real time.
//
// - wall_ms() and monotonic_ns() move together: an advance adds the same time to both
//   (set_wall_ms() moves the wall clock alone, e.g. to simulate skew).
// - advance_ms() adds; advance_to_ns() moves to max(now, t). Both wake the waits whose
//   deadline has come.
// - A wait (sleep_until_ns, wait_until_ns) whose deadline has passed returns at once.
//   Otherwise it registers its deadline. A thread that returned from a wait RUNS until it
//   waits on the clock again; a notify_all() through the clock makes the waits it wakes run
//   at once; an advance makes the waits whose deadline came run.
// - Whenever no thread runs, time jumps to the EARLIEST registered deadline, and exactly the
//   waits with that deadline wake. So time passes only while everyone waits, from deadline to
//   deadline in order, never past one some thread is waiting for; concurrent sleepers overlap
//   instead of adding up (two threads that each sleep 50 ms from t both wake at t + 50 ms);
//   and a jump costs no real time.
// - A wait_until_ns returns (spuriously) after at most the poll interval of real time (1 ms
//   by default), as condition variables may; that is also how a wait with no deadline
//   (kNever) re-checks a condition nobody notifies. sleep_until_ns never returns early.
// - Caveats: a thread that never waits on the clock (nor attach()es) is invisible to it:
//   its work does not hold time back, and a plain cv.notify_all() it sends may be overtaken
//   by a jump. A thread that exits stops holding time (thread_done() runs then). One that
//   runs longer than the hold limit (100 ms of real time by default) without waiting again
//   is presumed blocked on something else and stops holding time too; if it was merely
//   slow, time may have moved while it ran.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t wall_ms = 1700000000000, std::int64_t mono_ns = 0);
    ~ManualClock() override;
    ManualClock(const ManualClock&) = delete;
    ManualClock& operator=(const ManualClock&) = delete;
    using Clock::wait_until_ns;
    std::int64_t wall_ms() const override;
    std::int64_t monotonic_ns() const override { return mono_.load(); }
    void sleep_until_ns(std::int64_t deadline_ns) override;
    bool wait_until_ns(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                       std::int64_t deadline_ns) override;
    void notify_all(std::condition_variable& cv) override;

    void advance_ms(std::int64_t ms);
    void advance_to_ns(std::int64_t mono_ns);
    void set_wall_ms(std::int64_t ms);
    // Real-time parameters (see above); the defaults suit most tests.
    void set_real_timing(std::chrono::microseconds poll, std::chrono::microseconds hold_limit);
    // How many waits are registered on this clock now.
    std::size_t waiting() const;
    // The calling thread takes part from now on: it runs (holds time) until it next waits on
    // the clock. A thread counts only from its first wait otherwise, so a test thread that
    // drives other clock users (e.g. calls Engine::run) attaches first.
    void attach();
    // The calling thread no longer uses this clock (it stops holding time). Called by itself
    // when a thread that waited on the clock (or attached) exits.
    void thread_done();

private:
    using RealTime = std::chrono::steady_clock::time_point;
    struct Waiter {
        std::int64_t deadline_ns;
        std::condition_variable* cv;
        bool woken;  // made to run (by an advance or a notify) and not yet returned
    };
    std::list<Waiter>::iterator enter_locked(std::int64_t deadline_ns, std::condition_variable* cv);
    void leave_locked(std::list<Waiter>::iterator me);
    void run_locked();                        // the calling thread runs
    void advance_locked(std::int64_t to_ns);  // wakes the waits whose deadline came
    void try_advance_locked();                // if nothing runs: to the earliest deadline

    std::atomic<std::int64_t> mono_;
    std::atomic<std::int64_t> wall_offset_ms_;  // wall_ms() = offset + mono_ / 1e6
    mutable std::mutex mu_;
    std::condition_variable sleep_cv_;              // sleepers wait here, under mu_
    std::list<Waiter> waiters_;                     // guarded by mu_: registered waits
    std::map<std::thread::id, RealTime> running_;   // guarded by mu_: since when each runs
    std::chrono::microseconds poll_{1000};          // guarded by mu_
    std::chrono::microseconds hold_limit_{100000};  // guarded by mu_
};

}  // namespace qbi
