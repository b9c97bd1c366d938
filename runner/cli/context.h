#pragma once
// What every command handler receives: global options, the loaded configuration, the output
// streams and the environment. Handlers return an ExitCode and print data to `out`, messages
// to `err`.
//
// Thread-safety: one Context per invocation, used from the command's main thread.
#include <iosfwd>
#include <string>
#include <vector>

#include "runner/cli/config.h"

namespace qbi::cli {

struct GlobalOptions {
    std::string config_file;
    std::string db;
    std::string endpoint;
    std::string region;
    std::string ca_file;
    std::string signature;
    std::string credentials_file;
    bool json = false;
    bool quiet = false;
    bool help = false;
};

struct Context {
    GlobalOptions global;
    Config config;
    std::ostream& out;
    std::ostream& err;
    Env env;
    bool out_is_tty = false;
    bool err_is_tty = false;
    std::string argv0;

    // Prints "qbi-runner: error: <message>" to err. Returns `code` for `return ctx.fail(...)`.
    int fail(int code, const std::string& message) const;
    void warn(const std::string& message) const;
    // Informational line on stderr unless -q.
    void note(const std::string& message) const;
};

// Parses a command's own options: `spec` lists accepted flags ("--dry-run") and valued
// options ("--state="); positional arguments are returned in `positional`. Returns an error
// message (usage) or "".
struct ParsedArgs {
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> options;  // name, value ("" for flags)
    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& def = "") const;
    std::vector<std::string> all(const std::string& name) const;
};
std::string parse_args(const std::vector<std::string>& args, const std::vector<std::string>& flags,
                       const std::vector<std::string>& valued, ParsedArgs& out);

}  // namespace qbi::cli
