#pragma once
// An adaptive limit on the calls in flight (a latency gradient): `workers` is the most calls
// the engine may have out, and this is how many help. More calls than the endpoint (or the
// machine) can serve at once only queue: each takes longer, none finishes sooner, and dozens of
// threads on both sides cost CPU. So the limit follows the ratio of the unloaded round trip to
// the current one:
//
//   every window (50 ms, at least 10 answers):
//     rtt      = the mean latency of the window's answers
//     noload   = the smallest latency of the last 20 windows
//     gradient = clamp(2 * noload / rtt, 0.25, 1)      (up to 2x queueing is tolerated)
//     limit    = limit * gradient + sqrt(limit), within [min, max]
//              = limit * 2 instead, while nothing has queued yet (slow start)
//
// It starts at min(max, kInitial) and doubles every window until a window shows queueing
// (gradient < 1); from then on it moves by the formula. It grows only after a window in which
// the calls out reached it (a trickle of tasks, or a rate limit, that keeps one call out does
// not raise it to `max`, to release a burst of calls when the backlog comes). Far from the endpoint
// (50 ms round trips) the gradient stays 1: 64 workers are all in use after two windows (100 ms),
// and the limit stays at `max`. On loopback with no latency, where two cores serve everything, it
// settles at a handful of calls without first sending `max` at once: 64 workers then cost
// what 8 do (no burst of 64 connections, TLS handshakes and threads for the first windows).
// The gradient may cut as deep as a quarter per window, so a limit that is far too high (the
// endpoint slowed down 4x or more) comes down in a few windows.
//
// It changes only in update(), which the engine's writer calls: workers over the limit park
// until the writer, seeing update() return true, wakes them.
//
// Thread-safety: all members are safe from any thread (guarded by mutex_).
#include <array>
#include <cstdint>
#include <mutex>

namespace qbi::engine {

class ConcurrencyLimit {
public:
    static constexpr std::int64_t kWindowNs = 50 * 1000000;
    static constexpr int kMinAnswers = 10;
    static constexpr std::size_t kNoloadWindows = 20;
    static constexpr int kInitial = 16;

    explicit ConcurrencyLimit(int max, int min = 4, int initial = kInitial);

    // A call answered after `latency_ns`; `calls_out`: the calls out when it was sent, itself
    // included.
    void on_answer(std::int64_t latency_ns, int calls_out);
    // Closes the window if it is due (monotonic `now_ns`); returns true if the limit changed.
    bool update(std::int64_t now_ns);
    int limit() const;

private:
    const int max_;
    const int min_;
    mutable std::mutex mutex_;
    double limit_;                                     // guarded by mutex_
    bool slow_start_ = true;                           // guarded by mutex_: nothing queued yet
    std::int64_t window_start_ns_ = -1;                // guarded by mutex_
    std::int64_t sum_ns_ = 0;                          // guarded by mutex_
    std::int64_t count_ = 0;                           // guarded by mutex_
    std::int64_t window_min_ns_ = 0;                   // guarded by mutex_
    int window_peak_ = 0;                              // guarded by mutex_: most calls out
    std::array<std::int64_t, kNoloadWindows> mins_{};  // guarded by mutex_: ring of window minima
    std::size_t next_min_ = 0;                         // guarded by mutex_
    std::size_t mins_seen_ = 0;                        // guarded by mutex_
};

}  // namespace qbi::engine
