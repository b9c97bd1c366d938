#pragma once
// Time formats used on the wire and in files. All functions are pure and thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qbi {

// "yyyy-MM-ddTHH:mm:ssZ" in UTC: the Timestamp / x-acs-date format of Alibaba Cloud.
std::string format_acs_timestamp(std::int64_t epoch_ms);

// RFC 3339 in UTC with milliseconds, e.g. "2026-11-30T10:00:00.000Z": for logs and exports.
std::string format_rfc3339_ms(std::int64_t epoch_ms);

// Parses RFC 3339 date-time with a mandatory offset ("Z" or "+hh:mm"/"-hh:mm"), optional
// fractional seconds. Returns epoch milliseconds, or nullopt if the text is not such a value.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// Parses a duration such as "90s", "15m", "2h", "1h30m", "500ms" or a bare number of seconds.
// Returns milliseconds, or nullopt.
std::optional<std::int64_t> parse_duration_ms(std::string_view text);

// The largest whole unit, as the configuration file writes durations: 300000 -> "5m",
// 30000 -> "30s", 7200000 -> "2h", 1500 -> "1500ms".
std::string format_duration_ms(std::int64_t ms);

}  // namespace qbi
