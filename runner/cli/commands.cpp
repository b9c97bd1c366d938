#include "runner/cli/commands.h"

#include <ostream>

#include "runner/core/exit_codes.h"

namespace qbi::cli {

std::vector<Command> command_table() {
    return {
        {"call", "call ACTION Key=Value... [--dry-run]",
         "one signed API call; prints the response JSON", cmd_call},
        {"run", "run [--workers N] [--max-qps Q] [--job NAME] [--max-time DUR]",
         "work until every due task is settled, then exit", cmd_run},
        {"version", "version", "print the version", cmd_version},
    };
}

int cmd_version(Context& ctx, const std::vector<std::string>& args) {
    if (!args.empty()) return ctx.fail(kExitUsage, "version takes no arguments");
    if (ctx.global.json)
        ctx.out << "{\"schema\":1,\"version\":\"" << QBI_VERSION << "\"}\n";
    else
        ctx.out << "qbi-runner " << QBI_VERSION << "\n";
    return kExitOk;
}

}  // namespace qbi::cli
