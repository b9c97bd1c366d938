#pragma once
// Small string helpers shared by every module. Pure; thread-safe.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace qbi {

std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
// ASCII case only (A-Z to a-z), whatever the locale: HTTP header names, tokens, formats.
constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string to_lower(std::string_view s);
// Equal but for ASCII case (HTTP header names, RFC 9110 §5.1).
bool iequals_ascii(std::string_view a, std::string_view b);
// Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate nearest to `word` within a distance of max(2, size/3), or "" if none is close.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);
// Escapes a string for inclusion in JSON (without the surrounding quotes).
std::string json_escape(std::string_view s);
// Escapes a string for HTML or XML text and attribute values: & < > " ' become &amp; &lt; &gt;
// &quot; &#39;. Nothing else changes.
std::string markup_escape(std::string_view s);
// True if `s` is valid UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view s);
// `s` made safe to print on a terminal or in a log line: C0 control characters, DEL, C1
// controls (U+0080..U+009F), the bidirectional overrides (U+202A..U+202E, U+2066..U+2069) and
// bytes that are not UTF-8 become visible escapes: \n \r \t, \x1b, \u009b, \u202e. Other
// text, backslashes included, is kept as it is. For names and text that came from a file, a
// server or a command line, before they are logged or printed (JSON output has its own escaping).
std::string printable(std::string_view s);

}  // namespace qbi
