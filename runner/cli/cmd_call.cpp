// qbi-runner call ACTION Key=Value... [--dry-run]: one signed Quick BI API call.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <ostream>
#include <sstream>

#include "runner/api/response.h"
#include "runner/app/api_setup.h"
#include "runner/app/call_watch.h"
#include "runner/cli/commands.h"
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
        return json::Value::object().set("Code", r.code).set("Message", r.message).to_json();
    }
}

// `req` has been through redacted(): the signature is omitted, so nothing printed can be
// replayed; the canonical request (V3) and the string to sign show what would be signed.
int print_dry_run(Invocation& inv, const SignedRequest& req, const std::string& action) {
    if (inv.global.json) {
        json::Value headers = json::Value::object();
        for (const auto& [k, v] : req.headers) headers.set(k, v);
        json::Value doc = json_document()
                              .set("dry_run", true)
                              .set("action", action)
                              .set("method", req.method)
                              .set("url", "https://" + req.host + req.path + "?" + req.query)
                              .set("headers", headers);
        if (!req.canonical_request.empty()) doc.set("canonical_request", req.canonical_request);
        inv.print(doc.set("string_to_sign", req.string_to_sign).set("signature", req.signature));
        return kExitOk;
    }
    inv.out << req.method << " https://" << req.host << req.path << "?" << req.query << "\n";
    for (const auto& [k, v] : req.headers) inv.out << k << ": " << v << "\n";
    if (!req.canonical_request.empty())
        inv.out << "\n# canonical request:\n" << req.canonical_request << "\n";
    inv.out << "\n# string to sign:\n" << req.string_to_sign << "\n";
    inv.out << "\n# signature: omitted (a dry run never prints a usable signature, so this "
               "request cannot be replayed; its string to sign is above)\n";
    return kExitOk;
}

}  // namespace

int cmd_call(Invocation& inv, const std::vector<std::string>& args) {
    auto parsed = parse_args(args, command("call"));
    if (!parsed) return inv.fail(parsed.error());
    const ParsedArgs& a = *parsed;
    if (a.positional.empty())
        return inv.fail(kExitUsage,
                        "call needs an action, e.g. call CancelCollection "
                        "WorksId=W UserId=U");
    const std::string action = a.positional[0];
    if (action.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos)
        return inv.fail(kExitUsage, "'" + action + "' is not an action name (letters and digits)");
    Params params;
    for (std::size_t i = 1; i < a.positional.size(); ++i) {
        const std::string& kv = a.positional[i];
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
            return inv.fail(kExitUsage, "expected Key=Value, got '" + kv + "'");
        params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    const bool dry = a.has("--dry-run");
    auto setup = app::setup_api(inv.config, inv.credentials(), !dry, inv.clock, inv.nonces);
    if (!setup) return inv.fail(setup.error().code, setup.error().message);
    inv.note("credentials: " + app::describe(*setup));

    if (dry) {
        struct NoTransport final : Transport {
            HttpResponse send(const SignedRequest&) override { return {}; }
        } none;
        QuickBiClient client(setup->endpoint, setup->credentials, setup->scheme, inv.clock,
                             inv.nonces, none);
        return print_dry_run(inv, redacted(client.prepare(action, params), setup->credentials),
                             action);
    }
    HttpsTransport transport(setup->endpoint, setup->context, setup->tls);
    QuickBiClient client(setup->endpoint, setup->provider, setup->scheme, inv.clock, inv.nonces,
                         transport);
    ApiResult r = client.call(action, params);
    if (inv.global.json) {
        inv.print(json_document()
                      .set("action", action)
                      .set("outcome", outcome_name(r.outcome))
                      .set("http_status", r.http_status)
                      .set("request_id", r.request_id)
                      .set("code", r.code)
                      .set("message", r.message)
                      .set("latency_ms", r.latency_ms)
                      .set("response", json::Value::raw(render_body(r, false))));
    } else {
        inv.out << render_body(r, inv.out_is_tty) << "\n";
        if (!is_success(r.outcome) || r.outcome == Outcome::AlreadyAbsent) {
            std::string what = std::string(outcome_name(r.outcome));
            inv.err << "qbi-runner: " << printable(action) << ": " << what
                    << (r.code.empty() ? "" : " (" + printable(r.code) + ")")
                    << (r.request_id.empty() ? "" : ", RequestId " + printable(r.request_id))
                    << "\n";
            // Nothing reached Quick BI: say it is the certificate, not the credentials.
            if (r.code == kCodeTls)
                inv.fail(kExitConfig, app::halt_reason(r.outcome, r.code, r.message, ""));
        }
    }
    return exit_code_for(r.outcome);
}

}  // namespace qbi::cli
