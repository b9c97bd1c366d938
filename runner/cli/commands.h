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
int cmd_validate(Context& ctx, const std::vector<std::string>& args);
int cmd_submit(Context& ctx, const std::vector<std::string>& args);
int cmd_status(Context& ctx, const std::vector<std::string>& args);
int cmd_tasks(Context& ctx, const std::vector<std::string>& args);
int cmd_rerun(Context& ctx, const std::vector<std::string>& args);
int cmd_cancel(Context& ctx, const std::vector<std::string>& args);
int cmd_audit(Context& ctx, const std::vector<std::string>& args);
int cmd_demo(Context& ctx, const std::vector<std::string>& args);
int cmd_serve(Context& ctx, const std::vector<std::string>& args);
int cmd_batch(Context& ctx, const std::vector<std::string>& args);

}  // namespace qbi::cli
