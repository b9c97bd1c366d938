#include "runner/cli/api_setup.h"

namespace qbi::cli {

CredentialOptions credential_options(const Context& ctx) {
    CredentialOptions o;
    o.credentials_file = ctx.global.credentials_file;
    o.env = ctx.env;
    return o;
}

Result<ApiSetup> setup_api(const Context& ctx, bool with_tls) {
    ApiSetup s;
    const Config& c = ctx.config;
    std::string url = c.endpoint;
    if (url.empty()) {
        if (c.region.empty())
            return Error{kExitConfig,
                         "no Quick BI endpoint: pass --endpoint https://host[:port] or --region "
                         "ID (or set api.endpoint / api.region in the configuration)"};
        url = "https://" + region_endpoint(c.region);
    }
    auto ep = parse_endpoint(url);
    if (!ep) return ep.error();
    s.endpoint = *ep;
    auto scheme = parse_signature_scheme(c.signature);
    if (scheme) s.scheme = *scheme;
    else
        return Error{kExitConfig, "api.signature must be v1 or v3, not '" + c.signature + "'"};
    auto creds = load_credentials(credential_options(ctx));
    if (!creds) return creds.error();
    s.credentials = *creds;
    s.tls.ca_file = c.ca_file;
    s.tls.connect_timeout_ms = static_cast<int>(c.connect_timeout_ms);
    s.tls.read_timeout_ms = static_cast<int>(c.read_timeout_ms);
    if (with_tls) {
        auto context = make_client_context(s.tls);
        if (!context) return context.error();
        s.context = *context;
    }
    return s;
}

}  // namespace qbi::cli
