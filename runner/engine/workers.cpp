// The worker threads: take a claimed task, wait for the rate limit and the circuit breaker,
// make the call, hand the result to the writer. Workers never touch the Store.
#include <algorithm>

#include "runner/core/strings.h"
#include "runner/engine/engine_impl.h"

namespace qbi::engine {

void Engine::Impl::start_workers() {
    for (int i = 0; i < opt.workers; ++i) {
        std::shared_ptr<Caller> caller(make_caller());
        threads.emplace_back([this, caller] { worker_loop(*caller); });
    }
}

void Engine::Impl::stop_workers() {
    {
        std::lock_guard lock(mu);
        shutdown = true;
    }
    work_cv.notify_all();
    for (auto& t : threads) t.join();
    threads.clear();
}

bool Engine::Impl::pace(const std::string& action) {
    auto cancelled = [this] { return dispatch_stop.load() || (halted.load() && !probing.load()); };
    while (!breaker.allow()) {
        if (cancelled()) return false;
        // While a probe is out (half-open) wait_ms() is 0: poll every 10 ms, not every 1 ms.
        clock.sleep_ms(std::clamp<std::int64_t>(breaker.wait_ms(), 10, 50));
    }
    auto it = action_limits.find(action);
    if (it != action_limits.end() && !it->second->acquire(cancelled)) return false;
    return global_limit.acquire(cancelled);
}

void Engine::Impl::worker_loop(Caller& caller) {
    for (;;) {
        Completion c;
        {
            std::unique_lock lock(mu);
            work_cv.wait(lock, [this] { return shutdown || !pending.empty(); });
            if (pending.empty()) return;  // shutdown
            c.task = std::move(pending.front());
            pending.pop_front();
            in_flight.emplace(c.task.task_id, InFlight{c.task, false, 0});
        }
        ++progress.in_flight;
        bool go = !dispatch_stop.load() && (!halted.load() || probing.load()) &&
                  pace(c.task.action);
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
        done_cv.notify_one();
    }
}

}  // namespace qbi::engine
