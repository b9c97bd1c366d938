// qbi-runner audit verify [--anchor ROWS:HASH] [--key-file FILE] | audit export --format jsonl|csv
// [--job J]
// [--since T] (design §6).
#include <optional>
#include <ostream>
#include <string_view>

#include "runner/app/store_setup.h"
#include "runner/cli/commands.h"
#include "runner/core/time_format.h"
#include "runner/queue/audit.h"

namespace qbi::cli {

namespace {

// One CSV cell. A text cell that a spreadsheet would take for a formula (it begins with = + -
// @, a tab or a carriage return: OWASP's CSV injection list) gets a leading single quote, so
// Excel, LibreOffice and Sheets show it as text; the JSONL export keeps the exact values.
std::string csv_field(const std::string& s) {
    std::string v = s;
    if (!v.empty() && std::string_view("=+-@\t\r").find(v.front()) != std::string_view::npos)
        v.insert(v.begin(), '\'');
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

json::Value row_json(const queue::AttemptRow& row) {
    const queue::AttemptRecord& r = row.record;
    return json::Value::object()
        .set("id", row.id)
        .set("job_id", row.job_id)
        .set("task_id", row.task_id)
        .set("attempt", row.attempt)
        .set("action", row.action)
        .set("params", json::Value::raw(row.params_json))
        .set("started_at", format_rfc3339_ms(r.started_at_ms))
        .set("latency_ms", r.latency_ms)
        .set("http_status", r.http_status)
        .set("request_id", r.request_id)
        .set("code", r.code)
        .set("message", r.message)
        .set("outcome", outcome_name(r.outcome))
        .set("endpoint", r.endpoint)
        .set("signature", r.signature)
        .set("access_key_id", r.access_key_id)
        .set("recorded_at", format_rfc3339_ms(row.recorded_at))
        .set("prev_hash", row.prev_hash)
        .set("hash", row.hash);
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
        << outcome_name(r.outcome) << "," << csv_field(r.endpoint) << "," << csv_field(r.signature)
        << "," << csv_field(r.access_key_id) << "," << format_rfc3339_ms(row.recorded_at) << ","
        << row.prev_hash << "," << row.hash << "\n";
}

int audit_verify(Invocation& inv, queue::Store& store,
                 const std::optional<queue::AuditHead>& anchor) {
    auto v = store.verify_audit_chain(anchor);
    if (!v) return inv.fail(v.error());
    std::string mismatch;
    if (v->ok) {
        auto m = store.check_task_states();
        if (!m) return inv.fail(m.error());
        mismatch = *m;
    }
    if (inv.global.json) {
        auto doc = json_document()
                       .set("ok", v->ok && mismatch.empty())
                       .set("rows", v->rows)
                       .set("first_bad_id", v->first_bad_id)
                       .set("reason", v->reason)
                       .set("head_hash", v->head_hash)
                       .set("keyed_rows", v->keyed_rows)
                       .set("first_keyed_id", v->first_keyed_id)
                       .set("tasks_agree", v->ok && mismatch.empty())
                       .set("mismatch", mismatch);
        if (anchor) doc.set("anchor", std::to_string(anchor->rows) + ":" + anchor->hash);
        inv.print(doc);
    } else if (v->ok && mismatch.empty()) {
        inv.out << "audit chain intact: " << v->rows << " attempt row(s)";
        if (v->keyed_rows > 0)
            inv.out << " (" << v->keyed_rows << " keyed under the audit key, from row "
                    << v->first_keyed_id << ")";
        inv.out << ", head " << v->head_hash;
        if (anchor) inv.out << "; extends the anchor " << anchor->rows << ":" << anchor->hash;
        inv.out << "; task states agree with their attempt rows\n";
    }
    if (!v->ok && v->needs_key)
        return inv.fail(kExitConfig, "cannot verify attempt row " +
                                         std::to_string(v->first_bad_id) + ": " + v->reason);
    if (!v->ok)
        return inv.fail(kExitDataErr, "audit chain broken at attempt row " +
                                          std::to_string(v->first_bad_id) + ": " + v->reason);
    if (!mismatch.empty())
        return inv.fail(kExitDataErr, "audit log and task states disagree: " + mismatch);
    return kExitOk;
}

}  // namespace

int cmd_audit(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("audit"));
    if (!a) return inv.fail(a.error());
    if (a->positional.size() != 1 || (a->positional[0] != "verify" && a->positional[0] != "export"))
        return inv.fail(kExitUsage, "audit needs 'verify' or 'export'");
    const bool verify = a->positional[0] == "verify";
    std::string format = a->get("--format", "jsonl");
    if (!verify && format != "jsonl" && format != "csv")
        return inv.fail(kExitUsage, "--format: expected jsonl or csv, got '" + format + "'");
    queue::AttemptFilter filter;
    if (a->has("--since")) {
        auto t = parse_rfc3339(a->get("--since"));
        if (!t)
            return inv.fail(kExitUsage,
                            "--since: expected an RFC 3339 time with offset such as "
                            "2026-11-30T00:00:00Z, got '" +
                                a->get("--since") + "'");
        filter.since_ms = *t;
    }
    std::optional<queue::AuditHead> anchor;
    if (a->has("--anchor")) {
        if (!verify) return inv.fail(kExitUsage, "--anchor goes with audit verify");
        anchor = queue::parse_audit_head(a->get("--anchor"));
        if (!anchor)
            return inv.fail(kExitUsage,
                            "--anchor: expected ROWS:HASH as a runner logged it (\"audit head: "
                            "ROWS HASH\"), got '" +
                                a->get("--anchor") + "'");
    }
    app::Config key_config = inv.config;
    if (a->has("--key-file")) {
        if (!verify) return inv.fail(kExitUsage, "--key-file goes with audit verify");
        key_config.audit_key_file = a->get("--key-file");
    }
    queue::AuditKeyRef key;
    if (verify) {
        auto k = app::load_audit_key(key_config);
        if (!k) return inv.fail(k.error());
        key = *k;
    }
    auto store = open_queue(inv, app::QueueUse::Read);
    if (!store) return inv.fail(store.error());
    if (verify) {
        store->set_audit_key(key);
        return audit_verify(inv, *store, anchor);
    }
    if (a->has("--job")) {
        auto job = app::lookup_job(*store, a->get("--job"));
        if (!job) return inv.fail(job.error());
        filter.job_id = job->id;
    }
    if (format == "csv") inv.out << kCsvHeader;
    auto n = store->for_each_attempt(filter, [&](const queue::AttemptRow& r) {
        if (format == "csv")
            write_csv(inv.out, r);
        else
            inv.out << row_json(r).to_json() << "\n";
        return static_cast<bool>(inv.out);
    });
    if (!n) return inv.fail(n.error());
    return kExitOk;
}

}  // namespace qbi::cli
