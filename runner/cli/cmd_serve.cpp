// qbi-runner serve (the daemon) and batch (the timer's job): argument checks here, the work in
// runner/app/service.h.
#include <ostream>

#include "runner/app/metrics_output.h"
#include "runner/app/service.h"
#include "runner/app/signals.h"
#include "runner/cli/commands.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace {

app::ServiceContext service_context(Invocation& inv, app::SignalWatcher& signals) {
    return app::ServiceContext{
        inv.global.overrides, inv.credentials(), inv.env, inv.clock, inv.nonces, signals};
}

}  // namespace

int cmd_serve(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("serve"));
    if (!a) return inv.fail(a.error());
    if (!a->positional.empty()) return inv.fail(kExitUsage, "serve takes no arguments");
    // Signals are blocked before any thread starts, then received by one watcher thread.
    app::block_signals();
    app::SignalWatcher signals;
    if (auto st = app::serve(inv.config, service_context(inv, signals)); !st)
        return inv.fail(st.error());
    return kExitOk;
}

int cmd_batch(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("batch"));
    if (!a) return inv.fail(a.error());
    if (!a->positional.empty()) return inv.fail(kExitUsage, "batch takes no arguments");
    std::vector<std::string> run_args;
    if (a->has("--max-time")) {
        // Checked before the inbox is touched (cmd_run would only refuse it afterwards).
        if (!parse_duration_ms(a->get("--max-time")))
            return inv.fail(kExitUsage,
                            "--max-time: expected a duration such as 90s, 15m or 2h, got '" +
                                a->get("--max-time") + "'");
        run_args = {"--max-time", a->get("--max-time")};
    }
    if (a->has("--metrics-file")) {
        // Checked before the inbox is touched, as --max-time.
        if (auto st = app::check_metrics_file(a->get("--metrics-file")); !st)
            return inv.fail(st.error());
        run_args.push_back("--metrics-file");
        run_args.push_back(a->get("--metrics-file"));
    }
    app::InboxScan inbox;
    {
        app::block_signals();
        app::SignalWatcher signals;
        std::string dir;
        auto scan = app::submit_inbox(inv.config, service_context(inv, signals), dir);
        if (!scan) return inv.fail(scan.error());
        inv.note("inbox " + dir + ": " + std::to_string(scan->accepted) + " accepted, " +
                 std::to_string(scan->rejected) + " rejected, " + std::to_string(scan->deferred) +
                 " left for later");
        inbox = *scan;
    }
    return run_after_inbox(inv, run_args, &inbox);
}

}  // namespace qbi::cli
