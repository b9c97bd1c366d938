#pragma once
// Runs one qbi-runner invocation in process, through the real command table, with the given
// environment (never the test process's), the system clock and random nonces; captures stdout
// and stderr. Not thread-safe; one call at a time per thread.
#include <sstream>
#include <string>
#include <vector>

#include "runner/cli/cli.h"
#include "runner/core/clock.h"
#include "runner/core/env.h"
#include "runner/core/random.h"

namespace qbi::test {

struct CliResult {
    int code = 0;
    std::string out, err;
};

// `args` without argv[0].
// `terminal`: whether stdout and stderr count as terminals (colour, redrawn progress).
inline CliResult run_cli(const std::vector<std::string>& args, const Env& env,
                         cli::Terminal terminal = {}) {
    std::ostringstream o, e;
    std::vector<std::string> argv{"qbi-runner"};
    argv.insert(argv.end(), args.begin(), args.end());
    SystemClock clock;
    RandomNonceSource nonces;
    CliResult r;
    r.code = cli::run(argv, o, e, env, clock, nonces, terminal);
    r.out = o.str();
    r.err = e.str();
    return r;
}

}  // namespace qbi::test
