#pragma once
// From an HTTP response (or a transport failure code) to an Outcome, exactly as design §5.
//
// Contract: never throws, whatever the body (empty, an HTML page from a proxy, truncated
// JSON, a JSON array or number, missing or mistyped fields). The rules, in order:
//   1. HTTP 200 with a JSON object whose Success is true and whose Result is true (booleans or
//      the strings "true") -> Done. A Result that is an object or array (the discovery calls
//      of quickbi-api.md §5 return data there) also counts as true.
//   2. A JSON object with a non-empty string Code -> classify_code(Code, status).
//   3. A body that is not a JSON object -> code Protocol.BadResponse; Retryable if the status
//      is 5xx or 429, else Permanent.
//   4. HTTP 200 with Success or Result false (or "false") -> Response.Unsuccessful, Permanent;
//      with either missing or of another type -> Protocol.BadResponse, Permanent.
//   5. Any other status without a Code -> code "HTTP.<status>"; Retryable for 5xx and 429,
//      else Permanent.
// RequestId and Message are copied when present; `body` keeps the raw body.
// Thread-safety: pure functions; safe from any thread.
#include <string_view>

#include "runner/api/outcome.h"

namespace qbi {

// The outcome of an error code (Quick BI, gateway or Transport.* code), per design §5:
//   AlreadyAbsent   Favorite.NotCancel.Permission, Report.NotExist.Error
//   Retryable       Internal.System.Error, Throttling and Throttling.*, ServiceUnavailable,
//                   InternalError, UnknownError, SignatureNonceUsed, Transport.Timeout,
//                   Transport.ConnectionFailed, Transport.TruncatedResponse
//   HaltAuth        InvalidAccessKeyId.*, Forbidden.AccessKeyDisabled, SignatureDoesNotMatch,
//                   IncompleteSignature, InvalidSignatureMethod, InvalidTimeStamp.*,
//                   InvalidSecurityToken.* (STS token expired, malformed or mismatched),
//                   Transport.CertificateRejected, Credentials.RefreshFailed
//   HaltPermission  Access.Forbidden, Forbidden and Forbidden.* (but see HaltAuth),
//                   NoPermission, Invalid.User.Admin, Instance.Expired, Instance.Not.Exist
//   otherwise       Retryable if http_status is 5xx or 429 (a code outside this table is no
//                   more specific than the status: a server-side failure), else Permanent.
Outcome classify_code(std::string_view code, int http_status);

ApiResult classify_response(int http_status, std::string_view body);

}  // namespace qbi
