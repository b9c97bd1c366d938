#pragma once
// What `run`, `serve`, `batch` and `demo` share: the runner lock, the queue, the API set-up and
// an Engine configured from the configuration, plus the outcome of a run (its exit code of
// design §7). Printing is the command line's business; nothing here writes to a terminal.
//
// Thread-safety: one RunnerSession per command, used from its main (writer) thread. The
// Clock and NonceSource it is given must outlive it and be safe to share with the workers.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "runner/app/api_setup.h"
#include "runner/app/call_watch.h"
#include "runner/app/config.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/engine/engine.h"
#include "runner/metrics/registry.h"
#include "runner/queue/runner_lock.h"
#include "runner/queue/store.h"

namespace qbi::app {

// The counters of a finished run (engine::Progress without the atomics).
struct RunCounts {
    std::int64_t done = 0, already_absent = 0, failed = 0, retried = 0, throttled = 0, attempts = 0;
};

struct RunSummary {
    engine::RunReport report;
    RunCounts counts;
    queue::TaskCounts left;  // of the job (run --job) or of the whole queue, after the run
    int exit_code = 0;       // design §7: 0, 1, 75, 77, 78, or the store error's class
    std::string why;         // for a halt or a store error: what happened and what to do
};

// The exit code and reason of a finished run, from its report, counters and what is left.
RunSummary summarize_run(const engine::RunReport& report, const engine::Progress& progress,
                         const queue::TaskCounts& left);

// The engine's follow-up hook: discovery's reading of answers (runner/discovery).
engine::FollowUp discovery_follow_up();

// A unique lease owner for this process: "host:pid:random".
std::string make_owner(NonceSource& nonces);

class RunnerSession {
public:
    RunnerSession(Clock& clock, NonceSource& nonces);

    // Takes the runner lock (75 if another runner holds it), opens the store, and builds the
    // API set-up from the configuration and the credential chain, unless `preset` is given
    // (the demo's throwaway key). Logs where the credentials came from (never the secret).
    Status open(const Config& config, const Env& env, const CredentialOptions& credentials,
                const ApiSetup* preset = nullptr);

    // The engine options of `config` for this session's endpoint and key, with a fresh owner,
    // counting into metrics().
    engine::EngineOptions engine_options(const Config& config);
    // One HttpsCaller per worker over the shared TLS context, each answer seen by calls().
    engine::CallerFactory caller_factory();
    // Watches the answers: logs transport failures and (once asked) halts; see call_watch.h.
    CallWatch& calls() { return *calls_; }

    // One engine run to its end (the `run` of design §7); exit 69 when every attempt failed
    // on transport (calls()). `on_tick` runs on this thread about
    // every 100 ms with the live counters (progress display, watchdog).
    RunSummary run_to_end(engine::EngineOptions options, const std::atomic<bool>& stop,
                          const std::function<void(const engine::Engine&)>& on_tick = {});

    // Logs "audit head: ROWS HASH" (the anchor `audit verify --anchor ROWS:HASH` checks, kept
    // in the journal, outside the database) when `force` (the end of a run) or when
    // kAuditHeadEveryMs of clock time have passed since the last one (call it from the tick).
    // A busy database skips that turn silently.
    void log_audit_head(bool force);
    static constexpr std::int64_t kAuditHeadEveryMs = 10 * 60 * 1000;

    // This process's metrics (issue 10): every engine of the session counts into it; the
    // service serves it, run --metrics-file writes it.
    metrics::Registry& metrics() { return *metrics_; }
    queue::Store& store() { return *store_; }
    const std::string& db_path() const { return db_path_; }
    const ApiSetup& api() const { return api_; }
    void set_api(ApiSetup api);
    Clock& clock() { return clock_; }
    NonceSource& nonces() { return nonces_; }
    Random& random() { return *random_; }

private:
    Clock& clock_;
    NonceSource& nonces_;
    std::string db_path_;
    std::optional<queue::RunnerLock> lock_;
    std::optional<queue::Store> store_;
    ApiSetup api_;
    std::unique_ptr<SeededRandom> random_;
    std::unique_ptr<CallWatch> calls_;
    std::unique_ptr<metrics::Registry> metrics_;
    std::optional<std::int64_t> last_head_log_ns_;  // the last audit head logged (or the start)
};

}  // namespace qbi::app
