#pragma once
// Alibaba Cloud credentials and the chain that finds them (design §7).
//
// Contract: the AccessKey secret and the STS token live only in qbi::Secret, which has no
// stream operator and no implicit conversion, so neither can reach a log line, an error
// message, the database or --help by accident. Only the signers call reveal().
// Copies of a Secret share its bytes (one SecretString); they are wiped when the last goes.
// Thread-safety: Credentials is an immutable value once built; safe to share for reading.
#include <memory>
#include <string>
#include <string_view>

namespace qbi {

// The bytes of one secret, held once: not copyable, not movable, wiped (explicit_bzero) by
// wipe() and by the destructor. Secret shares one SecretString between all its copies, so a
// Credentials copied into every worker's client still holds the AccessKey secret in one place,
// and the bytes are wiped when the last copy goes.
class SecretString {
public:
    // Takes the bytes of `value` and wipes `value` (the caller's buffer, if it was moved in).
    explicit SecretString(std::string&& value);
    ~SecretString() { wipe(); }
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;

    const std::string& str() const { return value_; }
    // Overwrites the bytes with zeros (a store the compiler may not elide) and empties the
    // string. Called by the destructor; public so a test can watch the buffer it owns.
    void wipe() noexcept;

private:
    std::string value_;
};

// Overwrites `text` with zeros and empties it (for transient copies: a key file's text).
void wipe_string(std::string& text) noexcept;

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value)
        : value_(std::make_shared<const SecretString>(std::move(value))) {}
    // The secret itself, for signing only.
    const std::string& reveal() const { return value_ ? value_->str() : empty_string(); }
    bool empty() const { return !value_ || value_->str().empty(); }
    // The one SecretString behind this Secret and its copies (null when empty-constructed).
    const SecretString* holder() const { return value_.get(); }

private:
    static const std::string& empty_string();
    std::shared_ptr<const SecretString> value_;
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
