// qbi-runner report JOB [--format html|md] [-o FILE]: the job's evidence report
// (runner/app/report.h). Read-only: the queue is opened as status opens it (never created).
#include <ostream>

#include "runner/app/report.h"
#include "runner/app/store_setup.h"
#include "runner/cli/commands.h"

namespace qbi::cli {

int cmd_report(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("report"));
    if (!a) return inv.fail(a.error());
    if (a->positional.size() != 1) return inv.fail(kExitUsage, "report needs exactly one job");
    const std::string path = a->get("--output");
    if (a->has("--output") && path.empty()) return inv.fail(kExitUsage, "-o: expected a file name");
    // --format wins; else the file's extension (.md, .markdown: Markdown); else HTML.
    app::ReportFormat format = app::report_format_for_path(path);
    if (a->has("--format")) {
        auto f = app::parse_report_format(a->get("--format"));
        if (!f)
            return inv.fail(kExitUsage,
                            "--format: expected html or md, got '" + a->get("--format") + "'");
        format = *f;
    }
    auto db = app::database_path(inv.config, inv.env);
    if (!db) return inv.fail(db.error());
    auto store = app::open_store(inv.config, *db, inv.clock, app::QueueUse::Read);
    if (!store) return inv.fail(store.error());
    // The audit proof of a keyed log needs the key (audit.key_file), as `audit verify` does.
    auto key = app::load_audit_key(inv.config);
    if (!key) return inv.fail(key.error());
    store->set_audit_key(*key);
    auto job = app::lookup_job(*store, a->positional[0]);
    if (!job) return inv.fail(job.error());
    const app::ReportOrigin origin = app::report_origin(*db, inv.clock.wall_ms());
    const bool to_stdout = path.empty() || path == "-";
    auto facts = to_stdout ? app::write_report(*store, *job, format, origin, inv.out)
                           : app::write_report_file(*store, *job, format, origin, path);
    if (!facts) return inv.fail(facts.error());
    if (!to_stdout)
        inv.note("report of job " + std::to_string(job->id) + " (" + job->name + ") written to " +
                 path);
    // The report says so itself; the exit code tells a script, as `audit verify` would.
    if (const std::string problem = app::proof_problem(*facts); !problem.empty())
        return inv.fail(kExitDataErr, problem);
    return kExitOk;
}

}  // namespace qbi::cli
