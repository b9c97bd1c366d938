#include "runner/engine/backoff.h"

#include <algorithm>

namespace qbi::engine {

std::int64_t backoff_ceiling_ms(const BackoffPolicy& p, int attempt) {
    if (attempt < 1) attempt = 1;
    std::int64_t ceiling = p.base_ms;
    for (int i = 1; i < attempt && ceiling < p.cap_ms; ++i) ceiling *= 2;
    return std::min(ceiling, p.cap_ms);
}

std::int64_t backoff_delay_ms(const BackoffPolicy& p, int attempt, Random& random) {
    return random.between(0, backoff_ceiling_ms(p, attempt));
}

}  // namespace qbi::engine
