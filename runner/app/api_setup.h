#pragma once
// Everything a command needs to talk to Quick BI, built once from the configuration: the
// endpoint, the signature scheme, the credentials (from the chain of design §7) and the TLS
// context. Each worker then makes its own HttpsTransport + QuickBiClient from it.
//
// Thread-safety: ApiSetup is immutable after setup_api(); the TLS context may be shared.
#include <memory>

#include "runner/api/client.h"
#include "runner/api/credential_chain.h"
#include "runner/api/endpoint.h"
#include "runner/api/transport.h"
#include "runner/app/config.h"
#include "runner/core/result.h"
#include "runner/engine/caller.h"

namespace qbi::app {

struct ApiSetup {
    Endpoint endpoint;
    SignatureScheme scheme = SignatureScheme::V3;
    Credentials credentials;
    TlsOptions tls;
    Poco::Net::Context::Ptr context;  // null until with_tls
};

// The endpoint (api.endpoint, else api.region) and scheme of `config`. Errors carry exit 78 and
// say what to set.
Result<Endpoint> configured_endpoint(const Config& config);

// Endpoint, scheme and credentials (the chain of design §7 with `credentials`). With `with_tls`,
// also the TLS context (a --dry-run needs none). Errors carry exit 78 and say what to set.
Result<ApiSetup> setup_api(const Config& config, const CredentialOptions& credentials,
                           bool with_tls);

// One HttpsCaller per engine worker over `api` (which needs its TLS context); `api`, the clock
// and the nonce source must outlive the engine.
engine::CallerFactory https_callers(const ApiSetup& api, Clock& clock, NonceSource& nonces);

}  // namespace qbi::app
