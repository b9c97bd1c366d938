#include "runner/sim/gateway.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "runner/core/hash.h"
#include "runner/core/percent.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::sim {

namespace {

// V1 parameters that are not the action's own.
const std::vector<std::string>& v1_common() {
    static const std::vector<std::string> names = {
        "Action",           "Version",        "Format",    "AccessKeyId",   "SignatureMethod",
        "SignatureVersion", "SignatureNonce", "Timestamp", "SecurityToken", "Signature",
    };
    return names;
}

const std::string* find(const Params& p, const std::string& name) {
    auto it = p.find(name);
    return it == p.end() ? nullptr : &it->second;
}

// "yyyy-MM-ddTHH:mm:ssZ" exactly, as both schemes require.
bool well_formed_timestamp(const std::string& s) {
    static const char* shape = "dddd-dd-ddTdd:dd:ddZ";
    if (s.size() != 20) return false;
    for (std::size_t i = 0; i < 20; ++i) {
        if (shape[i] == 'd') {
            if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        } else if (s[i] != shape[i]) {
            return false;
        }
    }
    return parse_rfc3339(s).has_value();
}

GatewayResult fail(GatewayResult r, std::string code, std::string arg = "") {
    r.ok = false;
    r.error = GatewayError{std::move(code), std::move(arg)};
    return r;
}

// The parts of "ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..".
struct V3Authorization {
    std::string credential, signed_headers, signature;
};

bool parse_v3_authorization(std::string_view rest, V3Authorization& out) {
    for (const auto& raw : split(rest, ',')) {
        const std::string part = trim(raw);
        const auto eq = part.find('=');
        if (eq == std::string::npos) return false;
        const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
        if (key == "Credential")
            out.credential = value;
        else if (key == "SignedHeaders")
            out.signed_headers = value;
        else if (key == "Signature")
            out.signature = value;
        else
            return false;
    }
    return !out.credential.empty() && !out.signed_headers.empty() && !out.signature.empty();
}

}  // namespace

const std::string* SimRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals_ascii(k, name)) return &v;
    return nullptr;
}

std::optional<Params> parse_query(std::string_view query) {
    Params out;
    if (query.empty()) return out;
    for (const auto& pair : split(query, '&')) {
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        if (!name) return std::nullopt;
        std::optional<std::string> value = std::string();
        if (eq != std::string::npos) value = percent_decode(pair.substr(eq + 1), true);
        if (!value) return std::nullopt;
        out.emplace(std::move(*name), std::move(*value));
    }
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

void TemporaryKeys::add(const Credentials& c, std::int64_t expires_ms) {
    std::lock_guard lock(mu_);
    keys_[c.access_key_id] = {c, expires_ms};
}

std::optional<std::pair<Credentials, std::int64_t>> TemporaryKeys::find(
    const std::string& id) const {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
}

std::vector<Credentials> TemporaryKeys::all() const {
    std::lock_guard lock(mu_);
    std::vector<Credentials> out;
    for (const auto& [id, entry] : keys_) out.push_back(entry.first);
    return out;
}

Gateway::Gateway(std::vector<Credentials> credentials, std::vector<std::string> actions,
                 const Clock& clock, GatewayOptions options,
                 std::shared_ptr<const TemporaryKeys> temporary)
    : temporary_(std::move(temporary)),
      actions_(std::move(actions)),
      clock_(clock),
      options_(std::move(options)) {
    for (auto& c : credentials) credentials_.emplace(c.access_key_id, std::move(c));
}

bool Gateway::known_action(const std::string& action) const {
    return std::find(actions_.begin(), actions_.end(), action) != actions_.end();
}

bool Gateway::remember_nonce(const std::string& access_key_id, const std::string& nonce) {
    const std::uint64_t key = std::hash<std::string>{}(access_key_id + '\n' + nonce);
    const std::int64_t now = clock_.wall_ms();
    std::lock_guard lock(nonce_mutex_);
    while (!expiry_.empty() && expiry_.front().first <= now) {
        nonces_.erase(expiry_.front().second);
        expiry_.pop_front();
    }
    if (!nonces_.insert(key).second) return false;
    expiry_.emplace_back(now + options_.nonce_window_ms, key);
    return true;
}

std::size_t Gateway::remembered_nonces() const {
    std::lock_guard lock(nonce_mutex_);
    return nonces_.size();
}

GatewayResult Gateway::authenticate(const SimRequest& req) {
    GatewayResult r;
    if (req.method != "GET" && req.method != "POST") return fail(r, "UnsupportedHTTPMethod");

    // Parameters: the query, then a form body (never overriding the query).
    auto from_query = parse_query(req.query);
    if (!from_query) return fail(r, "InvalidParameter", "query string");
    Params all = std::move(*from_query);
    if (req.method == "POST" && !req.body.empty()) {
        const std::string* ct = req.header("content-type");
        if (ct && starts_with(to_lower(*ct), "application/x-www-form-urlencoded")) {
            auto from_body = parse_query(req.body);
            if (!from_body) return fail(r, "InvalidParameter", "body");
            all.merge(*from_body);  // keys already set by the query stay
        }
    }

    const std::string* authorization = req.header("authorization");
    const bool v3 = authorization != nullptr;
    r.scheme = v3 ? "v3" : "v1";

    // What the signature covers, and the values to check, per scheme.
    std::string action, version, timestamp, nonce, access_key_id, token, signature;
    bool has_token = false;
    V3Authorization auth;
    if (v3) {
        r.params = all;
        if (const std::string* a = req.header("x-acs-action")) r.action = *a;
        if (!starts_with(*authorization, "ACS3-HMAC-SHA256 ")) {
            const std::string algo = authorization->substr(0, authorization->find(' '));
            return fail(r, algo.empty() || algo.find('=') != std::string::npos
                               ? "IncompleteSignature"
                               : "InvalidSignatureMethod");
        }
        if (!parse_v3_authorization(std::string_view(*authorization).substr(17), auth))
            return fail(r, "IncompleteSignature");
        for (const char* h : {"x-acs-action", "x-acs-version", "x-acs-date",
                              "x-acs-signature-nonce", "x-acs-content-sha256"})
            if (req.header(h) == nullptr) return fail(r, "MissingParameter", h);
        action = *req.header("x-acs-action");
        version = *req.header("x-acs-version");
        timestamp = *req.header("x-acs-date");
        nonce = *req.header("x-acs-signature-nonce");
        access_key_id = auth.credential;
        signature = auth.signature;
        if (const std::string* t = req.header("x-acs-security-token")) {
            has_token = true;
            token = *t;
        }
    } else {
        for (const auto& [k, v] : all)
            if (std::find(v1_common().begin(), v1_common().end(), k) == v1_common().end())
                r.params.emplace(k, v);
        if (const std::string* a = find(all, "Action")) r.action = *a;
        const std::string* format = find(all, "Format");
        r.xml = format == nullptr || to_lower(*format) != "json";
        for (const char* name : {"Action", "Version", "AccessKeyId", "Signature", "SignatureMethod",
                                 "SignatureVersion", "SignatureNonce", "Timestamp"})
            if (find(all, name) == nullptr) return fail(r, "Missing" + std::string(name));
        action = all["Action"];
        version = all["Version"];
        timestamp = all["Timestamp"];
        nonce = all["SignatureNonce"];
        access_key_id = all["AccessKeyId"];
        signature = all["Signature"];
        if (const std::string* t = find(all, "SecurityToken")) {
            has_token = true;
            token = *t;
        }
        if (format && to_lower(*format) != "json" && to_lower(*format) != "xml")
            return fail(r, "InvalidParameter", "Format");
    }
    r.action = action;
    if (!known_action(action)) return fail(r, "InvalidAction.NotFound");
    if (version != options_.version) return fail(r, "InvalidVersion");
    if (!v3) {
        if (all["SignatureMethod"] != "HMAC-SHA1") return fail(r, "InvalidSignatureMethod");
        if (all["SignatureVersion"] != "1.0") return fail(r, "InvalidSignatureVersion");
    }
    if (!well_formed_timestamp(timestamp)) return fail(r, "InvalidTimeStamp.Format");
    const std::int64_t skew = *parse_rfc3339(timestamp) - clock_.wall_ms();
    if (skew > options_.max_skew_ms || -skew > options_.max_skew_ms)
        return fail(r, "InvalidTimeStamp.Expired");

    auto cred = credentials_.find(access_key_id);
    Credentials issued;  // a temporary key's, copied out of the shared store
    if (cred == credentials_.end()) {
        auto t = temporary_ ? temporary_->find(access_key_id) : std::nullopt;
        if (!t) return fail(r, "InvalidAccessKeyId.NotFound");
        if (clock_.wall_ms() >= t->second) return fail(r, "InvalidSecurityToken.Expired");
        issued = std::move(t->first);
    }
    const Credentials& c = cred == credentials_.end() ? issued : cred->second;
    if (c.is_sts() && !has_token) return fail(r, "MissingSecurityToken");
    if (has_token && (!c.is_sts() || !constant_time_equal(token, c.security_token.reveal())))
        return fail(r, "InvalidSecurityToken.MismatchWithAccessKey");

    // Recompute the signature from what arrived. The request's shape is the client's (any
    // parameters, any signed headers, any body), so this cannot call sign_v1/sign_v3, which
    // produce qbi-runner's fixed shape; it reuses their canonicalisation (canonical_query,
    // percent_encode) and the formulas of quickbi-api.md §4.1/§4.2.
    std::string expected;
    if (!v3) {
        Params signed_params = all;
        signed_params.erase("Signature");
        const std::string string_to_sign = req.method + "&" + percent_encode("/") + "&" +
                                           percent_encode(canonical_query(signed_params));
        expected = base64(hmac_sha1_raw(c.access_key_secret.reveal() + "&", string_to_sign));
    } else {
        // Every x-acs-* header, host and content-type (when present) must be signed; every
        // signed header must be present; names lower-case and sorted.
        const std::vector<std::string> names = split(auth.signed_headers, ';');
        if (!std::is_sorted(names.begin(), names.end()) ||
            std::find(names.begin(), names.end(), "host") == names.end())
            return fail(r, "IncompleteSignature");
        for (const auto& [k, v] : req.headers) {
            const std::string lower = to_lower(k);
            if ((starts_with(lower, "x-acs-") || lower == "content-type") &&
                std::find(names.begin(), names.end(), lower) == names.end())
                return fail(r, "IncompleteSignature");
        }
        std::string canonical_headers;
        for (const auto& name : names) {
            const std::string* value = req.header(name);
            if (name.empty() || value == nullptr || name != to_lower(name))
                return fail(r, "IncompleteSignature");
            canonical_headers += name + ":" + trim(*value) + "\n";
        }
        const std::string& content_sha = *req.header("x-acs-content-sha256");
        if (content_sha != sha256_hex(req.body)) return fail(r, "SignatureDoesNotMatch");
        auto query = parse_query(req.query);
        if (!query) return fail(r, "InvalidParameter", "query");
        const std::string canonical_request = req.method + "\n/\n" + canonical_query(*query) +
                                              "\n" + canonical_headers + "\n" +
                                              auth.signed_headers + "\n" + content_sha;
        const std::string string_to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(canonical_request);
        expected = hex_lower(hmac_sha256_raw(c.access_key_secret.reveal(), string_to_sign));
    }
    if (!constant_time_equal(signature, expected)) return fail(r, "SignatureDoesNotMatch");
    if (!remember_nonce(access_key_id, nonce)) return fail(r, "SignatureNonceUsed");

    r.ok = true;
    r.request.scheme = v3 ? SignatureScheme::V3 : SignatureScheme::V1;
    r.request.action = action;
    r.request.access_key_id = access_key_id;
    r.request.xml = r.xml;
    r.request.params = r.params;
    return r;
}

}  // namespace qbi::sim
