#pragma once
// Handlers of the subcommands. Each parses its own arguments and returns an ExitCode.
#include <string>
#include <vector>

#include "runner/cli/app.h"

namespace qbi::cli {

// The table behind commands(); defined in commands.cpp.
std::vector<Command> command_table();

int cmd_version(Context& ctx, const std::vector<std::string>& args);
int cmd_call(Context& ctx, const std::vector<std::string>& args);
int cmd_run(Context& ctx, const std::vector<std::string>& args);

}  // namespace qbi::cli
