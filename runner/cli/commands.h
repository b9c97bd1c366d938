#pragma once
// The subcommands: one static table {name, usage, summary, handler}. Each handler parses its
// own arguments and returns an ExitCode.
#include <span>
#include <string>
#include <vector>

#include "runner/app/inbox.h"
#include "runner/app/session.h"
#include "runner/app/store_setup.h"
#include "runner/cli/invocation.h"
#include "runner/queue/store.h"

namespace qbi::cli {

using Handler = int (*)(Invocation& inv, const std::vector<std::string>& args);

struct Command {
    const char* name;
    const char* usage;    // e.g. "call ACTION Key=Value... [--dry-run]"
    const char* summary;  // one line for --help
    Handler handler;
};

std::span<const Command> commands();

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
int cmd_demo(Invocation& inv, const std::vector<std::string>& args);
int cmd_serve(Invocation& inv, const std::vector<std::string>& args);
int cmd_batch(Invocation& inv, const std::vector<std::string>& args);
int cmd_plan(Invocation& inv, const std::vector<std::string>& args);
int cmd_offboard(Invocation& inv, const std::vector<std::string>& args);

}  // namespace qbi::cli
