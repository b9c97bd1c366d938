#include "runner/api/outcome.h"

#include <array>
#include <utility>

#include "runner/core/exit_codes.h"

namespace qbi {

namespace {
constexpr std::array<std::pair<Outcome, std::string_view>, 6> kNames = {{
    {Outcome::Done, "done"},
    {Outcome::AlreadyAbsent, "already_absent"},
    {Outcome::Retryable, "retryable"},
    {Outcome::HaltAuth, "halt_auth"},
    {Outcome::HaltPermission, "halt_permission"},
    {Outcome::Permanent, "permanent"},
}};
}  // namespace

std::string_view outcome_name(Outcome o) {
    for (const auto& [value, name] : kNames)
        if (value == o) return name;
    return "permanent";  // unreachable for a valid enum value
}

bool parse_outcome(std::string_view name, Outcome& out) {
    for (const auto& [value, n] : kNames) {
        if (n == name) {
            out = value;
            return true;
        }
    }
    return false;
}

int exit_code_for(Outcome o) {
    switch (o) {
        case Outcome::Done:
        case Outcome::AlreadyAbsent: return kExitOk;
        case Outcome::Retryable: return kExitTempFail;
        case Outcome::HaltAuth: return kExitConfig;
        case Outcome::HaltPermission: return kExitNoPerm;
        case Outcome::Permanent: return kExitTasksFailed;
    }
    return kExitTasksFailed;
}

}  // namespace qbi
