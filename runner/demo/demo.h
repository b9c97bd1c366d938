#pragma once
// qbi-runner demo: the whole product on one machine. Starts the simulator qbi-sim as a child
// process on a free loopback port (with a throwaway certificate and AccessKey, a generated world
// that also holds every favourite and share the example jobs name, and, unless --no-faults, a
// little Internal.System.Error and latency), submits the example jobs, runs them, prints the
// status, a few audit rows and the chain's verification, and shows what the simulator's world
// still holds. Nothing leaves the machine; the files stay in a temporary folder for inspection.
//
// The command line supplies how a run and a status are shown (DemoHooks), so the demo prints
// exactly what `run` and `status` print.
// Thread-safety: run_demo() is called once, from the main thread, after block_signals().
#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

#include "runner/app/config.h"
#include "runner/app/session.h"
#include "runner/core/clock.h"
#include "runner/core/env.h"
#include "runner/core/random.h"

namespace qbi::demo {

struct DemoOptions {
    std::string examples_dir;  // empty: the source tree's or the installed jobs/examples
    std::string sim_binary;    // empty: find_sim_binary()
    bool faults = true;
    int workers = 8;
    std::uint64_t seed = 2026;
};

struct DemoHooks {
    // Runs the engine to its end, showing progress and the summary; returns the exit code.
    std::function<int(app::RunnerSession&, engine::EngineOptions, const std::atomic<bool>&)> run;
    // Prints the status of every job.
    std::function<void(queue::Store&)> status;
};

// The folder of the example jobs: `given`, else share/qbi-runner/examples beside the running
// binary's bin/ (an installed copy, any prefix), else under the configured install prefix, else
// jobs/examples of the source tree. Empty when none exists.
std::string find_examples(const std::string& given);

// Returns the run's exit code (0 when every due task settled), or the set-up's error code.
int run_demo(const DemoOptions& options, app::Config config, const Env& env, Clock& clock,
             NonceSource& nonces, const std::atomic<bool>& stop, std::ostream& out,
             std::ostream& err, const DemoHooks& hooks);

}  // namespace qbi::demo
