#pragma once
// Retry delays: exponential backoff with full jitter (design §5). Pure given the Random.
// Thread-safety: as safe as the Random passed in (SeededRandom is internally locked).
#include <cstdint>

#include "runner/core/random.h"

namespace qbi::engine {

struct BackoffPolicy {
    std::int64_t base_ms = 1000;
    std::int64_t cap_ms = 300000;
};

// The ceiling for the n-th retry (n >= 1): min(cap, base * 2^(n-1)).
std::int64_t backoff_ceiling_ms(const BackoffPolicy& p, int attempt);

// A delay drawn uniformly from [0, ceiling] ("full jitter"): spreads the retries of many
// tasks that failed together so they do not return in a herd.
std::int64_t backoff_delay_ms(const BackoffPolicy& p, int attempt, Random& random);

}  // namespace qbi::engine
