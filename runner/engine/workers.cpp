// The worker threads: take a claimed task, wait for the rate limit and the circuit breaker
// (through the Clock), make the call, hand the result to the writer. Workers never touch the
// Store.
#include <pthread.h>
#include <sched.h>

#include <algorithm>

#include "runner/core/strings.h"
#include "runner/engine/engine_impl.h"

namespace qbi::engine {

void Engine::Impl::start_workers() {
    for (int i = 0; i < opt.workers; ++i) {
        std::shared_ptr<Caller> caller(make_caller());
        callers.push_back(caller);
        threads.emplace_back([this, caller, i] {
            // Several workers wake when a claim lands; as batch threads they do not preempt
            // the writer, whose commits every worker waits for (Linux SCHED_BATCH: same
            // priority, no wake-up preemption; needs no privilege).
            sched_param none{};
            pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
            worker_loop(*caller, i);
        });
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
    idle.notify_all(clock);
    {
        // Through the Clock, so that a ManualClock lets time pass for a worker still pacing.
        std::unique_lock lock(mu);
        clock.wait_until_ns(lock, done_cv, Clock::kNever, [this] { return workers_running == 0; });
    }
    for (auto& t : threads) t.join();
    threads.clear();
    callers.clear();
}

std::optional<queue::ClaimedTask> Engine::Impl::next_task(std::unique_lock<std::mutex>& lock,
                                                          int id) {
    for (;;) {
        if (shutdown) return std::nullopt;
        std::int64_t wait_ns = Clock::kNever;
        // At most the adaptive limit of calls out (concurrency_limit.h); a worker over it parks
        // until there is room (the limit grows) while the others keep going: a worker whose
        // call comes back takes the next task itself, and a commit or a claim wakes only as
        // many waiting workers as may send (wake_idle_workers).
        const bool may_take = may_dispatch() && !pool.empty() && !free_slots.empty();
        if (may_take && static_cast<int>(in_flight.size()) >= concurrency.limit()) {
            idle.wait(clock, lock, id, Clock::kNever);
            continue;
        }
        if (may_take) {
            TaskPool::Pick pick = pool.take();
            if (pick.task) {
                if (breaker.allow()) return std::move(pick.task);
                // The breaker holds dispatch (or one probe is out): give the task back and
                // look again when it may let a call through; while a probe is out, every 10 ms.
                pool.put_back(std::move(*pick.task));
                wait_ns = std::clamp<std::int64_t>(breaker.wait_ms(), 10, 50) * 1000000;
            } else {
                // No action has a token now: wait for the first one (at most 50 ms, so a stop,
                // a halt or new work is seen soon even without a notification).
                wait_ns = std::min<std::int64_t>(pick.wait_ns, 50000000);
            }
        }
        const std::int64_t deadline =
            wait_ns == Clock::kNever ? Clock::kNever : clock.monotonic_ns() + wait_ns;
        ++workers_waiting;
        // The writer gathering a group commit stops for an idle worker (wait_for_answers).
        if (pool.empty() && !completions.empty()) clock.notify_all(done_cv);
        idle.wait(clock, lock, id, deadline);
        --workers_waiting;
    }
}

int Engine::Impl::dispatch_room_locked() const {
    if (!may_dispatch()) return 0;
    const std::int64_t under_limit = concurrency.limit() - std::ssize(in_flight);
    const std::int64_t room = std::min({std::ssize(pool), std::ssize(free_slots), under_limit});
    // Workers already woken for the same room that have not run yet will take it.
    return static_cast<int>(std::max<std::int64_t>(0, room - idle.taken()));
}

void Engine::Impl::wake_idle_workers() {
    to_wake.clear();
    {
        std::lock_guard lock(mu);
        if (idle.waiting() > 0) idle.take(dispatch_room_locked(), to_wake);
    }
    idle.notify(clock, to_wake);
}

void Engine::Impl::worker_loop(Caller& caller, int id) {
    bool first = true;
    for (;;) {
        Completion c;
        int calls_out = 0;  // with this one
        {
            std::unique_lock lock(mu);
            if (first) {  // see start_workers(); still under mu when this thread waits below
                first = false;
                ++workers_running;
                clock.notify_all(done_cv);
            }
            auto task = next_task(lock, id);
            if (!task) {  // shutdown
                --workers_running;
                clock.notify_all(done_cv);
                return;
            }
            // Marked under mu, so that a stop after the grace period records exactly the calls
            // that went out as interrupted.
            c.task = std::move(*task);
            c.started = true;
            c.started_at_ms = clock.wall_ms();
            // In the journal before the request can leave (inflight_journal.h).
            c.slot = free_slots.back();
            free_slots.pop_back();
            journal.set(c.slot, c.task.task_id);
            in_flight.emplace(c.task.task_id, InFlight{c.task, true, c.started_at_ms, c.slot});
            calls_out = static_cast<int>(in_flight.size());
        }
        ++progress.in_flight;
        const std::int64_t sent_ns = clock.monotonic_ns();
        c.result = caller.call(c.task.action, c.task.params);
        concurrency.on_answer(clock.monotonic_ns() - sent_ns, calls_out);
        if (opt.follow_up) {
            FollowUpResult f = opt.follow_up(c.task, std::move(c.result));
            c.result = std::move(f.result);
            c.children = std::move(f.children);
        }
        const std::string& code = c.result.code;
        if (code == kCodeAborted) {
            // Cut by the stop itself: says nothing of the endpoint.
        } else if (starts_with(code, "Transport.") && code != kCodeTls) {
            breaker.on_transport_failure();
        } else {
            breaker.on_success();
        }
        if (starts_with(code, "Throttling") || c.result.http_status == 429) {
            ++progress.throttled;
            if (opt.metrics) opt.metrics->on_throttled();
            global_limit.on_throttled(sent_ns);
            auto it = action_limits.find(c.task.action);
            if (it != action_limits.end()) it->second->on_throttled(sent_ns);
        }
        if (is_halt(c.result.outcome)) halted = true;
        --progress.in_flight;
        bool wake_writer;
        {
            std::lock_guard lock(mu);
            in_flight.erase(c.task.task_id);
            completions.push_back(std::move(c));
            // The writer waits for the first answer, then gathers a group commit: wake it for
            // the first and once the batch is full, not for every answer in between.
            // Nor when every slot is held or nothing else is out (see wait_for_answers).
            wake_writer = completions.size() == 1 || completions.size() >= commit_batch() ||
                          is_halt(completions.back().result.outcome) || probing.load() ||
                          aborting || free_slots.empty() || in_flight.empty();
        }
        if (wake_writer) clock.notify_all(done_cv);
    }
}

}  // namespace qbi::engine
