#include "runner/engine/caller.h"

namespace qbi::engine {

HttpsCaller::HttpsCaller(const Endpoint& endpoint, std::shared_ptr<CredentialProvider> credentials,
                         SignatureScheme scheme, Poco::Net::Context::Ptr context,
                         const TlsOptions& tls, Clock& clock, NonceSource& nonces)
    : transport_(endpoint, std::move(context), tls),
      client_(endpoint, std::move(credentials), scheme, clock, nonces, transport_) {}

ApiResult HttpsCaller::call(const std::string& action, const Params& params) {
    return client_.call(action, params);
}

}  // namespace qbi::engine
