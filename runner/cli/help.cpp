#include "runner/cli/help.h"

#include <ostream>

#include "runner/core/exit_codes.h"

namespace qbi::cli {

namespace {

constexpr Documented kEnvironment[] = {
    {"QBI_RUNNER_CONFIG", "the configuration file when --config is not given"},
    {"CONFIGURATION_DIRECTORY", "(systemd) runner.ini is looked up here next"},
    {"STATE_DIRECTORY", "(systemd) the default folder of the queue database and the inbox"},
    {"XDG_STATE_HOME", "else the queue is $XDG_STATE_HOME/qbi-runner/queue.db"},
    {"CREDENTIALS_DIRECTORY", "(systemd LoadCredential=) the AccessKey file alibaba-ak"},
    {"ALIBABA_CLOUD_ACCESS_KEY_ID",
     "with ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS): an "
     "AccessKey"},
    {"ALIBABA_CLOUD_CREDENTIALS_FILE",
     "an INI credentials file instead of ~/.alibabacloud/credentials"},
    {"ALIBABA_CLOUD_PROFILE", "the profile to use in the credentials files (as --profile)"},
    {"ALIBABA_CLOUD_REGION_ID", "the region when neither --region nor --endpoint is set"},
    {"ALIBABA_CLOUD_ROLE_ARN",
     "with ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE: AssumeRoleWithOIDC "
     "(ACK RRSA); ALIBABA_CLOUD_ROLE_SESSION_NAME names the session"},
    {"ALIBABA_CLOUD_ECS_METADATA", "the ECS instance RAM role to take from the metadata service"},
    {"ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true: never use the ECS metadata service"},
    {"ALIBABA_CLOUD_STS_REGION", "STS at sts.<region>.aliyuncs.com (api.sts_endpoint wins)"},
    {"QBI_ECS_METADATA_URL", "the metadata service's base URL (default http://100.100.100.200)"},
    {"NO_COLOR", "set and not empty: no colour (colour is only used on a terminal)"},
    {"TERM", "dumb: no colour and no redrawn progress line"},
};

constexpr Documented kExitStatuses[] = {
    {"0", "success"},
    {"1", "some tasks failed (or a plan is partial)"},
    {"64", "usage error"},
    {"65", "bad job file, refused submit, or a broken audit chain"},
    {"66", "the queue database does not exist (read commands never create it)"},
    {"69", "endpoint unavailable: every attempt of the run failed on transport"},
    {"70", "internal error"},
    {"74", "I/O error"},
    {"75",
     "temporary: another runner holds the queue, the time limit was hit with work left, "
     "or a retryable call"},
    {"77", "permission denied by Quick BI"},
    {"78", "configuration or credentials (also a refused signature or certificate)"},
};

// Terminal text: `code` and *arg* markup dropped.
std::string plain(std::string_view text) {
    std::string r;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '`') continue;
        if (text[i] == '*' && i + 1 < text.size() && text[i + 1] != ' ' && text[i + 1] != '.') {
            std::size_t end = text.find('*', i + 1);
            if (end != std::string_view::npos &&
                text.substr(i + 1, end - i - 1).find(' ') == std::string_view::npos) {
                r += text.substr(i + 1, end - i - 1);
                i = end;
                continue;
            }
        }
        r += text[i];
    }
    return r;
}

// Word-wraps `text` to `width` columns, every line indented by `indent`.
void wrap(std::ostream& out, std::string_view text, std::size_t indent, std::size_t width = 78) {
    std::string line;
    std::size_t i = 0;
    const std::string pad(indent, ' ');
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        std::size_t end = text.find(' ', i);
        if (end == std::string_view::npos) end = text.size();
        std::string_view word = text.substr(i, end - i);
        if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
            out << pad << line << "\n";
            line.clear();
        }
        if (!word.empty()) line += (line.empty() ? "" : " ") + std::string(word);
        i = end;
    }
    if (!line.empty()) out << pad << line << "\n";
}

std::string option_label(const Option& o) {
    std::string label = o.alias ? std::string(o.alias) + ", " + o.name : std::string(o.name);
    if (o.arg) label += std::string(" ") + o.arg;
    return label;
}

void print_options(std::ostream& out, std::span<const Option> options) {
    for (const Option& o : options) {
        std::string label = "  " + option_label(o);
        out << label;
        if (label.size() < 26)
            out << std::string(27 - label.size(), ' ');
        else
            out << "\n" << std::string(27, ' ');
        out << o.help << "\n";
    }
}

void print_examples(std::ostream& out, std::span<const Example> examples) {
    for (const Example& e : examples) {
        out << "  " << e.command << "\n";
        wrap(out, e.what, 6);
    }
}

}  // namespace

std::span<const Documented> environment_variables() {
    return kEnvironment;
}

std::span<const Documented> exit_statuses() {
    return kExitStatuses;
}

std::string command_listing() {
    std::string r = "qbi-runner";
    std::size_t column = r.size();
    for (const Option& o : global_options()) {
        std::string name = o.name;
        if (name == "--help" || name == "--version") continue;
        std::string item = std::string(" [") + (o.alias ? o.alias : o.name) +
                           (o.arg ? std::string(" ") + o.arg : "") + "]";
        if (column + item.size() > 96) {
            r += "\n          ";
            column = 10;
        }
        r += item;
        column += item.size();
    }
    const std::string tail = " <command> ...";
    if (column + tail.size() > 96) r += "\n          ";
    r += tail + "\n";
    for (const Command& c : commands()) {
        std::string u = std::string("  ") + c.usage;
        r += u;
        if (u.size() < 40)
            r += std::string(41 - u.size(), ' ');
        else
            r += "\n" + std::string(41, ' ');
        r += std::string(c.summary) + "\n";
    }
    return r;
}

void print_overview(std::ostream& out) {
    out << "usage: qbi-runner [global options] <command> [arguments]\n\n"
           "Runs Alibaba Cloud Quick BI clean-ups (cancel favourites, cancel shares) from job\n"
           "files through a persistent queue, with retries and an audit log.\n\n";
    out << command_listing() << "\nGlobal options (before or after the command):\n";
    print_options(out, global_options());
    out << "\nExamples:\n";
    print_examples(out, command("offboard").examples.first(1));
    print_examples(out, command("status").examples.first(1));
    out << "\nCredentials are read from, in order: --credentials-file, "
           "$CREDENTIALS_DIRECTORY/alibaba-ak,\n"
           "ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN, "
           "ALIBABA_CLOUD_CREDENTIALS_FILE or\n"
           "~/.alibabacloud/credentials(.ini), ~/.aliyun/config.json.\n\n"
           "Exit codes: 0 ok, 1 tasks failed, 64 usage, 65 bad job file, 69 endpoint unavailable,\n"
           "74 I/O error, 75 temporary failure, 77 permission denied by Quick BI, "
           "78 configuration or credentials.\n\n"
           "'qbi-runner help COMMAND' shows a command's options and examples; "
           "'qbi-runner help jobs'\nthe job file format. Manual: man qbi-runner.\n";
}

void print_command_help(std::ostream& out, const Command& c) {
    out << "usage: qbi-runner [global options] " << c.usage << "\n\n";
    wrap(out, plain(c.description), 0);
    if (!c.options.empty()) {
        out << "\nOptions:\n";
        print_options(out, c.options);
    }
    out << "\nExamples:\n";
    print_examples(out, c.examples);
    out << "\nGlobal options: qbi-runner --help. Manual: man qbi-runner.\n";
}

int cmd_help(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("help"));
    if (!a) return inv.fail(a.error());
    if (a->has("--man")) {
        std::string page = man_page(a->get("--man"));
        if (page.empty() || !a->positional.empty())
            return inv.fail(kExitUsage, "--man: expected qbi-runner or qbi-runner-jobs");
        inv.out << page;
        return kExitOk;
    }
    if (a->positional.size() > 1) return inv.fail(kExitUsage, "help takes at most one command");
    if (a->positional.empty()) {
        print_overview(inv.out);
        return kExitOk;
    }
    const std::string& name = a->positional[0];
    if (name == "jobs") {
        inv.out << job_files_doc();
        return kExitOk;
    }
    if (const Command* c = find_command(name)) {
        print_command_help(inv.out, *c);
        return kExitOk;
    }
    return inv.fail(kExitUsage, "help: no command '" + name + "' (see qbi-runner --help)");
}

int cmd_completion(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("completion"));
    if (!a) return inv.fail(a.error());
    if (a->positional.size() != 1 || a->positional[0] != "bash")
        return inv.fail(kExitUsage, "completion: expected 'bash'");
    inv.out << bash_completion();
    return kExitOk;
}

int cmd_version(Invocation& inv, const std::vector<std::string>& args) {
    if (!args.empty()) return inv.fail(kExitUsage, "version takes no arguments");
    if (inv.global.json)
        inv.print(json_document().set("version", QBI_VERSION));
    else
        inv.out << "qbi-runner " << QBI_VERSION << "\n";
    return kExitOk;
}

}  // namespace qbi::cli
