#include "runner/sim/sts.h"

#include <cstdio>

#include "runner/core/strings.h"
#include "runner/core/time_format.h"
#include "runner/sim/det_random.h"

namespace qbi::sim {

namespace {

constexpr std::uint64_t kKeyStream = 0x5354534b4559ULL;  // "STSKEY"
constexpr const char* kTokenHeader = "X-aliyun-ecs-metadata-token";
constexpr const char* kTtlHeader = "X-aliyun-ecs-metadata-token-ttl-seconds";
constexpr const char* kCredentialsPath = "/latest/meta-data/ram/security-credentials/";

std::string hex(std::uint64_t seed, std::uint64_t index, std::size_t n) {
    std::string out;
    for (std::uint64_t i = 0; out.size() < n; ++i) {
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx",
                      static_cast<unsigned long long>(draw(seed, kKeyStream + index, i)));
        out += buf;
    }
    return out.substr(0, n);
}

// The parameters of a request: the query, then a form body (never overriding the query).
Params all_params(const SimRequest& req) {
    Params all = parse_query(req.query).value_or(Params{});
    if (!req.body.empty()) {
        const std::string* ct = req.header("content-type");
        if (ct && starts_with(to_lower(*ct), "application/x-www-form-urlencoded"))
            all.merge(parse_query(req.body).value_or(Params{}));
    }
    return all;
}

bool valid_role_arn(const std::string& arn) {
    const std::string prefix = "acs:ram::";
    if (!starts_with(arn, prefix)) return false;
    const auto role = arn.find(":role/", prefix.size());
    if (role == std::string::npos || role == prefix.size()) return false;
    for (std::size_t i = prefix.size(); i < role; ++i)
        if (arn[i] < '0' || arn[i] > '9') return false;
    return role + 6 < arn.size();
}

std::int64_t asked_duration_ms(const Params& p) {
    auto it = p.find("DurationSeconds");
    if (it == p.end() || it->second.empty() || it->second.size() > 6) return 3600 * 1000;
    for (char c : it->second)
        if (c < '0' || c > '9') return 3600 * 1000;
    return std::stoll(it->second) * 1000;
}

json::Value credentials_value(const Credentials& c, std::int64_t expires_ms) {
    return json::Value::object()
        .set("AccessKeyId", c.access_key_id)
        .set("AccessKeySecret", c.access_key_secret.reveal())
        .set("SecurityToken", c.security_token.reveal())
        .set("Expiration", format_acs_timestamp(expires_ms));  // a whole second (issue())
}

}  // namespace

Sts::Sts(StsOptions options, std::vector<Credentials> keys,
         std::shared_ptr<TemporaryKeys> temporary, const Clock& clock, GatewayOptions gateway,
         std::uint64_t seed)
    : options_(std::move(options)),
      temporary_(std::move(temporary)),
      clock_(clock),
      gateway_(
          std::move(keys), {"AssumeRole"}, clock,
          [&] {
              gateway.version = kStsVersion;
              return gateway;
          }(),
          temporary_),
      seed_(seed) {}

bool Sts::is_sts_request(const SimRequest& req) {
    if (req.header("authorization") != nullptr) {
        const std::string* v = req.header("x-acs-version");
        return v != nullptr && *v == kStsVersion;
    }
    const Params p = all_params(req);
    auto it = p.find("Version");
    return it != p.end() && it->second == kStsVersion;
}

std::optional<std::pair<Credentials, std::int64_t>> Sts::issue(std::int64_t asked_ms) {
    const std::uint64_t n = issued_.fetch_add(1) + 1;
    if (options_.fail_after > 0 && n > static_cast<std::uint64_t>(options_.fail_after)) {
        issued_.fetch_sub(1);
        return std::nullopt;
    }
    const std::int64_t lifetime = options_.duration_ms > 0 ? options_.duration_ms : asked_ms;
    // Expiration is written in whole seconds: the expiry is that second itself (rounded up),
    // so the time a client reads is exactly when the simulator starts refusing, and a
    // credential is never issued already expired, however short the lifetime.
    const std::int64_t expires = (clock_.wall_ms() + lifetime + 999) / 1000 * 1000;
    Credentials c;
    c.access_key_id = "STS.NU" + hex(seed_, n, 20);
    c.access_key_secret = Secret(hex(seed_ ^ 0x5EC12E7ULL, n, 30));
    c.security_token = Secret("CAIS" + hex(seed_ ^ 0x70CE2ULL, n, 96));
    c.source = "qbi-sim STS";
    temporary_->add(c, expires);
    return std::make_pair(c, expires);
}

StsReply Sts::handle(const SimRequest& req, const std::string& request_id) {
    StsReply out;
    const Params p = all_params(req);
    auto param = [&](const char* name) -> std::string {
        auto it = p.find(name);
        return it == p.end() ? std::string() : it->second;
    };
    auto fail = [&](std::string code, std::string arg = "") {
        ++refused_;
        out.code = std::move(code);
        out.arg = std::move(arg);
        return out;
    };
    out.action = param("Action");
    if (const std::string* a = req.header("x-acs-action")) out.action = *a;
    if (out.action == "AssumeRoleWithOIDC") {
        out.scheme = "";
        for (const char* name : {"RoleArn", "OIDCProviderArn", "OIDCToken"})
            if (param(name).empty()) return fail("Missing" + std::string(name));
        if (!valid_role_arn(param("RoleArn"))) return fail("InvalidParameter", "RoleArn");
        if (options_.oidc_token.empty() ||
            !constant_time_equal(param("OIDCToken"), options_.oidc_token))
            return fail("AuthenticationFail.OIDCToken.Invalid");
        ++oidc_;
    } else {
        GatewayResult g = gateway_.authenticate(req);
        out.scheme = g.scheme;
        if (!g.ok) {
            out.refused = true;
            return fail(g.error.code, g.error.arg);
        }
        out.access_key_id = g.request.access_key_id;
        for (const char* name : {"RoleArn", "RoleSessionName"})
            if (g.request.params.count(name) == 0 || g.request.params.at(name).empty())
                return fail("Missing" + std::string(name));
        if (!valid_role_arn(g.request.params.at("RoleArn")))
            return fail("InvalidParameter", "RoleArn");
        ++assume_role_;
    }
    auto issued = issue(asked_duration_ms(p));
    if (!issued) {
        out.status = 503;
        return fail("ServiceUnavailable");
    }
    const std::string arn = param("RoleArn");
    const std::string session =
        param("RoleSessionName").empty() ? "session" : param("RoleSessionName");
    out.body = json::Value::object()
                   .set("RequestId", request_id)
                   .set("AssumedRoleUser",
                        json::Value::object()
                            .set("Arn", arn + "/" + session)
                            .set("AssumedRoleId", "3" + hex(seed_, 7, 17) + ":" + session))
                   .set("Credentials", credentials_value(issued->first, issued->second))
                   .to_json();
    return out;
}

Sts::Plain Sts::metadata(const SimRequest& req) {
    Plain out;
    auto status = [&](int code, const char* text) {
        ++refused_;
        out.status = code;
        out.body = text;
        return out;
    };
    if (req.method == "PUT" && req.path == "/latest/api/token") {
        const std::string* ttl = req.header(kTtlHeader);
        std::int64_t secs = 0;
        if (ttl != nullptr && !ttl->empty() && ttl->size() <= 5 &&
            ttl->find_first_not_of("0123456789") == std::string::npos)
            secs = std::stoll(*ttl);
        if (secs < 1 || secs > 21600) return status(400, "bad ttl");
        const std::uint64_t n = metadata_.fetch_add(1) + 1;
        out.body = hex(seed_ ^ 0x70CE11ULL, n, 40);
        std::lock_guard lock(tokens_mu_);
        tokens_[out.body] = clock_.wall_ms() + secs * 1000;
        return out;
    }
    if (req.method != "GET" || !starts_with(req.path, kCredentialsPath))
        return status(404, "Not Found");
    {
        const std::string* token = req.header(kTokenHeader);
        std::lock_guard lock(tokens_mu_);
        auto it = token ? tokens_.find(*token) : tokens_.end();
        if (it == tokens_.end() || clock_.wall_ms() >= it->second)
            return status(401, "Unauthorized");
    }
    const std::string role = req.path.substr(std::string(kCredentialsPath).size());
    if (role.empty()) {
        out.body = options_.role_name;
        return out;
    }
    if (role != options_.role_name) return status(404, "Not Found");
    auto issued = issue(6 * 3600 * 1000);
    if (!issued) return status(500, "Internal Server Error");
    out.content_type = "application/json";
    json::Value v = credentials_value(issued->first, issued->second);
    out.body = v.set("Code", "Success")
                   .set("LastUpdated", format_acs_timestamp(clock_.wall_ms()))
                   .to_json();
    return out;
}

json::Value Sts::stats() const {
    return json::Value::object()
        .set("issued", static_cast<std::int64_t>(issued_.load()))
        .set("assume_role", static_cast<std::int64_t>(assume_role_.load()))
        .set("assume_role_with_oidc", static_cast<std::int64_t>(oidc_.load()))
        .set("metadata_tokens", static_cast<std::int64_t>(metadata_.load()))
        .set("refused", static_cast<std::int64_t>(refused_.load()));
}

}  // namespace qbi::sim
