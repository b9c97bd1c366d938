#include "runner/api/signer.h"

#include <algorithm>
#include <stdexcept>

#include "runner/core/hash.h"
#include "runner/core/percent.h"
#include "runner/core/strings.h"

namespace qbi {

namespace {

const Credentials& credentials_of(const SignInput& in) {
    if (in.credentials == nullptr) throw std::invalid_argument("SignInput.credentials is null");
    return *in.credentials;
}

}  // namespace

std::string canonical_query(const Params& params) {
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) out += '&';
        out += percent_encode(name);
        out += '=';
        out += percent_encode(value);
    }
    return out;
}

SignedRequest sign_v1(const SignInput& in) {
    const Credentials& cred = credentials_of(in);
    Params all = in.params;
    // Common parameters override business parameters of the same name: the signature must
    // cover what the gateway reads.
    all["Action"] = in.action;
    all["Version"] = in.version;
    all["Format"] = in.format;
    all["AccessKeyId"] = cred.access_key_id;
    all["SignatureMethod"] = "HMAC-SHA1";
    all["SignatureVersion"] = "1.0";
    all["SignatureNonce"] = in.nonce;
    all["Timestamp"] = in.timestamp;
    if (cred.is_sts()) all["SecurityToken"] = cred.security_token.reveal();
    all.erase("Signature");

    SignedRequest req;
    req.method = in.method;
    req.host = in.host;
    const std::string string_to_sign =
        in.method + "&" + percent_encode("/") + "&" + percent_encode(canonical_query(all));
    std::string key = cred.access_key_secret.reveal() + "&";
    req.signature = base64(hmac_sha1_raw(key, string_to_sign));
    wipe_string(key);
    req.string_to_sign = string_to_sign;
    if (cred.is_sts()) {
        // The diagnostic copy hides the token (encoded twice in the StringToSign).
        const std::string shown =
            "SecurityToken%3D" + percent_encode(percent_encode(cred.security_token.reveal()));
        if (auto pos = req.string_to_sign.find(shown); pos != std::string::npos)
            req.string_to_sign.replace(pos, shown.size(),
                                       "SecurityToken%3D" + std::string(kRedacted));
    }
    all["Signature"] = req.signature;
    if (in.body_params) {
        Params body;
        for (const auto& [name, value] : in.params)
            if (all.count(name) && all[name] == value && name != "Signature") {
                body[name] = value;  // a business parameter the common ones did not override
                all.erase(name);
            }
        req.body = canonical_query(body);
        req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    }
    req.query = canonical_query(all);
    req.headers.emplace_back("host", in.host);
    return req;
}

SignedRequest sign_v3(const SignInput& in) {
    const Credentials& cred = credentials_of(in);
    SignedRequest req;
    req.method = in.method;
    req.host = in.host;
    req.query = canonical_query(in.params);

    // Signed headers, sorted by (lower-case) name. x-acs-accesskey-id, which the SDK also
    // sends, is neither sent nor signed: the published Quick BI vector does not sign it, the
    // Authorization header already carries the AccessKeyId, and every x-acs-* header that is
    // sent must be signed. No content-type either: the body is empty.
    std::vector<std::pair<std::string, std::string>> headers = {
        {"host", in.host},
        {"x-acs-action", in.action},
        {"x-acs-content-sha256", kEmptySha256},
        {"x-acs-date", in.timestamp},
        {"x-acs-signature-nonce", in.nonce},
        {"x-acs-version", in.version},
    };
    if (cred.is_sts()) headers.emplace_back("x-acs-security-token", cred.security_token.reveal());
    std::sort(headers.begin(), headers.end());

    std::string canonical_headers;
    std::string shown_headers;  // the same, with the STS token replaced for diagnostics
    std::string signed_names;
    for (const auto& [name, value] : headers) {
        canonical_headers += name + ":" + trim(value) + "\n";
        shown_headers += name + ":" +
                         (name == "x-acs-security-token" ? std::string(kRedacted) : trim(value)) +
                         "\n";
        if (!signed_names.empty()) signed_names += ';';
        signed_names += name;
    }
    const std::string head = in.method + "\n/\n" + req.query + "\n";
    const std::string tail = "\n" + signed_names + "\n" + kEmptySha256;
    req.string_to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(head + canonical_headers + tail);
    req.canonical_request = head + shown_headers + tail;
    req.signature = hex_lower(hmac_sha256_raw(cred.access_key_secret.reveal(), req.string_to_sign));

    req.headers = std::move(headers);
    req.headers.emplace_back("authorization", "ACS3-HMAC-SHA256 Credential=" + cred.access_key_id +
                                                  ",SignedHeaders=" + signed_names +
                                                  ",Signature=" + req.signature);
    return req;
}

SignedRequest redacted(const SignedRequest& req, const Credentials& credentials) {
    SignedRequest out = req;
    const std::string& token = credentials.security_token.reveal();
    if (!token.empty()) {
        const std::string encoded = "SecurityToken=" + percent_encode(token);
        if (auto pos = out.query.find(encoded); pos != std::string::npos)
            out.query.replace(pos, encoded.size(), "SecurityToken=" + std::string(kRedacted));
        for (auto& [name, value] : out.headers)
            if (name == "x-acs-security-token") value = kRedacted;
    }
    // A signature stays valid for 15 minutes: a printed one could be replayed with curl.
    if (!req.signature.empty()) {
        const std::string v1 = "Signature=" + percent_encode(req.signature);
        if (auto pos = out.query.find(v1); pos != std::string::npos)
            out.query.replace(pos, v1.size(), "Signature=" + std::string(kOmitted));
        for (auto& [name, value] : out.headers) {
            if (name != "authorization") continue;
            if (auto pos = value.rfind(",Signature="); pos != std::string::npos)
                value = value.substr(0, pos) + ",Signature=" + kOmitted;
        }
        out.signature = kOmitted;
    }
    return out;
}

}  // namespace qbi
