#include "runner/api/response.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <exception>
#include <string>

#include "runner/core/strings.h"

namespace qbi {

namespace {

struct CodeRule {
    std::string_view code;
    bool prefix;  // matches code + "." + anything
    Outcome outcome;
};

// Exact codes first: Forbidden.AccessKeyDisabled must win over the Forbidden.* family.
constexpr std::array<CodeRule, 34> kRules = {{
    {"Favorite.NotCancel.Permission", false, Outcome::AlreadyAbsent},
    {"Report.NotExist.Error", false, Outcome::AlreadyAbsent},

    {"Internal.System.Error", false, Outcome::Retryable},
    {"ServiceUnavailable", false, Outcome::Retryable},
    {"InternalError", false, Outcome::Retryable},
    {"UnknownError", false, Outcome::Retryable},
    {"SignatureNonceUsed", false, Outcome::Retryable},
    {kCodeTimeout, false, Outcome::Retryable},
    {kCodeConnection, false, Outcome::Retryable},
    {kCodeTruncated, false, Outcome::Retryable},
    {kCodeAborted, false, Outcome::Retryable},

    {"Forbidden.AccessKeyDisabled", false, Outcome::HaltAuth},
    {"SignatureDoesNotMatch", false, Outcome::HaltAuth},
    {"IncompleteSignature", false, Outcome::HaltAuth},
    {"InvalidSignatureMethod", false, Outcome::HaltAuth},
    {"MissingSecurityToken", false, Outcome::HaltAuth},  // an STS key used without its token
    {kCodeTls, false, Outcome::HaltAuth},
    {kCodeCredentials, false, Outcome::HaltAuth},

    {"Access.Forbidden", false, Outcome::HaltPermission},
    {"Forbidden", false, Outcome::HaltPermission},
    {"NoPermission", false, Outcome::HaltPermission},
    {"Invalid.User.Admin", false, Outcome::HaltPermission},
    {"Instance.Expired", false, Outcome::HaltPermission},
    {"Instance.Not.Exist", false, Outcome::HaltPermission},

    // Families, after every exact code.
    {"Throttling", false, Outcome::Retryable},
    {"Throttling", true, Outcome::Retryable},
    {"InvalidAccessKeyId", false, Outcome::HaltAuth},
    {"InvalidAccessKeyId", true, Outcome::HaltAuth},
    {"InvalidTimeStamp", false, Outcome::HaltAuth},
    {"InvalidTimeStamp", true, Outcome::HaltAuth},
    // STS token expired, malformed or not matching the AccessKey: every call would fail.
    {"InvalidSecurityToken", false, Outcome::HaltAuth},
    {"InvalidSecurityToken", true, Outcome::HaltAuth},
    {"Forbidden", true, Outcome::HaltPermission},
    {"NoPermission", true, Outcome::HaltPermission},
}};

bool status_is_transient(int status) {
    return status == 429 || (status >= 500 && status <= 599);
}

bool rule_matches(const CodeRule& rule, std::string_view code) {
    if (!rule.prefix) return code == rule.code;
    return code.size() > rule.code.size() + 1 && code.substr(0, rule.code.size()) == rule.code &&
           code[rule.code.size()] == '.';
}

// The first characters of a body that is not JSON, printable and on one line, for the message.
std::string snippet(std::string_view body) {
    constexpr std::size_t kMax = 60;
    std::string out;
    for (char c : body.substr(0, kMax)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    if (body.size() > kMax) out += "...";
    return out;
}

enum class Truth { True, False, Missing, Other };

// Success / Result: booleans or the strings "true"/"false" (any case). `data_is_true` makes an
// object or array count as true (Result of a discovery call).
Truth truth_of(const Poco::JSON::Object& obj, const std::string& key, bool data_is_true) {
    if (!obj.has(key)) return Truth::Missing;
    if (obj.isObject(key) || obj.isArray(key)) return data_is_true ? Truth::True : Truth::Other;
    Poco::Dynamic::Var v = obj.get(key);
    if (v.isEmpty()) return Truth::Missing;
    if (v.isBoolean()) return v.extract<bool>() ? Truth::True : Truth::False;
    if (v.isString()) {
        std::string s = to_lower(v.extract<std::string>());
        if (s == "true") return Truth::True;
        if (s == "false") return Truth::False;
    }
    return Truth::Other;
}

std::string string_field(const Poco::JSON::Object& obj, const std::string& key) {
    if (!obj.has(key) || obj.isObject(key) || obj.isArray(key)) return "";
    Poco::Dynamic::Var v = obj.get(key);
    if (v.isEmpty()) return "";
    try {
        return v.convert<std::string>();
    } catch (const Poco::Exception&) {
        return "";
    }
}

// Parses `body` as a JSON object; returns null (and says why) for anything else.
Poco::JSON::Object::Ptr parse_object(std::string_view body, std::string& why) {
    if (trim(body).empty()) {
        why = "empty body";
        return nullptr;
    }
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var v = parser.parse(std::string(body));
        if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
            auto obj = v.extract<Poco::JSON::Object::Ptr>();
            if (!obj.isNull()) return obj;
        }
    } catch (const std::exception&) {  // Poco::Exception derives from std::exception
        // Malformed or truncated JSON; Poco 1.11 also refuses a top-level scalar here.
    }
    why = "body is not a JSON object: \"" + snippet(body) + "\"";
    return nullptr;
}

}  // namespace

Outcome classify_code(std::string_view code, int http_status) {
    for (const CodeRule& rule : kRules)
        if (rule_matches(rule, code)) return rule.outcome;
    return status_is_transient(http_status) ? Outcome::Retryable : Outcome::Permanent;
}

ApiResult classify_response(int http_status, std::string_view body) {
    ApiResult r;
    r.http_status = http_status;
    r.body = std::string(body);

    std::string why;
    Poco::JSON::Object::Ptr obj = parse_object(body, why);
    if (obj.isNull()) {
        r.code = kCodeProtocol;
        r.message = "HTTP " + std::to_string(http_status) + ": " + why;
        r.outcome = status_is_transient(http_status) ? Outcome::Retryable : Outcome::Permanent;
        return r;
    }

    try {
        r.request_id = string_field(*obj, "RequestId");
        std::string code = string_field(*obj, "Code");
        Truth success = truth_of(*obj, "Success", false);
        Truth result = truth_of(*obj, "Result", true);

        if (http_status == 200 && success == Truth::True && result == Truth::True) {
            r.outcome = Outcome::Done;
            return r;
        }
        if (!code.empty()) {
            r.code = code;
            r.message = string_field(*obj, "Message");
            r.outcome = classify_code(code, http_status);
            return r;
        }
        if (http_status == 200) {
            auto show = [](Truth t) {
                switch (t) {
                    case Truth::True:
                        return "true";
                    case Truth::False:
                        return "false";
                    case Truth::Missing:
                        return "missing";
                    case Truth::Other:
                        break;
                }
                return "not a boolean";
            };
            bool said_false = success == Truth::False || result == Truth::False;
            r.code = said_false ? kCodeUnsuccessful : kCodeProtocol;
            r.message = std::string("HTTP 200 but Success is ") + show(success) +
                        " and Result is " + show(result);
            r.outcome = Outcome::Permanent;
            return r;
        }
        r.code = "HTTP." + std::to_string(http_status);
        r.message = "HTTP " + std::to_string(http_status) + " without an error Code";
        r.outcome = status_is_transient(http_status) ? Outcome::Retryable : Outcome::Permanent;
        return r;
    } catch (const std::exception& e) {  // Poco::Exception derives from std::exception
        r.code = kCodeProtocol;
        r.message = "HTTP " + std::to_string(http_status) + ": unreadable response: " + e.what();
        r.outcome = status_is_transient(http_status) ? Outcome::Retryable : Outcome::Permanent;
        return r;
    }
}

}  // namespace qbi
