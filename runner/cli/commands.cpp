#include "runner/cli/commands.h"

#include <array>

#include "runner/app/store_setup.h"
#include "runner/core/exit_codes.h"

namespace qbi::cli {

namespace {

constexpr std::array<Command, 15> kCommands{{
    {"validate", "validate FILE...", "check job files; exit 65 on any error", cmd_validate},
    {"submit", "submit FILE... [--dry-run]",
     "validate and enqueue (atomic per file); --dry-run lists the calls", cmd_submit},
    {"offboard", "offboard ACCOUNT... [--at TIME] [--description TEXT] [--job NAME] [--dry-run]",
     "submit the discovery job that offboards these accounts (at TIME, default now)", cmd_offboard},
    {"plan", "plan FILE... [-o OUT]",
     "make the read calls of FILE's discovery tasks now and print the cancel calls as a job file",
     cmd_plan},
    {"run", "run [--workers N] [--max-qps Q] [--job NAME] [--max-time DUR] [--metrics-file PATH]",
     "work until every due task is settled, then exit", cmd_run},
    {"serve", "serve", "daemon: inbox directory + continuous workers + sd_notify", cmd_serve},
    {"batch", "batch [--max-time DUR] [--metrics-file PATH]",
     "submit the inbox, then run until settled (the timer's job)", cmd_batch},
    {"status", "status [JOB]", "jobs with task counts per state and outcome", cmd_status},
    {"tasks", "tasks JOB [--state S] [--code C] [--action A] [--parent ID] [--limit N]",
     "the tasks of a job, and which read created each", cmd_tasks},
    {"rerun", "rerun JOB|--all [--state failed] [--code C]",
     "requeue failed (or cancelled) tasks; attempt history kept", cmd_rerun},
    {"cancel", "cancel JOB", "cancel the queued tasks of a job", cmd_cancel},
    {"audit",
     "audit verify [--anchor ROWS:HASH] | audit export --format jsonl|csv [--job J] [--since T]",
     "check the audit hash chain (and that it extends a logged head), or stream the audit log",
     cmd_audit},
    {"call", "call ACTION Key=Value... [--dry-run]",
     "one signed API call; prints the response JSON", cmd_call},
    {"demo", "demo [--examples DIR] [--no-faults] [--workers N] [--seed S] [--sim PATH]",
     "start qbi-sim on loopback and run jobs/examples/ against it", cmd_demo},
    {"version", "version", "print the version", cmd_version},
}};

}  // namespace

std::span<const Command> commands() {
    return kCommands;
}

Result<queue::Store> open_queue(const Invocation& inv, app::QueueUse use) {
    auto path = app::database_path(inv.config, inv.env);
    if (!path) return path.error();
    return app::open_store(inv.config, *path, inv.clock, use);
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
