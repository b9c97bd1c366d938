#include "runner/cli/runner_session.h"

#include <unistd.h>

#include <ostream>

#include "runner/cli/progress_line.h"
#include "runner/cli/store_setup.h"
#include "runner/core/log.h"
#include "runner/core/strings.h"

namespace qbi::cli {

std::string make_owner(NonceSource& nonces) {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return std::string(host) + ":" + std::to_string(::getpid()) + ":" + nonces.next().substr(0, 8);
}

int RunnerSession::open(Context& ctx, const ApiSetup* preset) {
    auto path = database_path(ctx);
    if (!path) return ctx.fail(path.error().code, path.error().message);
    db_path = *path;
    if (preset) {
        api = *preset;
    } else {
        auto api_setup = setup_api(ctx, true);
        if (!api_setup) return ctx.fail(api_setup.error().code, api_setup.error().message);
        api = *api_setup;
    }
    log::info("credentials: " + describe_credentials(api.credentials));
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(db_path).parent_path(), ec);
    auto l = queue::RunnerLock::acquire(db_path);
    if (!l) return ctx.fail(l.error().code, l.error().message);
    lock.emplace(std::move(*l));
    auto s = open_store(ctx, SystemClock::instance());
    if (!s) return ctx.fail(s.error().code, s.error().message);
    store.emplace(std::move(*s));
    random = std::make_unique<SeededRandom>(os_random_seed());
    return kExitOk;
}

engine::EngineOptions RunnerSession::engine_options(const Context& ctx) const {
    const Config& c = ctx.config;
    engine::EngineOptions o;
    o.workers = static_cast<int>(c.workers);
    o.claim_batch = static_cast<int>(c.claim_batch);
    o.lease_ms = c.lease_ms;
    o.backoff = {c.backoff_base_ms, c.backoff_cap_ms};
    o.max_qps = c.max_qps;
    o.action_qps = c.action_qps;
    o.grace_ms = c.grace_ms;
    o.halt_probe_ms = c.halt_probe_ms;
    o.endpoint = api.endpoint.url();
    o.signature = signature_scheme_name(api.scheme);
    o.access_key_id = mask_access_key_id(api.credentials.access_key_id);
    return o;
}

engine::CallerFactory RunnerSession::caller_factory(Clock& clock) {
    return [this, &clock]() -> std::unique_ptr<engine::Caller> {
        return std::make_unique<engine::HttpsCaller>(api.endpoint, api.credentials, api.scheme,
                                                     api.context, api.tls, clock, nonces);
    };
}

int RunnerSession::run_to_end(Context& ctx, engine::EngineOptions opt,
                              const std::atomic<bool>& stop) {
    Clock& clock = SystemClock::instance();
    opt.owner = make_owner(nonces);
    const auto job_id = opt.job_id;
    engine::Engine engine(*store, caller_factory(clock), std::move(opt), clock, *random);
    const bool show = !ctx.global.quiet;
    ProgressLine line(ctx.err, ctx.err_is_tty && show, clock.wall_ms());
    auto report = engine.run(stop, {}, [&] {
        if (show) line.update(engine.progress(), clock.wall_ms());
    });
    if (show) {
        line.update(engine.progress(), clock.wall_ms(), true);
        line.finish();
    }
    return report_run(ctx, *store, report, engine.progress(), job_id);
}

namespace {

const char* reason_name(engine::StopReason r) {
    switch (r) {
        case engine::StopReason::Finished: return "finished";
        case engine::StopReason::Halted: return "halted";
        case engine::StopReason::Stopped: return "stopped";
        case engine::StopReason::TimeLimit: return "time_limit";
        case engine::StopReason::StoreError: return "store_error";
    }
    return "";
}

}  // namespace

int report_run(Context& ctx, queue::Store& store, const engine::RunReport& report,
               const engine::Progress& p, std::optional<std::int64_t> job_id) {
    queue::TaskCounts left;
    if (job_id) {
        if (auto j = store.job(*job_id); j && *j) left = (*j)->counts;
    } else if (auto t = store.totals()) {
        left = *t;
    }
    int code = kExitOk;
    std::string why;
    switch (report.reason) {
        case engine::StopReason::StoreError:
            code = report.store_error.code;
            why = report.store_error.message;
            break;
        case engine::StopReason::Halted:
            code = report.halt_outcome == Outcome::HaltPermission ? kExitNoPerm : kExitConfig;
            why = (report.halt_outcome == Outcome::HaltPermission
                       ? "Quick BI refused permission"
                       : "Quick BI refused the credentials or the request signature") +
                  std::string(" (") + report.halt_code +
                  (report.halt_message.empty() ? "" : ": " + report.halt_message) +
                  (report.halt_request_id.empty() ? "" : ", RequestId " + report.halt_request_id) +
                  "); dispatch stopped, no task was failed for it. Fix the cause, then run again";
            break;
        case engine::StopReason::TimeLimit:
        case engine::StopReason::Stopped:
            if (left.queued + left.running > 0) code = kExitTempFail;
            else code = p.failed > 0 ? kExitTasksFailed : kExitOk;
            break;
        case engine::StopReason::Finished:
            code = p.failed > 0 ? kExitTasksFailed : kExitOk;
            break;
    }
    double secs = static_cast<double>(report.elapsed_ms) / 1000.0;
    if (ctx.global.json) {
        ctx.out << "{\"schema\":1,\"result\":\"" << reason_name(report.reason)
                << "\",\"exit_code\":" << code << ",\"elapsed_ms\":" << report.elapsed_ms
                << ",\"done\":" << p.done << ",\"already_absent\":" << p.already_absent
                << ",\"failed\":" << p.failed << ",\"retried\":" << p.retried
                << ",\"throttled\":" << p.throttled << ",\"attempts\":" << p.attempts
                << ",\"recovered\":" << report.recovered << ",\"interrupted\":" << report.interrupted
                << ",\"left_queued\":" << left.queued << ",\"halt_code\":\""
                << json_escape(report.halt_code) << "\"}\n";
    } else {
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.1f", secs > 0 ? static_cast<double>(p.settled()) / secs : 0.0);
        ctx.out << "run " << reason_name(report.reason) << " after " << report.elapsed_ms / 1000
                << "." << (report.elapsed_ms % 1000) / 100 << " s: " << p.done << " done, "
                << p.already_absent << " already absent, " << p.failed << " failed; "
                << p.attempts << " attempts (" << p.retried << " retried, " << p.throttled
                << " throttled), " << rate << " tasks/s; " << left.queued
                << " task(s) left queued\n";
        if (report.recovered > 0)
            ctx.out << report.recovered << " task(s) of a previous runner were recovered\n";
        if (report.interrupted > 0)
            ctx.out << report.interrupted
                    << " call(s) still in flight at the stop were recorded as interrupted\n";
    }
    if (!why.empty()) ctx.fail(code, why);
    return code;
}

}  // namespace qbi::cli
