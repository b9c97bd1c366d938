// The worker threads: take a claimed task, wait for the rate limit and the circuit breaker
// (through the Clock), make the call, hand the result to the writer. Workers never touch the
// Store.
#include <algorithm>

#include "runner/core/strings.h"
#include "runner/engine/engine_impl.h"

namespace qbi::engine {

void Engine::Impl::start_workers() {
    for (int i = 0; i < opt.workers; ++i) {
        std::shared_ptr<Caller> caller(make_caller());
        threads.emplace_back([this, caller] { worker_loop(*caller); });
    }
    // Dispatch once every worker waits for work (on the Clock): a ManualClock then knows them
    // all before time starts to pass.
    std::unique_lock lock(mu);
    clock.wait_until_ns(lock, done_cv, Clock::kNever,
                        [this] { return workers_running == static_cast<int>(threads.size()); });
}

void Engine::Impl::stop_workers() {
    {
        std::lock_guard lock(mu);
        shutdown = true;
    }
    clock.notify_all(work_cv);
    {
        // Through the Clock, so that a ManualClock lets time pass for a worker still pacing.
        std::unique_lock lock(mu);
        clock.wait_until_ns(lock, done_cv, Clock::kNever, [this] { return workers_running == 0; });
    }
    for (auto& t : threads) t.join();
    threads.clear();
}

bool Engine::Impl::pace(const std::string& action) {
    auto cancelled = [this] { return dispatch_stop.load() || (halted.load() && !probing.load()); };
    while (!breaker.allow()) {
        if (cancelled()) return false;
        // While a probe is out (half-open) wait_ms() is 0: poll every 10 ms, not every 1 ms;
        // at most 50 ms at a time, so a stop or a halt is seen soon.
        clock.sleep_until_ns(clock.monotonic_ns() +
                             std::clamp<std::int64_t>(breaker.wait_ms(), 10, 50) * 1000000);
    }
    auto it = action_limits.find(action);
    if (it != action_limits.end() && !it->second->acquire(cancelled)) return false;
    return global_limit.acquire(cancelled);
}

void Engine::Impl::worker_loop(Caller& caller) {
    bool first = true;
    for (;;) {
        Completion c;
        {
            std::unique_lock lock(mu);
            if (first) {  // see start_workers(); still under mu when this thread waits below
                first = false;
                ++workers_running;
                clock.notify_all(done_cv);
            }
            clock.wait_until_ns(lock, work_cv, Clock::kNever,
                                [this] { return shutdown || !pending.empty(); });
            if (pending.empty()) {  // shutdown
                --workers_running;
                clock.notify_all(done_cv);
                return;
            }
            c.task = std::move(pending.front());
            pending.pop_front();
            in_flight.emplace(c.task.task_id, InFlight{c.task, false, 0});
        }
        ++progress.in_flight;
        bool go =
            !dispatch_stop.load() && (!halted.load() || probing.load()) && pace(c.task.action);
        if (go) {
            // Marked under mu, so that a stop after the grace period records exactly the
            // calls that went out as interrupted (and returns the others unrecorded).
            std::lock_guard lock(mu);
            go = !dispatch_stop.load();
            if (go) {
                InFlight& f = in_flight.at(c.task.task_id);
                f.started = true;
                f.started_at_ms = c.started_at_ms = clock.wall_ms();
            }
        }
        if (go) {
            c.started = true;
            const std::int64_t sent_ns = clock.monotonic_ns();
            c.result = caller.call(c.task.action, c.task.params);
            if (opt.follow_up) {
                FollowUpResult f = opt.follow_up(c.task, std::move(c.result));
                c.result = std::move(f.result);
                c.children = std::move(f.children);
            }
            const std::string& code = c.result.code;
            if (starts_with(code, "Transport.") && code != kCodeTls) {
                breaker.on_transport_failure();
            } else {
                breaker.on_success();
            }
            if (starts_with(code, "Throttling") || c.result.http_status == 429) {
                ++progress.throttled;
                global_limit.on_throttled(sent_ns);
                auto it = action_limits.find(c.task.action);
                if (it != action_limits.end()) it->second->on_throttled(sent_ns);
            }
            if (is_halt(c.result.outcome)) halted = true;
        }
        --progress.in_flight;
        {
            std::lock_guard lock(mu);
            in_flight.erase(c.task.task_id);
            completions.push_back(std::move(c));
        }
        clock.notify_all(done_cv);
    }
}

}  // namespace qbi::engine
