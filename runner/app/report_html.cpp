// The evidence report as one self-contained HTML page (report.h): inline CSS, an inline SVG
// chart, no script and nothing to fetch (the Content-Security-Policy forbids both, so a value
// that escaped its escaping still could not run or call out).
#include <algorithm>
#include <cmath>
#include <ostream>

#include "runner/app/report.h"
#include "runner/app/report_parts.h"
#include "runner/core/exit_codes.h"
#include "runner/core/time_format.h"

namespace qbi::app {

namespace {

const char* kHead =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
    "'unsafe-inline'\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";

const char* kStyle =
    "<style>\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
    "max-width:1200px;padding:0 1em;color:#1b1b1b;background:#fff}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;"
    "border-bottom:1px solid #ccc;padding-bottom:.2em}\n"
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #d0d0d0;"
    "padding:3px 7px;text-align:left;vertical-align:top}th{background:#f2f2f2}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px;"
    "word-break:break-all}\n"
    ".ok{color:#1b5e20;font-weight:bold}.bad{color:#b71c1c;font-weight:bold}"
    "tr.failed td{background:#fdecea}.note{color:#555}\n"
    "svg text{font:12px system-ui,sans-serif;fill:#333}\n"
    "</style>\n</head>\n<body>\n";

std::string num(std::int64_t n) {
    return std::to_string(n);
}

void kv(std::ostream& out, const char* key, const std::string& html_value) {
    out << "<tr><th>" << key << "</th><td>" << html_value << "</td></tr>\n";
}

void counts_row(std::ostream& out, const queue::TaskCounts& c, const std::string& id_prefix) {
    auto cell = [&](const char* name, std::int64_t v) {
        out << "<td class=\"n\"";
        if (!id_prefix.empty()) out << " id=\"" << id_prefix << name << "\"";
        out << ">" << v << "</td>";
    };
    cell("total", c.total());
    cell("queued", c.queued);
    cell("running", c.running);
    cell("done", c.done);
    cell("already_absent", c.already_absent);
    cell("failed", c.failed);
    cell("cancelled", c.cancelled);
}

const char* kCountHeads =
    "<th>Total</th><th>Queued</th><th>Running</th><th>Done</th><th>Already absent</th>"
    "<th>Failed</th><th>Cancelled</th>";

// "1.5" style numbers for SVG coordinates.
std::string coord(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

void timeline_svg(std::ostream& out, const Timeline& t) {
    std::int64_t ymax = 0;
    for (const auto& b : t.buckets) ymax = std::max(ymax, b.total());
    if (t.buckets.empty() || ymax == 0) {
        out << "<p class=\"note\">No attempt was made for this job yet.</p>\n";
        return;
    }
    // A step of 1, 2 or 5 times a power of ten, for at most 5 gridlines.
    double mag = std::pow(10.0, std::floor(std::log10(std::max(1.0, ymax / 5.0))));
    std::int64_t step = static_cast<std::int64_t>(mag);
    for (int f : {1, 2, 5, 10})
        if (static_cast<double>(f) * mag * 5 >= static_cast<double>(ymax)) {
            step = static_cast<std::int64_t>(f * mag);
            break;
        }
    step = std::max<std::int64_t>(step, 1);
    const std::int64_t top_value = (ymax + step - 1) / step * step;
    const double W = 960, H = 320, left = 64, right = 16, top = 44, bottom = 70;
    const double pw = W - left - right, ph = H - top - bottom;
    // At least 12 slots, so that a short job's few bars stay bars.
    const double bw = pw / static_cast<double>(std::max<std::size_t>(t.buckets.size(), 12));
    const double gap = bw > 4 ? 1 : 0;
    const std::string per = timeline_unit(t.width_ms);
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline-chart\" role=\"img\" "
           "width=\""
        << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
        << "\">\n<title>Attempts " << per << " by outcome</title>\n";
    // Legend: the outcomes that occur.
    double lx = left;
    std::array<std::int64_t, kOutcomeKinds> sums{};
    for (const auto& b : t.buckets)
        for (int k = 0; k < kOutcomeKinds; ++k) sums[k] += b.attempts[k];
    for (int k = 0; k < kOutcomeKinds; ++k) {
        if (sums[k] == 0) continue;
        const std::string label = std::string(outcome_label(static_cast<Outcome>(k)));
        out << "<rect x=\"" << coord(lx) << "\" y=\"12\" width=\"12\" height=\"12\" fill=\""
            << outcome_colour(static_cast<Outcome>(k)) << "\"/><text x=\"" << coord(lx + 16)
            << "\" y=\"22\">" << label << " (" << sums[k] << ")</text>\n";
        lx += 16 + 7.5 * static_cast<double>(label.size() + num(sums[k]).size() + 3) + 14;
    }
    // Axes and gridlines.
    for (std::int64_t v = 0; v <= top_value; v += step) {
        const double y = top + ph - ph * static_cast<double>(v) / static_cast<double>(top_value);
        out << "<line x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << coord(y)
            << "\" y2=\"" << coord(y) << "\" stroke=\"" << (v == 0 ? "#555" : "#e3e3e3")
            << "\"/><text x=\"" << left - 6 << "\" y=\"" << coord(y + 4)
            << "\" text-anchor=\"end\">" << v << "</text>\n";
    }
    out << "<line x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << top << "\" y2=\""
        << top + ph << "\" stroke=\"#555\"/>\n";
    out << "<text transform=\"translate(16," << coord(top + ph / 2)
        << ") rotate(-90)\" text-anchor=\"middle\">attempts " << per << "</text>\n";
    // Bars, stacked in outcome order from the axis up; each with a tooltip.
    for (std::size_t i = 0; i < t.buckets.size(); ++i) {
        const auto& b = t.buckets[i];
        double y = top + ph;
        const double x = left + bw * static_cast<double>(i);
        for (int k = 0; k < kOutcomeKinds; ++k) {
            if (b.attempts[k] == 0) continue;
            const double h =
                ph * static_cast<double>(b.attempts[k]) / static_cast<double>(top_value);
            y -= h;
            out << "<rect x=\"" << coord(x + gap / 2) << "\" y=\"" << coord(y) << "\" width=\""
                << coord(bw - gap) << "\" height=\"" << coord(h) << "\" fill=\""
                << outcome_colour(static_cast<Outcome>(k)) << "\"><title>"
                << format_rfc3339_ms(b.start_ms).substr(0, 16) << "Z: " << b.attempts[k] << " "
                << outcome_label(static_cast<Outcome>(k)) << "</title></rect>\n";
        }
    }
    // Time labels: at most 8, under the bars they name.
    const std::size_t every = (t.buckets.size() + 7) / 8;
    for (std::size_t i = 0; i < t.buckets.size(); i += every) {
        const double x = left + bw * (static_cast<double>(i) + 0.5);
        out << "<line x1=\"" << coord(x) << "\" x2=\"" << coord(x) << "\" y1=\"" << top + ph
            << "\" y2=\"" << top + ph + 4 << "\" stroke=\"#555\"/><text x=\"" << coord(x)
            << "\" y=\"" << top + ph + 18 << "\" text-anchor=\"middle\">"
            << timeline_label(t, t.buckets[i].start_ms) << "</text>\n";
    }
    out << "<text x=\"" << coord(left + pw / 2) << "\" y=\"" << H - 12
        << "\" text-anchor=\"middle\">start of each bar (UTC)</text>\n</svg>\n";
}

std::string deciding_request_id(const queue::TaskInfo& t) {
    if (t.state != queue::TaskState::Succeeded && t.state != queue::TaskState::Failed) return "";
    return t.last_request_id.empty() ? "(no answer)" : html_text(t.last_request_id);
}

}  // namespace

Status write_html_report(const ReportFacts& f, const TaskStream& tasks, std::ostream& out) {
    const queue::JobInfo& j = f.job;
    const std::string name = html_text(j.name);
    out << kHead << "<meta name=\"generator\" content=\"qbi-runner " << html_text(f.version)
        << "\">\n<title>Evidence report: job " << name << "</title>\n"
        << kStyle;
    out << "<h1>Evidence report: job " << name << "</h1>\n<p>State <b id=\"job-state\">"
        << queue::job_state_name(j.state()) << "</b>; made "
        << format_rfc3339_ms(f.origin.made_at_ms) << " by " << html_text(f.origin.made_by)
        << " with qbi-runner " << html_text(f.version) << ". Audit proof: "
        << (f.proof_ok() ? "<span class=\"ok\">intact</span>" : "<span class=\"bad\">FAILED</span>")
        << ".</p>\n";

    out << "<h2 id=\"job\">Job</h2>\n<table class=\"kv\">\n";
    kv(out, "Name", "<span id=\"job-name\">" + name + "</span>");
    kv(out, "Job id", num(j.id));
    kv(out, "Description", "<span id=\"job-description\">" + html_text(j.description) + "</span>");
    kv(out, "Source",
       j.source_file.empty() ? "<span class=\"note\">(not recorded)</span>"
                             : html_text(j.source_file));
    kv(out, "Submitted", format_rfc3339_ms(j.submitted_at));
    kv(out, "Submitted by", html_text(submitter_text(f.origin)));
    kv(out, "Not before", j.not_before_ms ? format_rfc3339_ms(*j.not_before_ms) : "(due at once)");
    kv(out, "Max attempts", num(j.max_attempts));
    kv(out, "Content hash", "<span class=\"mono\">" + html_text(j.content_hash) + "</span>");
    out << "</table>\n";

    out << "<h2 id=\"outcome\">Tasks</h2>\n<table id=\"counts\"><tr>" << kCountHeads
        << "</tr>\n<tr>";
    counts_row(out, j.counts, "count-");
    out << "</tr></table>\n";
    if (!f.actions.empty()) {
        out << "<table id=\"actions\"><tr><th>Action</th>" << kCountHeads << "</tr>\n";
        for (const auto& a : f.actions) {
            out << "<tr><td>" << html_text(a.action) << "</td>";
            counts_row(out, a.counts, "");
            out << "</tr>\n";
        }
        out << "</table>\n";
    }

    out << "<h2 id=\"audit\">Audit proof</h2>\n<table class=\"kv\">\n";
    kv(out, "Verified at", format_rfc3339_ms(f.origin.made_at_ms));
    kv(out, "Hash chain",
       f.chain.ok ? "<span class=\"ok\" id=\"chain-verdict\">intact</span>"
                  : "<span class=\"bad\" id=\"chain-verdict\">broken at attempt row " +
                        num(f.chain.first_bad_id) + ": " + html_text(f.chain.reason) + "</span>");
    kv(out, "Task states",
       !f.chain.ok ? "<span class=\"note\">not checked (the chain is broken)</span>"
       : f.task_mismatch.empty()
           ? "<span class=\"ok\">agree with their attempt rows</span>"
           : "<span class=\"bad\">disagree: " + html_text(f.task_mismatch) + "</span>");
    kv(out, "Rows in the log", "<span id=\"chain-rows\">" + num(f.chain.rows) + "</span>");
    kv(out, "Head hash",
       "<span class=\"mono\" id=\"chain-head\">" + html_text(f.chain.head_hash) + "</span>");
    kv(out, "This job's rows",
       "<span id=\"job-rows\">" + num(f.rows) + "</span>" +
           (f.rows ? " (ids " + num(f.first_row) + " to " + num(f.last_row) + ")" : ""));
    if (f.rows)
        kv(out, "This job's last row hash",
           "<span class=\"mono\">" + html_text(f.last_row_hash) + "</span>");
    out << "</table>\n<p class=\"note\">Every attempt row's hash covers the row and every row "
           "before it. To prove later that the log still holds these rows unchanged, keep the "
           "head and run <code>qbi-runner audit verify --anchor "
        << f.chain.head_rows << ":" << html_text(f.chain.head_hash) << "</code>.</p>\n";

    out << "<h2 id=\"timeline\">Timeline</h2>\n";
    timeline_svg(out, f.timeline);

    out << "<h2 id=\"codes\">Attempts that did not succeed, by code</h2>\n";
    if (f.codes.empty() && f.other_code_rows == 0) {
        out << "<p class=\"note\">Every attempt succeeded.</p>\n";
    } else {
        out << "<table id=\"code-table\"><tr><th>Code</th><th>Outcome</th><th>Attempts</th>"
               "<th>Example message</th></tr>\n";
        for (const auto& c : f.codes)
            out << "<tr><td class=\"mono\">" << html_text(c.code.empty() ? "(none)" : c.code)
                << "</td><td>" << outcome_label(c.outcome) << "</td><td class=\"n\">" << c.attempts
                << "</td><td>" << html_text(c.example_message) << "</td></tr>\n";
        if (f.other_code_rows)
            out << "<tr><td colspan=\"2\">other codes</td><td class=\"n\">" << f.other_code_rows
                << "</td><td></td></tr>\n";
        out << "</table>\n";
    }

    out << "<h2 id=\"failures\">Failed tasks</h2>\n";
    std::int64_t failed = 0;
    Status st = tasks(queue::TaskState::Failed, [&](const queue::TaskInfo& t) {
        if (failed == kMaxFailureRows) return false;
        if (failed++ == 0)
            out << "<table id=\"failed-tasks\"><tr><th>Task</th><th>Action</th><th>Call</th>"
                   "<th>Code</th><th>Message</th><th>RequestId</th><th>Attempts</th></tr>\n";
        out << "<tr class=\"failed\"><td class=\"n\">" << t.id << "</td><td>" << html_text(t.action)
            << "</td><td class=\"mono\">" << html_text(t.params_json) << "</td><td class=\"mono\">"
            << html_text(t.last_code) << "</td><td>" << html_text(t.last_message)
            << "</td><td class=\"mono\">" << deciding_request_id(t) << "</td><td class=\"n\">"
            << t.attempts << "/" << t.max_attempts << "</td></tr>\n";
        return static_cast<bool>(out);
    });
    if (!st) return st;
    out << (failed ? "</table>\n" : "<p class=\"note\">No task failed.</p>\n");
    if (failed == kMaxFailureRows && j.counts.failed > failed)
        out << "<p class=\"note\">The first " << failed << " of " << j.counts.failed
            << " failed tasks; every one is in the table below, marked.</p>\n";

    out << "<h2 id=\"all-tasks\">Every task</h2>\n<p class=\"note\">Attempts: counted attempts "
           "of the maximum since the submit or the last rerun. Calls: attempt rows written for "
           "the task, every call included. RequestId: Alibaba Cloud's id of the attempt that "
           "decided a succeeded or failed task.</p>\n"
           "<table id=\"tasks\"><tr><th>Task</th><th>Action</th><th>Call</th><th>State</th>"
           "<th>Outcome</th><th>Attempts</th><th>Calls</th><th>RequestId</th><th>Code</th>"
           "<th>From read</th></tr>\n";
    st = tasks(std::nullopt, [&](const queue::TaskInfo& t) {
        out << "<tr" << (t.state == queue::TaskState::Failed ? " class=\"failed\"" : "")
            << "><td class=\"n\">" << t.id << "</td><td>" << html_text(t.action)
            << "</td><td class=\"mono\">" << html_text(t.params_json) << "</td><td>"
            << queue::task_state_name(t.state) << "</td><td>"
            << (t.outcome ? outcome_label(*t.outcome) : "") << "</td><td class=\"n\">" << t.attempts
            << "/" << t.max_attempts << "</td><td class=\"n\">" << t.attempt_rows
            << "</td><td class=\"mono\">" << deciding_request_id(t) << "</td><td class=\"mono\">"
            << html_text(t.last_code) << "</td><td class=\"n\">"
            << (t.parent_id ? num(*t.parent_id) : "") << "</td></tr>\n";
        return static_cast<bool>(out);
    });
    if (!st) return st;
    out << "</table>\n<footer><p class=\"note\">Made " << format_rfc3339_ms(f.origin.made_at_ms)
        << " by " << html_text(f.origin.made_by) << " with qbi-runner " << html_text(f.version)
        << " from the queue " << html_text(f.origin.database)
        << ". The counts were read first and the tables after: while a runner works on the "
           "job they may differ.</p></footer>\n</body>\n</html>\n";
    out.flush();
    if (!out) return Error{kExitIoErr, "cannot write the report"};
    return {};
}

}  // namespace qbi::app
