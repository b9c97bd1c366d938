#pragma once
// What one API attempt came to (design §5). Thread-safety: plain values.
#include <cstdint>
#include <string>
#include <string_view>

namespace qbi {

enum class Outcome {
    Done,            // HTTP 200, Success and Result true: task succeeded
    AlreadyAbsent,   // the goal already holds (Favorite.NotCancel.Permission, Report.NotExist.Error)
    Retryable,       // transient: requeue with backoff until max_attempts
    HaltAuth,        // credentials, signature, clock, TLS: stop dispatch, exit 78
    HaltPermission,  // Quick BI refuses this account/edition: stop dispatch, exit 77
    Permanent,       // this task cannot succeed: fail it with code and message
};

// Stable lower-case names used in the database, the audit log and --json:
// "done", "already_absent", "retryable", "halt_auth", "halt_permission", "permanent".
std::string_view outcome_name(Outcome o);
bool parse_outcome(std::string_view name, Outcome& out);
inline bool is_success(Outcome o) { return o == Outcome::Done || o == Outcome::AlreadyAbsent; }
inline bool is_halt(Outcome o) { return o == Outcome::HaltAuth || o == Outcome::HaltPermission; }
// The exit code of one `call`: Done/AlreadyAbsent 0, Permanent 1, Retryable 75,
// HaltPermission 77, HaltAuth 78 (runner/core/exit_codes.h).
int exit_code_for(Outcome o);

// The result of one attempt, whatever happened.
struct ApiResult {
    Outcome outcome = Outcome::Permanent;
    int http_status = 0;        // 0 when no HTTP response arrived
    std::string request_id;     // Alibaba's RequestId, when there was one
    std::string code;           // error Code, or a transport code (see below); empty on success
    std::string message;        // error Message or transport error text (never a secret)
    std::string body;           // raw response body (may be empty)
    std::int64_t latency_ms = 0;
};

// Transport-level codes used in ApiResult::code when no usable response arrived:
inline constexpr const char* kCodeTimeout = "Transport.Timeout";
inline constexpr const char* kCodeConnection = "Transport.ConnectionFailed";  // refused/reset
inline constexpr const char* kCodeTruncated = "Transport.TruncatedResponse";
inline constexpr const char* kCodeTls = "Transport.CertificateRejected";   // halt (78)
inline constexpr const char* kCodeProtocol = "Protocol.BadResponse";        // unparseable body
// HTTP 200 whose Success or Result is false (or "false"): permanent.
inline constexpr const char* kCodeUnsuccessful = "Response.Unsuccessful";

}  // namespace qbi
