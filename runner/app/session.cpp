#include "runner/app/session.h"

#include <unistd.h>

#include <filesystem>

#include "runner/app/store_setup.h"
#include "runner/core/log.h"
#include "runner/discovery/discovery.h"
#include "runner/jobs/job_spec.h"
#include "runner/queue/audit.h"

namespace qbi::app {

engine::FollowUp discovery_follow_up() {
    return [](const queue::ClaimedTask& task, ApiResult result) {
        discovery::Expansion e = discovery::expand(task, std::move(result));
        return engine::FollowUpResult{std::move(e.result), std::move(e.children)};
    };
}

std::string make_owner(NonceSource& nonces) {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return std::string(host) + ":" + std::to_string(::getpid()) + ":" + nonces.next().substr(0, 8);
}

RunnerSession::RunnerSession(Clock& clock, NonceSource& nonces)
    : clock_(clock),
      nonces_(nonces),
      calls_(std::make_unique<CallWatch>(clock)),
      metrics_(std::make_unique<metrics::Registry>(jobs::api_actions())) {}

void RunnerSession::set_api(ApiSetup api) {
    api_ = std::move(api);
    calls_->set_endpoint(api_.endpoint.url());
}

Status RunnerSession::open(const Config& config, const Env& env,
                           const CredentialOptions& credentials, const ApiSetup* preset) {
    auto path = database_path(config, env);
    if (!path) return path.error();
    db_path_ = *path;
    if (preset) {
        set_api(*preset);
    } else {
        auto api = setup_api(config, credentials, true, clock_, nonces_);
        if (!api) return api.error();
        set_api(std::move(*api));
    }
    log::info("credentials: " + describe(api_));
    auto l = queue::RunnerLock::acquire(db_path_);  // creates the folder (0700) and file (0600)
    if (!l) return l.error();
    lock_.emplace(std::move(*l));
    auto s = open_store(config, db_path_, clock_);
    if (!s) return s.error();
    if (auto k = apply_audit_key(*s, config); !k) return k.error();
    store_.emplace(std::move(*s));
    random_ = std::make_unique<SeededRandom>(os_random_seed());
    return {};
}

engine::EngineOptions RunnerSession::engine_options(const Config& c) {
    engine::EngineOptions o;
    o.owner = make_owner(nonces_);
    o.workers = static_cast<int>(c.workers);
    o.claim_batch = static_cast<int>(c.claim_batch);
    o.lease_ms = c.lease_ms;
    o.backoff = {c.backoff_base_ms, c.backoff_cap_ms};
    o.max_qps = c.max_qps;
    o.action_qps = c.action_qps;
    o.grace_ms = c.grace_ms;
    o.halt_probe_ms = c.halt_probe_ms;
    // Every action a job file can produce, claimed per action (task_pool.h): the reads first,
    // so a chain's next step is never starved by the cancels it produced.
    o.actions = jobs::api_actions();
    o.follow_up = discovery_follow_up();
    o.max_job_tasks = c.max_tasks;
    o.endpoint = api_.endpoint.url();
    o.signature = signature_scheme_name(api_.scheme);
    o.access_key_id = mask_access_key_id(api_.credentials.access_key_id);
    o.metrics = metrics_.get();
    return o;
}

engine::CallerFactory RunnerSession::caller_factory() {
    return calls_->wrap(https_callers(api_, clock_, nonces_));
}

RunSummary RunnerSession::run_to_end(engine::EngineOptions opt, const std::atomic<bool>& stop,
                                     const std::function<void(const engine::Engine&)>& on_tick) {
    if (opt.owner.empty()) opt.owner = make_owner(nonces_);
    const auto job_id = opt.job_id;
    engine::Engine engine(*store_, caller_factory(), std::move(opt), clock_, *random_);
    auto report = engine.run(stop, {}, [&] {
        if (on_tick) on_tick(engine);
        log_audit_head(false);
    });
    if (on_tick) on_tick(engine);
    log_audit_head(true);
    queue::TaskCounts left;
    if (job_id) {
        if (auto j = store_->job(*job_id); j && *j) left = (*j)->counts;
    } else if (auto t = store_->totals()) {
        left = *t;
    }
    RunSummary s = summarize_run(report, engine.progress(), left);
    const bool ended = report.reason == engine::StopReason::Finished ||
                       report.reason == engine::StopReason::TimeLimit ||
                       report.reason == engine::StopReason::Stopped;
    if (ended && calls_->all_failed_on_transport()) {
        s.exit_code = kExitUnavailable;
        s.why =
            "every attempt of this run failed to reach " + calls_->endpoint_url() + ": " +
            calls_->last_transport_error() +
            "; check the endpoint (api.endpoint, --endpoint) and the network, then run "
            "again" +
            (s.counts.failed > 0 ? " (tasks that ran out of attempts: qbi-runner rerun JOB)" : "");
    }
    return s;
}

void RunnerSession::log_audit_head(bool force) {
    const std::int64_t now = clock_.monotonic_ns();
    if (!last_head_log_ns_) last_head_log_ns_ = now;  // the first periodic one: 10 min in
    if (!force && now - *last_head_log_ns_ < kAuditHeadEveryMs * 1000000) return;
    if (!store_) return;
    auto head = store_->audit_head();
    if (!head) return;  // busy: the next tick tries again
    last_head_log_ns_ = now;
    log::info("audit head: " + queue::format_audit_head(*head));
}

RunSummary summarize_run(const engine::RunReport& report, const engine::Progress& p,
                         const queue::TaskCounts& left) {
    RunSummary s;
    s.report = report;
    s.counts = {p.done, p.already_absent, p.failed, p.retried, p.throttled, p.attempts};
    s.left = left;
    switch (report.reason) {
        case engine::StopReason::StoreError:
            s.exit_code = report.store_error.code;
            s.why = report.store_error.message;
            break;
        case engine::StopReason::Halted:
            s.exit_code =
                report.halt_outcome == Outcome::HaltPermission ? kExitNoPerm : kExitConfig;
            s.why = halt_reason(report.halt_outcome, report.halt_code, report.halt_message,
                                report.halt_request_id) +
                    "; dispatch stopped, no task was failed for it. Fix the cause, then run "
                    "again";
            break;
        case engine::StopReason::TimeLimit:
        case engine::StopReason::Stopped:
            if (left.queued + left.running > 0)
                s.exit_code = kExitTempFail;
            else
                s.exit_code = p.failed > 0 ? kExitTasksFailed : kExitOk;
            break;
        case engine::StopReason::Finished:
            s.exit_code = p.failed > 0 ? kExitTasksFailed : kExitOk;
            break;
    }
    return s;
}

}  // namespace qbi::app
