#include "runner/api/credentials.h"

#include <string.h>

#include "runner/core/percent.h"

namespace qbi {

void wipe_string(std::string& text) noexcept {
    if (!text.empty()) ::explicit_bzero(text.data(), text.size());
    text.clear();
}

SecretString::SecretString(std::string&& value) {
    // An exact-size buffer of our own: `value` may have spare capacity or be a short string
    // stored inline, and is wiped below either way.
    value_.reserve(value.size());
    value_.append(value);
    wipe_string(value);
}

void SecretString::wipe() noexcept {
    wipe_string(value_);
}

const std::string& Secret::empty_string() {
    static const std::string empty;
    return empty;
}

std::string mask_access_key_id(std::string_view id) {
    // Below 12 characters, showing 4 + 4 would reveal most of the ID: mask it all.
    if (id.size() < 12) return "****";
    std::string out(id.substr(0, 4));
    out += "****";
    out += id.substr(id.size() - 4);
    return out;
}

std::string scrub_secrets(std::string_view text, const Credentials& credentials) {
    std::string out(text);
    for (const Secret* s : {&credentials.access_key_secret, &credentials.security_token}) {
        if (s->empty()) continue;
        const std::string once = percent_encode(s->reveal());
        // Longest first, so an encoded form is not half-replaced through a shorter one.
        for (const std::string& needle : {percent_encode(once), once, s->reveal()}) {
            for (auto pos = out.find(needle); pos != std::string::npos;
                 pos = out.find(needle, pos)) {
                out.replace(pos, needle.size(), "<redacted>");
                pos += 10;
            }
        }
    }
    return out;
}

}  // namespace qbi
