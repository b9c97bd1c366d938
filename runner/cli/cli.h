#pragma once
// The qbi-runner command line: global options (before or after the command name), then a
// subcommand from the static table of commands.h. An unknown command suggests the nearest
// name.
//
// Thread-safety: run() is called once per invocation, from the process's main thread.
#include <iosfwd>
#include <string>
#include <vector>

#include "runner/core/clock.h"
#include "runner/core/env.h"
#include "runner/core/random.h"

namespace qbi::cli {

struct Terminal {
    bool out_is_tty = false;
    bool err_is_tty = false;
};

// Runs one invocation with the given streams, environment, clock and nonce source.
int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, const Env& env,
        Clock& clock, NonceSource& nonces, Terminal terminal = {});

// main(): first makes the process non-dumpable with no core limit (protect_process_memory)
// and keeps the heap's freed top (keep_heap_top), then runs with the process's streams,
// environment, SystemClock and RandomNonceSource; anything that escaped is reported as "qbi-runner:
// error: internal error: ..." (exit 70).
int main_entry(int argc, char** argv);

}  // namespace qbi::cli
