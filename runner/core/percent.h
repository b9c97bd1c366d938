#pragma once
// Percent-encoding as Alibaba Cloud signs it (quickbi-api.md §4): the UTF-8 bytes, with
// A-Z a-z 0-9 - _ . ~ literal and every other byte as %XX in upper-case hex. Space is %20
// (never '+'), '*' is %2A, '/' is %2F. Pure; thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace qbi {

std::string percent_encode(std::string_view bytes);

// Decodes %XX escapes (either hex case); with `plus_is_space`, '+' decodes to a space (HTML
// form encoding). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace qbi
