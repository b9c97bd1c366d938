#pragma once
// Engine internals shared by the writer (engine.cpp) and the workers (workers.cpp).
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runner/engine/circuit_breaker.h"
#include "runner/engine/engine.h"
#include "runner/engine/rate_limiter.h"

namespace qbi::engine {

// A claimed task travelling to a worker and back.
struct Completion {
    queue::ClaimedTask task;
    ApiResult result;
    std::vector<queue::NewTask> children;  // from EngineOptions::follow_up
    std::int64_t started_at_ms = 0;
    bool started = false;  // false: never called (released on stop or halt)
};

// A task a worker has taken from `pending` and not yet handed back.
struct InFlight {
    queue::ClaimedTask task;
    bool started = false;            // the call went out (it may have taken effect)
    std::int64_t started_at_ms = 0;  // wall time it went out
};

struct Engine::Impl {
    Impl(queue::Store& s, CallerFactory f, EngineOptions o, Clock& c, Random& r);

    // ---- writer side (engine.cpp) ----
    RunReport run(const std::atomic<bool>& stop, const std::function<void()>& on_idle,
                  const std::function<void()>& on_tick);
    bool flush_completions(RunReport& report);  // false on a store error
    bool claim_more(RunReport& report, bool& claimed_any, int limit);
    // Logs a busy database (another process writing beyond the busy timeout), at most every 5 s.
    void note_busy(const Error& e, const std::string& what);
    bool release_pending(RunReport& report);  // false on a store error
    bool abandon_in_flight(RunReport& report);
    queue::TaskResult to_result(const Completion& c) const;

    // ---- worker side (workers.cpp) ----
    void start_workers();
    void stop_workers();
    void worker_loop(Caller& caller);
    bool pace(const std::string& action);  // rate limit + breaker; false: give the task back

    queue::Store& store;
    CallerFactory make_caller;
    EngineOptions opt;
    Clock& clock;
    Random& random;
    Progress progress;
    RateLimiter global_limit;
    std::map<std::string, std::unique_ptr<RateLimiter>> action_limits;  // fixed after start
    CircuitBreaker breaker;
    int capacity = 0;  // most tasks claimed and not yet recorded (pending + in flight + done)

    std::mutex mu;
    std::condition_variable work_cv;  // workers wait for pending / shutdown
    std::condition_variable done_cv;  // the writer waits for completions
    std::deque<queue::ClaimedTask> pending;  // guarded by mu: claimed, not yet started
    std::vector<Completion> completions;     // guarded by mu
    std::map<std::int64_t, InFlight> in_flight;  // guarded by mu: by task id
    bool shutdown = false;                   // guarded by mu: workers exit

    bool claim_busy = false;           // writer only: the last claim met a busy database
    std::int64_t last_busy_log_ms = 0; // writer only: when a busy database was last logged
    std::atomic<bool> halted{false};   // a halt answer arrived: dispatch no more
    std::atomic<bool> dispatch_stop{false};  // stopping: workers give tasks back
    std::atomic<bool> probing{false};  // continuous + halted: one probe in flight
    mutable std::mutex status_mu;
    std::string status;                // guarded by status_mu
    std::vector<std::thread> threads;
};

}  // namespace qbi::engine
