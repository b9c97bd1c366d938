// qbi-runner rerun JOB|--all [--state failed|cancelled] [--code C] and cancel JOB.
#include <ostream>

#include "runner/cli/commands.h"
#include "runner/cli/store_setup.h"
#include "runner/core/strings.h"

namespace qbi::cli {

int cmd_rerun(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {"--all"}, {"--state", "--code"}, a); !e.empty())
        return ctx.fail(kExitUsage, e);
    bool all = a.has("--all");
    if (all == (a.positional.size() == 1) || a.positional.size() > 1)
        return ctx.fail(kExitUsage, "rerun needs one job, or --all");
    queue::RerunRequest req;
    if (a.has("--state")) {
        req.states.clear();
        for (const auto& s : a.all("--state")) {
            for (const auto& part : split(s, ',')) {
                auto st = queue::parse_task_state(part);
                if (!st || (*st != queue::TaskState::Failed && *st != queue::TaskState::Cancelled))
                    return ctx.fail(kExitUsage, "--state: only failed and cancelled tasks can be "
                                                "rerun, got '" + part + "'");
                req.states.push_back(*st);
            }
        }
    }
    if (a.has("--code")) req.code = a.get("--code");
    auto store = open_store(ctx, SystemClock::instance());
    if (!store) return ctx.fail(store.error().code, store.error().message);
    std::string scope = "every job";
    if (!all) {
        auto job = lookup_job(*store, a.positional[0]);
        if (!job) return ctx.fail(job.error().code, job.error().message);
        req.job_id = job->id;
        scope = "job " + job->name;
    }
    auto n = store->rerun(req);
    if (!n) return ctx.fail(n.error().code, n.error().message);
    if (ctx.global.json)
        ctx.out << "{\"schema\":1,\"requeued\":" << *n << "}\n";
    else if (*n == 0)
        ctx.out << "nothing to rerun in " << scope << "\n";
    else
        ctx.out << "requeued " << *n << " task(s) of " << scope
                << " (attempt history kept); run qbi-runner run to work them\n";
    return kExitOk;
}

int cmd_cancel(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {}, a); !e.empty()) return ctx.fail(kExitUsage, e);
    if (a.positional.size() != 1) return ctx.fail(kExitUsage, "cancel needs exactly one job");
    auto store = open_store(ctx, SystemClock::instance());
    if (!store) return ctx.fail(store.error().code, store.error().message);
    auto job = lookup_job(*store, a.positional[0]);
    if (!job) return ctx.fail(job.error().code, job.error().message);
    auto n = store->cancel_job(job->id);
    if (!n) return ctx.fail(n.error().code, n.error().message);
    if (ctx.global.json)
        ctx.out << "{\"schema\":1,\"cancelled\":" << *n << "}\n";
    else
        ctx.out << "cancelled " << *n << " queued task(s) of job " << job->name
                << (job->counts.running > 0 ? "; running tasks finish first" : "") << "\n";
    return kExitOk;
}

}  // namespace qbi::cli
