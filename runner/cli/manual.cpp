// The man pages qbi-runner(1) and qbi-runner-jobs(5) and the bash completion, written from the
// command table (commands.h), the tables of help.cpp and the embedded documentation sources.
#include <set>
#include <sstream>

#include "runner/cli/help.h"
#include "runner/core/manpage.h"

namespace qbi::cli {

namespace {

constexpr const char* kManual = "qbi-runner manual";

void options(man::ManPage& page, std::span<const Option> list) {
    for (const Option& o : list) {
        std::string tag = o.alias ? std::string(o.alias) + ", " + o.name : std::string(o.name);
        page.tagged(tag, o.arg ? o.arg : "", o.help);
    }
}

// config/runner.ini: each key with the comment above it and its default.
void configuration(man::ManPage& page, const std::string& ini) {
    std::istringstream in(ini);
    std::string line, section, comment;
    bool header = true;
    auto leftover = [&] {
        if (comment.empty()) return;
        if (comment.find(" = ") != std::string::npos)
            page.literal(comment);
        else
            page.paragraph(comment);
        comment.clear();
    };
    while (std::getline(in, line)) {
        if (line.rfind("#", 0) == 0) {
            comment += (line.size() > 2 ? line.substr(2) : "") + "\n";
        } else if (line.empty()) {
            if (header) page.paragraph(comment), comment.clear();
            leftover();
        } else if (line[0] == '[') {
            header = false;
            leftover();
            section = line.substr(1, line.find(']') - 1);
            page.subsection("[" + section + "]");
        } else if (auto eq = line.find(" ="); eq != std::string::npos) {
            std::string key = line.substr(0, eq), value = line.substr(eq + 2);
            if (!value.empty() && value[0] == ' ') value.erase(0, 1);
            page.tagged(
                section + "." + key, "",
                comment + (value.empty() ? "Default: empty." : "Default: `" + value + "`."));
            comment.clear();
        }
    }
    leftover();
}

std::string runner_page() {
    man::ManPage page("qbi-runner", 1, QBI_VERSION, kManual);
    page.name("qbi-runner", "run Quick BI clean-ups from job files through a persistent queue");
    page.section("Synopsis");
    page.literal("qbi-runner [global options] COMMAND [ARGUMENTS]\nqbi-runner COMMAND --help");
    page.section("Description");
    page.paragraph(
        "qbi-runner takes YAML job files (qbi-runner-jobs(5)) that say which Alibaba Cloud Quick "
        "BI "
        "favourites and share grants to cancel, validates them, queues one task per API call in a "
        "SQLite database, and runs the tasks with a pool of workers over HTTPS, signed as Alibaba "
        "Cloud signs. It retries what is transient, stops on what is not, and writes an audit log "
        "of "
        "every attempt with Alibaba's RequestId. It runs as a command, as a systemd service "
        "(`serve`), or on a timer (`batch`).\n\n"
        "Data goes to standard output, messages to standard error. With --json every command "
        "prints "
        "one JSON document carrying \"schema\": 1. Colour is used only on a terminal, and never "
        "when "
        "NO_COLOR is set or TERM is dumb.");
    page.section("Commands");
    for (const Command& c : commands()) {
        page.subsection(c.usage);
        page.paragraph(c.description);
        options(page, c.options);
        page.paragraph("Examples:");
        for (const Example& e : c.examples) page.tagged(e.command, "", e.what);
    }
    page.section("Global options");
    page.paragraph("Accepted before or after the command name.");
    options(page, global_options());
    page.section("Configuration");
    configuration(page, config_doc());
    page.section("Credentials");
    page.paragraph(
        "Never in the configuration, a job file or a command-line flag. qbi-runner looks, in "
        "order, "
        "at --credentials-file, $CREDENTIALS_DIRECTORY/alibaba-ak (systemd LoadCredential=), the "
        "ALIBABA_CLOUD_* variables, ALIBABA_CLOUD_CREDENTIALS_FILE or "
        "~/.alibabacloud/credentials(.ini), and ~/.aliyun/config.json. A credentials file readable "
        "by group or others is refused. The source used is logged; the secret never is.");
    page.section("Environment");
    for (const Documented& d : environment_variables()) page.tagged(d.name, "", d.text);
    page.section("Files");
    page.tagged("/etc/qbi-runner/runner.ini", "",
                "the configuration (every key, with its default)");
    page.tagged("/etc/qbi-runner/alibaba-ak", "",
                "the service's AccessKey (mode 600), loaded with LoadCredential=");
    page.tagged("/var/lib/qbi-runner/", "",
                "the service's state: queue.db and the inbox (systemd StateDirectory=)");
    page.tagged("/usr/share/doc/qbi-runner/examples/", "", "example job files");
    page.section("Exit status");
    for (const Documented& d : exit_statuses()) page.tagged(d.name, "", d.text);
    page.section("See also");
    page.paragraph(
        "qbi-runner-jobs(5), qbi-sim(1), systemctl(1), journalctl(1); the units "
        "qbi-runner.service, qbi-runner-batch.service and qbi-runner-batch.timer; "
        "/usr/share/doc/qbi-runner/README.md.");
    return page.str();
}

std::string jobs_page() {
    man::ManPage page("qbi-runner-jobs", 5, QBI_VERSION, kManual);
    page.name("qbi-runner-jobs", "the job file format of qbi-runner");
    man::markdown(page, job_files_doc());
    page.section("See also");
    page.paragraph("qbi-runner(1), qbi-sim(1)");
    return page.str();
}

// Bash: the words of `list` (space-separated) as one string.
std::string words(std::span<const Option> list) {
    std::string r;
    for (const Option& o : list) {
        r += (r.empty() ? "" : " ") + std::string(o.name);
        if (o.alias) r += std::string(" ") + o.alias;
    }
    return r;
}

// The `case "$prev"` arms completing option values.
std::string value_cases(std::span<const Option> list) {
    std::string r;
    for (const Option& o : list) {
        if (!o.arg) continue;
        std::string names = o.alias ? std::string(o.name) + "|" + o.alias : std::string(o.name);
        std::string arg = o.arg, action = "return 0";
        if (o.choices)
            action = "COMPREPLY=($(compgen -W \"" + std::string(o.choices) +
                     "\" -- \"$cur\")); return 0";
        else if (arg == "FILE" || arg == "PATH" || arg == "PEM" || arg == "OUT")
            action = "_qbi_runner_files; return 0";
        else if (arg == "DIR")
            action = "_qbi_runner_dirs; return 0";
        r += "        " + names + ") " + action + " ;;\n";
    }
    return r;
}

}  // namespace

std::string man_page(const std::string& name) {
    if (name == "qbi-runner") return runner_page();
    if (name == "qbi-runner-jobs") return jobs_page();
    return "";
}

std::string bash_completion() {
    std::string valued_globals, commands_list;
    for (const Option& o : global_options())
        if (o.arg) valued_globals += (valued_globals.empty() ? "" : "|") + std::string(o.name);
    for (const Command& c : commands())
        commands_list += (commands_list.empty() ? "" : " ") + std::string(c.name);
    std::string s =
        "# bash completion for qbi-runner " QBI_VERSION
        ", written by 'qbi-runner completion bash'\n"
        "# from the command table: commands, options per command, job files for FILE operands.\n"
        "_qbi_runner_files() {\n"
        "    local IFS=$'\\n' pattern\n"
        "    compopt -o filenames 2>/dev/null\n"
        "    if [[ $# -eq 0 ]]; then COMPREPLY+=($(compgen -f -- \"$cur\")); return; fi\n"
        "    COMPREPLY+=($(compgen -d -- \"$cur\"))\n"
        "    for pattern in \"$@\"; do COMPREPLY+=($(compgen -f -X \"!$pattern\" -- \"$cur\")); "
        "done\n"
        "}\n"
        "_qbi_runner_dirs() {\n"
        "    local IFS=$'\\n'\n"
        "    compopt -o filenames 2>/dev/null\n"
        "    COMPREPLY+=($(compgen -d -- \"$cur\"))\n"
        "}\n"
        "_qbi_runner() {\n"
        "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i\n"
        "    COMPREPLY=()\n"
        "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        "        case ${COMP_WORDS[i]} in\n"
        "        " +
        valued_globals +
        ") ((i++)) ;;\n"
        "        -*) ;;\n"
        "        *) cmd=${COMP_WORDS[i]}; break ;;\n"
        "        esac\n"
        "    done\n"
        "    case $prev in\n" +
        value_cases(global_options()) +
        "    esac\n"
        "    local globals=\"" +
        words(global_options()) +
        "\"\n"
        "    case $cmd in\n"
        "    '')\n"
        "        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$globals\" -- \"$cur\"))\n"
        "        else COMPREPLY=($(compgen -W \"" +
        commands_list + "\" -- \"$cur\")); fi ;;\n";
    for (const Command& c : commands()) {
        s += "    " + std::string(c.name) + ")\n";
        std::string cases = value_cases(c.options);
        if (!cases.empty()) s += "        case $prev in\n" + cases + "        esac\n";
        s += "        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"" + words(c.options) +
             " $globals\" -- \"$cur\")); return 0; fi\n";
        std::string operands = c.operands ? c.operands : "";
        if (operands == "jobfile")
            s += "        _qbi_runner_files '*.yaml' '*.yml' ;;\n";
        else if (operands == "file")
            s += "        _qbi_runner_files ;;\n";
        else if (!operands.empty())
            s += "        COMPREPLY=($(compgen -W \"" + operands + "\" -- \"$cur\")) ;;\n";
        else
            s += "        ;;\n";
    }
    s += "    esac\n"
         "    return 0\n"
         "}\n"
         "complete -F _qbi_runner qbi-runner\n";
    return s;
}

}  // namespace qbi::cli
