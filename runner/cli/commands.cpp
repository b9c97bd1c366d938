#include "runner/cli/commands.h"

#include <cstdlib>

#include "runner/app/store_setup.h"
#include "runner/core/exit_codes.h"

namespace qbi::cli {

namespace {

constexpr const char* kTaskStates = "queued running succeeded failed cancelled";

constexpr Option kGlobal[] = {
    {"--config", nullptr, "FILE", "configuration file (INI; see /etc/qbi-runner/runner.ini)"},
    {"--db", nullptr, "PATH", "queue database"},
    {"--endpoint", nullptr, "URL", "https://host[:port] of the Quick BI OpenAPI"},
    {"--region", nullptr, "ID", "use quickbi-public.<ID>.aliyuncs.com"},
    {"--ca-file", nullptr, "PEM", "CA bundle for TLS verification (default: system)"},
    {"--signature", nullptr, "v1|v3", "HMAC-SHA1 RPC (v1) or ACS3-HMAC-SHA256 (v3, default)",
     "v1 v3"},
    {"--credentials-file", nullptr, "FILE",
     "AccessKey file (mode 600); never pass a secret as a flag"},
    {"--profile", nullptr, "NAME",
     "credential profile in ~/.alibabacloud/credentials or ~/.aliyun/config.json "
     "(default $ALIBABA_CLOUD_PROFILE)"},
    {"--json", nullptr, nullptr, "machine-readable output (one JSON document, schema 1)"},
    {"--quiet", "-q", nullptr, "fewer messages: warnings and errors only"},
    {"--verbose", "-v", nullptr, "debug log for this run (overrides log.level)"},
    {"--help", "-h", nullptr, "this help; 'qbi-runner help COMMAND' for one command"},
    {"--version", nullptr, nullptr, "print the version"},
};

constexpr Option kDryRun[] = {{"--dry-run", nullptr, nullptr, "list the calls; enqueue nothing"}};
constexpr Example kValidateEx[] = {
    {"qbi-runner validate leaver.yaml",
     "check one job file: exit 0, or 65 naming file:line:column"},
    {"qbi-runner --json validate *.yaml", "check several files, one JSON document"}};
constexpr Example kSubmitEx[] = {
    {"qbi-runner submit --dry-run leaver.yaml", "print the calls the file would queue"},
    {"qbi-runner submit leaver.yaml", "queue it; submitting the same file again is a no-op"}};
constexpr Option kOffboardOpt[] = {
    {"--at", nullptr, "TIME", "not before this RFC 3339 time with offset (default: now)"},
    {"--description", nullptr, "TEXT", "the job's description (e.g. the ticket)"},
    {"--job", nullptr, "NAME", "the job's name (default: offboard-ACCOUNT-DATE)"},
    {"--dry-run", nullptr, nullptr, "print the job file instead of submitting it"}};
constexpr Example kOffboardEx[] = {
    {"qbi-runner offboard jdoe@corp.onaliyun.com --at 2026-12-03T18:00:00+08:00 --description "
     "\"HR-4711 J. Doe leaves\"",
     "queue the offboarding for her last day, 18:00 Beijing time"},
    {"qbi-runner offboard jdoe@corp.onaliyun.com --dry-run", "show the job file it would submit"}};
constexpr Option kPlanOpt[] = {
    {"--output", "-o", "OUT", "write the plan to OUT instead of standard output"}};
constexpr Example kPlanEx[] = {
    {"qbi-runner plan leaver.yaml -o reviewed.yaml", "read now, write the cancel calls to review"},
    {"qbi-runner --json plan leaver.yaml",
     "each call with the work it concerns and how it was found"}};
// Options that several commands take, word for word.
constexpr Option kMetricsFileOpt{
    "--metrics-file", nullptr, "PATH",
    "at the end, write the run's metrics there (Prometheus textfile, atomically)"};
constexpr Option kCodeOpt{"--code", nullptr, "C", "only tasks whose last error code is C"};
constexpr Option kRunOpt[] = {
    {"--workers", nullptr, "N", "concurrent API calls (default run.workers)"},
    {"--max-qps", nullptr, "Q", "calls per second across all workers (default rate.max_qps)"},
    {"--job", nullptr, "NAME", "only this job's tasks"},
    {"--max-time", nullptr, "DUR", "stop after DUR (e.g. 30m) and exit 75 if work is left"},
    kMetricsFileOpt};
constexpr Example kRunEx[] = {
    {"qbi-runner run", "work every due task, then exit with 0 (or 1 if some failed)"},
    {"qbi-runner run --job offboard-jdoe-2026-12-03 --workers 4 --max-time 30m",
     "one job, gently, for at most half an hour"}};
constexpr Example kServeEx[] = {
    {"systemctl enable --now qbi-runner", "run the daemon under systemd (qbi-runner.service)"},
    {"qbi-runner -v serve --config ./runner.ini", "in the foreground, with debug logging"}};
constexpr Option kBatchOpt[] = {
    {"--max-time", nullptr, "DUR", "stop after DUR and exit 75 if work is left"}, kMetricsFileOpt};
constexpr Example kBatchEx[] = {
    {"systemctl enable --now qbi-runner-batch.timer", "the daily batch at 19:00"},
    {"qbi-runner batch --max-time 2h", "the same batch now, for at most two hours"},
    {"qbi-runner batch --metrics-file /var/lib/node_exporter/textfile/qbi-runner.prom",
     "and leave the run's figures for node_exporter's textfile collector"}};
constexpr Example kStatusEx[] = {
    {"qbi-runner status", "every job with its task counts"},
    {"qbi-runner --json status offboard-jdoe-2026-12-03", "one job, counts per action, as JSON"}};
constexpr Option kTasksOpt[] = {
    {"--state", nullptr, "S", "only tasks in state S", kTaskStates},
    kCodeOpt,
    {"--action", nullptr, "A", "only calls of API action A"},
    {"--parent", nullptr, "ID", "only tasks created by the read task ID"},
    {"--limit", nullptr, "N", "at most N tasks"}};
constexpr Example kTasksEx[] = {
    {"qbi-runner tasks offboard-jdoe-2026-12-03 --state failed", "what failed, and why"},
    {"qbi-runner tasks offboard-jdoe-2026-12-03 --action CancelReportShare --limit 20",
     "the first 20 share cancellations and the reads that found them"}};
constexpr Option kRerunOpt[] = {
    {"--all", nullptr, nullptr, "every job instead of one"},
    {"--state", nullptr, "S", "failed (default) or cancelled tasks", "failed cancelled"},
    kCodeOpt};
constexpr Example kRerunEx[] = {
    {"qbi-runner rerun offboard-jdoe-2026-12-03", "requeue the job's failed tasks"},
    {"qbi-runner rerun --all --code Internal.System.Error", "requeue one error across every job"}};
constexpr Example kCancelEx[] = {
    {"qbi-runner cancel offboard-jdoe-2026-12-03", "the queued tasks will not run"}};
constexpr Option kAuditOpt[] = {
    {"--anchor", nullptr, "ROWS:HASH",
     "verify: the log still extends this head (from the journal)"},
    {"--format", nullptr, "jsonl|csv", "export: the output format (default jsonl)", "jsonl csv"},
    {"--job", nullptr, "J", "export: only this job's attempts"},
    {"--since", nullptr, "T", "export: only attempts started at or after RFC 3339 time T"},
    {"--key-file", nullptr, "FILE",
     "verify: the audit key of a keyed log (default: audit.key_file)"}};
constexpr Example kAuditEx[] = {
    {"qbi-runner audit verify", "prove the hash chain intact and the task states backed by it"},
    {"qbi-runner audit export --format csv --job offboard-jdoe-2026-12-03 > HR-4711.csv",
     "every call of the job with its time, outcome and RequestId"}};
constexpr Option kReportOpt[] = {
    {"--format", nullptr, "html|md", "the format (default: from -o's extension, else html)",
     "html md"},
    {"--output", "-o", "FILE", "write to FILE (0600, atomically) instead of standard output"}};
constexpr Example kReportEx[] = {
    {"qbi-runner report offboard-jdoe-2026-12-03 -o HR-4711.html",
     "the evidence report for the people who asked: open it in any browser"},
    {"qbi-runner report offboard-jdoe-2026-12-03 --format md > HR-4711.md",
     "the same as Markdown, for a ticket"}};
constexpr Example kCallEx[] = {
    {"qbi-runner call QueryUserInfoByAccount Account=jdoe@corp.onaliyun.com",
     "look a user up; prints the answer"},
    {"qbi-runner call CancelCollection UserId=1213444447901234 WorksId=d23e84a1 --dry-run",
     "show the signed request without sending it (signature omitted)"}};
constexpr Option kDemoOpt[] = {
    {"--examples", nullptr, "DIR", "job files to run (default: the installed examples)"},
    {"--no-faults", nullptr, nullptr, "a simulator that never fails"},
    {"--workers", nullptr, "N", "concurrent calls"},
    {"--seed", nullptr, "S", "the simulator's seed (faults and RequestIds)"},
    {"--sim", nullptr, "PATH", "the qbi-sim binary (default: next to qbi-runner)"}};
constexpr Example kDemoEx[] = {
    {"qbi-runner demo", "the examples end to end against a local simulator with faults"},
    {"qbi-runner demo --no-faults --workers 4", "the same without faults"}};
constexpr Example kVersionEx[] = {{"qbi-runner version", "prints: qbi-runner " QBI_VERSION},
                                  {"qbi-runner --json version", "the same as JSON"}};
constexpr Option kHelpOpt[] = {{"--man", nullptr, "PAGE",
                                "print man page PAGE in roff (the build writes the pages so)",
                                "qbi-runner qbi-runner-jobs"}};
constexpr Example kHelpEx[] = {{"qbi-runner help run", "the same as qbi-runner run --help"},
                               {"qbi-runner help jobs", "the job file format"}};
constexpr Example kCompletionEx[] = {
    {"source <(qbi-runner completion bash)", "completion in this shell (the package installs it)"}};

constexpr Command kCommands[] = {
    {"validate",
     "validate FILE...",
     "check job files; exit 65 on any error",
     cmd_validate,
     "Checks job files without touching the queue. Every error names `file:line:column` and "
     "what was expected; unknown keys get a \"did you mean\". Exit 0 when every file is "
     "valid, 65 otherwise.",
     {},
     kValidateEx,
     "jobfile"},
    {"submit", "submit FILE... [--dry-run]", "validate and enqueue (atomic per file)", cmd_submit,
     "Validates each job file and queues one task per API call. A file with any error queues "
     "nothing. The job name is the idempotency key: the same name with the same content again "
     "is a no-op (\"already submitted\"), with other content it is refused (65).",
     kDryRun, kSubmitEx, "jobfile"},
    {"offboard", "offboard ACCOUNT... [--at TIME] [--description TEXT] [--job NAME] [--dry-run]",
     "submit the discovery job that offboards these accounts", cmd_offboard,
     "Submits a job that, when due, looks the accounts up and cancels their favourites and the "
     "shares made to them personally. Nothing is read before the due time.",
     kOffboardOpt, kOffboardEx},
    {"plan", "plan FILE... [-o OUT]", "discovery reads now; the cancel calls as a job file",
     cmd_plan,
     "Makes the read calls of the files' discovery tasks now (nothing is queued or cancelled) "
     "and writes the cancel calls as an ordinary job file, each ID commented with the work's "
     "name and owner. Exit 1 when a read failed (the plan is partial).",
     kPlanOpt, kPlanEx, "jobfile"},
    {"run", "run [--workers N] [--max-qps Q] [--job NAME] [--max-time DUR] [--metrics-file F]",
     "work until every due task is settled, then exit", cmd_run,
     "Works the queue with a pool of workers until every due task has succeeded or failed, "
     "retrying what is transient, and exits: 0 all done, 1 some tasks failed, 75 another "
     "runner holds the queue or time ran out, 77 or 78 halted (permission or credentials). "
     "A progress line is shown on a terminal, a plain line every 10 s otherwise.",
     kRunOpt, kRunEx},
    {"serve",
     "serve",
     "daemon: inbox directory + continuous workers + sd_notify",
     cmd_serve,
     "The service (qbi-runner.service): watches the inbox for job files, submits them and works "
     "the queue continuously. SIGHUP re-reads the configuration; SIGTERM stops gracefully "
     "within serve.grace.",
     {},
     kServeEx},
    {"batch", "batch [--max-time DUR] [--metrics-file PATH]",
     "submit the inbox, then run until settled (the timer's job)", cmd_batch,
     "Submits every job file in the inbox, then runs like `run` (qbi-runner-batch.service, "
     "started by qbi-runner-batch.timer). Exit 75 at once when the daemon holds the queue.",
     kBatchOpt, kBatchEx},
    {"status",
     "status [JOB]",
     "jobs with task counts per state and outcome",
     cmd_status,
     "Lists every job with its task counts; with JOB, that job's counts per API action. "
     "States are coloured on a terminal unless NO_COLOR is set or TERM is dumb.",
     {},
     kStatusEx},
    {"tasks", "tasks JOB [--state S] [--code C] [--action A] [--parent ID] [--limit N]",
     "the tasks of a job, and which read created each", cmd_tasks,
     "Lists a job's tasks with state, outcome, attempts, the last error and RequestId, and the "
     "read task that created each.",
     kTasksOpt, kTasksEx},
    {"rerun", "rerun JOB|--all [--state failed|cancelled] [--code C]",
     "requeue failed (or cancelled) tasks; attempt history kept", cmd_rerun,
     "Requeues a job's failed tasks with their attempt counters reset. Nothing that succeeded "
     "runs again, and the audit log keeps every earlier attempt.",
     kRerunOpt, kRerunEx},
    {"cancel",
     "cancel JOB",
     "cancel the queued tasks of a job",
     cmd_cancel,
     "Cancels the tasks of a job that are still queued; `rerun --state cancelled` brings "
     "them back.",
     {},
     kCancelEx},
    {"audit",
     "audit verify [--anchor H] [--key-file F] | export [--format F] [--job J] [--since T]",
     "verify the audit hash chain, or export the audit log", cmd_audit,
     "`verify` recomputes the audit log's hash chain and checks every task's state against its "
     "attempt rows (65 on the first disagreement); with --anchor, that the log still extends a "
     "head logged as \"audit head: ROWS HASH\"; a keyed log (audit.key_file) needs its key. "
     "`export` streams every attempt as JSON lines or "
     "CSV.",
     kAuditOpt, kAuditEx, "verify export"},
    {"report", "report JOB [--format html|md] [-o FILE]",
     "a job's evidence report for auditors (HTML or Markdown)", cmd_report,
     "Writes one self-contained file (HTML, or Markdown) about one job: its source, every task "
     "with its outcome and the RequestId of its deciding attempt, the failures with code and "
     "message, a timeline of attempts per minute by outcome, and the audit proof at report "
     "time (65 when the chain or a task's state does not hold; the report is written anyway).",
     kReportOpt, kReportEx},
    {"call", "call ACTION Key=Value... [--dry-run]",
     "one signed API call; prints the response JSON", cmd_call,
     "Makes one signed Quick BI API call, any action, and prints the answer. --dry-run prints "
     "the request, the canonical request and the string to sign instead, with the signature "
     "omitted (nothing to replay).",
     kDryRun, kCallEx,
     "CancelCollection CancelReportShare QueryUserInfoByAccount QueryUserInfoByUserId "
     "ListCollections QuerySharesToUserList QueryShareList QueryWorksByOrganization"},
    {"demo", "demo [--examples DIR] [--no-faults] [--workers N] [--seed S] [--sim PATH]",
     "qbi-sim on loopback + the example jobs, end to end", cmd_demo,
     "Starts qbi-sim (package qbi-sim) on 127.0.0.1 with a generated world and faults, and "
     "runs the example jobs against it in a temporary queue: the whole product, no account "
     "needed.",
     kDemoOpt, kDemoEx},
    {"version", "version", "print the version", cmd_version, "Prints the version.", {}, kVersionEx},
    {"help", "help [COMMAND|jobs] [--man PAGE]", "this help, one command's, or the job file format",
     cmd_help,
     "Prints the help of qbi-runner or of one command (the same as `COMMAND --help`); "
     "`help jobs` prints the job file format (qbi-runner-jobs(5)).",
     kHelpOpt, kHelpEx, "jobs", false},
    {"completion",
     "completion bash",
     "print the bash completion script",
     cmd_completion,
     "Prints the bash completion script (the package installs it; see bash-completion).",
     {},
     kCompletionEx,
     "bash",
     false},
};

}  // namespace

std::span<const Command> commands() {
    return kCommands;
}

const Command* find_command(std::string_view name) {
    for (const auto& c : kCommands)
        if (name == c.name) return &c;
    return nullptr;
}

const Command& command(std::string_view name) {
    if (const Command* c = find_command(name)) return *c;
    std::abort();  // a handler asked for an entry that is not in the table
}

std::span<const Option> global_options() {
    return kGlobal;
}

Result<ParsedArgs> parse_args(const std::vector<std::string>& args, const Command& cmd) {
    std::vector<std::string> flags, valued;
    for (const Option& o : cmd.options) {
        (o.arg ? valued : flags).emplace_back(o.name);
        if (o.alias) (o.arg ? valued : flags).emplace_back(o.alias);
    }
    auto parsed = parse_args(args, flags, valued);
    if (!parsed) return parsed;
    for (auto& [name, value] : parsed->options)
        for (const Option& o : cmd.options)
            if (o.alias && name == o.alias) name = o.name;
    return parsed;
}

Result<queue::Store> open_queue(const Invocation& inv, app::QueueUse use) {
    auto path = app::database_path(inv.config, inv.env);
    if (!path) return path.error();
    return app::open_store(inv.config, *path, inv.clock, use);
}

}  // namespace qbi::cli
