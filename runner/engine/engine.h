#pragma once
// The engine (design §4, §5): one writer thread (the caller of run()) owns the Store — it
// claims due tasks in batches and commits results with their audit rows in group commits —
// and N worker threads each own one Caller (one keep-alive HTTPS session). Workers never
// touch SQLite.
//
// Outcomes (design §5): done / already_absent succeed; retryable ones are rescheduled with
// full-jitter backoff (the store fails them once max_attempts is reached); permanent ones
// fail; a halt class (credentials, permission, TLS) stops dispatch at once without counting
// the attempt: run() returns Halted, or, when `continuous`, pauses and probes one task every
// halt_probe_ms. A global token bucket (plus per-action ones) paces calls and halves on
// throttling; a circuit breaker pauses dispatch on repeated transport failures.
//
// Stopping: when `stop` turns true (SIGTERM) or the time limit passes, nothing more is claimed,
// tasks claimed but not started are released, in-flight calls get grace_ms to finish; then
// the calls still out are cut (Caller::abort shuts their sockets down), what answered by then
// is recorded as answered and the rest as `interrupted` (outcome unknown) and returned to the
// queue, all within kAbortWaitMs of the grace end.
//
// Crash accounting: claims come in batches, but a call goes out only holding a slot of the
// in-flight journal (inflight_journal.h), kept until its result is committed; there are
// journal_slots(workers) slots, so at most that many calls are in doubt after a crash; run()
// starts by recovering a dead runner's tasks with that journal (Store::recover_running).
//
// The writer's decisions (claim, halt, probe, stop, grace, time limit, finish) are the pure
// state machine of dispatch_state.h; every wait of the writer and the workers goes through the
// Clock, so the whole engine runs on a ManualClock in tests.
//
// Thread-safety: run() is called once, from one thread, which becomes the writer. progress()
// may be read from any thread while it runs.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "runner/api/outcome.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/core/result.h"
#include "runner/engine/backoff.h"
#include "runner/engine/caller.h"
#include "runner/engine/progress.h"
#include "runner/metrics/registry.h"
#include "runner/queue/store.h"

namespace qbi::engine {

// What a worker does with a finished call before the writer records it (see follow_up below).
struct FollowUpResult {
    ApiResult result;
    std::vector<queue::NewTask> children;
};
using FollowUp = std::function<FollowUpResult(const queue::ClaimedTask&, ApiResult)>;

struct EngineOptions {
    std::string owner;  // lease owner; unique per runner process
    int workers = 8;
    int claim_batch = 128;
    std::int64_t lease_ms = 120000;
    BackoffPolicy backoff;
    double max_qps = 20;
    std::map<std::string, double> action_qps;
    std::optional<std::int64_t> job_id;   // only this job (run --job)
    bool continuous = false;              // serve: keep going when idle
    std::int64_t idle_poll_ms = 1000;     // continuous: how often to look for new work
    std::int64_t halt_probe_ms = 300000;  // continuous: probe interval while halted
    std::int64_t grace_ms = 20000;
    std::optional<std::int64_t> max_time_ms;  // run --max-time
    // Only tasks of these actions are claimed (empty: every action); `plan` makes reads only.
    std::vector<std::string> actions;
    // Runs on the worker after each call (runner/discovery through runner/app): may re-judge
    // the result and ask for follow-up tasks, which the store inserts with a success. Empty:
    // results are recorded as they are.
    FollowUp follow_up;
    // The most tasks a job may grow to through follow-up tasks (jobs.max_tasks; 0: no limit).
    std::int64_t max_job_tasks = 0;
    // For the audit rows:
    std::string endpoint;       // "https://host[:port]"
    std::string signature;      // "v1" | "v3"
    std::string access_key_id;  // masked
    // When given (it must outlive the engine): every attempt row this engine writes is counted
    // there by the writer after its commit, throttled answers by the workers, and the rate
    // limit, halt and circuit breaker gauges are set about every 100 ms and at the end.
    metrics::Registry* metrics = nullptr;
};

// The most answers the writer gathers into one transaction (one fsync with synchronous=FULL)
// before it commits at once: at least 64, so that a few workers on a fast endpoint do not pay
// a commit every few answers. It commits sooner when a worker waits (see engine.cpp), and a
// small claim capacity lowers it (engine_impl.h, commit_batch).
constexpr int group_commit_size(int workers) {
    return std::max(workers, 64);
}
// How many answers may come back while the writer writes a group commit, for which the journal
// keeps slots so that no worker waits: twelve per worker (on loopback a worker makes a call
// about every 0.8 ms, and a pass of the writer takes up to about 10 ms on two busy cores), at
// most 96, at least one per worker.
constexpr int commit_slack(int workers) {
    return std::max(workers, std::min(12 * workers, 96));
}
// The in-flight journal's slots, the most calls in doubt after a crash: one per worker for its
// call out, a full group commit of answers awaiting their write, and commit_slack for the calls
// that answer while it is written. (1 worker: 77; 8 workers: 168; 64 workers: 224.)
constexpr int journal_slots(int workers) {
    return workers + group_commit_size(workers) + commit_slack(workers);
}

enum class StopReason { Finished, Halted, Stopped, TimeLimit, StoreError };

struct RunReport {
    StopReason reason = StopReason::Finished;
    Outcome halt_outcome = Outcome::HaltAuth;  // when Halted
    std::string halt_code, halt_message, halt_request_id;
    Error store_error;             // when StoreError
    std::int64_t recovered = 0;    // a dead runner's running tasks returned at start
    std::int64_t interrupted = 0;  // in-flight calls abandoned at stop
    std::int64_t elapsed_ms = 0;
};

class Engine {
public:
    Engine(queue::Store& store, CallerFactory make_caller, EngineOptions options, Clock& clock,
           Random& random);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Works the queue until done (see the header comment). `on_idle` runs on the writer
    // thread whenever no work is due (serve scans its inbox there); `on_tick` runs about every
    // 100 ms (progress display, watchdog, STATUS=). Neither may use the Store passed here
    // from another thread.
    RunReport run(const std::atomic<bool>& stop, const std::function<void()>& on_idle = {},
                  const std::function<void()>& on_tick = {});

    const Progress& progress() const;
    // Human text for STATUS=: "working", "idle", "halted: <code>", "paused: endpoint ...".
    std::string status_text() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace qbi::engine
