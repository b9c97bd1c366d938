#pragma once
// Digests and encodings over byte strings. Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace qbi {

std::string sha256_hex(std::string_view data);                             // lower-case hex
std::string hmac_sha1_raw(std::string_view key, std::string_view data);    // 20 raw bytes
std::string hmac_sha256_raw(std::string_view key, std::string_view data);  // 32 raw bytes
std::string hex_lower(std::string_view bytes);
std::string base64(std::string_view bytes);  // standard alphabet, padded, no line breaks
// Decodes standard base64; nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace qbi
