#include "runner/api/credential_sources.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <fcntl.h>

#include <exception>
#include <istream>

#include "runner/api/signer.h"
#include "runner/core/files.h"
#include "runner/core/percent.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi {

namespace {

Error config_error(std::string message) {
    return Error{kExitConfig, std::move(message)};
}

Poco::JSON::Object::Ptr parse_object(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var v = parser.parse(body);
        if (v.type() == typeid(Poco::JSON::Object::Ptr))
            return v.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
    }
    return {};
}

std::string string_field(const Poco::JSON::Object::Ptr& o, const std::string& name) {
    if (o.isNull() || !o->has(name) || !o->get(name).isString()) return "";
    return o->getValue<std::string>(name);
}

// Temporary credentials from {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}.
Result<TemporaryCredentials> temporary_from(const Poco::JSON::Object::Ptr& o,
                                            const std::string& what, const std::string& source) {
    TemporaryCredentials t;
    const std::string id = string_field(o, "AccessKeyId");
    std::string secret = string_field(o, "AccessKeySecret");
    std::string token = string_field(o, "SecurityToken");
    const std::string expiration = string_field(o, "Expiration");
    auto expires = parse_rfc3339(expiration);
    if (id.empty() || secret.empty() || token.empty() || !expires)
        return config_error(what +
                            ": the answer lacks AccessKeyId, AccessKeySecret, "
                            "SecurityToken or a valid Expiration");
    t.credentials.access_key_id = id;
    t.credentials.access_key_secret = Secret(std::move(secret));
    t.credentials.security_token = Secret(std::move(token));
    t.credentials.source = source;
    t.expires_ms = *expires;
    return t;
}

// An STS answer: the temporary credentials, or an error quoting Code/Message (scrubbed).
Result<TemporaryCredentials> sts_answer(const HttpResponse& r, const std::string& what,
                                        const Credentials& scrub, const std::string& source) {
    if (!r.complete()) return config_error(what + ": " + r.error_code + ": " + r.error_message);
    Poco::JSON::Object::Ptr root = parse_object(r.body);
    if (r.status != 200 || root.isNull()) {
        std::string code = string_field(root, "Code"), message = string_field(root, "Message");
        std::string request_id = string_field(root, "RequestId");
        std::string text = "HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                           (message.empty() ? "" : ": " + message) +
                           (request_id.empty() ? "" : " (RequestId " + request_id + ")");
        return config_error(what + " refused: " + printable(scrub_secrets(text, scrub)));
    }
    Poco::JSON::Object::Ptr creds;
    try {
        creds = root->getObject("Credentials");
    } catch (const std::exception&) {
    }
    if (creds.isNull()) return config_error(what + ": the answer has no Credentials object");
    return temporary_from(creds, what, source);
}

std::string session_name(const CredentialSpec& s) {
    return s.role_session_name.empty() ? "qbi-runner" : s.role_session_name;
}

Params role_params(const CredentialSpec& s) {
    Params p;
    p["RoleArn"] = s.role_arn;
    p["RoleSessionName"] = session_name(s);
    p["DurationSeconds"] = std::to_string(s.duration_s);
    if (!s.policy.empty()) p["Policy"] = s.policy;
    return p;
}

// The OIDC token: the file's text without surrounding blanks (read at every refresh).
Result<std::string> read_token_file(const std::string& path) {
    auto f = open_regular_file(AT_FDCWD, path, Follow::Yes);
    if (!f) return config_error("OIDC token file " + path + ": " + f.error().message);
    bool over = false;
    auto text = read_to_end(f->fd.get(), 64 * 1024, over);
    if (!text) return config_error("OIDC token file " + path + ": " + text.error().message);
    if (over) return config_error("OIDC token file " + path + " is larger than 64 KiB");
    std::string token = trim(*text);
    wipe_string(*text);
    if (token.empty()) return config_error("OIDC token file " + path + " is empty");
    return token;
}

struct PlainUrl {
    std::string host;
    std::uint16_t port = 80;
    std::string text;
};

Result<PlainUrl> parse_metadata_url(const std::string& url) {
    PlainUrl u;
    u.text = url;
    std::string rest = url;
    if (!starts_with(to_lower(rest), "http://"))
        return config_error("QBI_ECS_METADATA_URL '" + url + "': expected http://host[:port]");
    rest = rest.substr(7);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto colon = rest.rfind(':');
    u.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
        const std::string port = rest.substr(colon + 1);
        bool digits = !port.empty() && port.size() <= 5;
        for (char c : port) digits = digits && c >= '0' && c <= '9';
        if (!digits || std::stoul(port) == 0 || std::stoul(port) > 65535)
            return config_error("QBI_ECS_METADATA_URL '" + url + "' has an invalid port");
        u.port = static_cast<std::uint16_t>(std::stoul(port));
    }
    if (u.host.empty() || u.host.find_first_of("/?#@") != std::string::npos)
        return config_error("QBI_ECS_METADATA_URL '" + url + "': expected http://host[:port]");
    return u;
}

struct PlainAnswer {
    int status = 0;  // 0: no answer (error says why)
    std::string body, error;
};

PlainAnswer plain_http(const PlainUrl& u, const std::string& method, const std::string& path,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
    PlainAnswer a;
    try {
        Poco::Net::HTTPClientSession session(u.host, u.port);
        session.setTimeout(Poco::Timespan(1, 0), Poco::Timespan(2, 0), Poco::Timespan(2, 0));
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [k, v] : headers) req.set(k, v);
        req.setContentLength(0);
        session.sendRequest(req);
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        char buf[4096];
        while (in && a.body.size() < 64 * 1024) {
            in.read(buf, sizeof buf);
            a.body.append(buf, static_cast<std::size_t>(in.gcount()));
        }
        a.status = static_cast<int>(resp.getStatus());
    } catch (const std::exception& e) {
        a.error = e.what();
    }
    return a;
}

Result<TemporaryCredentials> ecs_fetch(const PlainUrl& u, const std::string& configured_role,
                                       bool v1_disabled, const std::string& source) {
    const std::string what = "ECS metadata service " + u.text;
    std::vector<std::pair<std::string, std::string>> headers;
    PlainAnswer t = plain_http(u, "PUT", "/latest/api/token",
                               {{"X-aliyun-ecs-metadata-token-ttl-seconds", "21600"}});
    if (t.status == 200 && !trim(t.body).empty()) {
        headers.emplace_back("X-aliyun-ecs-metadata-token", trim(t.body));
    } else if (v1_disabled) {
        return config_error(what + ": no metadata token (" +
                            (t.status ? "HTTP " + std::to_string(t.status) : t.error) +
                            ") and ALIBABA_CLOUD_IMDSV1_DISABLED=true");
    }
    wipe_string(t.body);
    const std::string base = "/latest/meta-data/ram/security-credentials/";
    std::string role = configured_role;
    if (role.empty()) {
        PlainAnswer r = plain_http(u, "GET", base, headers);
        if (r.status != 200)
            return config_error(what + ": cannot get the role name (" +
                                (r.status ? "HTTP " + std::to_string(r.status) : r.error) + ")");
        role = trim(r.body);
        if (role.empty()) return config_error(what + ": no RAM role is attached to the instance");
    }
    PlainAnswer c = plain_http(u, "GET", base + percent_encode(role), headers);
    for (auto& [k, v] : headers) wipe_string(v);
    if (c.status != 200)
        return config_error(what + ": cannot get the credentials of role " + role + " (" +
                            (c.status ? "HTTP " + std::to_string(c.status) : c.error) + ")");
    Poco::JSON::Object::Ptr o = parse_object(c.body);
    wipe_string(c.body);
    if (o.isNull()) return config_error(what + ": the answer is not a JSON object");
    if (string_field(o, "Code") != "Success")
        return config_error(what + ": role " + role + ": Code is not Success");
    return temporary_from(o, what, source);
}

bool env_true(const Env& env, const char* name) {
    auto v = env(name);
    return v && to_lower(*v) == "true";
}

}  // namespace

Result<Endpoint> sts_endpoint_for(const CredentialSpec& spec, const CredentialSourceOptions& o) {
    if (!o.sts_endpoint.empty()) {
        auto ep = parse_endpoint(o.sts_endpoint);
        if (!ep) return Error{kExitConfig, "api.sts_endpoint: " + ep.error().message};
        return ep;
    }
    const Env env = o.env ? o.env : process_env();
    const std::string prefix =
        env_true(env, "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED") ? "sts-vpc" : "sts";
    std::string region = spec.sts_region;
    if (region.empty()) region = env("ALIBABA_CLOUD_STS_REGION").value_or("");
    Endpoint ep;
    ep.host = region.empty() ? prefix + ".aliyuncs.com" : prefix + "." + region + ".aliyuncs.com";
    return ep;
}

Result<std::shared_ptr<CredentialProvider>> make_credential_provider(
    const CredentialSpec& spec, const CredentialSourceOptions& o) {
    if (spec.is_static())
        return std::shared_ptr<CredentialProvider>(
            std::make_shared<StaticCredentialProvider>(spec.credentials));
    if (o.clock == nullptr || o.nonces == nullptr)
        return config_error("credentials: no clock for temporary credentials");
    Clock& clock = *o.clock;
    NonceSource& nonces = *o.nonces;
    const Env env = o.env ? o.env : process_env();
    const std::string type = credential_type_name(spec.type);
    CredentialFetch fetch;
    std::string description;

    if (spec.type == CredentialType::EcsRamRole) {
        auto url = parse_metadata_url(env("QBI_ECS_METADATA_URL").value_or(kDefaultMetadataUrl));
        if (!url) return url.error();
        const bool v1_disabled = env_true(env, "ALIBABA_CLOUD_IMDSV1_DISABLED");
        description = type + (spec.role_name.empty() ? "" : " " + spec.role_name) + " from " +
                      spec.where + " via the metadata service " + url->text;
        fetch = [u = *url, role = spec.role_name, v1_disabled, description] {
            return ecs_fetch(u, role, v1_disabled, description);
        };
    } else {
        auto ep = sts_endpoint_for(spec, o);
        if (!ep) return ep.error();
        if (o.context.isNull()) return config_error("credentials: no TLS context for STS");
        description = type + " " + spec.role_arn + " from " + spec.where + " via sts endpoint " +
                      ep->host_header();
        auto send = [ep = *ep, ctx = o.context, tls = o.tls](const SignedRequest& req) {
            HttpsTransport transport(ep, ctx, tls);
            return transport.send(req);
        };
        if (spec.type == CredentialType::RamRoleArn) {
            std::shared_ptr<CredentialProvider> source;
            if (spec.source) {
                auto s = make_credential_provider(*spec.source, o);
                if (!s) return s.error();
                source = *s;
            } else {
                source = std::make_shared<StaticCredentialProvider>(spec.credentials);
            }
            description += " (source: " + source->describe() + ")";
            fetch = [spec, ep = *ep, source, send, description, &clock, &nonces] {
                const std::string what = "STS AssumeRole at " + ep.host_header();
                auto src = source->current();
                if (!src) return Result<TemporaryCredentials>(src.error());
                SignInput in;
                in.host = ep.host_header();
                in.action = "AssumeRole";
                in.version = kStsVersion;
                in.params = role_params(spec);
                if (!spec.external_id.empty()) in.params["ExternalId"] = spec.external_id;
                in.credentials = src->get();
                in.timestamp = format_acs_timestamp(clock.wall_ms());
                in.nonce = nonces.next();
                in.body_params = true;
                HttpResponse answer = send(sign_v1(in));
                auto t = sts_answer(answer, what, **src, description);
                wipe_string(answer.body);  // it held the temporary secret and token
                return t;
            };
        } else {
            fetch = [spec, ep = *ep, send, description, &clock] {
                const std::string what = "STS AssumeRoleWithOIDC at " + ep.host_header();
                auto token = read_token_file(spec.oidc_token_file);
                if (!token) return Result<TemporaryCredentials>(token.error());
                SignedRequest req;
                req.method = "POST";
                req.host = ep.host_header();
                req.query = canonical_query({{"Action", "AssumeRoleWithOIDC"},
                                             {"Format", "JSON"},
                                             {"Timestamp", format_acs_timestamp(clock.wall_ms())},
                                             {"Version", kStsVersion}});
                Params body = role_params(spec);
                body["OIDCProviderArn"] = spec.oidc_provider_arn;
                body["OIDCToken"] = *token;
                req.body = canonical_query(body);
                req.headers = {{"host", req.host},
                               {"content-type", "application/x-www-form-urlencoded"}};
                Credentials scrub;
                scrub.security_token = Secret(std::move(*token));
                HttpResponse answer = send(req);
                auto t = sts_answer(answer, what, scrub, description);
                wipe_string(req.body);
                wipe_string(answer.body);  // it held the temporary secret and token
                return t;
            };
        }
    }
    auto provider = std::make_shared<RefreshingCredentialProvider>(description, fetch, clock);
    if (auto st = provider->prime(); !st) return st.error();
    return std::shared_ptr<CredentialProvider>(provider);
}

}  // namespace qbi
