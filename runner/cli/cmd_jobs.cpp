// qbi-runner validate FILE... and submit FILE... [--dry-run] (design §3, §7).
#include <algorithm>
#include <ostream>

#include "runner/app/submit.h"
#include "runner/cli/commands.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace {

const char* status_name(app::SubmitStatus s) {
    switch (s) {
        case app::SubmitStatus::Submitted:
            return "submitted";
        case app::SubmitStatus::AlreadySubmitted:
            return "already_submitted";
        case app::SubmitStatus::Invalid:
            return "invalid";
        case app::SubmitStatus::Refused:
            return "refused";
        case app::SubmitStatus::StoreError:
            return "error";
    }
    return "";
}

json::Value string_array(const std::vector<std::string>& items) {
    json::Value a = json::Value::array();
    for (const auto& s : items) a.push(s);
    return a;
}

}  // namespace

int cmd_validate(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("validate"));
    if (!a) return inv.fail(a.error());
    if (a->positional.empty()) return inv.fail(kExitUsage, "validate needs at least one job file");
    int rc = kExitOk;
    json::Value files = json::Value::array();
    for (const auto& path : a->positional) {
        auto r = jobs::parse_job_file(path, app::job_limits(inv.config));
        std::vector<std::string> errors;
        if (!r) {
            rc = kExitDataErr;
            for (const auto& e : r.errors()) errors.push_back(e.to_string());
        }
        if (inv.global.json) {
            json::Value f = json::Value::object().set("file", path).set("valid", r.ok());
            if (r) f.set("job", r.job().name).set("tasks", r.job().tasks.size());
            files.push(f.set("errors", string_array(errors)));
        } else if (r) {
            inv.out << printable(path) << ": ok, job " << r.job().name << ", "
                    << r.job().tasks.size() << " tasks\n";
        } else {
            for (const auto& e : errors) inv.err << printable(e) << "\n";
            inv.err << printable(path) << ": invalid\n";
        }
    }
    if (inv.global.json) inv.print(json_document().set("files", files));
    return rc;
}

namespace {

int submit_dry_run(Invocation& inv, const std::vector<std::string>& files) {
    int rc = kExitOk;
    json::Value list = json::Value::array();
    for (const auto& path : files) {
        auto r = jobs::parse_job_file(path, app::job_limits(inv.config));
        if (!r) {
            rc = kExitDataErr;
            for (const auto& e : r.errors()) inv.err << printable(e.to_string()) << "\n";
            inv.err << printable(path) << ": rejected, nothing would be enqueued\n";
            continue;
        }
        const auto& job = r.job();
        const bool discovery = std::any_of(job.tasks.begin(), job.tasks.end(), [](const auto& t) {
            return jobs::is_read_action(t.action);
        });
        if (inv.global.json) {
            json::Value calls = json::Value::array();
            for (const auto& t : job.tasks) calls.push(jobs::describe_call(t));
            list.push(json::Value::object()
                          .set("file", path)
                          .set("job", job.name)
                          .set("calls", calls)
                          .set("discovery", discovery));
            continue;
        }
        inv.out << "# " << printable(path) << ": job " << job.name << ", " << job.tasks.size()
                << " calls";
        if (job.not_before_ms) inv.out << ", not before " << format_rfc3339_ms(*job.not_before_ms);
        inv.out << "\n";
        if (discovery)
            inv.out << "# the discovery calls below run first, when the job is due; their answers "
                       "decide the cancel calls (qbi-runner plan shows them now)\n";
        for (const auto& t : job.tasks) inv.out << printable(jobs::describe_call(t)) << "\n";
    }
    if (inv.global.json) inv.print(json_document().set("dry_run", true).set("jobs", list));
    return rc;
}

}  // namespace

int cmd_submit(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("submit"));
    if (!a) return inv.fail(a.error());
    if (a->positional.empty()) return inv.fail(kExitUsage, "submit needs at least one job file");
    if (a->has("--dry-run")) return submit_dry_run(inv, a->positional);
    auto store = open_queue(inv, app::QueueUse::Enqueue);
    if (!store) return inv.fail(store.error());
    int rc = kExitOk;
    json::Value files = json::Value::array();
    for (const auto& path : a->positional) {
        app::SubmitOutcome o = app::submit_file(*store, path, inv.config);
        if (o.status == app::SubmitStatus::StoreError && rc != kExitDataErr) rc = o.error_code;
        if (o.status == app::SubmitStatus::Invalid || o.status == app::SubmitStatus::Refused)
            rc = kExitDataErr;
        if (inv.global.json) {
            files.push(json::Value::object()
                           .set("file", o.file)
                           .set("status", status_name(o.status))
                           .set("job", o.job_name)
                           .set("job_id", o.job_id)
                           .set("tasks", o.tasks)
                           .set("errors", string_array(o.errors)));
            continue;
        }
        if (o.status == app::SubmitStatus::Invalid)
            for (const auto& e : o.errors) inv.err << printable(e) << "\n";
        bool good = o.status == app::SubmitStatus::Submitted ||
                    o.status == app::SubmitStatus::AlreadySubmitted;
        (good ? inv.out : inv.err) << printable(app::describe(o)) << "\n";
    }
    if (inv.global.json) inv.print(json_document().set("files", files));
    return rc;
}

}  // namespace qbi::cli
