#include "runner/sim/errors.h"

#include <array>

namespace qbi::sim {

namespace {

// Gateway codes first, then Quick BI's business codes (all HTTP 400, quickbi-api.md §3).
constexpr std::array kCatalogue = {
    // Parameters and routing.
    ErrorSpec{"MissingParameter", 400,
              "The input parameter \"%s\" that is mandatory for processing this request is not "
              "supplied."},
    ErrorSpec{"InvalidParameter", 400, "The specified parameter \"%s\" is not valid."},
    ErrorSpec{"InvalidAction.NotFound", 404,
              "Specified api is not found, please check your url and method."},
    ErrorSpec{"InvalidVersion", 400, "Specified parameter Version is not valid."},
    ErrorSpec{"UnsupportedHTTPMethod", 405, "This http method is not supported."},
    ErrorSpec{"InvalidProtocol.NeedSsl", 400, "Your request is denied as lack of ssl protect."},
    // Authentication.
    ErrorSpec{"InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."},
    ErrorSpec{"InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled."},
    ErrorSpec{"Forbidden.AccessKeyDisabled", 403, "The Access Key is disabled."},
    ErrorSpec{"SignatureDoesNotMatch", 400,
              "Specified signature is not matched with our calculation."},
    ErrorSpec{"IncompleteSignature", 400,
              "The request signature does not conform to Aliyun standards."},
    ErrorSpec{"InvalidSignatureMethod", 400, "Specified signature method is not supported."},
    ErrorSpec{"InvalidSignatureVersion", 400, "Specified signature version is not supported."},
    ErrorSpec{"SignatureNonceUsed", 400, "Specified signature nonce was used already."},
    ErrorSpec{"InvalidTimeStamp.Format", 400,
              "Specified time stamp or date value is not well formatted."},
    ErrorSpec{"InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."},
    ErrorSpec{"InvalidSecurityToken.MismatchWithAccessKey", 400,
              "Specified SecurityToken mismatch with the AccessKey."},
    ErrorSpec{"MissingSecurityToken", 400, "SecurityToken is mandatory for this action."},
    ErrorSpec{"InvalidSecurityToken.Expired", 400, "Specified SecurityToken is expired."},
    ErrorSpec{"AuthenticationFail.OIDCToken.Invalid", 400, "The OIDC token is invalid."},
    // Permission.
    ErrorSpec{"Forbidden", 403, "User not authorized to operate on the specified resource."},
    ErrorSpec{"Forbidden.RAM", 403,
              "User not authorized to operate on the specified resource, or this API doesn't "
              "support RAM."},
    ErrorSpec{"NoPermission", 403, "You are not authorized to perform this operation."},
    // Flow control and server failures.
    ErrorSpec{"Throttling", 400, "Request was denied due to flow control."},
    ErrorSpec{"Throttling.User", 400, "Request was denied due to user flow control."},
    ErrorSpec{"Throttling.Api", 400, "Request was denied due to api flow control."},
    ErrorSpec{"InternalError", 500,
              "The request processing has failed due to some unknown error, exception or "
              "failure."},
    ErrorSpec{"ServiceUnavailable", 503,
              "The request has failed due to a temporary failure of the server."},
    ErrorSpec{"UnknownError", 500, "The request processing has failed due to some unknown error."},
    // Quick BI business codes.
    ErrorSpec{"Workspace.NotIn.Organization", 400,
              "The workspace does not belong to the organization."},
    ErrorSpec{"Favorite.NotCancel.Permission", 400, "You have not added this work to favorites."},
    ErrorSpec{"Internal.System.Error", 400, "An internal system error occurred."},
    ErrorSpec{"Report.NotExist.Error", 400,
              "This work does not exist. It may have been deleted. Work ID is %s."},
    ErrorSpec{"Instance.Expired", 400, "The Quick BI instance has expired."},
    ErrorSpec{"Instance.Not.Exist", 400, "The Quick BI instance does not exist."},
    ErrorSpec{"Invalid.Organization", 400, "The organization %s is invalid."},
    ErrorSpec{"User.Not.In.Organization", 400, "The user %s is not in the organization."},
    ErrorSpec{"Invalid.Parameter", 400, "The parameter is invalid."},
    ErrorSpec{"Invalid.Parameter.Error", 400, "The parameter is invalid:%s."},
    ErrorSpec{"Invalid.Param.Error", 400, "The parameter is invalid."},
    ErrorSpec{"Invalid.User.Admin", 400, "The user is not an administrator of the organization."},
    ErrorSpec{"System.Param.Empty", 400, "You must specify the %s parameter."},
    ErrorSpec{"Access.Forbidden", 400,
              "Access denied. Only Quick BI Professional Edition or higher can call the API."},
    ErrorSpec{"UserInfo.Error", 400, "Failed to obtain the user information."},
    ErrorSpec{"ApiUser.Not.Exists", 400, "The specified user does not exist."},
    ErrorSpec{"Resource.NotBelongTo.CurrentOrganization", 400,
              "The resource %s does not belong to the current organization."},
    ErrorSpec{"User.NotBelongTo.CurrentOrganization", 400,
              "The user %s does not belong to the current organization."},
    ErrorSpec{"Usergroup.NotBelongTo.CurrentOrganization", 400,
              "The user group %s does not belong to the current organization."},
};

}  // namespace

ErrorSpec error_spec(std::string_view code) {
    for (const auto& spec : kCatalogue)
        if (spec.code == code) return spec;
    // Missing<Name>: the gateway's answer for an absent parameter.
    if (code.size() > 7 && code.substr(0, 7) == "Missing")
        return ErrorSpec{code, 400, "%s is mandatory for this action."};
    return ErrorSpec{code, 400, "The request failed: %s."};
}

std::string format_message(std::string_view code, std::string_view arg) {
    const ErrorSpec spec = error_spec(code);
    std::string msg(spec.message);
    std::string fill(arg);
    if (spec.message == "%s is mandatory for this action.") fill = std::string(code.substr(7));
    if (spec.message == "The request failed: %s.") fill = std::string(code);
    if (auto pos = msg.find("%s"); pos != std::string::npos) msg.replace(pos, 2, fill);
    return msg;
}

std::vector<ErrorSpec> error_catalogue() {
    return {kCatalogue.begin(), kCatalogue.end()};
}

}  // namespace qbi::sim
