#pragma once
// One Quick BI OpenAPI call: sign with a fresh timestamp and nonce, send, classify.
//
// Contract: call() never throws and never returns or logs a secret: the AccessKey secret and
// the STS token are scrubbed from the message and body of every ApiResult (a gateway may echo
// its StringToSign), and prepare() output for display goes through redacted().
// Every call, retries included, gets a new timestamp (Clock::wall_ms) and nonce.
// Latency is measured on the monotonic clock around Transport::send.
// The credentials come from a CredentialProvider, asked once per call (a snapshot: one
// short lock at most); when it has none (temporary credentials expired and not refreshed),
// call() answers HaltAuth with code kCodeCredentials and the cause, without sending anything.
// Thread-safety: NOT thread-safe (the Transport it uses holds one connection); one client per
// worker thread. The Clock and NonceSource may be shared (theirs are).
#include <optional>
#include <string>
#include <string_view>

#include "runner/api/credential_provider.h"
#include "runner/api/credentials.h"
#include "runner/api/endpoint.h"
#include "runner/api/outcome.h"
#include "runner/api/signer.h"
#include "runner/api/transport.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"

namespace qbi {

class QuickBiClient {
public:
    QuickBiClient(Endpoint endpoint, Credentials credentials, SignatureScheme scheme, Clock& clock,
                  NonceSource& nonces, Transport& transport);
    QuickBiClient(Endpoint endpoint, std::shared_ptr<CredentialProvider> credentials,
                  SignatureScheme scheme, Clock& clock, NonceSource& nonces, Transport& transport);

    // The signed request for `action` now, as it would be sent (it carries the STS token, if
    // any: pass it through redacted() before showing it). Signed with empty credentials when
    // the provider has none.
    SignedRequest prepare(const std::string& action, const Params& params);
    SignedRequest prepare(const std::string& action, const Params& params,
                          const Credentials& credentials);

    // prepare() + send + classify_response (or classify_code for a transport failure).
    ApiResult call(const std::string& action, const Params& params);

    const Endpoint& endpoint() const { return endpoint_; }
    SignatureScheme scheme() const { return scheme_; }
    // The credentials now (empty when the provider has none).
    Credentials credentials() const;
    // "LTAI****abcd", for the audit log.
    std::string masked_access_key_id() const {
        return mask_access_key_id(credentials().access_key_id);
    }

private:
    Endpoint endpoint_;
    std::shared_ptr<CredentialProvider> credentials_;
    SignatureScheme scheme_;
    Clock& clock_;
    NonceSource& nonces_;
    Transport& transport_;
};

// "v1" / "v3" <-> SignatureScheme.
const char* signature_scheme_name(SignatureScheme s);
std::optional<SignatureScheme> parse_signature_scheme(std::string_view text);

}  // namespace qbi
