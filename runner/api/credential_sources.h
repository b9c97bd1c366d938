#pragma once
// From a CredentialSpec (credential_profiles.h) to the CredentialProvider the signer asks.
//
//   access_key, sts  a StaticCredentialProvider.
//   ram_role_arn     STS AssumeRole (RPC, HMAC-SHA1 V1 signature with the source credentials:
//                    the profile's AccessKey, or its source_profile's provider), form body
//                    RoleArn, RoleSessionName, DurationSeconds, Policy, ExternalId.
//   oidc_role_arn    STS AssumeRoleWithOIDC, anonymous (no signature): form body RoleArn,
//                    OIDCProviderArn, OIDCToken (the token file, read at every refresh: the
//                    kubelet rotates it), RoleSessionName, DurationSeconds, Policy.
//   ecs_ram_role     the ECS metadata service, plain HTTP: PUT /latest/api/token with
//                    X-aliyun-ecs-metadata-token-ttl-seconds (IMDSv2), then GET
//                    /latest/meta-data/ram/security-credentials/[ROLE] with
//                    X-aliyun-ecs-metadata-token. Without a token (the PUT failed) it goes on
//                    without one (IMDSv1) unless ALIBABA_CLOUD_IMDSV1_DISABLED=true. An empty
//                    role name is asked first (GET .../security-credentials/).
// The temporary ones are RefreshingCredentialProviders, primed here: a source that cannot
// give credentials at start is an error (78) naming the cause.
// STS endpoint: `sts_endpoint` (api.sts_endpoint, https://host[:port]) if set, else
// sts.<region>.aliyuncs.com for the profile's sts_region or $ALIBABA_CLOUD_STS_REGION,
// else sts.aliyuncs.com ("sts-vpc." with ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true). STS is
// called over the same verified TLS as Quick BI (api.ca_file). The metadata service: the
// base URL $QBI_ECS_METADATA_URL (http://host[:port]), else http://100.100.100.200.
// Contract: no secret, token or OIDC token in any message or log line; STS answers are
// scrubbed of the source credentials before they are quoted.
// Thread-safety: make_credential_provider from one thread; the providers it makes are shared.
#include <memory>
#include <string>

#include "runner/api/credential_profiles.h"
#include "runner/api/credential_provider.h"
#include "runner/api/transport.h"
#include "runner/core/clock.h"
#include "runner/core/env.h"
#include "runner/core/random.h"

namespace qbi {

inline constexpr const char* kStsVersion = "2015-04-01";
inline constexpr const char* kDefaultMetadataUrl = "http://100.100.100.200";

struct CredentialSourceOptions {
    std::string sts_endpoint;         // api.sts_endpoint; "" -> see above
    Poco::Net::Context::Ptr context;  // TLS for STS (api.ca_file)
    TlsOptions tls;
    Env env;  // empty: process_env()
    Clock* clock = nullptr;
    NonceSource* nonces = nullptr;
};

Result<std::shared_ptr<CredentialProvider>> make_credential_provider(
    const CredentialSpec& spec, const CredentialSourceOptions& options);

// The STS host of a spec under these options, e.g. "sts.aliyuncs.com" or "127.0.0.1:8443".
Result<Endpoint> sts_endpoint_for(const CredentialSpec& spec, const CredentialSourceOptions& o);

}  // namespace qbi
