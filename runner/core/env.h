#pragma once
// The process environment, injected: configuration, credential and systemd lookups take an Env
// so tests never see the real environment. An unset variable and an empty one both read as
// nullopt. Thread-safety: process_env() reads getenv (safe while nobody calls setenv); an Env
// built from a map is immutable.
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace qbi {

using Env = std::function<std::optional<std::string>(const std::string&)>;

// getenv, with empty values treated as unset.
Env process_env();
// A fixed environment (tests, the demo's child processes).
Env env_from_map(std::map<std::string, std::string> vars);

}  // namespace qbi
