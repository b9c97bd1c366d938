#pragma once
// What a worker calls: one Quick BI API call, whatever the transport. The real one owns an
// HttpsTransport (one keep-alive session) and a QuickBiClient.
//
// Thread-safety: a Caller is used by one worker thread only; the factory that makes them may
// be called from the engine's thread while no worker runs.
#include <functional>
#include <memory>
#include <string>

#include "runner/api/client.h"
#include "runner/api/outcome.h"
#include "runner/api/transport.h"

namespace qbi::engine {

class Caller {
public:
    virtual ~Caller() = default;
    virtual ApiResult call(const std::string& action, const Params& params) = 0;
    // From another thread (the engine's writer, at the end of the grace period): the call in
    // progress ends at once with code kCodeAborted unless its answer was already in, and every
    // later call does too (Transport::abort). Pure: a wrapper must pass it on, or the grace
    // period's end would not cut the calls it wraps.
    virtual void abort() = 0;
};

using CallerFactory = std::function<std::unique_ptr<Caller>()>;

// The production caller: its own HttpsTransport over the shared TLS context.
class HttpsCaller final : public Caller {
public:
    // A fixed AccessKey (tests, benchmarks): a StaticCredentialProvider of its own.
    HttpsCaller(const Endpoint& endpoint, const Credentials& credentials, SignatureScheme scheme,
                Poco::Net::Context::Ptr context, const TlsOptions& tls, Clock& clock,
                NonceSource& nonces);
    // `credentials` is shared by every worker's caller (credential_provider.h).
    HttpsCaller(const Endpoint& endpoint, std::shared_ptr<CredentialProvider> credentials,
                SignatureScheme scheme, Poco::Net::Context::Ptr context, const TlsOptions& tls,
                Clock& clock, NonceSource& nonces);
    ApiResult call(const std::string& action, const Params& params) override;
    void abort() override { transport_.abort(); }

private:
    HttpsTransport transport_;
    QuickBiClient client_;
};

}  // namespace qbi::engine
