#pragma once
// The subcommands: one static table, the single source of the command line's documentation.
// Each entry carries its name, synopsis, summary, description, options and examples; --help,
// the man page qbi-runner(1), the bash completion and the README's command list are all
// written from it (runner/cli/help.h), and each handler parses its arguments against its own
// entry's options (parse_args(args, command("run"))), so an option cannot be documented
// without being accepted or accepted without being documented. Adding an option is one entry.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runner/app/inbox.h"
#include "runner/app/session.h"
#include "runner/app/store_setup.h"
#include "runner/cli/invocation.h"
#include "runner/queue/store.h"

namespace qbi::cli {

using Handler = int (*)(Invocation& inv, const std::vector<std::string>& args);

// One option of a command (or a global one). `arg` is the value's name ("N", "FILE"), null for
// a flag. The completion offers `choices` (space-separated) for the value when given, files
// when `arg` is FILE, PATH, PEM or OUT, folders for DIR.
struct Option {
    const char* name;   // "--workers"
    const char* alias;  // "-o", or null
    const char* arg;
    const char* help;
    const char* choices = nullptr;
};

// A real invocation and what it does (shown by --help and the man page).
struct Example {
    const char* command;  // "qbi-runner run --workers 16"
    const char* what;
};

struct Command {
    const char* name;
    const char* usage;    // e.g. "call ACTION Key=Value... [--dry-run]"
    const char* summary;  // one line for --help
    Handler handler;
    const char* description;  // paragraphs ("\n\n" between them); `code` and *arg* markup
    std::span<const Option> options;
    std::span<const Example> examples;
    // What the operands complete to: "jobfile" (*.yaml, *.yml), "file", or a word list.
    const char* operands = nullptr;
    // False for the documentation commands, which run without loading the configuration (the
    // build writes the man pages with `help`).
    bool needs_config = true;
};

std::span<const Command> commands();
// The entry named `name`, or nullptr.
const Command* find_command(std::string_view name);
// The entry named `name` (one of commands(); anything else is a programming error).
const Command& command(std::string_view name);
// Options accepted before or after the command name.
std::span<const Option> global_options();

// Parses `args` against the command's options (aliases are reported under the option's name).
Result<ParsedArgs> parse_args(const std::vector<std::string>& args, const Command& command);

// The queue of this invocation (queue.database, then the state directories), opened for `use`
// (app/store_setup.h: read commands never create it and read a read-only one read-only).
Result<queue::Store> open_queue(const Invocation& inv, app::QueueUse use);

// One engine run of `session` with the progress line on stderr (unless -q), then the summary
// (human or --json); returns the run's exit code. With `metrics_file`, the session's metrics
// are then written there (app/metrics_output.h), whatever the run's end; a failure to write
// is reported and, after an otherwise successful run, is the exit code (74).
int run_with_progress(Invocation& inv, app::RunnerSession& session, engine::EngineOptions options,
                      const std::atomic<bool>& stop, const std::string& metrics_file = "");
int print_run_summary(Invocation& inv, const app::RunSummary& summary);
// The `status` listing of every job in `store` (human or --json).
int print_status(Invocation& inv, queue::Store& store);

int cmd_version(Invocation& inv, const std::vector<std::string>& args);
int cmd_call(Invocation& inv, const std::vector<std::string>& args);
int cmd_run(Invocation& inv, const std::vector<std::string>& args);
// `run` after batch's inbox scan, whose files count in the metrics file.
int run_after_inbox(Invocation& inv, const std::vector<std::string>& args,
                    const app::InboxScan* inbox);
int cmd_validate(Invocation& inv, const std::vector<std::string>& args);
int cmd_submit(Invocation& inv, const std::vector<std::string>& args);
int cmd_status(Invocation& inv, const std::vector<std::string>& args);
int cmd_tasks(Invocation& inv, const std::vector<std::string>& args);
int cmd_rerun(Invocation& inv, const std::vector<std::string>& args);
int cmd_cancel(Invocation& inv, const std::vector<std::string>& args);
int cmd_audit(Invocation& inv, const std::vector<std::string>& args);
int cmd_report(Invocation& inv, const std::vector<std::string>& args);
int cmd_demo(Invocation& inv, const std::vector<std::string>& args);
int cmd_serve(Invocation& inv, const std::vector<std::string>& args);
int cmd_batch(Invocation& inv, const std::vector<std::string>& args);
int cmd_plan(Invocation& inv, const std::vector<std::string>& args);
int cmd_offboard(Invocation& inv, const std::vector<std::string>& args);
int cmd_help(Invocation& inv, const std::vector<std::string>& args);
int cmd_completion(Invocation& inv, const std::vector<std::string>& args);

}  // namespace qbi::cli
