#include "runner/api/client.h"

#include "runner/api/response.h"
#include "runner/core/log.h"
#include "runner/core/time_format.h"

namespace qbi {

QuickBiClient::QuickBiClient(Endpoint endpoint, Credentials credentials, SignatureScheme scheme,
                             Clock& clock, NonceSource& nonces, Transport& transport)
    : QuickBiClient(std::move(endpoint),
                    std::make_shared<StaticCredentialProvider>(std::move(credentials)), scheme,
                    clock, nonces, transport) {}

QuickBiClient::QuickBiClient(Endpoint endpoint, std::shared_ptr<CredentialProvider> credentials,
                             SignatureScheme scheme, Clock& clock, NonceSource& nonces,
                             Transport& transport)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      scheme_(scheme),
      clock_(clock),
      nonces_(nonces),
      transport_(transport) {}

Credentials QuickBiClient::credentials() const {
    auto c = credentials_->current();
    return c ? **c : Credentials{};
}

SignedRequest QuickBiClient::prepare(const std::string& action, const Params& params) {
    return prepare(action, params, credentials());
}

SignedRequest QuickBiClient::prepare(const std::string& action, const Params& params,
                                     const Credentials& credentials) {
    SignInput in;
    in.method = "POST";
    in.host = endpoint_.host_header();
    in.action = action;
    in.params = params;
    in.credentials = &credentials;
    in.timestamp = format_acs_timestamp(clock_.wall_ms());
    in.nonce = nonces_.next();
    return sign(scheme_, in);
}

ApiResult QuickBiClient::call(const std::string& action, const Params& params) {
    auto snapshot = credentials_->current();
    if (!snapshot) {
        ApiResult r;
        r.code = kCodeCredentials;
        r.message = snapshot.error().message;
        r.outcome = Outcome::HaltAuth;
        return r;
    }
    const Credentials& credentials = **snapshot;
    SignedRequest request = prepare(action, params, credentials);
    const std::int64_t start = clock_.monotonic_ns();
    HttpResponse response = transport_.send(request);
    const std::int64_t elapsed_ns = clock_.monotonic_ns() - start;

    ApiResult r;
    if (response.complete()) {
        r = classify_response(response.status, response.body);
    } else {
        r.http_status = response.status;
        r.code = response.error_code;
        r.message = response.error_message;
        r.body = response.body;
        r.outcome = classify_code(r.code, r.http_status);
    }
    r.latency_ms = elapsed_ns / 1000000;
    r.message = scrub_secrets(r.message, credentials);
    r.body = scrub_secrets(r.body, credentials);
    r.request_id = scrub_secrets(r.request_id, credentials);
    r.code = scrub_secrets(r.code, credentials);

    if (log::level() <= log::Level::Debug)
        log::debug("api: " + action + " " + endpoint_.host_header() + " " +
                   mask_access_key_id(credentials.access_key_id) + " " +
                   signature_scheme_name(scheme_) + " -> " + std::string(outcome_name(r.outcome)) +
                   " HTTP " + std::to_string(r.http_status) + (r.code.empty() ? "" : " " + r.code) +
                   (r.request_id.empty() ? "" : " RequestId " + r.request_id) + " " +
                   std::to_string(r.latency_ms) + " ms" +
                   (r.message.empty() ? "" : ": " + r.message));
    return r;
}

const char* signature_scheme_name(SignatureScheme s) {
    return s == SignatureScheme::V1 ? "v1" : "v3";
}

std::optional<SignatureScheme> parse_signature_scheme(std::string_view text) {
    if (text == "v1") return SignatureScheme::V1;
    if (text == "v3") return SignatureScheme::V3;
    return std::nullopt;
}

}  // namespace qbi
