#include "runner/app/service.h"

#include "runner/app/inbox_watch.h"
#include "runner/app/sd_notify.h"
#include "runner/app/session.h"
#include "runner/core/log.h"

namespace qbi::app {

namespace {

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

Status serve(Config config, const ServiceContext& cx) {
    Notifier notify(cx.env("NOTIFY_SOCKET").value_or(""));
    auto wd = watchdog_usec(cx.env("WATCHDOG_USEC"), cx.env("WATCHDOG_PID"));
    const std::int64_t watchdog_every_ms = wd ? std::max<std::int64_t>(1, *wd / 2000) : 0;

    RunnerSession session(cx.clock, cx.nonces);
    if (auto st = session.open(config, cx.env, cx.credentials); !st) return st;
    auto dir = inbox_dir(config, cx.env);
    if (!dir) return dir.error();
    Inbox first(*dir);
    if (auto st = first.prepare(); !st) return st;
    InboxWatch inbox(std::move(first));  // inotify; the first poll scans the whole inbox
    log::info("serving: database " + session.db_path() + ", inbox " + inbox.inbox().dir() +
              ", endpoint " + session.api().endpoint.url());
    notify.send("READY=1");

    for (;;) {
        std::atomic<bool> stop{false};
        engine::EngineOptions opt = session.engine_options(config);
        opt.continuous = true;
        engine::Engine engine(session.store(), session.caller_factory(), opt, cx.clock,
                              session.random());
        std::int64_t last_status = 0, last_watchdog = 0;
        bool reload = false, stopping_sent = false;
        auto tick = [&] {
            std::int64_t now = cx.clock.wall_ms();
            if (cx.signals.stop_requested() && !stopping_sent) {
                notify.send("STOPPING=1");
                log::info("stopping: in-flight calls get " +
                          std::to_string(config.grace_ms / 1000) + " s to finish");
                stopping_sent = true;
            }
            if (cx.signals.take_reload()) reload = true;
            stop = cx.signals.stop_requested() || reload;
            if (watchdog_every_ms && now - last_watchdog >= watchdog_every_ms) {
                notify.send("WATCHDOG=1");
                last_watchdog = now;
            }
            if (!stop) inbox.poll(session.store(), config, now);
            if (now - last_status >= kStatusMs) {
                notify.send("STATUS=" + status_line(session.store(), engine));
                last_status = now;
            }
        };
        auto report = engine.run(stop, {}, tick);
        if (report.reason == engine::StopReason::StoreError) return report.store_error;
        if (report.interrupted > 0)
            log::warn(std::to_string(report.interrupted) +
                      " call(s) did not answer within the grace period; recorded as interrupted "
                      "and queued again");
        if (!reload) break;
        // SIGHUP: configuration and credentials are read again; the queue and lock stay.
        notify.send("RELOADING=1");
        auto cfg = load_configuration(cx.overrides, cx.env);
        if (!cfg) {
            log::error("reload refused, keeping the old configuration: " + cfg.error().message);
        } else if (auto api = setup_api(*cfg, cx.credentials, true); !api) {
            log::error("reload refused, keeping the old configuration: " + api.error().message);
        } else {
            config = *cfg;
            session.set_api(*api);
            if (auto d = inbox_dir(config, cx.env); d && *d != inbox.inbox().dir()) {
                Inbox next(*d);
                if (auto ok = next.prepare(); !ok)
                    log::error(ok.error().message + "; the inbox stays " + inbox.inbox().dir());
                else
                    inbox = InboxWatch(std::move(next));
            }
            log::info("configuration reloaded; credentials: " +
                      describe_credentials(session.api().credentials));
        }
        notify.send("READY=1");
    }
    log::info("stopped");
    return {};
}

Result<InboxScan> submit_inbox(const Config& config, const ServiceContext& cx,
                               std::string& inbox_path) {
    auto dir = inbox_dir(config, cx.env);
    if (!dir) return dir.error();
    Inbox inbox(*dir);
    inbox_path = inbox.dir();
    if (auto st = inbox.prepare(); !st) return st.error();
    RunnerSession session(cx.clock, cx.nonces);  // takes the lock: no other runner meanwhile
    if (auto st = session.open(config, cx.env, cx.credentials); !st) return st.error();
    return inbox.scan(session.store(), config, cx.clock.wall_ms());
}

}  // namespace qbi::app
