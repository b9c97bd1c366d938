#pragma once
// Everything written from the command table (commands.h) and the documentation sources
// embedded at build time (docs/job-files.md, config/runner.ini): the terminal help, the man
// pages qbi-runner(1) and qbi-runner-jobs(5), the bash completion, and the command list that
// README.md must show verbatim (a test compares them).
//
// Thread-safety: pure functions of static data.
#include <iosfwd>
#include <span>
#include <string>

#include "runner/cli/commands.h"

namespace qbi::cli {

// The environment variables qbi-runner reads, and its exit statuses (--help and the man page).
struct Documented {
    const char* name;
    const char* text;
};
std::span<const Documented> environment_variables();
std::span<const Documented> exit_statuses();

// `qbi-runner --help`.
void print_overview(std::ostream& out);
// `qbi-runner COMMAND --help` / `qbi-runner help COMMAND`: synopsis, description, options,
// examples.
void print_command_help(std::ostream& out, const Command& command);
// The synopsis and command list of README.md's "Commands" section (and of --help).
std::string command_listing();

// roff pages: "qbi-runner" (section 1) or "qbi-runner-jobs" (section 5); "" for another name.
std::string man_page(const std::string& name);
// The bash completion script (complete -F _qbi_runner qbi-runner).
std::string bash_completion();

// Embedded at build time (runner/cli/docs_embedded.cpp.in).
const char* job_files_doc();  // docs/job-files.md
const char* config_doc();     // config/runner.ini

}  // namespace qbi::cli
