// qbi-runner audit verify | audit export --format jsonl|csv [--job J] [--since T] (design §6).
#include <ostream>

#include "runner/cli/commands.h"
#include "runner/cli/store_setup.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace {

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

void write_jsonl(std::ostream& out, const queue::AttemptRow& row) {
    const queue::AttemptRecord& r = row.record;
    out << "{\"id\":" << row.id << ",\"job_id\":" << row.job_id << ",\"task_id\":" << row.task_id
        << ",\"attempt\":" << row.attempt << ",\"action\":\"" << json_escape(row.action)
        << "\",\"params\":" << row.params_json << ",\"started_at\":\""
        << format_rfc3339_ms(r.started_at_ms) << "\",\"latency_ms\":" << r.latency_ms
        << ",\"http_status\":" << r.http_status << ",\"request_id\":\"" << json_escape(r.request_id)
        << "\",\"code\":\"" << json_escape(r.code) << "\",\"message\":\"" << json_escape(r.message)
        << "\",\"outcome\":\"" << outcome_name(r.outcome) << "\",\"endpoint\":\""
        << json_escape(r.endpoint) << "\",\"signature\":\"" << json_escape(r.signature)
        << "\",\"access_key_id\":\"" << json_escape(r.access_key_id) << "\",\"recorded_at\":\""
        << format_rfc3339_ms(row.recorded_at) << "\",\"prev_hash\":\"" << row.prev_hash
        << "\",\"hash\":\"" << row.hash << "\"}\n";
}

const char* kCsvHeader =
    "id,job_id,task_id,attempt,action,params,started_at,latency_ms,http_status,request_id,code,"
    "message,outcome,endpoint,signature,access_key_id,recorded_at,prev_hash,hash\n";

void write_csv(std::ostream& out, const queue::AttemptRow& row) {
    const queue::AttemptRecord& r = row.record;
    out << row.id << "," << row.job_id << "," << row.task_id << "," << row.attempt << ","
        << csv_field(row.action) << "," << csv_field(row.params_json) << ","
        << format_rfc3339_ms(r.started_at_ms) << "," << r.latency_ms << "," << r.http_status << ","
        << csv_field(r.request_id) << "," << csv_field(r.code) << "," << csv_field(r.message) << ","
        << outcome_name(r.outcome) << "," << csv_field(r.endpoint) << ","
        << csv_field(r.signature) << "," << csv_field(r.access_key_id) << ","
        << format_rfc3339_ms(row.recorded_at) << "," << row.prev_hash << "," << row.hash << "\n";
}

int audit_verify(Context& ctx, queue::Store& store) {
    auto v = store.verify_audit_chain();
    if (!v) return ctx.fail(v.error().code, v.error().message);
    if (ctx.global.json) {
        ctx.out << "{\"schema\":1,\"ok\":" << (v->ok ? "true" : "false") << ",\"rows\":" << v->rows
                << ",\"first_bad_id\":" << v->first_bad_id << ",\"reason\":\""
                << json_escape(v->reason) << "\",\"head_hash\":\"" << v->head_hash << "\"}\n";
    } else if (v->ok) {
        ctx.out << "audit chain intact: " << v->rows << " attempt row(s), head " << v->head_hash
                << "\n";
    }
    if (!v->ok)
        return ctx.fail(kExitDataErr, "audit chain broken at attempt row " +
                                          std::to_string(v->first_bad_id) + ": " + v->reason);
    return kExitOk;
}

}  // namespace

int cmd_audit(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {"--format", "--job", "--since"}, a); !e.empty())
        return ctx.fail(kExitUsage, e);
    if (a.positional.size() != 1 || (a.positional[0] != "verify" && a.positional[0] != "export"))
        return ctx.fail(kExitUsage, "audit needs 'verify' or 'export'");
    const bool verify = a.positional[0] == "verify";
    std::string format = a.get("--format", "jsonl");
    if (!verify && format != "jsonl" && format != "csv")
        return ctx.fail(kExitUsage, "--format: expected jsonl or csv, got '" + format + "'");
    queue::AttemptFilter filter;
    if (a.has("--since")) {
        auto t = parse_rfc3339(a.get("--since"));
        if (!t)
            return ctx.fail(kExitUsage, "--since: expected an RFC 3339 time with offset such as "
                                        "2026-11-30T00:00:00Z, got '" + a.get("--since") + "'");
        filter.since_ms = *t;
    }
    auto store = open_store(ctx, SystemClock::instance());
    if (!store) return ctx.fail(store.error().code, store.error().message);
    if (verify) return audit_verify(ctx, *store);
    if (a.has("--job")) {
        auto job = lookup_job(*store, a.get("--job"));
        if (!job) return ctx.fail(job.error().code, job.error().message);
        filter.job_id = job->id;
    }
    if (format == "csv") ctx.out << kCsvHeader;
    auto n = store->for_each_attempt(filter, [&](const queue::AttemptRow& r) {
        if (format == "csv") write_csv(ctx.out, r);
        else write_jsonl(ctx.out, r);
        return static_cast<bool>(ctx.out);
    });
    if (!n) return ctx.fail(n.error().code, n.error().message);
    return kExitOk;
}

}  // namespace qbi::cli
