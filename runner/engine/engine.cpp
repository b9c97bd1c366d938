// The writer: claims, group-commits results, decides retries, stops cleanly.
#include "runner/engine/engine.h"

#include <algorithm>
#include <cmath>

#include "runner/core/log.h"
#include "runner/engine/engine_impl.h"

namespace qbi::engine {

namespace {

// SQLITE_BUSY beyond the busy timeout (another process writing for long): worth a retry.
bool is_busy(const Error& e) { return e.code == kExitTempFail; }

constexpr std::int64_t kGroupCommitWaitMs = 5;  // how long the writer gathers completions
constexpr std::int64_t kTickMs = 100;

}  // namespace

Engine::Impl::Impl(queue::Store& s, CallerFactory f, EngineOptions o, Clock& c, Random& r)
    : store(s),
      make_caller(std::move(f)),
      opt(std::move(o)),
      clock(c),
      random(r),
      global_limit(c, opt.max_qps),
      breaker(c) {
    for (const auto& [action, qps] : opt.action_qps)
        action_limits.emplace(action, std::make_unique<RateLimiter>(c, qps));
    opt.workers = std::max(1, opt.workers);
    opt.claim_batch = std::max(1, opt.claim_batch);
    // Two tasks per worker at least, so no worker waits while the writer commits; up to a
    // claim batch when the rate limit lets that be spent within about two seconds. Few
    // enough that a stop or a halt has little to give back.
    const double two_seconds = std::ceil(2 * std::max(opt.max_qps, 0.5));
    capacity = std::max(opt.workers * 2,
                        std::min<int>(opt.claim_batch,
                                      static_cast<int>(std::min(two_seconds, 1e6))));
}

queue::TaskResult Engine::Impl::to_result(const Completion& c) const {
    queue::TaskResult r;
    r.task_id = c.task.task_id;
    r.owner = opt.owner;
    auto& a = r.attempt;
    a.outcome = c.result.outcome;
    a.started_at_ms = c.started_at_ms;
    a.latency_ms = c.result.latency_ms;
    a.http_status = c.result.http_status;
    a.request_id = c.result.request_id;
    a.code = c.result.code;
    a.message = c.result.message;
    a.endpoint = opt.endpoint;
    a.signature = opt.signature;
    a.access_key_id = opt.access_key_id;
    std::int64_t now = clock.wall_ms();
    if (c.result.outcome == Outcome::Retryable)
        r.retry_at_ms = now + backoff_delay_ms(opt.backoff, c.task.attempt, random);
    else if (is_halt(c.result.outcome))
        r.retry_at_ms = now;
    r.children = c.children;
    r.max_job_tasks = opt.max_job_tasks;
    return r;
}

bool Engine::Impl::flush_completions(RunReport& report) {
    std::vector<Completion> batch;
    {
        std::lock_guard lock(mu);
        batch.swap(completions);
    }
    if (batch.empty()) return true;
    std::vector<queue::TaskResult> results;
    std::vector<std::int64_t> unstarted;
    std::vector<const Completion*> recorded;
    for (const auto& c : batch) {
        if (!c.started) {
            unstarted.push_back(c.task.task_id);
            continue;
        }
        if (is_halt(c.result.outcome) && report.halt_code.empty()) {
            report.halt_outcome = c.result.outcome;
            report.halt_code = c.result.code;
            report.halt_message = c.result.message;
            report.halt_request_id = c.result.request_id;
        }
        results.push_back(to_result(c));
        recorded.push_back(&c);
    }
    if (!results.empty()) {
        auto effects = store.record_results(results);
        if (!effects && is_busy(effects.error())) {
            // Another process (a large submit) held the database beyond the busy timeout:
            // nothing was written; keep the results and write them on the next pass.
            note_busy(effects.error(), "results kept and written again shortly");
            std::lock_guard lock(mu);
            completions.insert(completions.begin(), std::make_move_iterator(batch.begin()),
                               std::make_move_iterator(batch.end()));
            return true;
        }
        if (!effects) {
            report.store_error = effects.error();
            return false;
        }
        for (std::size_t i = 0; i < effects->size(); ++i) {
            ++progress.attempts;
            const Completion& c = *recorded[i];
            progress.total += (*effects)[i].children;  // discovered follow-up tasks
            switch ((*effects)[i].effect) {
                case queue::TaskEffect::Succeeded:
                    if (c.result.outcome == Outcome::AlreadyAbsent) ++progress.already_absent;
                    else ++progress.done;
                    break;
                case queue::TaskEffect::Retried: ++progress.retried; break;
                case queue::TaskEffect::Failed: ++progress.failed; break;
                case queue::TaskEffect::Requeued: ++progress.halted_attempts; break;
                case queue::TaskEffect::LeaseLost: --progress.attempts; break;
            }
            if (probing.load()) {
                // The probe while halted came back: resume on anything but another halt.
                probing = false;
                if (!is_halt(c.result.outcome)) {
                    halted = false;
                    report.halt_code.clear();
                    log::info("the probe call succeeded; dispatch resumes");
                }
            }
        }
    }
    if (!unstarted.empty()) {
        auto released = store.release(opt.owner, unstarted);
        if (!released) {
            report.store_error = released.error();
            return false;
        }
    }
    return true;
}

void Engine::Impl::note_busy(const Error& e, const std::string& what) {
    std::int64_t now = clock.monotonic_ns() / 1000000;
    if (now - last_busy_log_ms < 5000 && last_busy_log_ms != 0) return;  // once per 5 s
    last_busy_log_ms = now;
    log::warn("the queue database is busy (" + e.message + "); " + what);
}

bool Engine::Impl::claim_more(RunReport& report, bool& claimed_any, int limit) {
    claimed_any = false;
    if (limit <= 0) return true;
    Result<std::vector<queue::ClaimedTask>> claimed = std::vector<queue::ClaimedTask>{};
    if (opt.actions.empty()) {
        claimed = store.claim(opt.owner, limit, opt.lease_ms, opt.job_id);
    } else {
        for (const std::string& action : opt.actions) {
            const int room = limit - static_cast<int>(claimed->size());
            if (room <= 0) break;
            auto some = store.claim(opt.owner, room, opt.lease_ms, opt.job_id, action);
            if (!some) {
                claimed = some.error();
                break;
            }
            for (auto& t : *some) claimed->push_back(std::move(t));
        }
    }
    if (!claimed && is_busy(claimed.error())) {
        note_busy(claimed.error(), "claiming again shortly");
        claim_busy = true;
        return true;
    }
    if (!claimed) {
        report.store_error = claimed.error();
        return false;
    }
    if (claimed->empty()) return true;
    claimed_any = true;
    {
        std::lock_guard lock(mu);
        for (auto& t : *claimed) pending.push_back(std::move(t));
    }
    work_cv.notify_all();
    return true;
}

bool Engine::Impl::release_pending(RunReport& report) {
    std::vector<std::int64_t> ids;
    {
        std::lock_guard lock(mu);
        for (const auto& t : pending) ids.push_back(t.task_id);
        pending.clear();
    }
    if (ids.empty()) return true;
    auto r = store.release(opt.owner, ids);
    if (!r) {
        report.store_error = r.error();
        return false;
    }
    return true;
}

bool Engine::Impl::abandon_in_flight(RunReport& report) {
    // Only calls that went out are recorded; a task a worker holds without having called
    // (still pacing) comes back as an unstarted completion and is released after the workers
    // stopped.
    std::vector<queue::TaskResult> results;
    {
        std::lock_guard lock(mu);
        for (const auto& [id, f] : in_flight) {
            if (!f.started) continue;
            queue::TaskResult r;
            r.task_id = id;
            r.owner = opt.owner;
            r.attempt.outcome = Outcome::Interrupted;
            r.attempt.started_at_ms = f.started_at_ms;
            r.attempt.code = queue::kCodeInterrupted;
            r.attempt.message = "the runner stopped before the call answered; the call may or "
                                "may not have taken effect";
            r.attempt.endpoint = opt.endpoint;
            r.attempt.signature = opt.signature;
            r.attempt.access_key_id = opt.access_key_id;
            r.retry_at_ms = clock.wall_ms();
            results.push_back(std::move(r));
        }
    }
    if (results.empty()) return true;
    auto effects = store.record_results(results);
    if (!effects) {
        report.store_error = effects.error();
        return false;
    }
    report.interrupted = static_cast<std::int64_t>(results.size());
    return true;
}

RunReport Engine::Impl::run(const std::atomic<bool>& stop, const std::function<void()>& on_idle,
                            const std::function<void()>& on_tick) {
    RunReport report;
    const std::int64_t start_mono = clock.monotonic_ns();
    auto elapsed_ms = [&] { return (clock.monotonic_ns() - start_mono) / 1000000; };
    auto set_status = [&](std::string s) {
        std::lock_guard lock(status_mu);
        status = std::move(s);
    };

    auto recovered = store.recover_running();
    if (!recovered) {
        report.reason = StopReason::StoreError;
        report.store_error = recovered.error();
        return report;
    }
    report.recovered = *recovered;
    if (*recovered > 0)
        log::warn(std::to_string(*recovered) +
                  " task(s) were running when a previous runner died; recorded as interrupted "
                  "and queued again");
    if (opt.job_id) {
        if (auto job = store.job(*opt.job_id); job && *job) progress.total = (*job)->counts.queued;
    } else if (auto totals = store.totals()) {
        progress.total = totals->queued;
    }

    start_workers();
    std::int64_t last_tick = -kTickMs, stop_began = -1, last_probe = 0;
    bool store_failed = false;
    bool halt_noted = false;  // continuous: the current halt has been seen (probe clock runs)
    for (;;) {
        if (!flush_completions(report)) {
            store_failed = true;
            break;
        }
        std::int64_t now = elapsed_ms();
        if (on_tick && now - last_tick >= kTickMs) {
            on_tick();
            last_tick = now;
        }
        bool time_up = opt.max_time_ms && now >= *opt.max_time_ms;
        if ((stop.load() || time_up) && stop_began < 0) {
            stop_began = now;
            dispatch_stop = true;
            report.reason = stop.load() ? StopReason::Stopped : StopReason::TimeLimit;
            set_status("stopping");
            work_cv.notify_all();
            if (!release_pending(report)) {
                store_failed = true;
                break;
            }
        }
        std::size_t busy;
        {
            std::lock_guard lock(mu);
            busy = pending.size() + in_flight.size() + completions.size();
        }
        if (stop_began >= 0) {
            if (busy == 0) break;
            if (now - stop_began >= opt.grace_ms) {
                if (!release_pending(report) || !abandon_in_flight(report)) store_failed = true;
                break;
            }
        } else if (halted.load() && !probing.load()) {
            if (!release_pending(report)) {
                store_failed = true;
                break;
            }
            if (!opt.continuous) {
                if (busy == 0) {
                    report.reason = StopReason::Halted;
                    break;
                }
            } else {
                // The first probe comes halt_probe_ms after the halt, not after the start.
                if (!halt_noted) {
                    halt_noted = true;
                    last_probe = now;
                }
                set_status("halted: " + report.halt_code + "; next probe in " +
                           std::to_string(std::max<std::int64_t>(
                               0, (last_probe + opt.halt_probe_ms - now) / 1000)) + " s");
                if (busy == 0 && now - last_probe >= opt.halt_probe_ms) {
                    bool any = false;
                    probing = true;
                    last_probe = now;
                    if (!claim_more(report, any, 1)) {
                        store_failed = true;
                        break;
                    }
                    if (!any) probing = false;
                }
            }
        } else if (!halted.load()) {
            halt_noted = false;
            // Claim in batches of at least half the capacity (see Impl::capacity): every
            // claim is a transaction with an fsync, so claiming a few tasks at a time would
            // make the writer, not the workers, the bottleneck.
            int room = capacity - static_cast<int>(busy);
            bool claimed_any = false;
            if (room >= std::min(opt.claim_batch, capacity / 2)) {
                if (!claim_more(report, claimed_any, std::min(room, opt.claim_batch))) {
                    store_failed = true;
                    break;
                }
            }
            if (!claimed_any && busy == 0) {
                if (on_idle) on_idle();
                auto next = claim_busy ? Result<std::optional<std::int64_t>>(Error{kExitTempFail, ""})
                                       : store.next_retry_at(opt.job_id, opt.actions);
                if (!next && is_busy(next.error())) {
                    // Work may be due but could not be claimed: not finished, try again.
                    claim_busy = false;
                    std::unique_lock lock(mu);
                    done_cv.wait_for(lock, std::chrono::milliseconds(kTickMs));
                    continue;
                }
                if (!next) {
                    report.store_error = next.error();
                    store_failed = true;
                    break;
                }
                std::int64_t wall = clock.wall_ms();
                if (!opt.continuous && !*next) {
                    report.reason = StopReason::Finished;
                    break;
                }
                std::int64_t wait = opt.continuous ? opt.idle_poll_ms : 1000;
                if (*next) wait = std::clamp<std::int64_t>(**next - wall, 1, wait);
                set_status(*next ? "waiting for retries" : "idle");
                std::unique_lock lock(mu);
                done_cv.wait_for(lock, std::chrono::milliseconds(std::min(wait, kTickMs)));
                continue;
            }
            if (breaker.state() == CircuitBreaker::State::Closed) {
                set_status("working");
            } else {
                set_status("paused: endpoint unreachable after repeated transport failures; "
                           "next probe in " +
                           std::to_string((breaker.wait_ms() + 999) / 1000) + " s");
            }
        }
        std::unique_lock lock(mu);
        done_cv.wait_for(lock, std::chrono::milliseconds(kGroupCommitWaitMs),
                         [this] { return completions.size() >= static_cast<std::size_t>(opt.workers); });
    }
    if (store_failed) {
        report.reason = StopReason::StoreError;
        dispatch_stop = true;
    }
    stop_workers();
    if (!store_failed) flush_completions(report);  // late answers of abandoned calls
    report.elapsed_ms = elapsed_ms();
    set_status("stopped");
    return report;
}

Engine::Engine(queue::Store& store, CallerFactory make_caller, EngineOptions options,
               Clock& clock, Random& random)
    : impl_(std::make_unique<Impl>(store, std::move(make_caller), std::move(options), clock,
                                   random)) {}

Engine::~Engine() = default;

RunReport Engine::run(const std::atomic<bool>& stop, const std::function<void()>& on_idle,
                      const std::function<void()>& on_tick) {
    return impl_->run(stop, on_idle, on_tick);
}

const Progress& Engine::progress() const { return impl_->progress; }

std::string Engine::status_text() const {
    std::lock_guard lock(impl_->status_mu);
    return impl_->status;
}

}  // namespace qbi::engine
