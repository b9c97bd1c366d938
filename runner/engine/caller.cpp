#include "runner/engine/caller.h"

namespace qbi::engine {

HttpsCaller::HttpsCaller(const Endpoint& endpoint, std::shared_ptr<CredentialProvider> credentials,
                         SignatureScheme scheme, Poco::Net::Context::Ptr context,
                         const TlsOptions& tls, Clock& clock, NonceSource& nonces)
    : transport_(endpoint, std::move(context), tls),
      client_(endpoint, std::move(credentials), scheme, clock, nonces, transport_) {}

HttpsCaller::HttpsCaller(const Endpoint& endpoint, const Credentials& credentials,
                         SignatureScheme scheme, Poco::Net::Context::Ptr context,
                         const TlsOptions& tls, Clock& clock, NonceSource& nonces)
    : HttpsCaller(endpoint, std::make_shared<StaticCredentialProvider>(credentials), scheme,
                  std::move(context), tls, clock, nonces) {}

ApiResult HttpsCaller::call(const std::string& action, const Params& params) {
    return client_.call(action, params);
}

}  // namespace qbi::engine
