#pragma once
// The other side of qbi-runner's keyless credential types (README.md, "qbi-sim"): a simulated
// STS (AssumeRole, AssumeRoleWithOIDC) on the API's HTTPS port, and a simulated ECS metadata
// service for a plain-HTTP port.
//
// Contract:
//  - An STS request is one whose Version is 2015-04-01 (query or form body).
//    AssumeRole goes through a Gateway of its own (V1 or V3 signature by a known AccessKey,
//    long-term or temporary, with the same checks and error codes as the Quick BI gateway);
//    then RoleArn (acs:ram::<account>:role/<name>) and RoleSessionName are required.
//    AssumeRoleWithOIDC is anonymous: RoleArn, OIDCProviderArn and OIDCToken are required, and
//    the token must equal StsOptions::oidc_token (else AuthenticationFail.OIDCToken.Invalid).
//  - Both issue temporary credentials ("STS." AccessKeyId, secret, SecurityToken) that the
//    gateways accept until their Expiration, then refuse with InvalidSecurityToken.Expired.
//    Lifetime: StsOptions::duration_ms if set, else DurationSeconds (default 3600). Expiration
//    has second precision, rounded down: a client that trusts it refreshes in time, while the
//    gateways accept the credentials to the exact end of their lifetime.
//  - Metadata service: PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds
//    (1-21600) answers a token; GET /latest/meta-data/ram/security-credentials/ answers the role
//    name and GET .../<role> the credentials ({Code: "Success", AccessKeyId, AccessKeySecret,
//    SecurityToken, Expiration, LastUpdated}); both GETs need a valid
//    X-aliyun-ecs-metadata-token (hardened mode: 401 without).
//  - After StsOptions::fail_after credentials issued (0: never), STS answers
//    ServiceUnavailable (503) and the metadata credentials HTTP 500: a refresh that fails.
// Thread-safety: TemporaryKeys and Sts are safe to share (each guarded by its mutex).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runner/api/credentials.h"
#include "runner/core/clock.h"
#include "runner/core/json.h"
#include "runner/sim/gateway.h"

namespace qbi::sim {

inline constexpr const char* kStsVersion = "2015-04-01";

struct StsOptions {
    std::int64_t duration_ms = 0;  // --sts-duration; 0: DurationSeconds as asked
    std::string oidc_token;        // --oidc-token-file's content; "": every OIDC token refused
    std::int64_t fail_after = 0;   // --sts-fail-after
    std::string role_name = "qbi-sim-role";  // --metadata-role
};

struct StsReply {
    int status = 200;
    std::string body;
    std::string code;    // "" on success
    std::string arg;     // for the error message
    std::string action;  // for the request log
    std::string scheme;
    std::string access_key_id;  // the signer (masked by the caller)
    bool refused = false;       // the gateway refused the signature
};

class Sts {
public:
    Sts(StsOptions options, std::vector<Credentials> keys, std::shared_ptr<TemporaryKeys> temporary,
        const Clock& clock, GatewayOptions gateway, std::uint64_t seed);

    // True if `req` is for STS (Version 2015-04-01).
    static bool is_sts_request(const SimRequest& req);
    // The STS answer body (success) or the error code and argument (the caller renders it).
    StsReply handle(const SimRequest& req, const std::string& request_id);
    // A metadata service request: status, content type and body.
    struct Plain {
        int status = 200;
        std::string content_type = "text/plain";
        std::string body;
    };
    Plain metadata(const SimRequest& req);

    // {"issued":N,"assume_role":N,"assume_role_with_oidc":N,"metadata_tokens":N,"refused":N}
    json::Value stats() const;

private:
    // New temporary credentials, registered with the gateways; nullopt past fail_after.
    std::optional<std::pair<Credentials, std::int64_t>> issue(std::int64_t asked_ms);

    StsOptions options_;
    std::shared_ptr<TemporaryKeys> temporary_;
    const Clock& clock_;
    Gateway gateway_;
    const std::uint64_t seed_;
    std::atomic<std::uint64_t> issued_{0}, assume_role_{0}, oidc_{0}, metadata_{0}, refused_{0};

    std::mutex tokens_mu_;
    std::map<std::string, std::int64_t> tokens_;  // guarded by tokens_mu_: metadata tokens
};

}  // namespace qbi::sim
