// qbi-runner validate FILE... and submit FILE... [--dry-run] (design §3, §7).
#include <ostream>

#include "runner/cli/commands.h"
#include "runner/cli/store_setup.h"
#include "runner/cli/submit_files.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace {

const char* status_name(SubmitStatus s) {
    switch (s) {
        case SubmitStatus::Submitted: return "submitted";
        case SubmitStatus::AlreadySubmitted: return "already_submitted";
        case SubmitStatus::Invalid: return "invalid";
        case SubmitStatus::Refused: return "refused";
        case SubmitStatus::StoreError: return "error";
    }
    return "";
}

void print_errors_json(std::ostream& out, const std::vector<std::string>& errors) {
    out << "[";
    for (std::size_t i = 0; i < errors.size(); ++i)
        out << (i ? "," : "") << "\"" << json_escape(errors[i]) << "\"";
    out << "]";
}

}  // namespace

int cmd_validate(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {}, a); !e.empty()) return ctx.fail(kExitUsage, e);
    if (a.positional.empty()) return ctx.fail(kExitUsage, "validate needs at least one job file");
    int rc = kExitOk;
    if (ctx.global.json) ctx.out << "{\"schema\":1,\"files\":[";
    bool first = true;
    for (const auto& path : a.positional) {
        auto r = jobs::parse_job_file(path, job_limits(ctx.config));
        std::vector<std::string> errors;
        if (!r) {
            rc = kExitDataErr;
            for (const auto& e : r.errors()) errors.push_back(e.to_string());
        }
        if (ctx.global.json) {
            ctx.out << (first ? "" : ",") << "{\"file\":\"" << json_escape(path)
                    << "\",\"valid\":" << (r ? "true" : "false");
            if (r)
                ctx.out << ",\"job\":\"" << json_escape(r.job().name)
                        << "\",\"tasks\":" << r.job().tasks.size();
            ctx.out << ",\"errors\":";
            print_errors_json(ctx.out, errors);
            ctx.out << "}";
            first = false;
        } else if (r) {
            ctx.out << path << ": ok, job " << r.job().name << ", " << r.job().tasks.size()
                    << " tasks\n";
        } else {
            for (const auto& e : errors) ctx.err << e << "\n";
            ctx.err << path << ": invalid\n";
        }
    }
    if (ctx.global.json) ctx.out << "]}\n";
    return rc;
}

namespace {

int submit_dry_run(Context& ctx, const std::vector<std::string>& files) {
    int rc = kExitOk;
    if (ctx.global.json) ctx.out << "{\"schema\":1,\"dry_run\":true,\"jobs\":[";
    bool first = true;
    for (const auto& path : files) {
        auto r = jobs::parse_job_file(path, job_limits(ctx.config));
        if (!r) {
            rc = kExitDataErr;
            for (const auto& e : r.errors()) ctx.err << e.to_string() << "\n";
            ctx.err << path << ": rejected, nothing would be enqueued\n";
            continue;
        }
        const auto& job = r.job();
        if (ctx.global.json) {
            ctx.out << (first ? "" : ",") << "{\"file\":\"" << json_escape(path) << "\",\"job\":\""
                    << json_escape(job.name) << "\",\"calls\":[";
            for (std::size_t i = 0; i < job.tasks.size(); ++i)
                ctx.out << (i ? "," : "") << "\"" << json_escape(jobs::describe_call(job.tasks[i]))
                        << "\"";
            ctx.out << "]}";
            first = false;
            continue;
        }
        ctx.out << "# " << path << ": job " << job.name << ", " << job.tasks.size() << " calls";
        if (job.not_before_ms) ctx.out << ", not before " << format_rfc3339_ms(*job.not_before_ms);
        ctx.out << "\n";
        for (const auto& t : job.tasks) ctx.out << jobs::describe_call(t) << "\n";
    }
    if (ctx.global.json) ctx.out << "]}\n";
    return rc;
}

}  // namespace

int cmd_submit(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {"--dry-run"}, {}, a); !e.empty()) return ctx.fail(kExitUsage, e);
    if (a.positional.empty()) return ctx.fail(kExitUsage, "submit needs at least one job file");
    if (a.has("--dry-run")) return submit_dry_run(ctx, a.positional);
    auto store = open_store(ctx, SystemClock::instance());
    if (!store) return ctx.fail(store.error().code, store.error().message);
    int rc = kExitOk;
    std::vector<SubmitOutcome> outcomes;
    for (const auto& path : a.positional) {
        SubmitOutcome o = submit_file(*store, path, ctx.config);
        if (o.status == SubmitStatus::StoreError && rc != kExitDataErr) rc = o.error_code;
        if (o.status == SubmitStatus::Invalid || o.status == SubmitStatus::Refused)
            rc = kExitDataErr;
        if (!ctx.global.json) {
            if (o.status == SubmitStatus::Invalid)
                for (const auto& e : o.errors) ctx.err << e << "\n";
            bool good = o.status == SubmitStatus::Submitted ||
                        o.status == SubmitStatus::AlreadySubmitted;
            (good ? ctx.out : ctx.err) << describe(o) << "\n";
        }
        outcomes.push_back(std::move(o));
    }
    if (ctx.global.json) {
        ctx.out << "{\"schema\":1,\"files\":[";
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            const auto& o = outcomes[i];
            ctx.out << (i ? "," : "") << "{\"file\":\"" << json_escape(o.file) << "\",\"status\":\""
                    << status_name(o.status) << "\",\"job\":\"" << json_escape(o.job_name)
                    << "\",\"job_id\":" << o.job_id << ",\"tasks\":" << o.tasks << ",\"errors\":";
            print_errors_json(ctx.out, o.errors);
            ctx.out << "}";
        }
        ctx.out << "]}\n";
    }
    return rc;
}

}  // namespace qbi::cli
