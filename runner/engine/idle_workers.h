#pragma once
// The workers waiting for something to do, woken as many as there is work for, the most
// recently idle first.
//
// A worker with nothing it may send now (no task, no free journal slot, the concurrency limit
// reached, no rate token yet) waits on a condition variable of its own and is listed here. A
// waker takes the number of workers it has work for off the top of the list (a stack) and
// notifies just those. So the same few threads, their caches and their connections warm, make
// the calls, and the workers the concurrency limit keeps out sleep through the run: with 64
// workers on loopback (a limit of about 5), waking every waiting worker for each claim, and
// every parked one at each change of the limit, woke dozens of threads that found nothing and
// waited again, and spread the calls over many threads and connections on both sides.
//
// Contract: a worker taken off the list by take() is notified by the notify() that follows;
// a worker that wakes while still listed (its deadline passed, or spuriously) takes itself off.
// Waking a worker that then finds nothing to do is harmless: it waits again, on top.
//
// Thread-safety: wait(), take() and waiting() are called under the engine's mu (the mutex
// wait() releases); notify() and notify_all() may be called with or without it.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "runner/core/clock.h"

namespace qbi::engine {

class IdleWorkers {
public:
    explicit IdleWorkers(int workers);

    // Under mu (held by `lock`): waits as worker `id` (0 <= id < workers) until it is taken and
    // notified, until `deadline_ns` (monotonic; Clock::kNever for none) or spuriously. Returns
    // with mu held and `id` no longer listed.
    void wait(Clock& clock, std::unique_lock<std::mutex>& lock, int id, std::int64_t deadline_ns);
    // Under mu: moves up to `n` listed workers, the most recently listed first, to `out`.
    void take(int n, std::vector<int>& out);
    // Under mu: how many workers are listed.
    int waiting() const { return static_cast<int>(stack_.size()); }
    // Under mu: how many were taken and have not yet run (a waker counts them as busy).
    int taken() const { return taken_; }
    // Wakes the workers `ids` (from take()).
    void notify(Clock& clock, const std::vector<int>& ids);
    // Wakes every worker, listed or not (a stop: each looks at the flags it waits on).
    void notify_all(Clock& clock);

private:
    std::vector<std::condition_variable> cvs_;  // one per worker, fixed (never resized)
    std::vector<int> stack_;  // guarded by mu: the listed workers, the most recent last
    int taken_ = 0;           // guarded by mu: taken off the list, not yet back from wait()
};

}  // namespace qbi::engine
