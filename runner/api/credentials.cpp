#include "runner/api/credentials.h"

#include "runner/core/percent.h"

namespace qbi {

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
