// The writer's side of the Store: claims, group-committed results, releases, abandoned calls.
#include <algorithm>
#include <cmath>
#include <utility>

#include "runner/core/log.h"
#include "runner/engine/engine_impl.h"

namespace qbi::engine {

namespace {

// The attempt row of a call cut at the end of the grace period.
constexpr const char* kCutMessage =
    "outcome unknown: the call was cut off when the runner stopped (grace period over); it may "
    "have taken effect";

}  // namespace

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
    if (c.result.code == kCodeAborted) {
        // Cut at the end of the grace period: whether it took effect is unknown.
        a.outcome = Outcome::Interrupted;
        a.http_status = 0;
        a.request_id.clear();
        a.code = queue::kCodeInterrupted;
        a.message = kCutMessage;
        r.retry_at_ms = now;
    } else if (c.result.outcome == Outcome::Retryable)
        r.retry_at_ms = now + backoff_delay_ms(opt.backoff, c.task.attempt, random);
    else if (is_halt(c.result.outcome))
        r.retry_at_ms = now;
    r.children = c.children;
    r.max_job_tasks = opt.max_job_tasks;
    r.claim = queue::ClaimFacts{
        c.task.job_id,       c.task.action,       c.task.params_json,       c.task.attempt - 1,
        c.task.max_attempts, c.task.attempt_rows, c.task.interrupted_streak};
    return r;
}

void Engine::Impl::count_attempt(const std::string& action, const queue::AttemptRecord& a,
                                 queue::TaskEffect effect) {
    if (!opt.metrics || effect == queue::TaskEffect::LeaseLost) return;  // no row was written
    using R = metrics::Registry::TaskResult;
    opt.metrics->on_attempt(action, a.outcome, a.code, a.latency_ms, clock.wall_ms());
    switch (effect) {
        case queue::TaskEffect::Succeeded:
            opt.metrics->on_task(a.outcome == Outcome::AlreadyAbsent ? R::AlreadyAbsent : R::Done);
            break;
        case queue::TaskEffect::Retried:
            opt.metrics->on_task(R::Retried);
            break;
        case queue::TaskEffect::Failed:
            opt.metrics->on_task(R::Failed);
            break;
        default:  // Requeued: a halt or an interruption, not counted against the task
            break;
    }
}

bool Engine::Impl::flush_completions(RunReport& report, ProbeAnswer* probe) {
    Unsettled u;
    {
        std::lock_guard lock(mu);
        u.batch.swap(completions);
    }
    if (u.batch.empty()) return true;
    std::vector<queue::TaskResult> results;
    std::vector<std::int64_t> unstarted;
    for (std::size_t i = 0; i < u.batch.size(); ++i) {
        const Completion& c = u.batch[i];
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
        u.recorded.push_back(i);
    }
    if (!results.empty()) {
        auto effects = store.record_results(results);
        // Inside a batch the write lock is held: an error there is never "busy", and the batch
        // is rolled back as a whole (drop_batch).
        if (!effects && is_busy(effects.error()) && !store.batch_open()) {
            // Another process (a large submit) held the database beyond the busy timeout:
            // nothing was written; keep the results and write them on the next pass.
            note_busy(effects.error(), "results kept and written again shortly");
            results_busy_until_ns = clock.monotonic_ns() + kBusyRetryMs * 1000000;
            std::lock_guard lock(mu);
            completions.insert(completions.begin(), std::make_move_iterator(u.batch.begin()),
                               std::make_move_iterator(u.batch.end()));
            return true;
        }
        if (!effects) {
            report.store_error = effects.error();
            return false;
        }
        u.effects = std::move(*effects);
        for (auto& r : results) u.attempts.push_back(std::move(r.attempt));
        // While probing only the probe is out: the first answer recorded is its answer.
        if (probe && !u.recorded.empty())
            *probe = is_halt(u.batch[u.recorded.front()].result.outcome) ? ProbeAnswer::Halt
                                                                         : ProbeAnswer::Ok;
    }
    // Committed on their own (no batch): settled now, whatever the release below meets.
    const bool batched = store.batch_open();
    if (!batched) settle(u, report);
    if (!unstarted.empty()) {
        auto released = store.release(opt.owner, unstarted);
        if (!released) {
            report.store_error = released.error();
            return false;
        }
    }
    if (batched) unsettled.push_back(std::move(u));
    return true;
}

void Engine::Impl::settle(Unsettled& u, RunReport& report) {
    {
        // Committed: these calls are no longer in doubt.
        std::lock_guard lock(mu);
        free_slots_locked(u.batch);
    }
    wake_idle_workers();
    for (std::size_t i = 0; i < u.effects.size(); ++i) {
        const Completion& c = u.batch[u.recorded[i]];
        const queue::TaskEffect effect = u.effects[i].effect;
        count_attempt(c.task.action, u.attempts[i], effect);
        if (c.result.code == kCodeAborted) {  // cut at the grace end: not an answer
            if (effect != queue::TaskEffect::LeaseLost) {
                ++report.interrupted;
                ++progress.interrupted;
            }
            continue;
        }
        ++progress.attempts;
        progress.total += u.effects[i].children;  // discovered follow-up tasks
        switch (effect) {
            case queue::TaskEffect::Succeeded:
                if (c.result.outcome == Outcome::AlreadyAbsent)
                    ++progress.already_absent;
                else
                    ++progress.done;
                break;
            case queue::TaskEffect::Retried:
                ++progress.retried;
                break;
            case queue::TaskEffect::Failed:
                ++progress.failed;
                break;
            case queue::TaskEffect::Requeued:
                ++progress.halted_attempts;
                break;
            case queue::TaskEffect::LeaseLost:
                --progress.attempts;
                break;
        }
    }
}

bool Engine::Impl::begin_pass_batch() {
    {
        std::lock_guard lock(mu);
        if (completions.empty()) return true;
    }
    if (clock.monotonic_ns() < results_busy_until_ns) return true;
    auto st = store.begin_batch();
    if (!st && is_busy(st.error())) {
        // The busy timeout is spent: the answers wait for the next try, as when writing them
        // finds the database busy.
        note_busy(st.error(), "results kept and written again shortly");
        results_busy_until_ns = clock.monotonic_ns() + kBusyRetryMs * 1000000;
        return false;
    }
    return true;  // any other failure: no batch; the writes meet it on their own
}

bool Engine::Impl::finish_batch(RunReport& report) {
    if (!store.batch_open()) return true;
    if (auto st = store.commit_batch(); !st) {
        report.store_error = st.error();
        drop_batch();
        return false;
    }
    for (Unsettled& u : unsettled) settle(u, report);
    unsettled.clear();
    hand_out(std::exchange(claimed_in_batch, {}));
    return true;
}

void Engine::Impl::drop_batch() {
    store.rollback_batch();
    unsettled.clear();
    claimed_in_batch.clear();
}

void Engine::Impl::note_busy(const Error& e, const std::string& what) {
    std::int64_t now = clock.monotonic_ns() / 1000000;
    if (now - last_busy_log_ms < 5000 && last_busy_log_ms != 0) return;  // once per 5 s
    last_busy_log_ms = now;
    log::warn("the queue database is busy (" + e.message + "); " + what);
}

bool Engine::Impl::claim_more(RunReport& report, int limit, ClaimResult& result) {
    result = {};
    if (limit <= 0) return true;
    Result<std::vector<queue::ClaimedTask>> claimed = std::vector<queue::ClaimedTask>{};
    if (opt.actions.empty()) {
        claimed = store.claim(opt.owner, limit, opt.lease_ms, opt.job_id);
    } else {
        // Per action, up to its own cap, the actions taking turns at going first, so that every
        // action has tasks at hand and none waits behind another's backlog (task_pool.h).
        std::vector<std::pair<std::string, int>> want;
        {
            std::lock_guard lock(mu);
            const std::size_t n = opt.actions.size();
            // Claimed tasks of an action beyond its cap would only wait; below it, each action is
            // topped up, the first in turn changing every claim, all within `limit`.
            for (std::size_t k = 0; k < n; ++k) {
                const std::string& action = opt.actions[(claim_rotation + k) % n];
                const int room = action_cap(action) - static_cast<int>(pool.size(action));
                if (room > 0) want.emplace_back(action, room);
            }
            claim_rotation = (claim_rotation + 1) % n;
        }
        if (!want.empty())
            claimed = store.claim_each(opt.owner, opt.lease_ms, opt.job_id, want, limit);
    }
    if (!claimed && is_busy(claimed.error()) && !store.batch_open()) {
        note_busy(claimed.error(), "claiming again shortly");
        result.store_busy = true;
        return true;
    }
    if (!claimed) {
        report.store_error = claimed.error();
        return false;
    }
    if (claimed->empty()) return true;
    result.claimed = static_cast<int>(claimed->size());
    if (store.batch_open())
        claimed_in_batch.insert(claimed_in_batch.end(), std::make_move_iterator(claimed->begin()),
                                std::make_move_iterator(claimed->end()));
    else
        hand_out(std::move(*claimed));
    return true;
}

void Engine::Impl::hand_out(std::vector<queue::ClaimedTask> claimed) {
    if (claimed.empty()) return;
    {
        std::lock_guard lock(mu);
        for (auto& t : claimed) pool.add(std::move(t));
    }
    wake_idle_workers();
}

int Engine::Impl::action_cap(const std::string& action) const {
    const int capacity = machine.config().capacity;
    auto it = opt.action_qps.find(action);
    if (it == opt.action_qps.end()) return capacity;
    return std::min(action_claim_cap(it->second), capacity);
}

bool Engine::Impl::release_pending(RunReport& report) {
    std::vector<std::int64_t> ids;
    {
        std::lock_guard lock(mu);
        for (const auto& t : pool.drain()) ids.push_back(t.task_id);
    }
    if (ids.empty()) return true;
    auto r = store.release(opt.owner, ids);
    if (!r) {
        report.store_error = r.error();
        return false;
    }
    return true;
}

void Engine::Impl::free_slots_locked(const std::vector<Completion>& done) {
    for (const Completion& c : done) {
        if (c.slot < 0) continue;
        journal.clear(c.slot);
        free_slots.push_back(c.slot);
    }
}

bool Engine::Impl::abandon_in_flight(RunReport& report) {
    // Cut the calls still out: a worker blocked on its socket comes back at once, with the
    // answer if it was in, or with kCodeAborted (recorded as interrupted by to_result).
    {
        std::lock_guard lock(mu);
        aborting = true;
    }
    for (const auto& caller : callers) caller->abort();
    {
        std::unique_lock lock(mu);
        clock.wait_until_ns(lock, done_cv, clock.monotonic_ns() + kAbortWaitMs * 1000000,
                            [this] { return in_flight.empty(); });
    }
    if (!flush_completions(report, nullptr)) return false;
    // A call still not back (a worker still connecting): recorded as interrupted now; its late
    // answer finds the lease gone. Only calls that went out are recorded; a task a worker
    // holds without having called comes back as an unstarted completion and is released
    // after the workers stopped.
    std::vector<queue::TaskResult> results;
    std::vector<std::string> actions;  // of each result, for the metrics
    {
        std::lock_guard lock(mu);
        for (const auto& [id, f] : in_flight) {
            if (!f.started) continue;
            actions.push_back(f.task.action);
            queue::TaskResult r;
            r.task_id = id;
            r.owner = opt.owner;
            r.attempt.outcome = Outcome::Interrupted;
            r.attempt.started_at_ms = f.started_at_ms;
            r.attempt.code = queue::kCodeInterrupted;
            r.attempt.message = kCutMessage;
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
    for (std::size_t i = 0; i < effects->size(); ++i)
        count_attempt(actions[i], results[i].attempt, (*effects)[i].effect);
    report.interrupted += static_cast<std::int64_t>(results.size());
    progress.interrupted += static_cast<std::int64_t>(results.size());
    return true;
}

}  // namespace qbi::engine
