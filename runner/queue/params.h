#pragma once
// Task parameters as canonical JSON: one object, keys in byte order (std::map order), every
// value a string, no whitespace, escaped with qbi::json_escape (", \, control characters;
// other bytes as they are). The same Params always give the same text, so the text can be
// compared, hashed and audited. Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>

#include "runner/queue/types.h"

namespace qbi::queue {

std::string params_to_json(const Params& params);
// Parses text produced by params_to_json (and any JSON object of string values using the
// standard escapes). Returns nullopt for anything else.
std::optional<Params> params_from_json(std::string_view text);
// The task key used when a NewTask has none: 32 hex digits of SHA-256 over
// action + "\n" + canonical params.
std::string derived_task_key(std::string_view action, std::string_view params_json);

}  // namespace qbi::queue
