#include "runner/cli/cli.h"

#include <unistd.h>

#include <exception>
#include <iostream>

#include "runner/cli/commands.h"
#include "runner/cli/help.h"
#include "runner/core/exit_codes.h"
#include "runner/core/heap.h"
#include "runner/core/log.h"
#include "runner/core/process_guard.h"
#include "runner/core/strings.h"

namespace qbi::cli {

namespace {

// Where the valued entries of global_options() (commands.cpp) go; accepted before or after the
// command name.
std::string* global_field(GlobalOptions& g, const std::string& name) {
    if (name == "--config") return &g.overrides.config_file;
    if (name == "--db") return &g.overrides.db;
    if (name == "--endpoint") return &g.overrides.endpoint;
    if (name == "--region") return &g.overrides.region;
    if (name == "--ca-file") return &g.overrides.ca_file;
    if (name == "--signature") return &g.overrides.signature;
    if (name == "--credentials-file") return &g.credentials_file;
    if (name == "--profile") return &g.profile;
    return nullptr;
}

}  // namespace

int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, const Env& env,
        Clock& clock, NonceSource& nonces, Terminal terminal) {
    Invocation inv{GlobalOptions{},     app::Config{},      out, err, env, clock, nonces,
                   terminal.out_is_tty, terminal.err_is_tty};
    // Under systemd, stderr lines carry their priority for the journal (core/log.h).
    auto journal = env("JOURNAL_STREAM");
    log::set_journal_priorities(journal && log::stream_is_journal(*journal, STDERR_FILENO));
    std::string command;
    std::vector<std::string> rest;
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        bool matched = false;
        for (const Option& o : global_options()) {
            if (!o.arg) continue;
            const std::string n = o.name;
            if (a == n) {
                if (i + 1 >= argv.size()) return inv.fail(kExitUsage, n + " needs a value");
                *global_field(inv.global, n) = argv[++i];
                matched = true;
            } else if (starts_with(a, n + "=")) {
                *global_field(inv.global, n) = a.substr(n.size() + 1);
                matched = true;
            }
            if (matched) break;
        }
        if (matched) continue;
        if (a == "--json")
            inv.global.json = true;
        else if (a == "-q" || a == "--quiet")
            inv.global.quiet = true;
        else if (a == "-v" || a == "--verbose")
            inv.global.verbose = true;
        else if (a == "-h" || a == "--help")
            inv.global.help = true;
        else if (a == "--version" && command.empty())
            command = "version";
        else if (command.empty() && !a.empty() && a[0] != '-')
            command = a;
        else if (command.empty()) {
            return inv.fail(kExitUsage, "unknown option '" + a + "' (see qbi-runner --help)");
        } else {
            rest.push_back(a);
        }
    }
    if (inv.global.quiet && inv.global.verbose)
        return inv.fail(kExitUsage, "-q and -v exclude each other");
    if (command.empty()) {
        if (inv.global.help) {
            print_overview(out);
            return kExitOk;
        }
        print_overview(err);
        return kExitUsage;
    }
    const Command* cmd = find_command(command);
    if (cmd == nullptr) {
        std::vector<std::string> names;
        for (const auto& c : commands()) names.emplace_back(c.name);
        std::string hint = nearest(command, names);
        return inv.fail(kExitUsage, "unknown command '" + command + "'" +
                                        (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                                        " (see qbi-runner --help)");
    }
    if (inv.global.help) {
        print_command_help(out, *cmd);
        return kExitOk;
    }
    if (!cmd->needs_config) return cmd->handler(inv, rest);
    // -v is an override of log.level, so that a reload of `serve` keeps it.
    if (inv.global.verbose) inv.global.overrides.log_level = "debug";
    auto cfg = app::load_configuration(inv.global.overrides, env);
    if (!cfg) return inv.fail(cfg.error().code, cfg.error().message);
    inv.config = *cfg;
    if (auto level = log::parse_level(inv.config.log_level)) log::set_level(*level);
    if (inv.global.quiet && log::level() < log::Level::Warn) log::set_level(log::Level::Warn);
    return cmd->handler(inv, rest);
}

int main_entry(int argc, char** argv) {
    // Before any credential is read: no core dump, no ptrace by the same user.
    if (std::string problem = protect_process_memory(); !problem.empty())
        std::cerr << "qbi-runner: warning: cannot keep secrets out of core dumps: " << problem
                  << "\n";
    keep_heap_top();  // fewer brk calls in the writer (core/heap.h); a refusal changes nothing
    std::vector<std::string> args(argv, argv + argc);
    try {
        SystemClock clock;
        RandomNonceSource nonces;
        return run(args, std::cout, std::cerr, process_env(), clock, nonces,
                   Terminal{::isatty(1) == 1, ::isatty(2) == 1});
    } catch (const std::exception& e) {
        std::cerr << log::priority_prefix(log::Level::Error)
                  << "qbi-runner: error: internal error: " << printable(e.what()) << "\n";
        return kExitSoftware;
    }
}

}  // namespace qbi::cli
