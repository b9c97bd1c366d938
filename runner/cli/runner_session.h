#pragma once
// What `run`, `serve` and `batch` share: the runner lock, the queue, the API set-up and an
// Engine configured from the configuration, plus the end-of-run summary.
//
// Thread-safety: one RunnerSession per command, used from its main (writer) thread.
#include <memory>
#include <optional>
#include <string>

#include "runner/cli/api_setup.h"
#include "runner/cli/context.h"
#include "runner/core/random.h"
#include "runner/engine/engine.h"
#include "runner/queue/runner_lock.h"
#include "runner/queue/store.h"

namespace qbi::cli {

struct RunnerSession {
    std::string db_path;
    std::optional<queue::RunnerLock> lock;
    std::optional<queue::Store> store;
    ApiSetup api;
    RandomNonceSource nonces;
    std::unique_ptr<SeededRandom> random;

    // Takes the lock (75 if another runner holds it), opens the store and the API set-up
    // (from the configuration and the credential chain, unless `preset` is given, as the demo
    // does). Returns an exit code, 0 on success (the error is printed).
    int open(Context& ctx, const ApiSetup* preset = nullptr);
    engine::EngineOptions engine_options(const Context& ctx) const;
    engine::CallerFactory caller_factory(Clock& clock);
    // One engine run to its end (the `run` of design §7): a progress line on stderr unless -q,
    // then the summary; returns the exit code (see report_run). `opt.owner` is filled in.
    int run_to_end(Context& ctx, engine::EngineOptions opt, const std::atomic<bool>& stop);
};

// A unique lease owner for this process: "host:pid:random".
std::string make_owner(NonceSource& nonces);

// Prints the summary of a run (human or JSON) and returns the exit code of design §7.
int report_run(Context& ctx, queue::Store& store, const engine::RunReport& report,
               const engine::Progress& progress, std::optional<std::int64_t> job_id);

}  // namespace qbi::cli
