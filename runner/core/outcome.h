#pragma once
// What one API attempt came to (design §5), in one vocabulary for every module: the api
// classifies answers into it, the engine decides with it, the queue stores its names, the audit
// log and --json print them. Thread-safety: constants and pure functions.
#include <optional>
#include <string_view>

namespace qbi {

enum class Outcome {
    Done,           // HTTP 200, Success and Result true: the task succeeded
    AlreadyAbsent,  // the goal already holds (Favorite.NotCancel.Permission, Report.NotExist.Error)
    Retryable,      // transient: requeued with backoff until max_attempts
    Permanent,      // this task cannot succeed: failed with code and message
    HaltAuth,       // credentials, signature, clock, TLS: dispatch stops (exit 78)
    HaltPermission,  // Quick BI refuses this account or edition: dispatch stops (exit 77)
    Interrupted,     // the runner stopped or died while the call was out: outcome unknown
};
// How many outcomes there are (arrays indexed by Outcome).
inline constexpr int kOutcomeCount = static_cast<int>(Outcome::Interrupted) + 1;

// The stable lower-case names used in the database, the audit log and --json: "done",
// "already_absent", "retryable", "permanent", "halt_auth", "halt_permission", "interrupted".
std::string_view outcome_name(Outcome o);
std::optional<Outcome> parse_outcome(std::string_view name);

inline bool is_success(Outcome o) {
    return o == Outcome::Done || o == Outcome::AlreadyAbsent;
}
inline bool is_halt(Outcome o) {
    return o == Outcome::HaltAuth || o == Outcome::HaltPermission;
}

// The exit code of one `call`: Done/AlreadyAbsent 0, Permanent 1, Retryable and Interrupted 75,
// HaltPermission 77, HaltAuth 78 (runner/core/exit_codes.h).
int exit_code_for(Outcome o);

}  // namespace qbi
