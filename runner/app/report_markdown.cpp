// The evidence report as Markdown (report.h): the same sections as the HTML page, every value
// in a table cell (inline text only, escaped by markdown_text), the timeline as a table.
#include <ostream>

#include "runner/app/report.h"
#include "runner/app/report_parts.h"
#include "runner/core/exit_codes.h"
#include "runner/core/time_format.h"

namespace qbi::app {

namespace {

void counts_cells(std::ostream& out, const queue::TaskCounts& c) {
    out << " " << c.total() << " | " << c.queued << " | " << c.running << " | " << c.done << " | "
        << c.already_absent << " | " << c.failed << " | " << c.cancelled << " |\n";
}

const char* kCountHead =
    "| Total | Queued | Running | Done | Already absent | Failed | Cancelled |\n";
const char* kCountRule = "|---:|---:|---:|---:|---:|---:|---:|\n";

std::string deciding_request_id(const queue::TaskInfo& t) {
    if (t.state != queue::TaskState::Succeeded && t.state != queue::TaskState::Failed) return "";
    return t.last_request_id.empty() ? "\\(no answer\\)" : markdown_text(t.last_request_id);
}

}  // namespace

Status write_markdown_report(const ReportFacts& f, const TaskStream& tasks, std::ostream& out) {
    const queue::JobInfo& j = f.job;
    out << "# Evidence report: job " << markdown_text(j.name) << "\n\n"
        << "State **" << queue::job_state_name(j.state()) << "**; made "
        << format_rfc3339_ms(f.origin.made_at_ms) << " by " << markdown_text(f.origin.made_by)
        << " with qbi-runner " << markdown_text(f.version) << ". Audit proof: **"
        << (f.proof_ok() ? "intact" : "FAILED") << "**.\n\n";

    out << "## Job\n\n| | |\n|---|---|\n"
        << "| Name | " << markdown_text(j.name) << " |\n"
        << "| Job id | " << j.id << " |\n"
        << "| Description | " << markdown_text(j.description) << " |\n"
        << "| Source | "
        << (j.source_file.empty() ? "\\(not recorded\\)" : markdown_text(j.source_file)) << " |\n"
        << "| Submitted | " << format_rfc3339_ms(j.submitted_at) << " |\n"
        << "| Submitted by | " << markdown_text(submitter_text(f.origin)) << " |\n"
        << "| Not before | "
        << (j.not_before_ms ? format_rfc3339_ms(*j.not_before_ms) : "\\(due at once\\)") << " |\n"
        << "| Max attempts | " << j.max_attempts << " |\n"
        << "| Content hash | " << markdown_text(j.content_hash) << " |\n\n";

    out << "## Tasks\n\n" << kCountHead << kCountRule << "|";
    counts_cells(out, j.counts);
    if (!f.actions.empty()) {
        out << "\n| Action " << kCountHead << "|---" << kCountRule;
        for (const auto& a : f.actions) {
            out << "| " << markdown_text(a.action) << " |";
            counts_cells(out, a.counts);
        }
    }

    out << "\n## Audit proof\n\n| | |\n|---|---|\n"
        << "| Verified at | " << format_rfc3339_ms(f.origin.made_at_ms) << " |\n"
        << "| Hash chain | "
        << (f.chain.ok ? std::string("intact")
                       : "**broken** at attempt row " + std::to_string(f.chain.first_bad_id) +
                             ": " + markdown_text(f.chain.reason))
        << " |\n| Task states | "
        << (!f.chain.ok               ? std::string("not checked \\(the chain is broken\\)")
            : f.task_mismatch.empty() ? std::string("agree with their attempt rows")
                                      : "**disagree**: " + markdown_text(f.task_mismatch))
        << " |\n| Rows in the log | " << f.chain.rows << " |\n"
        << "| Head hash | " << markdown_text(f.chain.head_hash) << " |\n"
        << "| This job's rows | " << f.rows;
    if (f.rows) out << " \\(ids " << f.first_row << " to " << f.last_row << "\\)";
    out << " |\n";
    if (f.rows) out << "| This job's last row hash | " << markdown_text(f.last_row_hash) << " |\n";
    out << "\nTo prove later that the log still holds these rows unchanged: `qbi-runner audit "
           "verify --anchor "
        << f.chain.head_rows << ":" << f.chain.head_hash << "`\n\n";

    out << "## Timeline\n\n";
    std::int64_t shown = 0;
    for (const auto& b : f.timeline.buckets) {
        if (b.total() == 0) continue;
        if (shown++ == 0) {
            out << "Attempts " << timeline_unit(f.timeline.width_ms)
                << " by outcome (bars without attempts left out).\n\n| Start (UTC) |";
            for (int k = 0; k < kOutcomeKinds; ++k)
                out << " " << outcome_label(static_cast<Outcome>(k)) << " |";
            out << " Total |\n|---|";
            for (int k = 0; k <= kOutcomeKinds; ++k) out << "---:|";
            out << "\n";
        }
        out << "| " << format_rfc3339_ms(b.start_ms).substr(0, 16) << "Z |";
        for (int k = 0; k < kOutcomeKinds; ++k) out << " " << b.attempts[k] << " |";
        out << " " << b.total() << " |\n";
    }
    out << (shown ? "\n" : "No attempt was made for this job yet.\n\n");

    out << "## Attempts that did not succeed, by code\n\n";
    if (f.codes.empty() && f.other_code_rows == 0) {
        out << "Every attempt succeeded.\n\n";
    } else {
        out << "| Code | Outcome | Attempts | Example message |\n|---|---|---:|---|\n";
        for (const auto& c : f.codes)
            out << "| " << (c.code.empty() ? "\\(none\\)" : markdown_text(c.code)) << " | "
                << outcome_label(c.outcome) << " | " << c.attempts << " | "
                << markdown_text(c.example_message) << " |\n";
        if (f.other_code_rows) out << "| other codes | | " << f.other_code_rows << " | |\n";
        out << "\n";
    }

    out << "## Failed tasks\n\n";
    std::int64_t failed = 0;
    Status st = tasks(queue::TaskState::Failed, [&](const queue::TaskInfo& t) {
        if (failed == kMaxFailureRows) return false;
        if (failed++ == 0)
            out << "| Task | Action | Call | Code | Message | RequestId | Attempts |\n"
                   "|---:|---|---|---|---|---|---:|\n";
        out << "| " << t.id << " | " << markdown_text(t.action) << " | "
            << markdown_text(t.params_json) << " | " << markdown_text(t.last_code) << " | "
            << markdown_text(t.last_message) << " | " << deciding_request_id(t) << " | "
            << t.attempts << "/" << t.max_attempts << " |\n";
        return static_cast<bool>(out);
    });
    if (!st) return st;
    out << (failed ? "\n" : "No task failed.\n\n");
    if (failed == kMaxFailureRows && j.counts.failed > failed)
        out << "The first " << failed << " of " << j.counts.failed
            << " failed tasks; every one is in the table below.\n\n";

    out << "## Every task\n\nAttempts: counted attempts of the maximum since the submit or the "
           "last rerun. Calls: attempt rows written for the task, every call included. "
           "RequestId: Alibaba Cloud's id of the attempt that decided a succeeded or failed "
           "task.\n\n| Task | Action | Call | State | Outcome | Attempts | Calls | RequestId | "
           "Code | From read |\n|---:|---|---|---|---|---:|---:|---|---|---:|\n";
    st = tasks(std::nullopt, [&](const queue::TaskInfo& t) {
        out << "| " << t.id << " | " << markdown_text(t.action) << " | "
            << markdown_text(t.params_json) << " | " << queue::task_state_name(t.state) << " | "
            << (t.outcome ? outcome_label(*t.outcome) : "") << " | " << t.attempts << "/"
            << t.max_attempts << " | " << t.attempt_rows << " | " << deciding_request_id(t) << " | "
            << markdown_text(t.last_code) << " | "
            << (t.parent_id ? std::to_string(*t.parent_id) : "") << " |\n";
        return static_cast<bool>(out);
    });
    if (!st) return st;
    out << "\nMade " << format_rfc3339_ms(f.origin.made_at_ms) << " by "
        << markdown_text(f.origin.made_by) << " with qbi-runner " << markdown_text(f.version)
        << " from the queue " << markdown_text(f.origin.database)
        << ". The counts were read first and the tables after: while a runner works on the job "
           "they may differ.\n";
    out.flush();
    if (!out) return Error{kExitIoErr, "cannot write the report"};
    return {};
}

}  // namespace qbi::app
