// Response parsing and outcome classification (design §5): every error code named in
// quickbi-api.md §2-§3, success shapes, and bodies that are not what they should be.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runner/api/outcome.h"
#include "runner/api/response.h"
#include "runner/core/exit_codes.h"

namespace qbi {
namespace {

std::string error_body(const std::string& code, const std::string& message) {
    return "{\"RequestId\": \"9E24E787-2531-5831-B6E2-0CD57B615D1C\",\n"
           " \"HostId\": \"quickbi-public.cn-hangzhou.aliyuncs.com\",\n"
           " \"Code\": \"" +
           code +
           "\",\n"
           " \"Message\": \"" +
           message +
           "\",\n"
           " \"Recommend\": \"https://troubleshoot.api.aliyun.com?q=" +
           code + "&product=quickbi-public\"}";
}

struct CodeCase {
    const char* code;
    int status;
    Outcome expected;
};

// Every code of quickbi-api.md §2 (both seed operations) and §3 (gateway and common codes),
// with the HTTP status the documentation gives (400 where it gives none).
const std::vector<CodeCase> kDocumentedCodes = {
    // §2 CancelCollection
    {"Workspace.NotIn.Organization", 400, Outcome::Permanent},
    {"Favorite.NotCancel.Permission", 400, Outcome::AlreadyAbsent},
    {"Internal.System.Error", 400, Outcome::Retryable},
    {"Report.NotExist.Error", 400, Outcome::AlreadyAbsent},
    {"Instance.Expired", 400, Outcome::HaltPermission},
    {"Instance.Not.Exist", 400, Outcome::HaltPermission},
    {"Invalid.Organization", 400, Outcome::Permanent},
    {"User.Not.In.Organization", 400, Outcome::Permanent},
    {"Invalid.Parameter", 400, Outcome::Permanent},
    {"Invalid.Parameter.Error", 400, Outcome::Permanent},
    {"Invalid.Param.Error", 400, Outcome::Permanent},
    {"Invalid.User.Admin", 400, Outcome::HaltPermission},
    {"System.Param.Empty", 400, Outcome::Permanent},
    {"Access.Forbidden", 400, Outcome::HaltPermission},
    {"UserInfo.Error", 400, Outcome::Permanent},
    {"ApiUser.Not.Exists", 400, Outcome::Permanent},
    // §2 CancelReportShare additions
    {"Resource.NotBelongTo.CurrentOrganization", 400, Outcome::Permanent},
    {"User.NotBelongTo.CurrentOrganization", 400, Outcome::Permanent},
    {"Usergroup.NotBelongTo.CurrentOrganization", 400, Outcome::Permanent},
    // §3 gateway / common codes
    {"InvalidAccessKeyId.NotFound", 404, Outcome::HaltAuth},
    {"InvalidAccessKeyId.NotFound", 400, Outcome::HaltAuth},
    {"InvalidAccessKeyId.Inactive", 400, Outcome::HaltAuth},
    {"Forbidden.AccessKeyDisabled", 403, Outcome::HaltAuth},
    {"SignatureDoesNotMatch", 400, Outcome::HaltAuth},
    {"SignatureDoesNotMatch", 403, Outcome::HaltAuth},
    {"IncompleteSignature", 400, Outcome::HaltAuth},
    {"InvalidSignatureMethod", 400, Outcome::HaltAuth},
    {"SignatureNonceUsed", 400, Outcome::Retryable},
    {"InvalidTimeStamp.Format", 400, Outcome::HaltAuth},
    {"InvalidTimeStamp.Expired", 400, Outcome::HaltAuth},
    {"MissingParameter", 400, Outcome::Permanent},
    {"MissingUserId", 400, Outcome::Permanent},  // the Missing<Name> form
    {"InvalidAction.NotFound", 404, Outcome::Permanent},
    {"InvalidProtocol.NeedSsl", 400, Outcome::Permanent},
    {"Forbidden", 403, Outcome::HaltPermission},
    {"Forbidden.RAM", 403, Outcome::HaltPermission},
    {"NoPermission", 403, Outcome::HaltPermission},
    {"Throttling", 400, Outcome::Retryable},
    {"Throttling.User", 400, Outcome::Retryable},
    {"Throttling.Api", 400, Outcome::Retryable},
    {"Throttling.Api", 429, Outcome::Retryable},
    {"InternalError", 500, Outcome::Retryable},
    {"ServiceUnavailable", 503, Outcome::Retryable},
    {"UnknownError", 400, Outcome::Retryable},
};

// A gateway or Quick BI error body of the documented shape, for each documented code.
TEST(ClassifyResponse, EveryDocumentedCode) {
    for (const CodeCase& c : kDocumentedCodes) {
        SCOPED_TRACE(std::string(c.code) + " at HTTP " + std::to_string(c.status));
        std::string body = error_body(c.code, "Some message.");
        ApiResult r = classify_response(c.status, body);
        EXPECT_EQ(outcome_name(r.outcome), outcome_name(c.expected));
        EXPECT_EQ(r.code, c.code);
        EXPECT_EQ(r.message, "Some message.");
        EXPECT_EQ(r.request_id, "9E24E787-2531-5831-B6E2-0CD57B615D1C");
        EXPECT_EQ(r.http_status, c.status);
        EXPECT_EQ(r.body, body);
        EXPECT_EQ(classify_code(c.code, c.status), c.expected);
    }
}

// The documented success body, and the older string form of the booleans.
TEST(ClassifyResponse, SuccessNeedsBothSuccessAndResult) {
    struct Case {
        const char* body;
        Outcome outcome;
        const char* code;
        const char* message;
    };
    const std::vector<Case> cases = {
        {R"({"RequestId": "7c72", "Result": true, "Success": true})", Outcome::Done, "", ""},
        {R"({"RequestId": "7c72", "Result": "true", "Success": "true"})", Outcome::Done, "", ""},
        {R"({"RequestId": "7c72", "Result": "True", "Success": true})", Outcome::Done, "", ""},
        // Discovery calls (quickbi-api.md §5) carry data in Result.
        {R"({"RequestId": "7c72", "Result": [{"WorksId": "w"}], "Success": true})", Outcome::Done,
         "", ""},
        {R"({"RequestId": "7c72", "Result": {"UserId": "u"}, "Success": true})", Outcome::Done, "",
         ""},
        {R"({"RequestId": "7c72", "Result": false, "Success": true})", Outcome::Permanent,
         kCodeUnsuccessful, "HTTP 200 but Success is true and Result is false"},
        {R"({"RequestId": "7c72", "Result": "false", "Success": "true"})", Outcome::Permanent,
         kCodeUnsuccessful, "HTTP 200 but Success is true and Result is false"},
        {R"({"RequestId": "7c72", "Result": true, "Success": false})", Outcome::Permanent,
         kCodeUnsuccessful, "HTTP 200 but Success is false and Result is true"},
        {R"({"RequestId": "7c72", "Success": true})", Outcome::Permanent, kCodeProtocol,
         "HTTP 200 but Success is true and Result is missing"},
        {R"({"RequestId": "7c72", "Result": null, "Success": true})", Outcome::Permanent,
         kCodeProtocol, "HTTP 200 but Success is true and Result is missing"},
        {R"({"RequestId": "7c72", "Result": 1, "Success": "yes"})", Outcome::Permanent,
         kCodeProtocol, "HTTP 200 but Success is not a boolean and Result is not a boolean"},
        {R"({})", Outcome::Permanent, kCodeProtocol,
         "HTTP 200 but Success is missing and Result is missing"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.body);
        ApiResult r = classify_response(200, c.body);
        EXPECT_EQ(outcome_name(r.outcome), outcome_name(c.outcome));
        EXPECT_EQ(r.code, c.code);
        EXPECT_EQ(r.message, c.message);
        EXPECT_EQ(r.request_id, c.body == std::string("{}") ? "" : "7c72");
    }
}

// Bodies that are no JSON object: a proxy's HTML error page, nothing, a cut-off object,
// other JSON values. Protocol errors, retryable only when the status says the server failed.
TEST(ClassifyResponse, BodiesThatAreNotAJsonObject) {
    struct Case {
        int status;
        std::string body;
        Outcome outcome;
        std::string message;
    };
    const std::string html =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>";
    const std::vector<Case> cases = {
        {502, html, Outcome::Retryable,
         "HTTP 502: body is not a JSON object: \"<html>  <head><title>502 Bad "
         "Gateway</title></head>  "
         "<body>n...\""},
        {200, html, Outcome::Permanent,
         "HTTP 200: body is not a JSON object: \"<html>  <head><title>502 Bad "
         "Gateway</title></head>  "
         "<body>n...\""},
        {403, "<h1>Forbidden</h1>", Outcome::Permanent,
         "HTTP 403: body is not a JSON object: \"<h1>Forbidden</h1>\""},
        {200, "", Outcome::Permanent, "HTTP 200: empty body"},
        {200, " \n", Outcome::Permanent, "HTTP 200: empty body"},
        {503, "", Outcome::Retryable, "HTTP 503: empty body"},
        {429, "Too Many Requests", Outcome::Retryable,
         "HTTP 429: body is not a JSON object: \"Too Many Requests\""},
        {200, R"({"RequestId": "7c72", "Result": true, "Succ)", Outcome::Permanent,
         "HTTP 200: body is not a JSON object: \"{\"RequestId\": \"7c72\", \"Result\": true, "
         "\"Succ\""},
        {200, R"({"RequestId": "7c72"} trailing)", Outcome::Permanent,
         "HTTP 200: body is not a JSON object: \"{\"RequestId\": \"7c72\"} trailing\""},
        {200, "[true, true]", Outcome::Permanent,
         "HTTP 200: body is not a JSON object: \"[true, true]\""},
        {200, "42", Outcome::Permanent, "HTTP 200: body is not a JSON object: \"42\""},
        {200, "null", Outcome::Permanent, "HTTP 200: body is not a JSON object: \"null\""},
        {200, "\"true\"", Outcome::Permanent, "HTTP 200: body is not a JSON object: \"\"true\"\""},
        {500, "[]", Outcome::Retryable, "HTTP 500: body is not a JSON object: \"[]\""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.body);
        ApiResult r = classify_response(c.status, c.body);
        EXPECT_EQ(outcome_name(r.outcome), outcome_name(c.outcome));
        EXPECT_EQ(r.code, kCodeProtocol);
        EXPECT_EQ(r.message, c.message);
        EXPECT_EQ(r.body, c.body);
        EXPECT_EQ(r.request_id, "");
    }
}

// Pathological input must not crash the parser: deep nesting, binary bytes, a huge string.
TEST(ClassifyResponse, HostileBodiesDoNotCrash) {
    std::string deep(100000, '[');
    ApiResult r = classify_response(200, deep);
    EXPECT_EQ(r.outcome, Outcome::Permanent);
    EXPECT_EQ(r.code, kCodeProtocol);

    std::string balanced = std::string(100000, '[') + std::string(100000, ']');
    r = classify_response(200, balanced);
    EXPECT_EQ(r.outcome, Outcome::Permanent);
    EXPECT_EQ(r.code, kCodeProtocol);

    std::string deep_object = "{\"Code\": \"Throttling\", \"x\": " + std::string(100000, '[') +
                              std::string(100000, ']') + "}";
    r = classify_response(400, deep_object);
    EXPECT_EQ(r.code, kCodeProtocol);  // refused by the parser's depth limit, not a crash
    EXPECT_EQ(r.outcome, Outcome::Permanent);

    std::string binary("\x00\xff\xfe{\"Code\"", 10);
    r = classify_response(502, binary);
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_EQ(r.code, kCodeProtocol);

    std::string big =
        "{\"Code\": \"Invalid.Parameter\", \"Message\": \"" + std::string(1 << 20, 'x') + "\"}";
    r = classify_response(400, big);
    EXPECT_EQ(r.outcome, Outcome::Permanent);
    EXPECT_EQ(r.code, "Invalid.Parameter");
}

// JSON objects without a Code on a non-200 status: the status decides.
TEST(ClassifyResponse, StatusWithoutCode) {
    ApiResult r = classify_response(503, R"({"RequestId": "r1"})");
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_EQ(r.code, "HTTP.503");
    EXPECT_EQ(r.message, "HTTP 503 without an error Code");
    EXPECT_EQ(r.request_id, "r1");

    r = classify_response(429, R"({"Message": "slow down"})");
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_EQ(r.code, "HTTP.429");

    r = classify_response(404, R"({"RequestId": "r2", "Code": ""})");
    EXPECT_EQ(r.outcome, Outcome::Permanent);
    EXPECT_EQ(r.code, "HTTP.404");
}

// Codes outside the table: retryable on 5xx/429, permanent otherwise; the
// Throttling, InvalidAccessKeyId, InvalidTimeStamp and Forbidden families match by prefix.
TEST(ClassifyCode, UnknownCodesAndFamilies) {
    EXPECT_EQ(classify_code("Some.New.Code", 400), Outcome::Permanent);
    EXPECT_EQ(classify_code("Some.New.Code", 500), Outcome::Retryable);
    EXPECT_EQ(classify_code("Some.New.Code", 429), Outcome::Retryable);
    // Only the codes of the table are "more specific" than a 5xx: any other code there is
    // taken as a server failure and retried (max_attempts caps it).
    EXPECT_EQ(classify_code("Invalid.Parameter", 500), Outcome::Retryable);
    EXPECT_EQ(classify_code("Favorite.NotCancel.Permission", 500), Outcome::AlreadyAbsent);
    EXPECT_EQ(classify_code("SignatureDoesNotMatch", 503), Outcome::HaltAuth);
    EXPECT_EQ(classify_code("Throttling.Tenant", 400), Outcome::Retryable);
    EXPECT_EQ(classify_code("ThrottlingX", 400), Outcome::Permanent);  // not the family
    EXPECT_EQ(classify_code("InvalidAccessKeyId", 400), Outcome::HaltAuth);
    EXPECT_EQ(classify_code("InvalidAccessKeyId.Other", 400), Outcome::HaltAuth);
    EXPECT_EQ(classify_code("InvalidTimeStamp.Future", 400), Outcome::HaltAuth);
    // Not in quickbi-api.md, but what the gateway answers for a bad STS token.
    EXPECT_EQ(classify_code("InvalidSecurityToken.Expired", 400), Outcome::HaltAuth);
    EXPECT_EQ(classify_code("InvalidSecurityToken.MismatchWithAccessKey", 400), Outcome::HaltAuth);
    EXPECT_EQ(classify_code("MissingSecurityToken", 400), Outcome::HaltAuth);
    EXPECT_EQ(classify_code("Forbidden.SubUser", 403), Outcome::HaltPermission);
    EXPECT_EQ(classify_code("Forbidden.AccessKeyDisabled", 403), Outcome::HaltAuth);
    EXPECT_EQ(classify_code("NoPermission.Action", 403), Outcome::HaltPermission);
    EXPECT_EQ(classify_code("", 400), Outcome::Permanent);
}

// What the transport reports when no usable response arrived.
TEST(ClassifyCode, TransportCodes) {
    EXPECT_EQ(classify_code(kCodeTimeout, 0), Outcome::Retryable);
    EXPECT_EQ(classify_code(kCodeConnection, 0), Outcome::Retryable);
    EXPECT_EQ(classify_code(kCodeTruncated, 200), Outcome::Retryable);
    EXPECT_EQ(classify_code(kCodeTls, 0), Outcome::HaltAuth);
    EXPECT_EQ(classify_code(kCodeProtocol, 200), Outcome::Permanent);
    EXPECT_EQ(classify_code(kCodeProtocol, 502), Outcome::Retryable);
}

// RAM denials carry an AccessDeniedDetail object; a Code of another JSON type is read as text.
TEST(ClassifyResponse, ExtraFieldsAndOddTypes) {
    ApiResult r =
        classify_response(403, R"({"RequestId":"r","Code":"Forbidden.RAM","Message":"denied",
                 "AccessDeniedDetail":{"PolicyType":"AccountLevelIdentityBasedPolicy"}})");
    EXPECT_EQ(r.outcome, Outcome::HaltPermission);
    EXPECT_EQ(r.code, "Forbidden.RAM");
    EXPECT_EQ(r.message, "denied");

    r = classify_response(400, R"({"RequestId": 7, "Code": 1234, "Message": ["a"]})");
    EXPECT_EQ(r.outcome, Outcome::Permanent);
    EXPECT_EQ(r.code, "1234");
    EXPECT_EQ(r.request_id, "7");
    EXPECT_EQ(r.message, "");
}

TEST(Outcome, NamesRoundTrip) {
    const std::vector<std::pair<Outcome, std::string>> names = {
        {Outcome::Done, "done"},
        {Outcome::AlreadyAbsent, "already_absent"},
        {Outcome::Retryable, "retryable"},
        {Outcome::HaltAuth, "halt_auth"},
        {Outcome::HaltPermission, "halt_permission"},
        {Outcome::Permanent, "permanent"},
        {Outcome::Interrupted, "interrupted"},
    };
    for (const auto& [o, name] : names) {
        EXPECT_EQ(outcome_name(o), name);
        EXPECT_EQ(parse_outcome(name), o);
    }
    EXPECT_EQ(parse_outcome("Done"), std::nullopt);
    EXPECT_EQ(parse_outcome(""), std::nullopt);
}

// The `call` command's exit code per outcome (sysexits, design §7).
TEST(Outcome, ExitCodes) {
    EXPECT_EQ(exit_code_for(Outcome::Done), 0);
    EXPECT_EQ(exit_code_for(Outcome::AlreadyAbsent), 0);
    EXPECT_EQ(exit_code_for(Outcome::Permanent), 1);
    EXPECT_EQ(exit_code_for(Outcome::Retryable), 75);
    EXPECT_EQ(exit_code_for(Outcome::HaltPermission), 77);
    EXPECT_EQ(exit_code_for(Outcome::HaltAuth), 78);
    EXPECT_TRUE(is_success(Outcome::AlreadyAbsent));
    EXPECT_FALSE(is_success(Outcome::Retryable));
    EXPECT_TRUE(is_halt(Outcome::HaltAuth));
    EXPECT_FALSE(is_halt(Outcome::Permanent));
}

}  // namespace
}  // namespace qbi
