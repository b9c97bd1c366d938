#pragma once
// Everything a command needs to talk to Quick BI, built once from the configuration: the
// endpoint, the signature scheme, the credentials (from the chain of design §7, as a provider
// shared by every worker) and the TLS context. Each worker then makes its own HttpsTransport +
// QuickBiClient from it.
//
// Region (README.md, "Credentials"): --endpoint / --region, else api.endpoint / api.region, else
// $ALIBABA_CLOUD_REGION_ID, else the region_id of the credential profile in use.
// Thread-safety: ApiSetup is immutable after setup_api(); the TLS context and the provider may
// be shared.
#include <memory>

#include "runner/api/client.h"
#include "runner/api/credential_chain.h"
#include "runner/api/credential_provider.h"
#include "runner/api/endpoint.h"
#include "runner/api/transport.h"
#include "runner/app/config.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/core/result.h"
#include "runner/engine/caller.h"

namespace qbi::app {

struct ApiSetup {
    Endpoint endpoint;
    SignatureScheme scheme = SignatureScheme::V3;
    // The fixed credentials (also what a --dry-run signs with); with temporary credentials,
    // only their AccessKeyId and source (no secret is kept here): the workers ask `provider`.
    Credentials credentials;
    std::shared_ptr<CredentialProvider> provider;  // null: `credentials`, fixed
    std::string described;  // describe_credentials() at set-up; "": of `credentials`
    TlsOptions tls;
    Poco::Net::Context::Ptr context;  // null until with_tls
};

// For the log: "AccessKeyId LTAI****abcd from ..." (never a secret).
std::string describe(const ApiSetup& api);

// The endpoint (api.endpoint, else api.region, else `fallback_region`) of `config`. Errors
// carry exit 78 and say what to set.
Result<Endpoint> configured_endpoint(const Config& config, const std::string& fallback_region = "");

// Endpoint, scheme and credentials (the chain of design §7 with `credentials`; temporary
// credentials are obtained now, over TLS, with `clock` and `nonces`, which must outlive the
// set-up). With `with_tls`, also the TLS context (a --dry-run needs none unless the credentials
// come from STS). Errors carry exit 78 and say what to set.
Result<ApiSetup> setup_api(const Config& config, const CredentialOptions& credentials,
                           bool with_tls, Clock& clock, NonceSource& nonces);

// One HttpsCaller per engine worker over `api` (which needs its TLS context); `api`, the clock
// and the nonce source must outlive the engine.
engine::CallerFactory https_callers(const ApiSetup& api, Clock& clock, NonceSource& nonces);

}  // namespace qbi::app
