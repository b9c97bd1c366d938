#include "runner/core/outcome.h"

#include <array>
#include <utility>

#include "runner/core/exit_codes.h"

namespace qbi {

namespace {
constexpr std::array<std::pair<Outcome, std::string_view>, 7> kNames = {{
    {Outcome::Done, "done"},
    {Outcome::AlreadyAbsent, "already_absent"},
    {Outcome::Retryable, "retryable"},
    {Outcome::Permanent, "permanent"},
    {Outcome::HaltAuth, "halt_auth"},
    {Outcome::HaltPermission, "halt_permission"},
    {Outcome::Interrupted, "interrupted"},
}};
}  // namespace

std::string_view outcome_name(Outcome o) {
    for (const auto& [value, name] : kNames)
        if (value == o) return name;
    return "permanent";  // unreachable for a valid enum value
}

std::optional<Outcome> parse_outcome(std::string_view name) {
    for (const auto& [value, n] : kNames)
        if (n == name) return value;
    return std::nullopt;
}

int exit_code_for(Outcome o) {
    switch (o) {
        case Outcome::Done:
        case Outcome::AlreadyAbsent:
            return kExitOk;
        case Outcome::Retryable:
        case Outcome::Interrupted:
            return kExitTempFail;
        case Outcome::HaltAuth:
            return kExitConfig;
        case Outcome::HaltPermission:
            return kExitNoPerm;
        case Outcome::Permanent:
            return kExitTasksFailed;
    }
    return kExitTasksFailed;
}

}  // namespace qbi
