// qbi-runner call ACTION Key=Value... [--dry-run]: one signed Quick BI API call.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <ostream>
#include <sstream>

#include "runner/api/response.h"
#include "runner/cli/api_setup.h"
#include "runner/cli/commands.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/core/strings.h"

namespace qbi::cli {

namespace {

// The body as JSON text: pretty (indent 2) on a terminal, compact otherwise. A body that is
// not JSON is wrapped so stdout is always JSON.
std::string render_body(const ApiResult& r, bool pretty) {
    try {
        Poco::JSON::Parser parser;
        auto value = parser.parse(r.body);
        std::ostringstream out;
        Poco::JSON::Stringifier::condense(value, out);
        if (!pretty) return out.str();
        std::ostringstream p;
        Poco::JSON::Stringifier::stringify(value, p, 2);
        return p.str();
    } catch (const std::exception&) {
        std::ostringstream out;
        out << "{\"Code\":\"" << json_escape(r.code) << "\",\"Message\":\"" << json_escape(r.message)
            << "\"}";
        return out.str();
    }
}

int print_dry_run(Context& ctx, const SignedRequest& req, const std::string& action) {
    if (ctx.global.json) {
        ctx.out << "{\"schema\":1,\"dry_run\":true,\"action\":\"" << json_escape(action)
                << "\",\"method\":\"" << req.method << "\",\"url\":\"https://"
                << json_escape(req.host) << req.path << "?" << json_escape(req.query)
                << "\",\"headers\":{";
        bool first = true;
        for (const auto& [k, v] : req.headers) {
            ctx.out << (first ? "" : ",") << "\"" << json_escape(k) << "\":\"" << json_escape(v)
                    << "\"";
            first = false;
        }
        ctx.out << "},\"string_to_sign\":\"" << json_escape(req.string_to_sign)
                << "\",\"signature\":\"" << json_escape(req.signature) << "\"}\n";
        return kExitOk;
    }
    ctx.out << req.method << " https://" << req.host << req.path << "?" << req.query << "\n";
    for (const auto& [k, v] : req.headers) ctx.out << k << ": " << v << "\n";
    ctx.out << "\n# string to sign:\n" << req.string_to_sign << "\n";
    if (!req.canonical_request.empty())
        ctx.out << "# canonical request:\n" << req.canonical_request << "\n";
    ctx.out << "# signature: " << req.signature << "\n";
    return kExitOk;
}

}  // namespace

int cmd_call(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {"--dry-run"}, {}, a); !e.empty()) return ctx.fail(kExitUsage, e);
    if (a.positional.empty())
        return ctx.fail(kExitUsage, "call needs an action, e.g. call CancelCollection "
                                    "WorksId=W UserId=U");
    const std::string action = a.positional[0];
    if (action.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
        std::string::npos)
        return ctx.fail(kExitUsage, "'" + action + "' is not an action name (letters and digits)");
    Params params;
    for (std::size_t i = 1; i < a.positional.size(); ++i) {
        const std::string& kv = a.positional[i];
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
            return ctx.fail(kExitUsage, "expected Key=Value, got '" + kv + "'");
        params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    const bool dry = a.has("--dry-run");
    auto setup = setup_api(ctx, !dry);
    if (!setup) return ctx.fail(setup.error().code, setup.error().message);
    ctx.note("credentials: " + describe_credentials(setup->credentials));

    RandomNonceSource nonces;
    Clock& clock = SystemClock::instance();
    if (dry) {
        struct NoTransport final : Transport {
            HttpResponse send(const SignedRequest&) override { return {}; }
        } none;
        QuickBiClient client(setup->endpoint, setup->credentials, setup->scheme, clock, nonces, none);
        return print_dry_run(ctx, redacted(client.prepare(action, params), setup->credentials),
                             action);
    }
    HttpsTransport transport(setup->endpoint, setup->context, setup->tls);
    QuickBiClient client(setup->endpoint, setup->credentials, setup->scheme, clock, nonces,
                         transport);
    ApiResult r = client.call(action, params);
    if (ctx.global.json) {
        ctx.out << "{\"schema\":1,\"action\":\"" << json_escape(action) << "\",\"outcome\":\""
                << outcome_name(r.outcome) << "\",\"http_status\":" << r.http_status
                << ",\"request_id\":\"" << json_escape(r.request_id) << "\",\"code\":\""
                << json_escape(r.code) << "\",\"message\":\"" << json_escape(r.message)
                << "\",\"latency_ms\":" << r.latency_ms
                << ",\"response\":" << render_body(r, false) << "}\n";
    } else {
        ctx.out << render_body(r, ctx.out_is_tty) << "\n";
        if (!is_success(r.outcome) || r.outcome == Outcome::AlreadyAbsent) {
            std::string what = std::string(outcome_name(r.outcome));
            ctx.err << "qbi-runner: " << action << ": " << what
                    << (r.code.empty() ? "" : " (" + r.code + ")")
                    << (r.request_id.empty() ? "" : ", RequestId " + r.request_id) << "\n";
        }
    }
    return exit_code_for(r.outcome);
}

}  // namespace qbi::cli
