#pragma once
// Engine internals shared by the writer (engine.cpp: the driver of the dispatch state machine;
// engine_records.cpp: what it writes to the Store) and the workers (workers.cpp).
//
// Thread-safety: the fields marked "writer only" are used by the thread in run(); the ones
// "guarded by mu" by anyone holding mu; the atomics are the flags the writer and the workers
// share; everything else is fixed before the workers start.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runner/engine/circuit_breaker.h"
#include "runner/engine/concurrency_limit.h"
#include "runner/engine/dispatch_state.h"
#include "runner/engine/engine.h"
#include "runner/engine/idle_workers.h"
#include "runner/engine/inflight_journal.h"
#include "runner/engine/rate_limiter.h"
#include "runner/engine/task_pool.h"

namespace qbi::engine {

// SQLITE_BUSY beyond the busy timeout (another process writing for long): worth a retry.
inline bool is_busy(const Error& e) {
    return e.code == kExitTempFail;
}

// How long, at the end of the grace period, the writer waits for the cut calls to come back.
inline constexpr std::int64_t kAbortWaitMs = 500;

// A claimed task travelling to a worker and back.
struct Completion {
    queue::ClaimedTask task;
    ApiResult result;
    std::vector<queue::NewTask> children;  // from EngineOptions::follow_up
    std::int64_t started_at_ms = 0;
    bool started = false;  // false: never called (released on stop or halt)
    int slot = -1;         // the journal slot it holds until its result is committed
};

// Answers written into the open batch (Store::begin_batch), settled once it is committed:
// their journal slots freed, their effects counted.
struct Unsettled {
    std::vector<Completion> batch;               // as taken from `completions`
    std::vector<std::size_t> recorded;           // for each result: its completion in `batch`
    std::vector<queue::AttemptRecord> attempts;  // for each result: the attempt written
    std::vector<queue::Recorded> effects;        // for each result
};

// A task a worker has taken from `pending` and not yet handed back.
struct InFlight {
    queue::ClaimedTask task;
    bool started = false;            // the call went out (it may have taken effect)
    std::int64_t started_at_ms = 0;  // wall time it went out
    int slot = -1;
};

struct Engine::Impl {
    Impl(queue::Store& s, CallerFactory f, EngineOptions o, Clock& c, Random& r);

    // ---- writer side: the driver (engine.cpp) ----
    RunReport run(const std::atomic<bool>& stop, const std::function<void()>& on_idle,
                  const std::function<void()>& on_tick);
    Observation observe(std::int64_t now_ms, bool stop, ProbeAnswer probe, const RunReport& report);
    // Performs step.actions, feeding claim and next-retry results back to the machine (so
    // `step` ends as the pass's last step). False on a store error.
    bool perform(Step& step, const Observation& o, RunReport& report,
                 const std::function<void()>& on_idle);
    // Waits `wait_ms` from now, or until answers are waiting (then up to the group-commit
    // window for a full batch of `workers` answers).
    void wait_for_answers(std::int64_t wait_ms);
    std::int64_t run_ms() const { return (clock.monotonic_ns() - start_ns) / 1000000; }
    void set_status(std::string s);
    // The gauges of EngineOptions::metrics (rate, halt, breaker), when given.
    void update_gauges(const RunReport& report);
    // One attempt row written (after its commit), when metrics are given.
    void count_attempt(const std::string& action, const queue::AttemptRecord& a,
                       queue::TaskEffect effect);

    // ---- writer side: the Store (engine_records.cpp) ----
    // Records the answers that came back; with `probe`, reports the first recorded answer as
    // the probe's. False on a store error.
    // Inside an open batch the answers are written but settled by finish_batch().
    bool flush_completions(RunReport& report, ProbeAnswer* probe);
    // Counts what was written and frees the answers' journal slots: after their commit.
    void settle(Unsettled& u, RunReport& report);
    // Claimed tasks go to the workers once their claim is committed (inside a batch: by
    // finish_batch()).
    bool claim_more(RunReport& report, int limit, ClaimResult& result);
    void hand_out(std::vector<queue::ClaimedTask> claimed);
    // A pass's answers and its claim in one transaction: begin_pass_batch() opens it when
    // answers wait (a busy database: no batch, and false: the answers wait for the next try,
    // as results_busy_until_ns says); finish_batch() commits it, then settles the answers and hands
    // the claimed tasks out; drop_batch() rolls it back after a store error (nothing of it stays:
    // the answers' tasks stay running with their journal slots held, so a later recovery counts
    // them in doubt; the claimed ones stay queued).
    bool begin_pass_batch();
    bool finish_batch(RunReport& report);
    void drop_batch();
    // Logs a busy database (another process writing beyond the busy timeout), at most every 5 s.
    void note_busy(const Error& e, const std::string& what);
    bool release_pending(RunReport& report);  // false on a store error
    // The grace period is over: cuts the calls still out (Caller::abort), waits up to
    // kAbortWaitMs for the workers to hand them back, records what answered as answered and the
    // cut ones as interrupted; a call still not back then is recorded as interrupted at once.
    bool abandon_in_flight(RunReport& report);
    // Under mu: gives the journal slots of recorded completions back.
    void free_slots_locked(const std::vector<Completion>& done);
    // Wakes as many of the waiting workers as could send a call now (tasks in the pool, free
    // journal slots, room under the concurrency limit), the most recently idle first
    // (idle_workers.h): a commit or a claim while every worker is busy calling wakes no thread.
    // Writer only.
    void wake_idle_workers();
    // Under mu: how many more calls could go out now (at least 0).
    int dispatch_room_locked() const;
    queue::TaskResult to_result(const Completion& c) const;

    // ---- worker side (workers.cpp) ----
    void start_workers();
    void stop_workers();
    void worker_loop(Caller& caller, int id);
    // Under mu: the next task worker `id` may send now (its rate tokens taken, the circuit
    // breaker passed), waiting through the Clock as long as needed; nullopt at shutdown.
    std::optional<queue::ClaimedTask> next_task(std::unique_lock<std::mutex>& lock, int id);
    bool may_dispatch() const {
        return !dispatch_stop.load() && (!halted.load() || probing.load());
    }
    // How many answers make a full group commit: group_commit_size (engine.h), but no more
    // than half the claim capacity (at least `workers`), or with a small run.claim_batch the
    // answers could never fill it and each commit would wait for the pool to run dry.
    std::size_t commit_batch() const {
        const int half_capacity = std::max(opt.workers, machine.config().capacity / 2);
        return static_cast<std::size_t>(std::min(group_commit_size(opt.workers), half_capacity));
    }
    // The journal's slots (engine.h): a worker sends its next call while the writer gathers
    // and writes a group commit.
    int journal_slots() const { return engine::journal_slots(opt.workers); }
    // The most tasks of `action` kept claimed and unstarted: a quarter second of its own rate
    // (action_claim_cap), at most the whole capacity.
    int action_cap(const std::string& action) const;

    queue::Store& store;
    CallerFactory make_caller;
    EngineOptions opt;
    Clock& clock;
    Random& random;
    Progress progress;
    RateLimiter global_limit;
    std::map<std::string, std::unique_ptr<RateLimiter>> action_limits;  // fixed after start
    CircuitBreaker breaker;
    ConcurrencyLimit concurrency;  // how many of the workers may have a call out
    const DispatchMachine machine;

    std::mutex mu;
    IdleWorkers idle;                     // waits under mu: workers with nothing they may send now
    std::condition_variable done_cv;      // the writer waits for completions (through the Clock)
    TaskPool pool;                        // guarded by mu: claimed, not yet started (by action)
    std::vector<Completion> completions;  // guarded by mu
    std::map<std::int64_t, InFlight> in_flight;  // guarded by mu: by task id
    // A call goes out only with a free slot of the in-flight journal, held until its result is
    // committed: at most journal_slots() calls are ever in doubt after a crash
    // (inflight_journal.h).
    InFlightJournal journal;                           // slots written under mu
    std::vector<int> free_slots;                       // guarded by mu
    bool aborting = false;                             // guarded by mu: the calls out are being cut
    std::vector<std::shared_ptr<Caller>> callers;      // fixed while the workers run
    bool shutdown = false;                             // guarded by mu: workers exit
    int workers_running = 0;                           // guarded by mu: started, not yet exited
    std::int64_t results_busy_until_ns = 0;            // writer only: results found the store busy
    std::vector<Unsettled> unsettled;                  // writer only: written into the open batch
    std::vector<queue::ClaimedTask> claimed_in_batch;  // writer only: claimed in the open batch
    // guarded by mu: waiting for work or a token in next_task (not parked over the limit)
    int workers_waiting = 0;
    std::vector<int> to_wake;        // writer only: wake_idle_workers' list
    std::size_t claim_rotation = 0;  // writer only: per-action claims start here

    std::int64_t start_ns = 0;               // writer only: monotonic time run() began
    std::int64_t last_busy_log_ms = 0;       // writer only: when a busy database was last logged
    std::atomic<bool> halted{false};         // a halt answer arrived: dispatch no more
    std::atomic<bool> dispatch_stop{false};  // stopping: workers give tasks back
    std::atomic<bool> probing{false};        // Phase::Probing: the one probe may be called
    mutable std::mutex status_mu;
    std::string status;  // guarded by status_mu
    std::vector<std::thread> threads;
};

}  // namespace qbi::engine
