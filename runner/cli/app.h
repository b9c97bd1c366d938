#pragma once
// The qbi-runner command line: global options, then a subcommand from a table
// {name, summary, handler}. An unknown command suggests the nearest name.
#include <iosfwd>
#include <string>
#include <vector>

#include "runner/cli/context.h"

namespace qbi::cli {

using Handler = int (*)(Context& ctx, const std::vector<std::string>& args);

struct Command {
    const char* name;
    const char* usage;    // e.g. "call ACTION Key=Value... [--dry-run]"
    const char* summary;  // one line for --help
    Handler handler;
};

const std::vector<Command>& commands();

// The configuration of design §7: defaults, then the file found by find_config_file, then
// the command-line values. Errors: the file's (78), or a bad command-line value (64).
Result<Config> load_configuration(const GlobalOptions& global, const Env& env);

// Runs one invocation. `env` is injectable for tests; streams are the process's in main.
int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
        const Env& env, bool out_is_tty = false, bool err_is_tty = false);

// main(): converts argv, catches anything that escaped as "qbi-runner: error: ..." (exit 70).
int main_entry(int argc, char** argv);

}  // namespace qbi::cli
