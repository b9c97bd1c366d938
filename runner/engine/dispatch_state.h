#pragma once
// The dispatcher's state machine (design §4, §5): what the writer thread does next, as a PURE
// function of what it observed and the time. The writer loop (Engine::Impl::run, engine.cpp)
// is its driver: each pass it records the answers that came back, observes (an Observation),
// calls on_observe, performs the returned Actions, feeds back the results of the store queries
// a step may ask for (on_claimed after a claim, on_next_retry after the next-retry query),
// and waits until the last step's `wait_until_ms` (or until answers come back).
//
// States (Phase):
//   Working   claim due tasks for the workers, record their answers.
//   Halted    a halt answer arrived (credentials, permission, TLS): nothing new is dispatched.
//             Run mode ends (Halted) once the calls still out have answered; continuous mode
//             (serve) sends one probe task every halt_probe_ms, counted from the halt.
//   Probing   continuous mode: the one probe task is claimed or in flight.
//   Stopping  stop requested or time limit reached: nothing is claimed; the calls out get
//             grace_ms to answer, then are abandoned (recorded as interrupted).
//   Done      the run is over; DispatchState::reason says why.
//
// Transitions. on_observe takes the first matching row of each group, top to bottom; `busy`
// counts claimed tasks not yet recorded (pending + in flight + answered), `now` is run time.
//
//   from           event / condition                 to        actions
//   -- on_observe: the probe's answer (recorded in this pass) --
//   Probing        probe answered, not a halt        Working   resume (workers dispatch again)
//   Probing        probe answered with a halt        Halted    (next probe stays as set at claim)
//   -- on_observe: ending --
//   not Stopping   stop requested                    Stopping  begin stop, release pending,
//                  / now >= max_time_ms                        "stopping"; reason Stopped /
//                                                              TimeLimit; observe again at once
//   Stopping       busy == 0                         Done      -
//   Stopping       now >= stop began + grace_ms      Done      release pending, abandon in flight
//   Stopping       otherwise                         Stopping  wait for answers or the grace end
//   -- on_observe: dispatch --
//   Working        a halt answer arrived             Halted    next probe := now + halt_probe_ms;
//                                                              then the Halted rows, same pass
//   Halted         every pass                        -         release pending
//   Halted (run)   busy == 0                         Done      reason Halted
//   Halted (cont.) every pass                        -         "halted: CODE; next probe in N s"
//   Halted (cont.) busy == 0, now >= next probe      Probing   claim 1 (the probe);
//                                                              next probe := now + halt_probe_ms
//   Working        room >= claim threshold           Working   claim min(room, claim_batch)
//   Working        otherwise                         Working   "working" / "paused: ..."
//   -- on_claimed(result of the claim) --
//   Probing        nothing claimed                   Halted    -
//   Working        nothing claimed, busy == 0        Working   run on_idle; after a busy claim:
//                                                              wait 100 ms, else ask next retry
//   Working        otherwise                         Working   "working" / "paused: ..."
//   -- on_next_retry(result of the query) --
//   Working        database busy                     Working   wait 100 ms
//   Working (run)  no retry pending                  Done      reason Finished
//   Working        otherwise                         Working   "waiting for retries" / "idle";
//                                                              wait for the retry or the poll
//   -- on_store_error --
//   any            a store write or query failed     Done      begin stop; reason StoreError
//
// Waiting: a step ends with wait_until_ms, never later than now + kMaxWaitMs (the stop flag
// and on_tick are looked at that often), the time limit (not Stopping) or the end of the
// grace period (Stopping); wait_until_ms <= now means: observe again at once. The writer then
// waits wait_until_ms - now, counted from when it starts waiting (the time it spent acting is
// not taken off, as in a poll loop), or until answers come back (then up to the group-commit
// window for a full batch).
//
// "Room" is capacity - busy; the claim threshold is min(claim_batch, capacity / 2): every claim
// writes each task's row (and, made while no answer waits, commits with an fsync of its own; the
// driver otherwise commits it with the pass's answers), so claiming a few tasks at a time would
// make the writer, not the workers, the bottleneck. A busy database (SQLITE_BUSY beyond the busy
// timeout) is not an error: a busy claim claims nothing and sets claim_busy, which the next idle
// decision consumes by waiting 100 ms instead of asking for the next retry.
//
// Thread-safety: plain values and pure functions; safe from any thread.
#include <cstdint>
#include <optional>
#include <string>

#include "runner/engine/engine.h"

namespace qbi::engine {

enum class Phase { Working, Halted, Probing, Stopping, Done };
const char* phase_name(Phase p);  // "working", "halted", "probing", "stopping", "done"

// The writer looks at the stop flag (and runs on_tick) at least this often.
inline constexpr std::int64_t kMaxWaitMs = 100;
// How long a busy database is left alone before the writer tries again.
inline constexpr std::int64_t kBusyRetryMs = 100;

struct DispatchConfig {
    bool continuous = false;
    int capacity = 16;  // most tasks claimed and not yet recorded
    int claim_batch = 128;
    std::int64_t idle_poll_ms = 1000;
    std::int64_t halt_probe_ms = 300000;
    std::int64_t grace_ms = 20000;
    std::optional<std::int64_t> max_time_ms;

    static DispatchConfig from(const EngineOptions& o);  // with claim_capacity(o)
};

// The claim capacity: three tasks per worker at least (a call out, an answer awaiting its
// group commit, one at hand), so no worker waits while the writer commits; when the rate limit
// lets it be spent within about two seconds, up to a claim batch or, if more, every journal
// slot (engine.h) and a group commit besides (8 workers: 232), so that the workers never wait
// for the claim that the writer's next pass brings. Few enough that a stop or a halt has
// little to give back. With per-action claims (EngineOptions::actions), every rate-limited action
// adds its own cap (action_claim_cap: a quarter second of its rate).
int claim_capacity(const EngineOptions& o);
int action_claim_cap(double action_qps);

// The machine's memory between passes.
struct DispatchState {
    Phase phase = Phase::Working;
    StopReason reason = StopReason::Finished;  // meaningful in Stopping and Done
    std::int64_t stop_began_ms = -1;           // Stopping, Done after a stop: run time
    std::int64_t next_probe_ms = 0;            // Halted/Probing (continuous): run time
    bool claim_busy = false;  // a claim met a busy database since the last idle decision
};

enum class ProbeAnswer { None, Ok, Halt };

// What the writer sees at the start of a pass, after recording the answers that came back.
struct Observation {
    std::int64_t now_ms = 0;      // run time: monotonic milliseconds since run() began
    bool stop_requested = false;  // the caller's stop flag
    bool halt_seen = false;       // a worker got a halt answer and dispatch has not resumed
    ProbeAnswer probe = ProbeAnswer::None;  // Probing: the probe's answer, recorded this pass
    std::size_t busy = 0;              // claimed, not yet recorded: pending + in flight + answered
    std::string halt_code;             // the first halt answer's code (for the status text)
    bool breaker_closed = true;        // the circuit breaker lets calls through
    std::int64_t breaker_wait_ms = 0;  // open breaker: milliseconds until its next probe
};

struct ClaimResult {
    int claimed = 0;
    bool store_busy = false;  // the database was busy: nothing claimed, try again later
};

struct NextRetry {
    bool store_busy = false;                 // the query met a busy database
    std::optional<std::int64_t> at_wall_ms;  // the earliest queued task's due time, if any
    std::int64_t wall_now_ms = 0;            // the wall clock when asked
};

// What the driver does, in this order: resume, begin_stop, status, release_pending,
// abandon_in_flight, claim (then on_claimed), run_on_idle, query_next_retry (then
// on_next_retry); finally, unless the phase is Done, wait until wait_until_ms.
struct Actions {
    bool resume = false;                // the probe succeeded: clear the halt, dispatch again
    bool begin_stop = false;            // workers give back what they have not started
    std::optional<std::string> status;  // new status_text()
    bool release_pending = false;       // return claimed, unstarted tasks to the queue
    bool abandon_in_flight = false;     // record calls still out as interrupted, requeue them
    int claim = 0;                      // claim up to this many tasks (a probe: 1)
    bool run_on_idle = false;           // no work: run the caller's on_idle
    bool query_next_retry = false;      // ask the store when the next retry is due
    std::int64_t wait_until_ms = 0;     // run time; <= now: observe again at once
};

struct Step {
    DispatchState state;
    Actions actions;
};

class DispatchMachine {
public:
    explicit DispatchMachine(DispatchConfig config) : config_(std::move(config)) {}
    const DispatchConfig& config() const { return config_; }

    Step on_observe(const DispatchState& s, const Observation& o) const;
    // `o` is the observation of the same pass.
    Step on_claimed(const DispatchState& s, const Observation& o, ClaimResult r) const;
    Step on_next_retry(const DispatchState& s, const Observation& o, const NextRetry& r) const;
    Step on_store_error(const DispatchState& s) const;

private:
    // Caps a wait at now + kMaxWaitMs and at the phase's own limit (time limit or grace end).
    std::int64_t cap_wait(const DispatchState& s, std::int64_t now, std::int64_t until) const;
    void working_status(const Observation& o, Actions& a) const;

    DispatchConfig config_;
};

}  // namespace qbi::engine
