#include "runner/api/credentials.h"

namespace qbi {

std::string mask_access_key_id(std::string_view id) {
    // Below 12 characters, showing 4 + 4 would reveal most of the ID: mask it all.
    if (id.size() < 12) return "****";
    std::string out(id.substr(0, 4));
    out += "****";
    out += id.substr(id.size() - 4);
    return out;
}

}  // namespace qbi
