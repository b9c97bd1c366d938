#include "runner/api/codes.h"

#include <algorithm>
#include <array>

#include "runner/api/outcome.h"

namespace qbi {

namespace {

// Sorted (checked by the test of this list): is_known_code is a binary search.
constexpr std::array<std::string_view, 63> kCodes = {
    "Access.Forbidden",
    "ApiUser.Not.Exists",
    "AuthenticationFail.OIDCToken.Invalid",  // STS: the OIDC token was refused
    kCodeCredentials,                        // Credentials.RefreshFailed
    "Discovery.BadContext",                  // discovery.h: a read without the context it needs
    "Discovery.TooManyTasks",                // queue/types.h: follow-up tasks over the job's limit
    "Favorite.NotCancel.Permission",
    "Forbidden",
    "Forbidden.AccessKeyDisabled",
    "Forbidden.RAM",
    "IncompleteSignature",
    "Instance.Expired",
    "Instance.Not.Exist",
    "Internal.System.Error",
    "InternalError",
    "Invalid.Organization",
    "Invalid.Param.Error",
    "Invalid.Parameter",
    "Invalid.Parameter.Error",
    "Invalid.User.Admin",
    "InvalidAccessKeyId",
    "InvalidAccessKeyId.Inactive",
    "InvalidAccessKeyId.NotFound",
    "InvalidAction.NotFound",
    "InvalidParameter",
    "InvalidProtocol.NeedSsl",
    "InvalidSecurityToken",
    "InvalidSecurityToken.Expired",
    "InvalidSecurityToken.Malformed",
    "InvalidSecurityToken.MismatchWithAccessKey",
    "InvalidSignatureMethod",
    "InvalidSignatureVersion",
    "InvalidTimeStamp",
    "InvalidTimeStamp.Expired",
    "InvalidTimeStamp.Format",
    "InvalidVersion",
    "MissingParameter",
    "MissingSecurityToken",
    "NoPermission",
    kCodeProtocol,  // Protocol.BadResponse
    "Report.NotExist.Error",
    "Resource.NotBelongTo.CurrentOrganization",
    kCodeUnsuccessful,  // Response.Unsuccessful
    "Runner.Interrupted",
    "ServiceUnavailable",
    "SignatureDoesNotMatch",
    "SignatureNonceUsed",
    "System.Param.Empty",
    "Throttling",
    "Throttling.Api",
    "Throttling.User",
    kCodeAborted,     // Transport.Aborted
    kCodeTls,         // Transport.CertificateRejected
    kCodeConnection,  // Transport.ConnectionFailed
    kCodeTimeout,     // Transport.Timeout
    kCodeTruncated,   // Transport.TruncatedResponse
    "UnknownError",
    "UnsupportedHTTPMethod",
    "User.Not.In.Organization",
    "User.NotBelongTo.CurrentOrganization",
    "UserInfo.Error",
    "Usergroup.NotBelongTo.CurrentOrganization",
    "Workspace.NotIn.Organization",
};

}  // namespace

std::span<const std::string_view> known_codes() {
    return kCodes;
}

bool is_known_code(std::string_view code) {
    return std::binary_search(kCodes.begin(), kCodes.end(), code);
}

}  // namespace qbi
