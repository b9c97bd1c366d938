#pragma once
// The Alibaba Cloud API gateway in front of the simulated Quick BI: routes a request to an
// action and authenticates it under either signature scheme (quickbi-api.md §4).
//
// Contract: authenticate() answers either an Authenticated request or the gateway's error
// code (with the argument for its message). Checks run in this order, the first failure
// answering (documented in README.md, "qbi-sim"):
//   method (GET/POST) -> parameters parse -> scheme (Authorization: ACS3-HMAC-SHA256 => V3,
//   else V1) -> presence of the common parameters -> Action known -> Version 2022-01-01 ->
//   signature method -> timestamp format -> timestamp within the skew window ->
//   AccessKeyId known (long-term, or temporary and not expired: InvalidSecurityToken.Expired)
//   -> STS token -> signature (recomputed from the received request with the
//   shared canonicalisation of runner/api/signer.h, compared in constant time) -> nonce unused.
// A nonce is remembered (per AccessKeyId) only once its request passed every other check, for
// the nonce window (15 minutes by default) of the injected clock.
// Thread-safety: Gateway is safe to share; the nonce memory is guarded by nonce_mutex_, the
// rest is immutable after construction.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runner/api/credentials.h"
#include "runner/api/signer.h"
#include "runner/core/clock.h"

namespace qbi::sim {

// One HTTP request as the server received it.
struct SimRequest {
    std::string method;  // "GET", "POST", ...
    std::string path;    // without the query, e.g. "/"
    std::string query;   // raw (percent-encoded) query string, without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // as received
    std::string body;

    // Case-insensitive header lookup; nullptr if absent.
    const std::string* header(std::string_view name) const;
};

struct Authenticated {
    SignatureScheme scheme = SignatureScheme::V3;
    std::string action;
    std::string access_key_id;
    bool xml = false;  // V1 with Format=XML (or no Format): answer in XML
    Params params;     // the action's (business) parameters
};

struct GatewayError {
    std::string code;
    std::string arg;  // for the message's %s
};

struct GatewayResult {
    bool ok = false;
    Authenticated request;  // when ok
    GatewayError error;     // when !ok
    // Known even for most errors, for the request log: the action named and the scheme used.
    std::string action;
    std::string scheme;  // "v1", "v3" or ""
    Params params;       // business parameters, when they could be parsed
    bool xml = false;
};

struct GatewayOptions {
    std::int64_t max_skew_ms = 15 * 60 * 1000;      // InvalidTimeStamp.Expired beyond this
    std::int64_t nonce_window_ms = 15 * 60 * 1000;  // SignatureNonceUsed within this
    std::string version = kQuickBiVersion;
};

// The temporary credentials issued by the simulated STS and metadata service (sts.h), shared
// by the gateways: accepted with their SecurityToken until they expire, then refused with
// InvalidSecurityToken.Expired. Thread-safety: guarded by its mutex.
class TemporaryKeys {
public:
    void add(const Credentials& c, std::int64_t expires_ms);
    // The credentials of `id` and their expiry (epoch ms), if issued.
    std::optional<std::pair<Credentials, std::int64_t>> find(const std::string& id) const;
    // Every one issued (for tests: their secrets must appear nowhere).
    std::vector<Credentials> all() const;

private:
    mutable std::mutex mu_;
    std::map<std::string, std::pair<Credentials, std::int64_t>> keys_;  // guarded by mu_
};

class Gateway {
public:
    // `credentials`: the AccessKey pairs accepted; an entry with a security_token is an STS
    // credential whose requests must carry exactly that token. `actions`: the known actions.
    // `temporary` (may be null): issued temporary credentials, also accepted.
    Gateway(std::vector<Credentials> credentials, std::vector<std::string> actions,
            const Clock& clock, GatewayOptions options = {},
            std::shared_ptr<const TemporaryKeys> temporary = nullptr);

    GatewayResult authenticate(const SimRequest& req);

    // Nonces currently remembered (for tests and /__sim/stats).
    std::size_t remembered_nonces() const;

private:
    bool known_action(const std::string& action) const;
    // Remembers the nonce; false if it was already remembered within the window.
    bool remember_nonce(const std::string& access_key_id, const std::string& nonce);

    std::map<std::string, Credentials> credentials_;
    std::shared_ptr<const TemporaryKeys> temporary_;
    std::vector<std::string> actions_;
    const Clock& clock_;
    GatewayOptions options_;

    mutable std::mutex nonce_mutex_;
    std::unordered_set<std::uint64_t> nonces_;                   // guarded by nonce_mutex_
    std::deque<std::pair<std::int64_t, std::uint64_t>> expiry_;  // guarded by nonce_mutex_
};

// Parses "k=v&k=v" (percent-decoding, '+' as space as servlet containers do); the first of
// repeated names wins. nullopt on a malformed escape.
std::optional<Params> parse_query(std::string_view query);

// Constant-time comparison of two strings (length leaks, content does not).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace qbi::sim
