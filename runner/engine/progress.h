#pragma once
// Live counters the engine updates and the CLI reads for its progress line and STATUS=.
// Thread-safety: every field is an atomic; readers may see a mix of slightly different
// moments, which is fine for display.
#include <atomic>
#include <cstdint>

namespace qbi::engine {

struct Progress {
    std::atomic<std::int64_t> total{0};            // tasks to settle in this run (at start)
    std::atomic<std::int64_t> done{0};             // succeeded: done
    std::atomic<std::int64_t> already_absent{0};   // succeeded: already absent
    std::atomic<std::int64_t> retried{0};          // retryable attempts queued again
    std::atomic<std::int64_t> failed{0};           // failed permanently or out of attempts
    std::atomic<std::int64_t> halted_attempts{0};  // attempts answered with a halt class
    std::atomic<std::int64_t> throttled{0};        // attempts answered with Throttling*
    std::atomic<std::int64_t> in_flight{0};
    std::atomic<std::int64_t> attempts{0};     // every attempt recorded
    std::atomic<std::int64_t> interrupted{0};  // calls abandoned at a stop (after the grace)

    std::int64_t settled() const { return done + already_absent + failed; }
};

}  // namespace qbi::engine
