// The writer: the driver of the dispatch state machine (dispatch_state.h). Each pass records
// the answers that came back, observes, lets the machine decide, performs its actions and
// waits; the Store work itself is in engine_records.cpp.
#include "runner/engine/engine.h"

#include <algorithm>
#include <filesystem>

#include "runner/core/log.h"
#include "runner/engine/engine_impl.h"

namespace qbi::engine {

namespace {

constexpr std::int64_t kGroupCommitWaitMs = 5;  // how long the writer gathers completions
constexpr std::int64_t kTickMs = 100;           // on_tick's period

std::string recovered_text(const queue::Recovery& r) {
    std::string text =
        std::to_string(r.interrupted + r.requeued) +
        " task(s) were running when a previous runner died: " + std::to_string(r.interrupted) +
        " may have been sent (recorded as interrupted, outcome unknown), " +
        std::to_string(r.requeued) + " were never sent; queued again";
    if (r.failed > 0)
        text += ", except " + std::to_string(r.failed) +
                " that failed (Runner.Interrupted): " + "interrupted " +
                std::to_string(queue::kMaxInterruptedInARow) + " times in a row";
    return text;
}

}  // namespace

Engine::Impl::Impl(queue::Store& s, CallerFactory f, EngineOptions o, Clock& c, Random& r)
    : store(s),
      make_caller(std::move(f)),
      opt(std::move(o)),
      clock(c),
      random(r),
      global_limit(c, opt.max_qps),
      breaker(c),
      concurrency(std::max(1, opt.workers)),
      machine(DispatchConfig::from(opt)),
      idle(std::max(1, opt.workers)),
      pool(global_limit, action_limits) {
    for (const auto& [action, qps] : opt.action_qps)
        action_limits.emplace(action, std::make_unique<RateLimiter>(c, qps));
    opt.workers = std::max(1, opt.workers);
    opt.claim_batch = std::max(1, opt.claim_batch);
}

void Engine::Impl::set_status(std::string s) {
    std::lock_guard lock(status_mu);
    status = std::move(s);
}

void Engine::Impl::update_gauges(const RunReport& report) {
    if (!opt.metrics) return;
    opt.metrics->set_rate_qps(global_limit.current_qps());
    opt.metrics->set_breaker_open(breaker.state() != CircuitBreaker::State::Closed);
    metrics::HaltCause cause = metrics::HaltCause::None;
    if (halted.load())
        cause = report.halt_outcome == Outcome::HaltPermission ? metrics::HaltCause::Permission
                                                               : metrics::HaltCause::Auth;
    opt.metrics->set_halted(cause);
}

Observation Engine::Impl::observe(std::int64_t now_ms, bool stop, ProbeAnswer probe,
                                  const RunReport& report) {
    Observation o;
    o.now_ms = now_ms;
    o.stop_requested = stop;
    o.halt_seen = halted.load();
    o.probe = probe;
    {
        std::lock_guard lock(mu);
        o.busy = pool.size() + in_flight.size() + completions.size();
    }
    o.halt_code = report.halt_code;
    o.breaker_closed = breaker.state() == CircuitBreaker::State::Closed;
    o.breaker_wait_ms = breaker.wait_ms();
    return o;
}

bool Engine::Impl::perform(Step& step, const Observation& o, RunReport& report,
                           const std::function<void()>& on_idle) {
    for (;;) {
        const Actions& a = step.actions;
        if (a.resume) {
            halted = false;
            report.halt_code.clear();
            log::info("the probe call succeeded; dispatch resumes");
            wake_idle_workers();
        }
        // Before any claim: a worker may take the probe at once.
        probing = step.state.phase == Phase::Probing;
        if (a.begin_stop) {
            {
                // Under mu: a worker about to wait sees it, or is waiting when notified.
                std::lock_guard lock(mu);
                dispatch_stop = true;
            }
            idle.notify_all(clock);
        }
        if (a.status) set_status(*a.status);
        // Only the claim joins the pass's batch: the rest writes on its own (or, on_idle, may
        // use the store), after the answers and any claim so far are committed.
        if ((a.release_pending || a.abandon_in_flight || a.run_on_idle || a.query_next_retry) &&
            !finish_batch(report))
            return false;
        if (a.release_pending && !release_pending(report)) return false;
        if (a.abandon_in_flight && !abandon_in_flight(report)) return false;
        if (a.claim > 0) {
            ClaimResult claimed;
            if (!claim_more(report, a.claim, claimed)) return false;
            step = machine.on_claimed(step.state, o, claimed);
            continue;
        }
        if (a.run_on_idle && on_idle) on_idle();
        if (a.query_next_retry) {
            auto next = store.next_retry_at(opt.job_id, opt.actions);
            if (!next && !is_busy(next.error())) {
                report.store_error = next.error();
                return false;
            }
            NextRetry r;
            r.store_busy = !next;
            if (next) r.at_wall_ms = *next;
            r.wall_now_ms = clock.wall_ms();
            step = machine.on_next_retry(step.state, o, r);
            continue;
        }
        return true;
    }
}

void Engine::Impl::wait_for_answers(std::int64_t wait_ms) {
    if (wait_ms <= 0) return;
    const std::int64_t deadline = clock.monotonic_ns() + wait_ms * 1000000;
    std::unique_lock lock(mu);
    if (clock.monotonic_ns() < results_busy_until_ns) {
        // The last write of results found the database busy: the answers kept wait for the
        // next try (a halt or the probe's answer still ends the wait).
        clock.wait_until_ns(lock, done_cv, std::min(deadline, results_busy_until_ns),
                            [this] { return halted.load() || probing.load(); });
        return;
    }
    if (!clock.wait_until_ns(lock, done_cv, deadline, [this] { return !completions.empty(); }))
        return;
    // Group commit: every write is a transaction with an fsync, so gather a little.
    const std::size_t batch = commit_batch();
    // A halt (or the probe's answer) is not kept waiting: dispatch must stop (or resume) now;
    // nor is a worker that waits for a journal slot (the commit frees them) or for work (the
    // claim after the commit brings it), nor anyone when no call is out.
    clock.wait_until_ns(
        lock, done_cv, clock.monotonic_ns() + kGroupCommitWaitMs * 1000000, [this, batch] {
            return completions.size() >= batch || halted.load() || probing.load() ||
                   free_slots.empty() || in_flight.empty() || (workers_waiting > 0 && pool.empty());
        });
}

RunReport Engine::Impl::run(const std::atomic<bool>& stop, const std::function<void()>& on_idle,
                            const std::function<void()>& on_tick) {
    RunReport report;
    start_ns = clock.monotonic_ns();

    // A dead runner's journal says which of its running tasks may have been sent.
    const std::filesystem::path journal_path = InFlightJournal::path_for(store.path());
    std::vector<queue::SentCalls> journals;
    if (auto sent = InFlightJournal::read(journal_path)) journals.push_back(std::move(*sent));
    auto recovered = store.recover_running(journals);
    // Another process (a large submit) holding the database beyond the busy timeout is waited
    // out like a busy claim; the ticks go on meanwhile (watchdog, signals), and a stop ends it.
    while (!recovered && is_busy(recovered.error()) && !stop.load()) {
        note_busy(recovered.error(), "recovering again shortly");
        if (on_tick) on_tick();
        if (stop.load()) break;
        clock.sleep_ms(kBusyRetryMs);
        recovered = store.recover_running(journals);
    }
    if (!recovered && is_busy(recovered.error()) && stop.load()) {
        report.reason = StopReason::Stopped;  // nothing claimed yet: nothing to give back
        return report;
    }
    if (!recovered) {
        report.reason = StopReason::StoreError;
        report.store_error = recovered.error();
        return report;
    }
    report.recovered = recovered->interrupted + recovered->requeued;
    progress.failed += recovered->failed;  // interrupted too often: failures of this run too
    if (opt.metrics) {
        for (const std::string& action : recovered->interrupted_actions)
            opt.metrics->on_attempt(action, Outcome::Interrupted, queue::kCodeInterrupted, 0,
                                    clock.wall_ms());
        opt.metrics->on_task(metrics::Registry::TaskResult::Failed, recovered->failed);
    }
    if (report.recovered > 0) log::warn(recovered_text(*recovered));
    if (auto st = journal.open(journal_path, opt.owner, journal_slots()); !st)
        log::warn(st.error().message +
                  "; after a crash every running task will count as "
                  "possibly sent");
    free_slots.clear();
    for (int i = journal_slots() - 1; i >= 0; --i) free_slots.push_back(i);
    if (opt.job_id) {
        if (auto job = store.job(*opt.job_id); job && *job) progress.total = (*job)->counts.queued;
    } else if (auto totals = store.totals()) {
        progress.total = totals->queued;
    }

    start_workers();
    DispatchState state;
    std::int64_t last_tick = -kTickMs;
    while (state.phase != Phase::Done) {
        ProbeAnswer probe = ProbeAnswer::None;
        // The answers and the claim that follows them share one transaction (one fsync).
        bool ok = !begin_pass_batch() ||
                  flush_completions(report, state.phase == Phase::Probing ? &probe : nullptr);
        const std::int64_t now = run_ms();
        // A worker that read the old limit under mu is listed as waiting once mu is free.
        if (concurrency.update(clock.monotonic_ns())) wake_idle_workers();
        const Observation o = observe(now, stop.load(), probe, report);
        Step step = machine.on_observe(state, o);
        if (!ok || !perform(step, o, report, on_idle) || !finish_batch(report)) {
            drop_batch();
            step = machine.on_store_error(state);
            dispatch_stop = true;
        }
        state = step.state;
        if (state.phase == Phase::Done) break;
        if (now - last_tick >= kTickMs) {
            last_tick = now;
            update_gauges(report);
            if (on_tick) {
                on_tick();
                if (stop.load() && !o.stop_requested) continue;  // the tick asked to stop: now
            }
        }
        wait_for_answers(step.actions.wait_until_ms - now);
    }
    report.reason = state.reason;
    stop_workers();
    if (report.reason != StopReason::StoreError)
        flush_completions(report, nullptr);  // late answers of abandoned calls
    report.elapsed_ms = run_ms();
    update_gauges(report);
    set_status("stopped");
    return report;
}

Engine::Engine(queue::Store& store, CallerFactory make_caller, EngineOptions options, Clock& clock,
               Random& random)
    : impl_(std::make_unique<Impl>(store, std::move(make_caller), std::move(options), clock,
                                   random)) {}

Engine::~Engine() = default;

RunReport Engine::run(const std::atomic<bool>& stop, const std::function<void()>& on_idle,
                      const std::function<void()>& on_tick) {
    return impl_->run(stop, on_idle, on_tick);
}

const Progress& Engine::progress() const {
    return impl_->progress;
}

std::string Engine::status_text() const {
    std::lock_guard lock(impl_->status_mu);
    return impl_->status;
}

}  // namespace qbi::engine
