// qbi-runner rerun JOB|--all [--state failed|cancelled] [--code C] and cancel JOB.
#include <ostream>

#include "runner/app/store_setup.h"
#include "runner/cli/commands.h"
#include "runner/core/strings.h"

namespace qbi::cli {

int cmd_rerun(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("rerun"));
    if (!a) return inv.fail(a.error());
    bool all = a->has("--all");
    if (all == (a->positional.size() == 1) || a->positional.size() > 1)
        return inv.fail(kExitUsage, "rerun needs one job, or --all");
    queue::RerunRequest req;
    if (a->has("--state")) {
        req.states.clear();
        for (const auto& s : a->all("--state")) {
            for (const auto& part : split(s, ',')) {
                auto st = queue::parse_task_state(part);
                if (!st || (*st != queue::TaskState::Failed && *st != queue::TaskState::Cancelled))
                    return inv.fail(kExitUsage,
                                    "--state: only failed and cancelled tasks can be "
                                    "rerun, got '" +
                                        part + "'");
                req.states.push_back(*st);
            }
        }
    }
    if (a->has("--code")) req.code = a->get("--code");
    auto store = open_queue(inv, app::QueueUse::Change);
    if (!store) return inv.fail(store.error());
    std::string scope = "every job";
    if (!all) {
        auto job = app::lookup_job(*store, a->positional[0]);
        if (!job) return inv.fail(job.error());
        req.job_id = job->id;
        scope = "job " + job->name;
    }
    auto n = store->rerun(req);
    if (!n) return inv.fail(n.error());
    if (inv.global.json)
        inv.print(json_document().set("requeued", *n));
    else if (*n == 0)
        inv.out << "nothing to rerun in " << scope << "\n";
    else
        inv.out << "requeued " << *n << " task(s) of " << scope
                << " (attempt history kept); run qbi-runner run to work them\n";
    return kExitOk;
}

int cmd_cancel(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("cancel"));
    if (!a) return inv.fail(a.error());
    if (a->positional.size() != 1) return inv.fail(kExitUsage, "cancel needs exactly one job");
    auto store = open_queue(inv, app::QueueUse::Change);
    if (!store) return inv.fail(store.error());
    auto job = app::lookup_job(*store, a->positional[0]);
    if (!job) return inv.fail(job.error());
    auto n = store->cancel_job(job->id);
    if (!n) return inv.fail(n.error());
    if (inv.global.json)
        inv.print(json_document().set("cancelled", *n));
    else
        inv.out << "cancelled " << *n << " queued task(s) of job " << job->name
                << (job->counts.running > 0 ? "; running tasks finish first" : "") << "\n";
    return kExitOk;
}

}  // namespace qbi::cli
