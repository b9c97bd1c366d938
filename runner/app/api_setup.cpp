#include "runner/app/api_setup.h"

namespace qbi::app {

Result<Endpoint> configured_endpoint(const Config& c) {
    std::string url = c.endpoint;
    if (url.empty()) {
        if (c.region.empty())
            return Error{kExitConfig,
                         "no Quick BI endpoint: pass --endpoint https://host[:port] or --region "
                         "ID (or set api.endpoint / api.region in the configuration)"};
        url = "https://" + region_endpoint(c.region);
    }
    return parse_endpoint(url);
}

Result<ApiSetup> setup_api(const Config& c, const CredentialOptions& credentials, bool with_tls) {
    ApiSetup s;
    auto ep = configured_endpoint(c);
    if (!ep) return ep.error();
    s.endpoint = *ep;
    auto scheme = parse_signature_scheme(c.signature);
    if (!scheme)
        return Error{kExitConfig, "api.signature must be v1 or v3, not '" + c.signature + "'"};
    s.scheme = *scheme;
    auto creds = load_credentials(credentials);
    if (!creds) return creds.error();
    s.credentials = *creds;
    s.tls.ca_file = c.ca_file;
    s.tls.connect_timeout_ms = static_cast<int>(c.connect_timeout_ms);
    s.tls.read_timeout_ms = static_cast<int>(c.read_timeout_ms);
    s.tls.call_timeout_ms = static_cast<int>(c.call_timeout_ms);
    if (with_tls) {
        auto context = make_client_context(s.tls);
        if (!context) return context.error();
        s.context = *context;
    }
    return s;
}

engine::CallerFactory https_callers(const ApiSetup& api, Clock& clock, NonceSource& nonces) {
    return [&api, &clock, &nonces]() -> std::unique_ptr<engine::Caller> {
        return std::make_unique<engine::HttpsCaller>(api.endpoint, api.credentials, api.scheme,
                                                     api.context, api.tls, clock, nonces);
    };
}

}  // namespace qbi::app
