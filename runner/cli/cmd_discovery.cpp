// qbi-runner plan FILE... [-o OUT] and offboard ACCOUNT... [--at TIME] [--description TEXT]
// [--job NAME] [--dry-run] (discovery.md §3).
#include <filesystem>
#include <fstream>
#include <ostream>

#include "runner/app/plan.h"
#include "runner/app/signals.h"
#include "runner/app/submit.h"
#include "runner/cli/commands.h"
#include "runner/cli/progress_line.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace fs = std::filesystem;

namespace {

Status write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Error{kExitIoErr, "cannot write " + path};
    return {};
}

json::Value plan_json(const app::Plan& p) {
    json::Value calls = json::Value::array();
    for (const auto& c : p.calls) {
        json::Value params = json::Value::object();
        for (const auto& [k, v] : c.params) params.set(k, v);
        calls.push(json::Value::object()
                       .set("action", c.action)
                       .set("params", params)
                       .set("work", c.work)
                       .set("found", c.found));
    }
    json::Value failures = json::Value::array();
    for (const auto& f : p.failures) failures.push(f);
    return json::Value::object()
        .set("file", p.source_file)
        .set("job", p.job)
        .set("complete", p.complete())
        .set("reads", p.reads)
        .set("calls", calls)
        .set("failures", failures)
        .set("yaml", p.yaml);
}

// "jdoe@corp.onaliyun.com" -> "jdoe-corp.onaliyun.com": what a job name may hold.
std::string name_part(std::string_view s) {
    std::string out;
    for (char c : s) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        out += ok ? c : '-';
    }
    return out;
}

}  // namespace

int cmd_plan(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("plan"));
    if (!a) return inv.fail(a.error());
    if (a->positional.empty()) return inv.fail(kExitUsage, "plan needs at least one job file");
    std::string out_path = a->get("--output");
    const bool several = a->positional.size() > 1;
    if (several && !inv.global.json && (out_path.empty() || !fs::is_directory(out_path)))
        return inv.fail(kExitUsage,
                        "a plan of several files needs -o DIR (an existing folder): "
                        "each plan is a job file of its own");
    app::block_signals();
    app::SignalWatcher signals;
    const bool show = !inv.global.quiet;
    ProgressLine line(inv.err, inv.redraw() && show, inv.clock.wall_ms());
    auto creds = inv.credentials();
    app::PlanContext cx{inv.config,
                        inv.env,
                        creds,
                        inv.clock,
                        inv.nonces,
                        signals.stop_flag(),
                        [&](const engine::Engine& e) {
                            if (show) line.update(e.progress(), inv.clock.wall_ms());
                        }};
    auto plans = app::make_plans(a->positional, cx);
    if (show) line.finish();
    if (!plans) return inv.fail(plans.error());
    int rc = kExitOk;
    json::Value list = json::Value::array();
    for (const auto& p : *plans) {
        if (!p.complete()) {
            rc = kExitTasksFailed;
            for (const auto& f : p.failures) inv.warn(p.source_file + ": read failed: " + f);
        }
        if (inv.global.json) {
            list.push(plan_json(p));
            continue;
        }
        if (out_path.empty()) {
            inv.out << p.yaml;
        } else {
            const std::string target = several || fs::is_directory(out_path)
                                           ? (fs::path(out_path) / (p.job + ".yaml")).string()
                                           : out_path;
            if (auto st = write_text(target, p.yaml); !st) return inv.fail(st.error());
            inv.note(p.source_file + ": plan of " + std::to_string(p.calls.size()) +
                     " call(s) written to " + target);
        }
    }
    if (inv.global.json) inv.print(json_document().set("plans", list));
    return rc;
}

int cmd_offboard(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("offboard"));
    if (!a) return inv.fail(a.error());
    if (a->positional.empty())
        return inv.fail(kExitUsage, "offboard needs at least one account name, e.g. offboard jdoe");
    std::optional<std::int64_t> at;
    if (a->has("--at")) {
        at = parse_rfc3339(a->get("--at"));
        if (!at)
            return inv.fail(kExitUsage,
                            "--at: expected an RFC 3339 time with offset such as "
                            "2026-12-18T18:00:00+08:00, got '" +
                                a->get("--at") + "'");
    }
    const std::vector<std::string>& accounts = a->positional;
    const std::string date = format_rfc3339_ms(at.value_or(inv.clock.wall_ms())).substr(0, 10);
    std::string name = a->get("--job");
    if (name.empty()) {
        name = "offboard-" + name_part(accounts[0]);
        if (accounts.size() > 1) name += "-and-" + std::to_string(accounts.size() - 1) + "-more";
        name = name.substr(0, 117) + "-" + date;
    }
    std::string description = a->get("--description");
    if (description.empty()) {
        description = "Offboarding " + accounts[0];
        for (std::size_t i = 1; i < accounts.size(); ++i) description += ", " + accounts[i];
    }
    // The discovery job of discovery.md §1, written as a job file and read back by the one
    // parser, so `offboard` accepts exactly what a file would.
    std::string yaml = "version: 1\njob: " + json::Value(name).to_json() +
                       "\ndescription: " + json::Value(description).to_json() + "\n";
    if (at) yaml += "not_before: " + format_rfc3339_ms(*at) + "\n";
    yaml += "tasks:\n  - offboard-user:\n      account: [";
    for (std::size_t i = 0; i < accounts.size(); ++i)
        yaml += (i ? ", " : "") + json::Value(accounts[i]).to_json();
    yaml += "]\n";
    const std::string label = "offboard " + accounts[0] + (accounts.size() > 1 ? " ..." : "");
    auto parsed = jobs::parse_job_text(yaml, label, app::job_limits(inv.config));
    if (!parsed) {
        for (const auto& e : parsed.errors()) inv.err << printable(e.to_string()) << "\n";
        return inv.fail(kExitDataErr, "the offboarding job is invalid; nothing was submitted");
    }
    if (a->has("--dry-run")) {
        if (inv.global.json) {
            json::Value calls = json::Value::array();
            for (const auto& t : parsed.job().tasks) calls.push(jobs::describe_call(t));
            inv.print(json_document()
                          .set("dry_run", true)
                          .set("job", name)
                          .set("yaml", yaml)
                          .set("calls", calls));
            return kExitOk;
        }
        inv.out << yaml
                << "# the discovery calls that run first (their answers decide the "
                   "cancel calls):\n";
        for (const auto& t : parsed.job().tasks)
            inv.out << "# " << printable(jobs::describe_call(t)) << "\n";
        return kExitOk;
    }
    auto store = open_queue(inv, app::QueueUse::Enqueue);
    if (!store) return inv.fail(store.error());
    app::SubmitOutcome o = app::submit_parsed(*store, label, parsed, inv.config);
    const bool good =
        o.status == app::SubmitStatus::Submitted || o.status == app::SubmitStatus::AlreadySubmitted;
    if (inv.global.json) {
        inv.print(json_document()
                      .set("job", o.job_name)
                      .set("job_id", o.job_id)
                      .set("status",
                           good ? (o.status == app::SubmitStatus::Submitted ? "submitted"
                                                                            : "already_submitted")
                                : "refused")
                      .set("not_before", json::Value::string_or_null(
                                             at.has_value(), at ? format_rfc3339_ms(*at) : "")));
    } else if (good) {
        inv.out << printable(app::describe(o)) << (at ? "; due " + format_rfc3339_ms(*at) : "")
                << "\n";
    }
    if (!good)
        return inv.fail(o.error_code, o.errors.empty() ? app::describe(o) : o.errors.front());
    return kExitOk;
}

}  // namespace qbi::cli
