// qbi-runner serve: the daemon (design §7, §9). Watches the inbox, works the queue
// continuously (honouring not_before), talks to systemd over NOTIFY_SOCKET:
//   READY=1 once the database, configuration and credentials are good;
//   STATUS=<queue counts; engine state> every few seconds;
//   WATCHDOG=1 from the writer loop (the loop that makes progress) at half of WATCHDOG_USEC;
//   RELOADING=1 / READY=1 around a SIGHUP reload (configuration and credentials re-read);
//   STOPPING=1 on SIGTERM/SIGINT, after which in-flight calls get serve.grace to finish, the
//   rest are recorded as interrupted and queued again, and serve exits 0.
// A halt (credentials or permission refused) pauses dispatch; the engine probes again every
// serve.halt_probe and resumes by itself once a probe succeeds.
#include <ostream>

#include "runner/cli/app.h"
#include "runner/cli/commands.h"
#include "runner/cli/inbox.h"
#include "runner/cli/runner_session.h"
#include "runner/cli/sd_notify.h"
#include "runner/cli/signals.h"
#include "runner/core/log.h"

namespace qbi::cli {

namespace {

constexpr std::int64_t kInboxScanMs = 2000;
constexpr std::int64_t kStatusMs = 5000;

std::string status_line(queue::Store& store, const engine::Engine& engine) {
    std::string s;
    if (auto t = store.totals()) {
        s = "queued " + std::to_string(t->queued) + ", running " + std::to_string(t->running) +
            ", done " + std::to_string(t->done) + ", already absent " +
            std::to_string(t->already_absent) + ", failed " + std::to_string(t->failed);
    }
    return s + "; " + engine.status_text();
}

}  // namespace

int cmd_serve(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {}, a); !e.empty()) return ctx.fail(kExitUsage, e);
    if (!a.positional.empty()) return ctx.fail(kExitUsage, "serve takes no arguments");
    block_signals();
    SignalWatcher signals;
    Notifier notify(ctx.env("NOTIFY_SOCKET").value_or(""));
    auto wd = watchdog_usec(ctx.env("WATCHDOG_USEC"), ctx.env("WATCHDOG_PID"));
    const std::int64_t watchdog_every_ms = wd ? std::max<std::int64_t>(1, *wd / 2000) : 0;

    RunnerSession session;
    if (int rc = session.open(ctx); rc != kExitOk) return rc;
    auto dir = inbox_dir(ctx.config, ctx.env);
    if (!dir) return ctx.fail(dir.error().code, dir.error().message);
    Inbox inbox(*dir);
    if (auto ok = inbox.prepare(); !ok) return ctx.fail(ok.error().code, ok.error().message);
    Clock& clock = SystemClock::instance();
    log::info("serving: database " + session.db_path + ", inbox " + inbox.dir() + ", endpoint " +
              session.api.endpoint.url());
    notify.send("READY=1");

    for (;;) {
        std::atomic<bool> stop{false};
        engine::EngineOptions opt = session.engine_options(ctx);
        opt.owner = make_owner(session.nonces);
        opt.continuous = true;
        engine::Engine engine(*session.store, session.caller_factory(clock), opt, clock,
                              *session.random);
        std::int64_t last_scan = 0, last_status = 0, last_watchdog = 0;
        bool reload = false, stopping_sent = false;
        auto tick = [&] {
            std::int64_t now = clock.wall_ms();
            if (signals.stop_requested() && !stopping_sent) {
                notify.send("STOPPING=1");
                log::info("stopping: in-flight calls get " + std::to_string(ctx.config.grace_ms / 1000) +
                          " s to finish");
                stopping_sent = true;
            }
            if (signals.take_reload()) reload = true;
            stop = signals.stop_requested() || reload;
            if (watchdog_every_ms && now - last_watchdog >= watchdog_every_ms) {
                notify.send("WATCHDOG=1");
                last_watchdog = now;
            }
            if (!stop && now - last_scan >= kInboxScanMs) {
                inbox.scan(*session.store, ctx.config, now);
                last_scan = now;
            }
            if (now - last_status >= kStatusMs) {
                notify.send("STATUS=" + status_line(*session.store, engine));
                last_status = now;
            }
        };
        auto report = engine.run(stop, {}, tick);
        if (report.reason == engine::StopReason::StoreError)
            return ctx.fail(report.store_error.code, report.store_error.message);
        if (report.interrupted > 0)
            log::warn(std::to_string(report.interrupted) +
                      " call(s) did not answer within the grace period; recorded as interrupted "
                      "and queued again");
        if (!reload) break;
        // SIGHUP: configuration and credentials are read again; the queue and lock stay.
        notify.send("RELOADING=1");
        auto cfg = load_configuration(ctx.global, ctx.env);
        if (!cfg) {
            log::error("reload refused, keeping the old configuration: " + cfg.error().message);
        } else {
            Config old = ctx.config;
            ctx.config = *cfg;
            auto api = setup_api(ctx, true);
            if (!api) {
                log::error("reload refused, keeping the old configuration: " + api.error().message);
                ctx.config = old;
            } else {
                session.api = *api;
                if (auto d = inbox_dir(ctx.config, ctx.env); d && *d != inbox.dir()) {
                    inbox = Inbox(*d);
                    if (auto ok = inbox.prepare(); !ok) log::error(ok.error().message);
                }
                log::info("configuration reloaded; credentials: " +
                          describe_credentials(session.api.credentials));
            }
        }
        notify.send("READY=1");
    }
    log::info("stopped");
    return kExitOk;
}

int cmd_batch(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {"--max-time"}, a); !e.empty()) return ctx.fail(kExitUsage, e);
    if (!a.positional.empty()) return ctx.fail(kExitUsage, "batch takes no arguments");
    std::vector<std::string> run_args;
    if (a.has("--max-time")) run_args = {"--max-time", a.get("--max-time")};
    // The inbox first (its own short-lived store connection), then an ordinary run.
    {
        auto dir = inbox_dir(ctx.config, ctx.env);
        if (!dir) return ctx.fail(dir.error().code, dir.error().message);
        Inbox inbox(*dir);
        if (auto ok = inbox.prepare(); !ok) return ctx.fail(ok.error().code, ok.error().message);
        RunnerSession probe;  // takes the lock: no other runner may work meanwhile
        if (int rc = probe.open(ctx); rc != kExitOk) return rc;
        InboxScan s = inbox.scan(*probe.store, ctx.config, SystemClock::instance().wall_ms());
        ctx.note("inbox " + inbox.dir() + ": " + std::to_string(s.accepted) + " accepted, " +
                 std::to_string(s.rejected) + " rejected, " + std::to_string(s.deferred) +
                 " left for later");
    }
    return cmd_run(ctx, run_args);
}

}  // namespace qbi::cli
