#include "runner/cli/app.h"

#include <unistd.h>

#include <exception>
#include <iostream>

#include "runner/cli/commands.h"
#include "runner/core/exit_codes.h"
#include "runner/core/log.h"
#include "runner/core/strings.h"

namespace qbi::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> table = command_table();
    return table;
}

namespace {

// Global options: accepted before or after the command name.
struct GlobalSpec {
    const char* name;
    std::string GlobalOptions::*field;  // nullptr for flags
};

const GlobalSpec kValued[] = {
    {"--config", &GlobalOptions::config_file},
    {"--db", &GlobalOptions::db},
    {"--endpoint", &GlobalOptions::endpoint},
    {"--region", &GlobalOptions::region},
    {"--ca-file", &GlobalOptions::ca_file},
    {"--signature", &GlobalOptions::signature},
    {"--credentials-file", &GlobalOptions::credentials_file},
};

void print_help(std::ostream& out) {
    out << "usage: qbi-runner [global options] <command> [arguments]\n\n"
           "Runs Alibaba Cloud Quick BI clean-ups (cancel favourites, cancel shares) from job\n"
           "files through a persistent queue, with retries and an audit log.\n\n"
           "Commands:\n";
    for (const auto& c : commands()) {
        std::string u = c.usage;
        out << "  " << u;
        if (u.size() < 44) out << std::string(44 - u.size(), ' ');
        else out << "\n" << std::string(46, ' ');
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
           "  --json                   machine-readable output\n"
           "  -q, --quiet              fewer messages\n"
           "  -h, --help               this help; '<command> --help' for one command\n\n"
           "Credentials are read from, in order: --credentials-file, "
           "$CREDENTIALS_DIRECTORY/alibaba-ak,\n"
           "ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN, "
           "ALIBABA_CLOUD_CREDENTIALS_FILE or\n"
           "~/.alibabacloud/credentials(.ini), ~/.aliyun/config.json.\n\n"
           "Exit codes: 0 ok, 1 tasks failed, 64 usage, 65 bad job file, 69 endpoint unavailable,\n"
           "74 I/O error, 75 temporary failure, 77 permission denied by Quick BI, "
           "78 configuration or credentials.\n";
}

}  // namespace

int Context::fail(int code, const std::string& message) const {
    err << "qbi-runner: error: " << message << "\n";
    return code;
}

void Context::warn(const std::string& message) const {
    err << "qbi-runner: warning: " << message << "\n";
}

void Context::note(const std::string& message) const {
    if (!global.quiet) err << "qbi-runner: " << message << "\n";
}

bool ParsedArgs::has(const std::string& name) const {
    for (const auto& [k, v] : options)
        if (k == name) return true;
    return false;
}

std::string ParsedArgs::get(const std::string& name, const std::string& def) const {
    std::string r = def;
    for (const auto& [k, v] : options)
        if (k == name) r = v;  // the last one wins
    return r;
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
    std::vector<std::string> r;
    for (const auto& [k, v] : options)
        if (k == name) r.push_back(v);
    return r;
}

std::string parse_args(const std::vector<std::string>& args, const std::vector<std::string>& flags,
                       const std::vector<std::string>& valued, ParsedArgs& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            for (++i; i < args.size(); ++i) out.positional.push_back(args[i]);
            break;
        }
        if (a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            continue;
        }
        std::string name = a, value;
        bool inline_value = false;
        if (auto eq = a.find('='); eq != std::string::npos && starts_with(a, "--")) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = true;
        }
        bool is_flag = false, is_valued = false;
        for (const auto& f : flags) is_flag |= (f == name);
        for (const auto& v : valued) is_valued |= (v == name);
        if (is_flag && !inline_value) {
            out.options.emplace_back(name, "");
        } else if (is_valued) {
            if (!inline_value) {
                if (i + 1 >= args.size()) return name + " needs a value";
                value = args[++i];
            }
            out.options.emplace_back(name, value);
        } else {
            std::vector<std::string> all(flags);
            all.insert(all.end(), valued.begin(), valued.end());
            std::string hint = nearest(name, all);
            return "unknown option '" + name + "'" +
                   (hint.empty() ? "" : "; did you mean '" + hint + "'?");
        }
    }
    return "";
}

Result<Config> load_configuration(const GlobalOptions& global, const Env& env) {
    auto path = find_config_file(global.config_file, env);
    if (!path) return path.error();
    Config cfg;
    cfg.source = "defaults";
    if (!path->empty()) {
        auto loaded = load_config_file(*path);
        if (!loaded) return loaded.error();
        cfg = *loaded;
    }
    std::pair<std::string, std::string> overrides[] = {
        {"api.endpoint", global.endpoint}, {"api.region", global.region},
        {"api.ca_file", global.ca_file},   {"api.signature", global.signature},
        {"queue.database", global.db}};
    for (const auto& [key, value] : overrides) {
        if (value.empty()) continue;
        if (auto st = apply_setting(cfg, key, value); !st) return Error{kExitUsage, st.error().message};
    }
    return cfg;
}

int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
        const Env& env, bool out_is_tty, bool err_is_tty) {
    Context ctx{GlobalOptions{}, Config{}, out, err, env, out_is_tty, err_is_tty,
                argv.empty() ? "qbi-runner" : argv[0]};
    std::string command;
    std::vector<std::string> rest;
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        bool matched = false;
        for (const auto& g : kValued) {
            std::string n = g.name;
            if (a == n) {
                if (i + 1 >= argv.size()) return ctx.fail(kExitUsage, n + " needs a value");
                ctx.global.*(g.field) = argv[++i];
                matched = true;
            } else if (starts_with(a, n + "=")) {
                ctx.global.*(g.field) = a.substr(n.size() + 1);
                matched = true;
            }
            if (matched) break;
        }
        if (matched) continue;
        if (a == "--json") ctx.global.json = true;
        else if (a == "-q" || a == "--quiet") ctx.global.quiet = true;
        else if (a == "-h" || a == "--help") ctx.global.help = true;
        else if (a == "--version" && command.empty()) command = "version";
        else if (command.empty() && !a.empty() && a[0] != '-') command = a;
        else if (command.empty()) {
            return ctx.fail(kExitUsage, "unknown option '" + a + "' (see qbi-runner --help)");
        } else {
            rest.push_back(a);
        }
    }
    if (command.empty()) {
        if (ctx.global.help) {
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
        return ctx.fail(kExitUsage, "unknown command '" + command + "'" +
                                        (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                                        " (see qbi-runner --help)");
    }
    if (ctx.global.help) {
        out << "usage: qbi-runner [global options] " << cmd->usage << "\n  " << cmd->summary
            << "\n";
        return kExitOk;
    }
    auto cfg = load_configuration(ctx.global, env);
    if (!cfg) return ctx.fail(cfg.error().code, cfg.error().message);
    ctx.config = *cfg;
    if (auto level = log::parse_level(ctx.config.log_level)) log::set_level(*level);
    if (ctx.global.quiet && log::level() < log::Level::Warn) log::set_level(log::Level::Warn);
    return cmd->handler(ctx, rest);
}

int main_entry(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    try {
        return run(args, std::cout, std::cerr, process_env(), ::isatty(1) == 1, ::isatty(2) == 1);
    } catch (const std::exception& e) {
        std::cerr << "qbi-runner: error: internal error: " << e.what() << "\n";
        return kExitSoftware;
    }
}

}  // namespace qbi::cli
