#include "runner/app/service.h"

#include "runner/app/inbox_worker.h"
#include "runner/app/metrics_output.h"
#include "runner/app/sd_notify.h"
#include "runner/app/session.h"
#include "runner/app/store_setup.h"
#include "runner/core/log.h"
#include "runner/core/time_format.h"
#include "runner/metrics/http_server.h"

namespace qbi::app {

namespace {

// The inbox worker polls inotify this often (a file is taken within this time of its
// close or rename); the watch itself rescans and retries every 2 s.
constexpr std::int64_t kInboxPollMs = 200;
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

// A reload cannot change what the open queue was opened with: those settings are kept, and
// each refusal is said by name.
void keep_queue_settings(const Config& old, Config& fresh, const std::string& db_path,
                         const Env& env) {
    auto refuse = [](const std::string& key, const std::string& kept) {
        log::warn(key + " changed: restart the service to use it; keeping " + kept);
    };
    if (auto path = database_path(fresh, env); !path || *path != db_path)
        refuse("queue.database", db_path);
    fresh.database = old.database;
    if (fresh.synchronous != old.synchronous) refuse("queue.synchronous", old.synchronous);
    fresh.synchronous = old.synchronous;
    if (fresh.busy_timeout_ms != old.busy_timeout_ms)
        refuse("queue.busy_timeout", format_duration_ms(old.busy_timeout_ms));
    fresh.busy_timeout_ms = old.busy_timeout_ms;
    if (fresh.audit_key_file != old.audit_key_file)
        refuse("audit.key_file", old.audit_key_file.empty() ? "no key" : old.audit_key_file);
    fresh.audit_key_file = old.audit_key_file;
}

// Logged after a halt's reason: serve pauses and probes, it does not exit.
std::string halt_remedy(const Config& config) {
    return "; dispatch is paused, no task was failed for it. Fix the cause, then restart the "
           "service (systemctl restart qbi-runner); until then a probe call goes out every " +
           format_duration_ms(config.halt_probe_ms) + " and dispatch resumes once one succeeds";
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
    // The inbox is followed (inotify, a scan at start) and submitted on a thread of its own
    // (inbox_worker.h), never on the engine's writer thread, which sends the watchdog.
    std::string inbox_path = *dir;
    auto make_worker = [&](const std::string& path) -> Result<std::unique_ptr<InboxWorker>> {
        Inbox inbox(path);
        if (auto st = inbox.prepare(); !st) return st.error();
        return std::make_unique<InboxWorker>(std::move(inbox), config, session.db_path(), cx.clock,
                                             kInboxPollMs);
    };
    auto first = make_worker(inbox_path);
    if (!first) return first.error();
    std::unique_ptr<InboxWorker> inbox_worker = std::move(*first);
    log::info("serving: database " + session.db_path() + ", inbox " + inbox_path + ", endpoint " +
              session.api().endpoint.url());
    // The metrics endpoint (serve.metrics_listen): declared after the session, so it stops
    // before the session (whose metrics it renders) goes.
    QueueSampler sampler(session.db_path(), config, cx.clock);
    std::unique_ptr<metrics::MetricsServer> metrics_server;
    if (!config.metrics_listen.empty()) {
        auto address = metrics::parse_listen_address(config.metrics_listen, "serve.metrics_listen");
        if (!address) return address.error();
        auto server = metrics::MetricsServer::start(
            *address,
            [&session, &sampler] {
                return session.metrics().render(sampler.gauges(), QBI_VERSION);
            },
            "serve.metrics_listen");
        if (!server) return server.error();
        metrics_server = std::move(*server);
        metrics::ListenAddress bound = *address;
        bound.port = metrics_server->port();
        log::info("metrics: http://" + bound.text() + "/metrics");
        if (!address->loopback)
            log::warn("serve.metrics_listen: the metrics endpoint listens on " + bound.text() +
                      ", not on loopback: anyone who can reach it reads the metrics (no "
                      "authentication); restrict it with a firewall");
    }
    // Inbox files counted into the metrics: what the current worker took since it started.
    InboxScan inbox_seen;
    auto count_inbox = [&] {
        if (!inbox_worker) return;
        const InboxScan t = inbox_worker->totals();
        session.metrics().add_inbox(t.accepted - inbox_seen.accepted,
                                    t.rejected - inbox_seen.rejected);
        inbox_seen = t;
    };
    session.calls().log_halts(config.halt_probe_ms, halt_remedy(config));
    notify.send("READY=1");
    inbox_worker->start();

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
            if (stop && inbox_worker) inbox_worker->request_stop();
            if (watchdog_every_ms && now - last_watchdog >= watchdog_every_ms) {
                notify.send("WATCHDOG=1");
                last_watchdog = now;
            }
            session.log_audit_head(false);
            count_inbox();
            if (now - last_status >= kStatusMs) {
                notify.send("STATUS=" + status_line(session.store(), engine));
                last_status = now;
            }
        };
        auto report = engine.run(stop, {}, tick);
        session.log_audit_head(true);
        if (report.reason == engine::StopReason::StoreError) return report.store_error;
        if (report.interrupted > 0)
            log::warn(std::to_string(report.interrupted) +
                      " call(s) did not answer within the grace period; recorded as interrupted "
                      "and queued again");
        if (!reload) break;
        if (inbox_worker) inbox_worker->stop();  // made again below with the new configuration
        count_inbox();
        inbox_seen = {};
        // SIGHUP: configuration and credentials are read again; the queue and lock stay.
        notify.send("RELOADING=1");
        auto cfg = load_configuration(cx.overrides, cx.env);
        if (!cfg) {
            log::error("reload refused, keeping the old configuration: " + cfg.error().message);
        } else if (auto api = setup_api(*cfg, cx.credentials, true, cx.clock, cx.nonces); !api) {
            log::error("reload refused, keeping the old configuration: " + api.error().message);
        } else {
            keep_queue_settings(config, *cfg, session.db_path(), cx.env);
            if (cfg->metrics_listen != config.metrics_listen)
                log::warn(
                    "serve.metrics_listen changed: restart the service to use it; keeping " +
                    (config.metrics_listen.empty() ? std::string("none") : config.metrics_listen));
            cfg->metrics_listen = config.metrics_listen;
            config = *cfg;
            session.set_api(*api);
            session.calls().log_halts(config.halt_probe_ms, halt_remedy(config));
            if (auto d = inbox_dir(config, cx.env); d && *d != inbox_path) {
                if (auto w = make_worker(*d); !w) {
                    log::error(w.error().message + "; the inbox stays " + inbox_path);
                } else {
                    w->reset();  // prepared; made again below with the configuration in force
                    inbox_path = *d;
                }
            }
            log::info("configuration reloaded; credentials: " + describe(session.api()));
            // Everything else applies from here: the engine is made again from `config`.
            if (auto level = log::parse_level(config.log_level)) log::set_level(*level);
        }
        if (auto w = make_worker(inbox_path); w) {
            inbox_worker = std::move(*w);
        } else {
            log::error(w.error().message + "; the inbox is not followed until the next reload");
            inbox_worker = nullptr;
        }
        if (inbox_worker) inbox_worker->start();
        notify.send("READY=1");
    }
    if (inbox_worker) inbox_worker->stop();
    count_inbox();
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
