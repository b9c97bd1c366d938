#pragma once
// Alibaba Cloud credentials and the chain that finds them (design §7).
//
// Contract: the AccessKey secret and the STS token live only in qbi::Secret, which has no
// stream operator and no implicit conversion, so neither can reach a log line, an error
// message, the database or --help by accident. Only the signers call reveal().
// Thread-safety: Credentials is an immutable value once built; safe to share for reading.
#include <string>
#include <string_view>

namespace qbi {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    // The secret itself, for signing only.
    const std::string& reveal() const { return value_; }
    bool empty() const { return value_.empty(); }

private:
    std::string value_;
};

struct Credentials {
    std::string access_key_id;
    Secret access_key_secret;
    Secret security_token;  // empty unless STS
    // Where these came from, for the log: e.g. "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)",
    // "file /etc/...", "profile 'default' of ~/.alibabacloud/credentials". Never the secret.
    std::string source;

    bool is_sts() const { return !security_token.empty(); }
};

// "LTAI_example_abcd" -> "LTAI****abcd": first 4 and last 4 characters; shorter IDs are
// masked entirely ("****").
std::string mask_access_key_id(std::string_view id);

// `text` with every occurrence of the AccessKey secret and the STS token -- as they are,
// percent-encoded once and twice -- replaced by "<redacted>". For text that comes from
// elsewhere and may echo what was signed (a gateway's SignatureDoesNotMatch message quotes
// its StringToSign, which holds the V1 SecurityToken).
std::string scrub_secrets(std::string_view text, const Credentials& credentials);

}  // namespace qbi
