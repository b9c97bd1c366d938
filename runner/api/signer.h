#pragma once
// The two Alibaba Cloud request signers (quickbi-api.md §4) as pure functions.
//
// Contract: sign_v1 / sign_v3 depend only on their input: same input, same output. The caller
// supplies a fresh timestamp and nonce for every attempt (retries included).
// Thread-safety: pure functions; safe from any thread.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runner/api/credentials.h"
#include "runner/core/params.h"

namespace qbi {

enum class SignatureScheme { V1, V3 };  // V1 = HMAC-SHA1 RPC; V3 = ACS3-HMAC-SHA256

inline constexpr const char* kQuickBiVersion = "2022-01-01";
inline constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SignInput {
    std::string method = "POST";  // "POST" or "GET"
    std::string host;             // e.g. "quickbi-public.cn-hangzhou.aliyuncs.com" (":port" kept)
    std::string action;           // e.g. "CancelCollection"
    std::string version = kQuickBiVersion;
    std::string format = "JSON";  // V1 only
    Params params;                // business parameters
    const Credentials* credentials = nullptr;
    std::string timestamp;  // "yyyy-MM-ddTHH:mm:ssZ", UTC
    std::string nonce;      // unique per attempt
    // V1 only: the business parameters go in a form body (Content-Type
    // application/x-www-form-urlencoded) instead of the query, as STS's are sent; the
    // signature covers them either way.
    bool body_params = false;
};

// What goes on the wire: POST https://<host>/?<query> with these headers and an empty body.
struct SignedRequest {
    std::string method;
    std::string host;
    std::string path = "/";
    std::string query;  // already percent-encoded, "k=v&k=v", sorted
    std::vector<std::pair<std::string, std::string>> headers;  // name (lower-case for V3), value
    std::string body;  // empty, unless SignInput::body_params
    // Diagnostics for --dry-run and tests. They contain no secret: with STS the token is shown
    // as kRedacted in string_to_sign (V1) and canonical_request (V3), while the signature is
    // computed over the real text. `query` (V1) and `headers` (V3) do carry the token, as the
    // gateway needs it: show a request only through redacted().
    std::string string_to_sign;
    std::string canonical_request;  // V3 only
    std::string signature;
};

// sorted pe(name)=pe(value) joined with '&'
std::string canonical_query(const Params& params);

// HMAC-SHA1 RPC: all common parameters (Action, Version, Format, AccessKeyId, SignatureMethod,
// SignatureVersion, SignatureNonce, Timestamp, SecurityToken if STS) go into the query with
// the business parameters and the Signature.
SignedRequest sign_v1(const SignInput& in);

// ACS3-HMAC-SHA256: the query holds only the business parameters; host, x-acs-* headers and
// the Authorization header carry the rest.
SignedRequest sign_v3(const SignInput& in);

inline constexpr const char* kRedacted = "<redacted>";
inline constexpr const char* kOmitted = "<omitted>";

// A copy of `req` fit for display (--dry-run) that cannot be replayed: the STS token in the
// query (V1) and in the x-acs-security-token header (V3) replaced by kRedacted, and the
// signature omitted everywhere (SignedRequest::signature, the V1 Signature parameter, the
// Signature= of the V3 authorization header become kOmitted). The canonical request and the
// string to sign stay, so the signature can be checked by hand with the secret. The AccessKey
// secret is never in a SignedRequest at all.
SignedRequest redacted(const SignedRequest& req, const Credentials& credentials);

inline SignedRequest sign(SignatureScheme scheme, const SignInput& in) {
    return scheme == SignatureScheme::V1 ? sign_v1(in) : sign_v3(in);
}

}  // namespace qbi
