// qbi-runner run [--workers N] [--max-qps Q] [--job NAME] [--max-time DUR]
// [--metrics-file PATH]: work the queue until every due task is settled, then exit (design §7).
#include <cstdio>
#include <ostream>

#include "runner/app/metrics_output.h"
#include "runner/app/session.h"
#include "runner/app/signals.h"
#include "runner/app/store_setup.h"
#include "runner/cli/commands.h"
#include "runner/cli/progress_line.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace {

const char* reason_name(engine::StopReason r) {
    switch (r) {
        case engine::StopReason::Finished:
            return "finished";
        case engine::StopReason::Halted:
            return "halted";
        case engine::StopReason::Stopped:
            return "stopped";
        case engine::StopReason::TimeLimit:
            return "time_limit";
        case engine::StopReason::StoreError:
            return "store_error";
    }
    return "";
}

}  // namespace

int print_run_summary(Invocation& inv, const app::RunSummary& s) {
    const engine::RunReport& r = s.report;
    const app::RunCounts& c = s.counts;
    if (inv.global.json) {
        inv.print(json_document()
                      .set("result", reason_name(r.reason))
                      .set("exit_code", s.exit_code)
                      .set("elapsed_ms", r.elapsed_ms)
                      .set("done", c.done)
                      .set("already_absent", c.already_absent)
                      .set("failed", c.failed)
                      .set("retried", c.retried)
                      .set("throttled", c.throttled)
                      .set("attempts", c.attempts)
                      .set("recovered", r.recovered)
                      .set("interrupted", r.interrupted)
                      .set("left_queued", s.left.queued)
                      .set("halt_code", r.halt_code));
    } else {
        const double secs = static_cast<double>(r.elapsed_ms) / 1000.0;
        const std::int64_t settled = c.done + c.already_absent + c.failed;
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.1f",
                      secs > 0 ? static_cast<double>(settled) / secs : 0.0);
        inv.out << "run " << reason_name(r.reason) << " after " << r.elapsed_ms / 1000 << "."
                << (r.elapsed_ms % 1000) / 100 << " s: " << c.done << " done, " << c.already_absent
                << " already absent, " << c.failed << " failed; " << c.attempts << " attempts ("
                << c.retried << " retried, " << c.throttled << " throttled), " << rate
                << " tasks/s; " << s.left.queued << " task(s) left queued\n";
        if (r.recovered > 0)
            inv.out << r.recovered << " task(s) of a previous runner were recovered\n";
        if (r.interrupted > 0)
            inv.out << r.interrupted
                    << " call(s) still in flight at the stop were recorded as interrupted\n";
    }
    if (!s.why.empty()) inv.fail(s.exit_code, s.why);
    return s.exit_code;
}

int run_with_progress(Invocation& inv, app::RunnerSession& session, engine::EngineOptions opt,
                      const std::atomic<bool>& stop, const std::string& metrics_file) {
    const bool show = !inv.global.quiet;
    ProgressLine line(inv.err, inv.redraw() && show, inv.clock.wall_ms());
    auto summary = session.run_to_end(std::move(opt), stop, [&](const engine::Engine& e) {
        if (show) line.update(e.progress(), inv.clock.wall_ms());
    });
    if (show) line.finish();
    int code = print_run_summary(inv, summary);
    if (!metrics_file.empty()) {
        std::int64_t last_success = 0;
        if (auto last = session.store().last_success_at(); last && *last) last_success = **last;
        const auto gauges = app::read_queue_gauges(session.store(), inv.clock, last_success);
        const metrics::RunEnd end{inv.clock.wall_ms(), code};
        const std::string text = session.metrics().render(gauges, QBI_VERSION, &end);
        if (auto st = app::write_metrics_file(metrics_file, text); !st) {
            inv.fail(st.error());
            if (code == kExitOk) code = st.error().code;
        }
    }
    return code;
}

int cmd_run(Invocation& inv, const std::vector<std::string>& args) {
    return run_after_inbox(inv, args, nullptr);
}

int run_after_inbox(Invocation& inv, const std::vector<std::string>& args,
                    const app::InboxScan* inbox) {
    auto a = parse_args(args, command("run"));
    if (!a) return inv.fail(a.error());
    if (!a->positional.empty())
        return inv.fail(kExitUsage,
                        "run takes no arguments besides options, got '" + a->positional[0] + "'");
    if (a->has("--workers"))
        if (auto st = app::apply_setting(inv.config, "run.workers", a->get("--workers")); !st)
            return inv.fail(kExitUsage, "--workers: " + st.error().message);
    if (a->has("--max-qps"))
        if (auto st = app::apply_setting(inv.config, "rate.max_qps", a->get("--max-qps")); !st)
            return inv.fail(kExitUsage, "--max-qps: " + st.error().message);
    std::optional<std::int64_t> max_time;
    if (a->has("--max-time")) {
        max_time = parse_duration_ms(a->get("--max-time"));
        if (!max_time)
            return inv.fail(kExitUsage,
                            "--max-time: expected a duration such as 90s, 15m or 2h, "
                            "got '" +
                                a->get("--max-time") + "'");
    }
    const std::string metrics_file = a->has("--metrics-file") ? a->get("--metrics-file") : "";
    if (a->has("--metrics-file"))
        if (auto st = app::check_metrics_file(metrics_file); !st) return inv.fail(st.error());
    // Signals are blocked before any thread starts, then received by one watcher thread.
    app::block_signals();
    app::SignalWatcher signals;

    app::RunnerSession session(inv.clock, inv.nonces);
    if (auto st = session.open(inv.config, inv.env, inv.credentials()); !st)
        return inv.fail(st.error());
    if (inbox) session.metrics().add_inbox(inbox->accepted, inbox->rejected);
    engine::EngineOptions opt = session.engine_options(inv.config);
    if (a->has("--job")) {
        auto job = app::lookup_job(session.store(), a->get("--job"));
        if (!job) return inv.fail(job.error());
        opt.job_id = job->id;
    }
    opt.max_time_ms = max_time;
    return run_with_progress(inv, session, std::move(opt), signals.stop_flag(), metrics_file);
}

}  // namespace qbi::cli
