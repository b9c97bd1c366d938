#pragma once
// The error codes the simulator answers, with the HTTP status and message Quick BI or the
// Alibaba Cloud gateway uses for each (quickbi-api.md §2, §3).
//
// Contract: error_spec(code) always answers: a code outside the catalogue (e.g. one given
// to --fail) gets HTTP 400 and a generic message. Messages may hold one "%s", filled by
// format_message() with an argument (a parameter name, a work ID, a user ID).
// Thread-safety: pure functions over a constant table; safe from any thread.
#include <string>
#include <string_view>
#include <vector>

namespace qbi::sim {

struct ErrorSpec {
    std::string_view code;
    int http_status;
    std::string_view message;  // may contain one %s
};

// The spec for `code`; unknown codes yield {code, 400, "The request failed: <code>."}.
ErrorSpec error_spec(std::string_view code);

// The message of `code` with its %s replaced by `arg`.
std::string format_message(std::string_view code, std::string_view arg = "");

// Every code in the catalogue, for --help and tests.
std::vector<ErrorSpec> error_catalogue();

// "Missing" + name: the gateway's code for an absent common or action parameter.
inline std::string missing_code(std::string_view name) {
    return "Missing" + std::string(name);
}

}  // namespace qbi::sim
