#pragma once
// The evidence report of one job (`qbi-runner report JOB`): one self-contained file for the
// people who asked for the clean-up (security, auditors, HR). HTML (inline CSS and an inline SVG
// chart, no script, nothing fetched: a Content-Security-Policy of default-src 'none' says so to
// the browser) or Markdown. It holds:
//   - the job: name, id, description, source file, content hash, when it was submitted, its
//     not-before time, and what the queue can say of who submitted it (it records no submitter:
//     the report names the queue database with its owner and mode, and who made the report);
//   - the task counts (the numbers of `status JOB`) and the counts by action;
//   - the audit proof at report time: the whole chain verified (Store::verify_audit_chain) and
//     every task checked against its rows (Store::check_task_states), the head (rows and hash),
//     and the job's own rows (how many, the first and last id, the last row's hash);
//   - a timeline: the job's attempts per minute by outcome (wider bars when the job spans more
//     than kMaxTimelineBars minutes), as an SVG stacked bar chart (HTML) or a table (Markdown);
//   - the attempts that did not succeed, by code and outcome, with an example message;
//   - the failed tasks first (code, message, the RequestId of the deciding attempt; the first
//     kMaxFailureRows of them), then every task: final state and outcome, counted attempts of
//     max, attempt rows (calls recorded), the deciding attempt's RequestId (succeeded and
//     failed tasks) and the read that created it.
//
// Every value that came from a job file, a server or the file system is escaped for the format
// (HTML: & < > " ' as entities; Markdown: the characters that could start markup are
// backslash-escaped, a table's | included), after qbi::printable() made control characters and
// invalid UTF-8 visible; no value can add an element, a link or a line.
//
// Memory stays bounded whatever the job's size: tasks are streamed from the store page by page
// (Store::tasks, in id order within the job's id range), attempt rows are streamed once into
// per-minute counts, and at most kMaxReportCodes codes are listed. The sections are read one
// after the other, not in one snapshot: while a runner works on the job they may differ (the
// report says so).
//
// Thread-safety: functions over the given Store, which one thread uses at a time.
#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/outcome.h"
#include "runner/core/result.h"
#include "runner/queue/store.h"

namespace qbi::app {

enum class ReportFormat { Html, Markdown };
// "html", "md" or "markdown"; nullopt otherwise.
std::optional<ReportFormat> parse_report_format(std::string_view name);
// The format a file name asks for: Markdown for *.md and *.markdown, else HTML.
ReportFormat report_format_for_path(std::string_view path);

// Who made the report, from what (shown in the report's provenance).
struct ReportOrigin {
    std::string database;        // the queue's path
    std::string database_owner;  // "name (uid N)", or "" when unknown
    std::string database_mode;   // "0600", or ""
    std::string made_by;         // "user@host" of the process making the report
    std::int64_t made_at_ms = 0;
};
// The origin of a report made now from the database at `path`.
ReportOrigin report_origin(const std::string& database, std::int64_t now_ms);

inline constexpr int kOutcomeKinds = kOutcomeCount;  // indexed by Outcome
inline constexpr int kMaxTimelineBars = 120;
inline constexpr std::size_t kMaxReportCodes = 50;

struct TimelineBucket {
    std::int64_t start_ms = 0;
    std::array<std::int64_t, kOutcomeKinds> attempts{};  // indexed by Outcome
    std::int64_t total() const;
};
// Consecutive buckets of `width_ms` from the first attempt's to the last's (none without
// attempts); the width is the smallest of 1, 2, 5, 10, 15, 30 minutes, 1, 2, 3, 6, 12 hours or
// a whole number of days that needs at most kMaxTimelineBars bars. Buckets are aligned to
// multiples of the width since the epoch (UTC).
struct Timeline {
    std::int64_t width_ms = 60000;
    std::vector<TimelineBucket> buckets;
};
// `per_minute`: attempts by minute since the epoch (any order, minutes may repeat).
Timeline make_timeline(
    const std::vector<std::pair<std::int64_t, std::array<std::int64_t, kOutcomeKinds>>>&
        per_minute);

// Attempts that did not succeed, grouped by code and outcome.
struct CodeCount {
    std::string code;
    Outcome outcome = Outcome::Permanent;
    std::int64_t attempts = 0;
    std::string example_message;  // the first row's
};

// Everything in the report but the task tables (bounded in size).
struct ReportFacts {
    queue::JobInfo job;
    std::vector<queue::ActionCounts> actions;
    ReportOrigin origin;
    std::string version;  // qbi-runner's
    // The job's attempt rows.
    std::int64_t rows = 0;
    std::int64_t first_row = 0;
    std::int64_t last_row = 0;
    std::string last_row_hash;
    std::vector<CodeCount> codes;      // by attempts, most first; at most kMaxReportCodes
    std::int64_t other_code_rows = 0;  // rows of codes beyond those
    Timeline timeline;
    // The audit proof at report time.
    queue::AuditVerdict chain;
    std::string task_mismatch;  // "" when every task agrees with its rows
    bool proof_ok() const { return chain.ok && task_mismatch.empty(); }
};

// Reads the facts of `job` (one pass over its attempt rows, one over the whole chain).
Result<ReportFacts> gather_report_facts(queue::Store& store, const queue::JobInfo& job,
                                        const ReportOrigin& origin);

// The job's tasks in id order, only those in `state` when given; `each` returns false to stop
// (a failed stream). Pages through the store.
using TaskStream = std::function<Status(std::optional<queue::TaskState> state,
                                        const std::function<bool(const queue::TaskInfo&)>& each)>;
TaskStream store_task_stream(queue::Store& store, std::int64_t job_id);

// The renderers (report_html.cpp, report_markdown.cpp). Errors: 74 when `out` fails, and the
// stream's own.
Status write_html_report(const ReportFacts& facts, const TaskStream& tasks, std::ostream& out);
Status write_markdown_report(const ReportFacts& facts, const TaskStream& tasks, std::ostream& out);

// The report of `job` to `out`; returns its facts (proof_ok() says whether the audit proof
// held: the report is written either way).
Result<ReportFacts> write_report(queue::Store& store, const queue::JobInfo& job,
                                 ReportFormat format, const ReportOrigin& origin,
                                 std::ostream& out);
// The same into `path`, atomically: written to a new file beside it (mode 0600: the report names
// leavers' accounts and IDs), flushed to disk, then renamed over `path`; on any error the
// temporary file is removed and `path` is untouched. Errors: 74 naming the path.
Result<ReportFacts> write_report_file(queue::Store& store, const queue::JobInfo& job,
                                      ReportFormat format, const ReportOrigin& origin,
                                      const std::string& path);
// The failed tasks listed in their own section (every one is also in the full table).
inline constexpr std::int64_t kMaxFailureRows = 1000;
// What `audit verify` would say of a proof that did not hold ("" when it held).
std::string proof_problem(const ReportFacts& facts);

// Escaping (exposed for tests): HTML text and attribute values; Markdown inline text (table
// cells included). Both apply qbi::printable() first.
std::string html_text(std::string_view s);
std::string markdown_text(std::string_view s);

}  // namespace qbi::app
