#include "runner/sim/faults.h"

#include <algorithm>
#include <cstdio>

#include "runner/core/strings.h"
#include "runner/sim/det_random.h"

namespace qbi::sim {

namespace {

// Independent streams, one per kind of decision.
enum Stream : std::uint64_t {
    kRequestIdHigh = 1,
    kRequestIdLow = 2,
    kDrop = 3,
    kSlow = 4,
    kLatency = 5,
    kFailBase = 100,  // + index of the --fail rule
};

std::optional<std::int64_t> parse_int(std::string_view text) {
    if (text.empty() || text.size() > 15) return std::nullopt;
    std::int64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

bool valid_code(std::string_view code) {
    if (code.empty() || code.size() > 128) return false;
    for (char c : code)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            return false;
    return true;
}

}  // namespace

Result<double> parse_probability(std::string_view text, std::string_view flag) {
    const std::string s = trim(text);
    double p = -1;
    std::size_t used = 0;
    try {
        p = std::stod(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != s.size() || !(p >= 0.0 && p <= 1.0))
        return Error{kExitUsage,
                     std::string(flag) + ": expected a probability from 0 to 1, got '" + s + "'"};
    return p;
}

Result<FailRule> parse_fail_rule(std::string_view text) {
    const auto eq = text.rfind('=');
    if (eq == std::string_view::npos)
        return Error{kExitUsage,
                     "--fail: expected CODE=PROBABILITY or CODE@STATUS=PROBABILITY, "
                     "got '" +
                         std::string(text) + "'"};
    FailRule rule;
    std::string_view code = text.substr(0, eq);
    if (auto at = code.find('@'); at != std::string_view::npos) {
        const std::int64_t status = parse_int(code.substr(at + 1)).value_or(0);
        if (status < 100 || status > 599)
            return Error{kExitUsage, "--fail: HTTP status must be 100-599, got '" +
                                         std::string(code.substr(at + 1)) + "'"};
        rule.http_status = static_cast<int>(status);
        code = code.substr(0, at);
    }
    if (!valid_code(code))
        return Error{kExitUsage, "--fail: '" + std::string(code) + "' is not an error code"};
    rule.code = std::string(code);
    auto p = parse_probability(text.substr(eq + 1), "--fail " + rule.code);
    if (!p) return p.error();
    rule.probability = *p;
    return rule;
}

Result<std::pair<std::int64_t, std::int64_t>> parse_latency(std::string_view text) {
    const auto colon = text.find(':');
    auto ms = parse_int(text.substr(0, colon));
    auto jitter = colon == std::string_view::npos ? std::optional<std::int64_t>(0)
                                                  : parse_int(text.substr(colon + 1));
    if (!ms || !jitter)
        return Error{kExitUsage, "--latency: expected MS or MS:JITTER (milliseconds), got '" +
                                     std::string(text) + "'"};
    return std::make_pair(*ms, *jitter);
}

FaultPlan::FaultPlan(FaultOptions options, std::uint64_t seed)
    : options_(std::move(options)), seed_(seed) {}

std::optional<std::string> FaultPlan::halt(std::uint64_t seq) const {
    if (options_.halt_after > 0 && seq >= static_cast<std::uint64_t>(options_.halt_after))
        return options_.halt_code;
    return std::nullopt;
}

bool FaultPlan::drop(std::uint64_t seq) const {
    return options_.drop > 0 && unit(draw(seed_, kDrop, seq)) < options_.drop;
}

const FailRule* FaultPlan::fail(std::uint64_t seq) const {
    for (std::size_t i = 0; i < options_.fail.size(); ++i) {
        const FailRule& rule = options_.fail[i];
        if (rule.probability > 0 && unit(draw(seed_, kFailBase + i, seq)) < rule.probability)
            return &rule;
    }
    return nullptr;
}

bool FaultPlan::slow(std::uint64_t seq) const {
    return options_.slow_success > 0 && unit(draw(seed_, kSlow, seq)) < options_.slow_success;
}

std::int64_t FaultPlan::latency_ms(std::uint64_t seq) const {
    if (options_.jitter_ms <= 0) return options_.latency_ms;
    const std::uint64_t span = static_cast<std::uint64_t>(2 * options_.jitter_ms + 1);
    const std::int64_t offset =
        static_cast<std::int64_t>(draw(seed_, kLatency, seq) % span) - options_.jitter_ms;
    return std::max<std::int64_t>(0, options_.latency_ms + offset);
}

std::string FaultPlan::request_id(std::uint64_t seq) const {
    const std::uint64_t hi = draw(seed_, kRequestIdHigh, seq);
    const std::uint64_t lo = draw(seed_, kRequestIdLow, seq);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08llX-%04llX-%04llX-%04llX-%012llX",
                  static_cast<unsigned long long>(hi >> 32),
                  static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                  static_cast<unsigned long long>(hi & 0xFFFF),
                  static_cast<unsigned long long>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return buf;
}

bool QpsLimiter::admit(const std::string& action, std::int64_t now_ns) {
    if (limit_ <= 0) return true;
    // Integer accounting in billionths of a token: exact, so a client at exactly `limit_`
    // per second is never refused by rounding.
    constexpr std::int64_t kToken = 1000000000;
    const std::int64_t capacity = static_cast<std::int64_t>(limit_) * kToken;
    std::lock_guard lock(mutex_);
    auto [it, fresh] = buckets_.try_emplace(action);
    Bucket& b = it->second;
    if (fresh) {
        b.tokens = capacity;
        b.last_ns = now_ns;
    }
    // Ten seconds of refill already fills any bucket; clamping avoids overflow.
    const std::int64_t elapsed = std::clamp<std::int64_t>(now_ns - b.last_ns, 0, 10 * kToken);
    b.tokens = std::min(capacity, b.tokens + elapsed * limit_);
    b.last_ns = std::max(b.last_ns, now_ns);
    if (b.tokens < kToken) return false;
    b.tokens -= kToken;
    return true;
}

}  // namespace qbi::sim
