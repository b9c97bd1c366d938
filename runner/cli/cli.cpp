#include "runner/cli/cli.h"

#include <unistd.h>

#include <exception>
#include <iostream>

#include "runner/cli/commands.h"
#include "runner/core/exit_codes.h"
#include "runner/core/log.h"
#include "runner/core/process_guard.h"
#include "runner/core/strings.h"

namespace qbi::cli {

namespace {

// Valued global options: accepted before or after the command name.
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

constexpr const char* kValuedGlobals[] = {"--config",           "--db",      "--endpoint",
                                          "--region",           "--ca-file", "--signature",
                                          "--credentials-file", "--profile"};

void print_help(std::ostream& out) {
    out << "usage: qbi-runner [global options] <command> [arguments]\n\n"
           "Runs Alibaba Cloud Quick BI clean-ups (cancel favourites, cancel shares) from job\n"
           "files through a persistent queue, with retries and an audit log.\n\n"
           "Commands:\n";
    for (const auto& c : commands()) {
        std::string u = c.usage;
        out << "  " << u;
        if (u.size() < 44)
            out << std::string(44 - u.size(), ' ');
        else
            out << "\n" << std::string(46, ' ');
        out << c.summary << "\n";
    }
    out << "\nGlobal options:\n"
           "  --config FILE            configuration file (INI; see config/runner.ini)\n"
           "  --db PATH                queue database\n"
           "  --endpoint URL           https://host[:port] of the Quick BI OpenAPI\n"
           "  --region ID              use quickbi-public.<ID>.aliyuncs.com\n"
           "  --ca-file PEM            CA bundle for TLS verification (default: system)\n"
           "  --signature v1|v3        HMAC-SHA1 RPC (v1) or ACS3-HMAC-SHA256 (v3, default)\n"
           "  --credentials-file FILE  AccessKey file (mode 600); never pass a secret as a flag\n"
           "  --profile NAME           credential profile (~/.alibabacloud/credentials,\n"
           "                           ~/.aliyun/config.json); default $ALIBABA_CLOUD_PROFILE\n"
           "  --json                   machine-readable output\n"
           "  -q, --quiet              fewer messages\n"
           "  -h, --help               this help; '<command> --help' for one command\n\n"
           "Credentials are read from, in order: --credentials-file, "
           "$CREDENTIALS_DIRECTORY/alibaba-ak,\n"
           "ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN, "
           "ALIBABA_CLOUD_ROLE_ARN +\n"
           "ALIBABA_CLOUD_OIDC_PROVIDER_ARN + ALIBABA_CLOUD_OIDC_TOKEN_FILE, "
           "ALIBABA_CLOUD_CREDENTIALS_FILE or\n"
           "~/.alibabacloud/credentials(.ini), ~/.aliyun/config.json, "
           "ALIBABA_CLOUD_ECS_METADATA (ECS role).\n\n"
           "Exit codes: 0 ok, 1 tasks failed, 64 usage, 65 bad job file, 69 endpoint unavailable,\n"
           "74 I/O error, 75 temporary failure, 77 permission denied by Quick BI, "
           "78 configuration or credentials.\n";
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
        for (std::string n : kValuedGlobals) {
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
    if (command.empty()) {
        if (inv.global.help) {
            print_help(out);
            return kExitOk;
        }
        print_help(err);
        return kExitUsage;
    }
    const Command* cmd = nullptr;
    std::vector<std::string> names;
    for (const auto& c : commands()) {
        names.emplace_back(c.name);
        if (command == c.name) cmd = &c;
    }
    if (cmd == nullptr) {
        std::string hint = nearest(command, names);
        return inv.fail(kExitUsage, "unknown command '" + command + "'" +
                                        (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                                        " (see qbi-runner --help)");
    }
    if (inv.global.help) {
        out << "usage: qbi-runner [global options] " << cmd->usage << "\n  " << cmd->summary
            << "\n";
        return kExitOk;
    }
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
