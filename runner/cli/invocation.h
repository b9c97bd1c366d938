#pragma once
// What every command handler receives: the global options, the loaded configuration, the
// output streams, the environment, and the process's clock and nonce source (injected once by
// main_entry, so tests can pass their own). Handlers parse their own arguments, call runner/app
// for the work, print data to `out` and messages to `err`, and return an ExitCode. Nothing below
// the command line sees an Invocation: runner/app takes a Config, a Clock and a NonceSource.
//
// Thread-safety: one Invocation per command, used from its main thread.
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "runner/api/credential_chain.h"
#include "runner/app/config.h"
#include "runner/core/clock.h"
#include "runner/core/env.h"
#include "runner/core/json.h"
#include "runner/core/random.h"

namespace qbi::cli {

struct GlobalOptions {
    app::ConfigOverrides overrides;  // --config, --db, --endpoint, --region, --ca-file, --signature
    std::string credentials_file;
    std::string profile;  // --profile
    bool json = false;
    bool quiet = false;
    bool verbose = false;  // -v: log.level debug for this run (kept across a serve reload)
    bool help = false;
};

struct Invocation {
    GlobalOptions global;
    app::Config config;
    std::ostream& out;
    std::ostream& err;
    Env env;
    Clock& clock;
    NonceSource& nonces;
    bool out_is_tty = false;
    bool err_is_tty = false;

    // Colour on stdout: a terminal, NO_COLOR unset or empty, TERM not "dumb" (no-color.org).
    bool colour() const;
    // A line redrawn in place on stderr (\r, erase-line): a terminal whose TERM is not "dumb".
    bool redraw() const;
    // Prints "qbi-runner: error: <message>" to err (terminal escapes made visible, line breaks
    // kept; under the journal each line has its priority). Returns `code`.
    int fail(int code, const std::string& message) const;
    int fail(const Error& e) const { return fail(e.code, e.message); }
    void warn(const std::string& message) const;
    // Informational line on stderr unless -q.
    void note(const std::string& message) const;
    // The credential chain's inputs for this invocation.
    CredentialOptions credentials() const;
    // Prints one --json document (one line).
    void print(const json::Value& document) const;
};

// A --json document of schema 1: an object whose first member is "schema": 1. Fields are only
// ever added within a schema version (README, "JSON output").
inline constexpr int kJsonSchema = 1;
json::Value json_document();

// A command's own options: `flags` are accepted alone ("--dry-run"), `valued` take a value
// ("--state S" or "--state=S"); everything else is positional ("--" ends the options).
struct ParsedArgs {
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> options;  // name, value ("" for flags)
    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& def = "") const;
    std::vector<std::string> all(const std::string& name) const;
};
// An unknown option is a usage error (64) with a "did you mean" hint.
Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::vector<std::string>& flags,
                              const std::vector<std::string>& valued);

}  // namespace qbi::cli
