// qbi-runner run [--workers N] [--max-qps Q] [--job NAME] [--max-time DUR]: work the queue
// until every due task is settled, then exit (design §7).
#include <ostream>

#include "runner/cli/commands.h"
#include "runner/cli/runner_session.h"
#include "runner/cli/signals.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

int cmd_run(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {"--workers", "--max-qps", "--job", "--max-time"}, a);
        !e.empty())
        return ctx.fail(kExitUsage, e);
    if (!a.positional.empty())
        return ctx.fail(kExitUsage, "run takes no arguments besides options, got '" +
                                        a.positional[0] + "'");
    if (a.has("--workers"))
        if (auto st = apply_setting(ctx.config, "run.workers", a.get("--workers")); !st)
            return ctx.fail(kExitUsage, "--workers: " + st.error().message);
    if (a.has("--max-qps"))
        if (auto st = apply_setting(ctx.config, "rate.max_qps", a.get("--max-qps")); !st)
            return ctx.fail(kExitUsage, "--max-qps: " + st.error().message);
    std::optional<std::int64_t> max_time;
    if (a.has("--max-time")) {
        max_time = parse_duration_ms(a.get("--max-time"));
        if (!max_time)
            return ctx.fail(kExitUsage, "--max-time: expected a duration such as 90s, 15m or 2h, "
                                        "got '" + a.get("--max-time") + "'");
    }
    // Signals are blocked before any thread starts, then received by one watcher thread.
    block_signals();
    SignalWatcher signals;

    RunnerSession session;
    if (int rc = session.open(ctx); rc != kExitOk) return rc;
    std::optional<std::int64_t> job_id;
    if (a.has("--job")) {
        auto job = session.store->find_job(a.get("--job"));
        if (!job) return ctx.fail(job.error().code, job.error().message);
        if (!*job) return ctx.fail(kExitUsage, "no job named '" + a.get("--job") + "' (see qbi-runner status)");
        job_id = (*job)->id;
    }
    engine::EngineOptions opt = session.engine_options(ctx);
    opt.job_id = job_id;
    opt.max_time_ms = max_time;
    return session.run_to_end(ctx, opt, signals.stop_flag());
}

}  // namespace qbi::cli
