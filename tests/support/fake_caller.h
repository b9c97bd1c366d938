#pragma once
// A scripted stand-in for the Quick BI API, for engine tests: Callers (runner/engine/caller.h)
// that answer what the test says, take their latency in CLOCK time, and can hold a call until
// the test lets it go. No network.
//
// FakeApi holds the script and the log of calls; factory() makes Callers that share them (one
// per engine worker). The reply to a call is, first match wins:
//   1. the reply set for its call index (on_call; indexes count from 0 in arrival order),
//   2. the first rule (on_action, on_params) that matches and still has uses left,
//   3. the responder (respond), if set and it returns a reply,
//   4. the default reply (set_default; initially done()).
// Then the call
//   - if the reply says `block`: waits, on the Clock with no deadline (a ManualClock lets
//     time pass meanwhile), until release_all(), until the release condition (release_when)
//     holds, or until its Caller is aborted (then it answers Transport.Aborted: the engine cut
//     it at the end of the grace period); a ManualClock re-checks the condition every poll interval
//     (with a SystemClock only release_all() ends the wait). After a 10 s real-time safety limit it
//     answers Transport.Timeout instead and failsafe_hit() turns true (a test that forgot to
//     release fails instead of hanging);
//   - if the reply has latency_ms: sleeps that long on the Clock (Clock::sleep_until_ns; a
//     ManualClock lets no real time pass);
//   - answers the reply's ApiResult, with latency_ms set to the clock time the call took and,
//     for an answer with an HTTP status, RequestId "fake-req-<index>".
//
// Thread-safety: every member may be called from any thread (state guarded by mu_). Rules and
// the responder run under mu_, one call at a time, so a responder may keep state unguarded.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runner/api/outcome.h"
#include "runner/core/clock.h"
#include "runner/core/params.h"
#include "runner/engine/caller.h"

namespace qbi::test {

// Answers, classified as the real client would (runner/api/response.h).
ApiResult done();
// An error answer with `code` (HTTP 400 unless given); its outcome from classify_code.
ApiResult answer(const std::string& code, int http_status = 400);
// No HTTP answer at all: a transport failure (Transport.ConnectionFailed by default).
ApiResult transport_failure(const std::string& code = kCodeConnection);

struct FakeReply {
    ApiResult result = done();
    std::int64_t latency_ms = 0;  // clock time
    bool block = false;           // hold the call until released (see above)
};

// One call as the fake saw it.
struct FakeCall {
    std::size_t index = 0;
    std::string action;
    Params params;
    std::int64_t started_ns = 0;       // Clock::monotonic_ns() when the call arrived
    std::int64_t started_wall_ms = 0;  // Clock::wall_ms() then
    std::int64_t answered_ns = -1;     // when it answered; -1 while in flight
    std::thread::id thread;            // the thread (engine worker) that made it
    std::size_t in_flight = 0;         // calls out when it arrived, itself included
    ApiResult result;                  // what it answered (once answered)
};

class FakeApi {
public:
    using Responder = std::function<std::optional<FakeReply>(const FakeCall&)>;

    explicit FakeApi(Clock& clock);
    FakeApi(const FakeApi&) = delete;
    FakeApi& operator=(const FakeApi&) = delete;

    // ---- the script (set it up before the engine runs; changes apply to later calls) ----
    void set_default(FakeReply reply);
    void on_call(std::size_t index, FakeReply reply);
    // `uses` < 0: unlimited.
    void on_action(const std::string& action, FakeReply reply, int uses = -1);
    // Matches calls of `action` whose params include every key/value of `subset`.
    void on_params(const std::string& action, const Params& subset, FakeReply reply, int uses = -1);
    void respond(Responder responder);
    // Blocked calls also go once `condition` holds (checked with the fake's mutex held: it
    // must not call this FakeApi).
    void release_when(std::function<bool()> condition);
    // Lets every blocked call go, and every later one pass without blocking.
    void release_all();

    // Callers for the Engine; each shares this FakeApi, which must outlive them.
    engine::CallerFactory factory();

    // ---- what happened ----
    std::vector<FakeCall> calls() const;
    std::size_t call_count() const;
    std::size_t in_flight() const;
    std::size_t max_in_flight() const;
    std::size_t blocked() const;
    std::size_t aborted_calls() const;  // blocked calls ended by Caller::abort
    bool failsafe_hit() const;

    // Answers one call (what a Caller made by factory() does); `aborted`: its Caller's flag (an
    // aborted Caller answers Transport.Aborted at once, and ends a blocked call).
    ApiResult call(const std::string& action, const Params& params,
                   const std::atomic<bool>* aborted = nullptr);
    // Blocked calls look at their abort flags again.
    void wake();

private:
    struct Rule {
        std::string action;
        Params subset;
        FakeReply reply;
        int uses;
    };
    FakeReply decide_locked(const FakeCall& c);
    bool released_locked(const std::function<bool()>& condition) const;

    Clock& clock_;
    mutable std::mutex mu_;
    std::condition_variable cv_;                      // blocked calls wait here (real time)
    FakeReply default_;                               // guarded by mu_
    std::vector<std::optional<FakeReply>> by_index_;  // guarded by mu_
    std::vector<Rule> rules_;                         // guarded by mu_
    Responder responder_;                             // guarded by mu_
    std::function<bool()> release_condition_;         // guarded by mu_
    bool released_ = false;                           // guarded by mu_
    std::vector<FakeCall> calls_;                     // guarded by mu_
    std::size_t in_flight_ = 0, max_in_flight_ = 0;   // guarded by mu_
    std::size_t blocked_ = 0;                         // guarded by mu_
    std::size_t aborted_calls_ = 0;                   // guarded by mu_
    bool failsafe_ = false;                           // guarded by mu_
};

// A responder for a rate-limited endpoint: at most `per_second` calls of any action are
// answered per clock second (counted in windows [k s, k+1 s) of monotonic time); the rest
// get Throttling.User (HTTP 400, retryable), as Quick BI's flow control answers.
FakeApi::Responder throttle_above(int per_second);

}  // namespace qbi::test
