#include "runner/app/api_setup.h"

#include "runner/api/credential_sources.h"
#include "runner/core/log.h"

namespace qbi::app {

Result<Endpoint> configured_endpoint(const Config& c, const std::string& fallback_region) {
    std::string url = c.endpoint;
    if (url.empty()) {
        const std::string& region = c.region.empty() ? fallback_region : c.region;
        if (region.empty())
            return Error{kExitConfig,
                         "no Quick BI endpoint: pass --endpoint https://host[:port] or --region "
                         "ID (or set api.endpoint / api.region in the configuration, "
                         "ALIBABA_CLOUD_REGION_ID, or region_id in the credential profile)"};
        url = "https://" + region_endpoint(region);
    }
    return parse_endpoint(url);
}

Result<ApiSetup> setup_api(const Config& c, const CredentialOptions& credentials, bool with_tls,
                           Clock& clock, NonceSource& nonces) {
    ApiSetup s;
    const Env env = credentials.env ? credentials.env : process_env();
    auto spec = resolve_credentials(credentials);
    // A profile asked for by name that cannot be used says so first: the region may be its.
    const auto env_profile = env("ALIBABA_CLOUD_PROFILE");
    if (!spec && (!credentials.profile.empty() || (env_profile && !env_profile->empty())))
        return spec.error();
    std::string region, region_from;
    if (c.endpoint.empty() && c.region.empty()) {
        if (auto r = env("ALIBABA_CLOUD_REGION_ID"); r && !r->empty()) {
            region = *r;
            region_from = "ALIBABA_CLOUD_REGION_ID";
        } else if (spec && !spec->region_id.empty()) {
            region = spec->region_id;
            region_from = "region_id of " + spec->where;
        }
    }
    auto ep = configured_endpoint(c, region);
    if (!ep) return ep.error();
    if (!region_from.empty()) log::info("region " + region + " from " + region_from);
    s.endpoint = *ep;
    auto scheme = parse_signature_scheme(c.signature);
    if (!scheme)
        return Error{kExitConfig, "api.signature must be v1 or v3, not '" + c.signature + "'"};
    s.scheme = *scheme;
    if (!spec) return spec.error();
    s.tls.ca_file = c.ca_file;
    s.tls.connect_timeout_ms = static_cast<int>(c.connect_timeout_ms);
    s.tls.read_timeout_ms = static_cast<int>(c.read_timeout_ms);
    s.tls.call_timeout_ms = static_cast<int>(c.call_timeout_ms);
    if (with_tls || !spec->is_static()) {
        auto context = make_client_context(s.tls);
        if (!context) return context.error();
        s.context = *context;
    }
    CredentialSourceOptions so;
    so.sts_endpoint = c.sts_endpoint;
    so.context = s.context;
    so.tls = s.tls;
    so.env = env;
    so.clock = &clock;
    so.nonces = &nonces;
    auto provider = make_credential_provider(*spec, so);
    if (!provider) return provider.error();
    s.provider = *provider;
    auto now = s.provider->current();
    if (!now) return now.error();
    s.described = describe_credentials(**now);
    s.credentials = **now;
    if (!spec->is_static() && with_tls) {  // the provider holds them; a --dry-run signs with these
        s.credentials.access_key_secret = Secret();
        s.credentials.security_token = Secret();
    }
    return s;
}

std::string describe(const ApiSetup& api) {
    return api.described.empty() ? describe_credentials(api.credentials) : api.described;
}

engine::CallerFactory https_callers(const ApiSetup& api, Clock& clock, NonceSource& nonces) {
    auto provider =
        api.provider ? api.provider : std::make_shared<StaticCredentialProvider>(api.credentials);
    return [&api, &clock, &nonces, provider]() -> std::unique_ptr<engine::Caller> {
        return std::make_unique<engine::HttpsCaller>(api.endpoint, provider, api.scheme,
                                                     api.context, api.tls, clock, nonces);
    };
}

}  // namespace qbi::app
