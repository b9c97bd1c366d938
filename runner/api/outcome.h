#pragma once
// The result of one API attempt (design §5): its Outcome (runner/core/outcome.h; an api
// answer is never Interrupted) and what the answer said. Thread-safety: plain values.
#include <cstdint>
#include <string>

#include "runner/core/outcome.h"

namespace qbi {

// The result of one attempt, whatever happened.
struct ApiResult {
    Outcome outcome = Outcome::Permanent;
    int http_status = 0;     // 0 when no HTTP response arrived
    std::string request_id;  // Alibaba's RequestId, when there was one
    std::string code;        // error Code, or a transport code (see below); empty on success
    std::string message;     // error Message or transport error text (never a secret)
    std::string body;        // raw response body (may be empty)
    std::int64_t latency_ms = 0;
};

// Transport-level codes used in ApiResult::code when no usable response arrived:
inline constexpr const char* kCodeTimeout = "Transport.Timeout";
inline constexpr const char* kCodeConnection = "Transport.ConnectionFailed";  // refused/reset
inline constexpr const char* kCodeTruncated = "Transport.TruncatedResponse";
inline constexpr const char* kCodeTls = "Transport.CertificateRejected";  // halt (78)
// The caller gave the call up (Transport::abort: the runner is stopping); it may have been sent.
inline constexpr const char* kCodeAborted = "Transport.Aborted";
inline constexpr const char* kCodeProtocol = "Protocol.BadResponse";  // unparseable body
// No valid credentials to sign with (temporary credentials expired and could not be
// refreshed): nothing was sent; halt (78).
inline constexpr const char* kCodeCredentials = "Credentials.RefreshFailed";
// HTTP 200 whose Success or Result is false (or "false"): permanent.
inline constexpr const char* kCodeUnsuccessful = "Response.Unsuccessful";

}  // namespace qbi
