#pragma once
// Fault injection for the simulator (design §8): error codes by probability, a per-action QPS
// limit, latency with jitter, dropped connections, slow successes and a halt after N requests.
//
// Contract: every decision for a request is a pure function of (options, seed, the request's
// sequence number, 1-based in arrival order), each fault kind drawing from its own stream: the
// same seed and flags give the same faults to the n-th request, and adding one fault flag does
// not change the decisions of another. (With concurrent clients, which request is the n-th
// depends on arrival order; the sequence of decisions does not.)
// Thread-safety: FaultPlan is immutable after construction and safe to share. QpsLimiter is
// safe to share (guarded by its mutex).
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/result.h"

namespace qbi::sim {

struct FailRule {
    std::string code;
    int http_status = 0;  // 0: the catalogue's status for the code
    double probability = 0;
};

struct FaultOptions {
    std::vector<FailRule> fail;          // --fail CODE[@STATUS]=P, checked in order
    int qps_limit = 0;                   // --qps-limit N per action; 0 = none
    std::int64_t latency_ms = 0;         // --latency MS[:JITTER]
    std::int64_t jitter_ms = 0;          //   delay uniform in [MS-JITTER, MS+JITTER], >= 0
    double drop = 0;                     // --drop P
    double slow_success = 0;             // --slow-success P
    std::int64_t slow_delay_ms = 30000;  // --slow-delay MS: how late a slow success answers
    std::int64_t halt_after = 0;         // --halt-after N CODE: from request N on; 0 = never
    std::string halt_code;

    bool any() const {
        return !fail.empty() || qps_limit > 0 || latency_ms > 0 || jitter_ms > 0 || drop > 0 ||
               slow_success > 0 || halt_after > 0;
    }
};

// Parsers for the flag values; errors name the flag and the expected form.
Result<FailRule> parse_fail_rule(std::string_view text);  // "CODE=P", "CODE@503=P"
Result<double> parse_probability(std::string_view text, std::string_view flag);
// "MS" or "MS:JITTER"
Result<std::pair<std::int64_t, std::int64_t>> parse_latency(std::string_view text);

class FaultPlan {
public:
    FaultPlan(FaultOptions options, std::uint64_t seed);

    const FaultOptions& options() const { return options_; }
    // The halt code from request `halt_after` on.
    std::optional<std::string> halt(std::uint64_t seq) const;
    bool drop(std::uint64_t seq) const;
    // The first --fail rule that fires for this request.
    const FailRule* fail(std::uint64_t seq) const;
    bool slow(std::uint64_t seq) const;
    // Latency plus jitter for this request (0 without --latency).
    std::int64_t latency_ms(std::uint64_t seq) const;

    // UUID-shaped upper-case RequestId of request `seq` ("9E24E787-2531-5831-B6E2-...").
    std::string request_id(std::uint64_t seq) const;

private:
    FaultOptions options_;
    std::uint64_t seed_;
};

// Token bucket per action: `limit` requests per second with a burst of `limit` (a client that
// never sends more than `limit` in any second window is never refused).
class QpsLimiter {
public:
    explicit QpsLimiter(int limit) : limit_(limit) {}
    // True if the request may pass at monotonic time `now_ns`.
    bool admit(const std::string& action, std::int64_t now_ns);

private:
    struct Bucket {
        std::int64_t tokens = 0;  // billionths of a token
        std::int64_t last_ns = 0;
    };
    int limit_;
    std::mutex mutex_;
    std::map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace qbi::sim
