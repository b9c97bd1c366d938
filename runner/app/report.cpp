// The evidence report's facts, its task stream, the escaping and the atomic file (report.h).
#include "runner/app/report.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <ostream>
#include <streambuf>

#include "runner/app/report_parts.h"
#include "runner/core/exit_codes.h"
#include "runner/core/files.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::app {

std::optional<ReportFormat> parse_report_format(std::string_view name) {
    if (name == "html") return ReportFormat::Html;
    if (name == "md" || name == "markdown") return ReportFormat::Markdown;
    return std::nullopt;
}

ReportFormat report_format_for_path(std::string_view path) {
    const std::string lower = to_lower(path);
    auto ends = [&](std::string_view suffix) {
        return lower.size() >= suffix.size() &&
               lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends(".md") || ends(".markdown") ? ReportFormat::Markdown : ReportFormat::Html;
}

namespace {

std::string user_name(uid_t uid) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
        return found->pw_name;
    return "";
}

}  // namespace

ReportOrigin report_origin(const std::string& database, std::int64_t now_ms) {
    ReportOrigin o;
    o.database = database;
    o.made_at_ms = now_ms;
    struct stat st {};
    if (::stat(database.c_str(), &st) == 0) {
        const std::string name = user_name(st.st_uid);
        o.database_owner =
            (name.empty() ? "" : name + " ") + "(uid " + std::to_string(st.st_uid) + ")";
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        o.database_mode = mode;
    }
    std::string user = user_name(::geteuid());
    if (user.empty()) user = "uid " + std::to_string(::geteuid());
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    o.made_by = user + "@" + (host[0] ? host : "localhost");
    return o;
}

std::int64_t TimelineBucket::total() const {
    std::int64_t n = 0;
    for (auto a : attempts) n += a;
    return n;
}

Timeline make_timeline(
    const std::vector<std::pair<std::int64_t, std::array<std::int64_t, kOutcomeKinds>>>&
        per_minute) {
    Timeline t;
    if (per_minute.empty()) return t;
    std::int64_t first = per_minute.front().first, last = first;
    for (const auto& [m, _] : per_minute) {
        first = std::min(first, m);
        last = std::max(last, m);
    }
    auto floor_div = [](std::int64_t a, std::int64_t b) {
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
    };
    auto bars = [&](std::int64_t w) { return floor_div(last, w) - floor_div(first, w) + 1; };
    std::int64_t width = 0;
    for (std::int64_t w : {1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720}) {
        if (bars(w) <= kMaxTimelineBars) {
            width = w;
            break;
        }
    }
    if (width == 0) {
        width = 1440;
        while (bars(width) > kMaxTimelineBars) width += 1440;
    }
    const std::int64_t base = floor_div(first, width);
    t.width_ms = width * 60000;
    t.buckets.resize(static_cast<std::size_t>(bars(width)));
    for (std::size_t i = 0; i < t.buckets.size(); ++i)
        t.buckets[i].start_ms = (base + static_cast<std::int64_t>(i)) * t.width_ms;
    for (const auto& [m, counts] : per_minute) {
        auto& b = t.buckets[static_cast<std::size_t>(floor_div(m, width) - base)];
        for (int k = 0; k < kOutcomeKinds; ++k) b.attempts[k] += counts[k];
    }
    return t;
}

Result<ReportFacts> gather_report_facts(queue::Store& store, const queue::JobInfo& job,
                                        const ReportOrigin& origin) {
    ReportFacts f;
    f.job = job;
    f.origin = origin;
    f.version = QBI_VERSION;
    auto actions = store.action_counts(job.id);
    if (!actions) return actions.error();
    f.actions = std::move(*actions);

    std::map<std::int64_t, std::array<std::int64_t, kOutcomeKinds>> minutes;
    std::map<std::pair<std::string, int>, CodeCount> codes;
    queue::AttemptFilter filter;
    filter.job_id = job.id;
    auto n = store.for_each_attempt(filter, [&](const queue::AttemptRow& r) {
        const int k = static_cast<int>(r.record.outcome);
        if (f.rows == 0) f.first_row = r.id;
        ++f.rows;
        f.last_row = r.id;
        f.last_row_hash = r.hash;
        const std::int64_t minute =
            r.record.started_at_ms / 60000 - (r.record.started_at_ms % 60000 < 0 ? 1 : 0);
        ++minutes[minute][k];
        if (!is_success(r.record.outcome)) {
            auto key = std::make_pair(r.record.code, k);
            auto it = codes.find(key);
            if (it == codes.end() && codes.size() >= 10 * kMaxReportCodes) {
                ++f.other_code_rows;  // a bound on memory however many codes a server makes up
            } else {
                if (it == codes.end())
                    it = codes
                             .emplace(key, CodeCount{r.record.code, r.record.outcome, 0,
                                                     r.record.message})
                             .first;
                ++it->second.attempts;
            }
        }
        return true;
    });
    if (!n) return n.error();
    f.timeline = make_timeline({minutes.begin(), minutes.end()});
    for (auto& [_, c] : codes) f.codes.push_back(std::move(c));
    std::stable_sort(f.codes.begin(), f.codes.end(), [](const CodeCount& a, const CodeCount& b) {
        return a.attempts > b.attempts;
    });
    if (f.codes.size() > kMaxReportCodes) {
        for (std::size_t i = kMaxReportCodes; i < f.codes.size(); ++i)
            f.other_code_rows += f.codes[i].attempts;
        f.codes.resize(kMaxReportCodes);
    }

    // The proof: the checks of `audit verify`, as they stand now.
    auto chain = store.verify_audit_chain();
    if (!chain) return chain.error();
    f.chain = *chain;
    if (f.chain.ok) {
        auto mismatch = store.check_task_states();
        if (!mismatch) return mismatch.error();
        f.task_mismatch = *mismatch;
    }
    return f;
}

TaskStream store_task_stream(queue::Store& store, std::int64_t job_id) {
    return [&store, job_id](std::optional<queue::TaskState> state,
                            const std::function<bool(const queue::TaskInfo&)>& each) -> Status {
        queue::TaskQuery q(job_id);
        q.state = state;
        q.limit = 5000;
        for (;;) {
            auto page = store.tasks(q);
            if (!page) return page.error();
            for (const auto& t : *page)
                if (!each(t)) return {};
            if (page->size() < static_cast<std::size_t>(q.limit)) return {};
            q.after_id = page->back().id;
        }
    };
}

Result<ReportFacts> write_report(queue::Store& store, const queue::JobInfo& job,
                                 ReportFormat format, const ReportOrigin& origin,
                                 std::ostream& out) {
    auto facts = gather_report_facts(store, job, origin);
    if (!facts) return facts.error();
    const TaskStream tasks = store_task_stream(store, job.id);
    Status st = format == ReportFormat::Html ? write_html_report(*facts, tasks, out)
                                             : write_markdown_report(*facts, tasks, out);
    if (!st) return st.error();
    return facts;
}

std::string proof_problem(const ReportFacts& f) {
    if (!f.chain.ok)
        return "audit chain broken at attempt row " + std::to_string(f.chain.first_bad_id) + ": " +
               f.chain.reason;
    if (!f.task_mismatch.empty()) return "audit log and task states disagree: " + f.task_mismatch;
    return "";
}

namespace {

// An ostream buffer over a file descriptor (the temporary file replace_file opened: reopening
// it by name could open something else put there in between).
class FdBuf : public std::streambuf {
public:
    explicit FdBuf(int fd) : fd_(fd) { setp(buf_, buf_ + sizeof buf_); }
    ~FdBuf() override { sync(); }
    int error() const { return error_; }

protected:
    int_type overflow(int_type c) override {
        if (sync() != 0) return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override {
        const int e =
            write_all(fd_, std::string_view(pbase(), static_cast<std::size_t>(pptr() - pbase())));
        setp(buf_, buf_ + sizeof buf_);
        if (e != 0) error_ = e;
        return e == 0 ? 0 : -1;
    }

private:
    int fd_;
    int error_ = 0;
    char buf_[1 << 16];
};

Error write_error(const std::string& path, const std::string& why) {
    return Error{kExitIoErr, "cannot write the report to " + path + ": " + why};
}

}  // namespace

Result<ReportFacts> write_report_file(queue::Store& store, const queue::JobInfo& job,
                                      ReportFormat format, const ReportOrigin& origin,
                                      const std::string& path) {
    std::optional<Result<ReportFacts>> facts;  // set once the content was written (or failed)
    // 0600 (the report names accounts and RequestIds), whatever the umask.
    Status st = replace_file(path, 0600, [&](int fd) -> Status {
        FdBuf buf(fd);
        std::ostream out(&buf);
        facts = write_report(store, job, format, origin, out);
        if (!*facts) return facts->error();  // nothing replaced; reported as it is, below
        out.flush();
        if (!out || buf.error() != 0)
            return Error{kExitIoErr, std::strerror(buf.error() ? buf.error() : EIO)};
        return {};
    });
    if (facts && !*facts) return std::move(*facts);
    if (!st) return write_error(path, st.error().message);
    return std::move(*facts);
}

std::string html_text(std::string_view s) {
    return markup_escape(printable(s));
}

std::string markdown_text(std::string_view s) {
    // Every character that can open or close inline markup, an HTML tag or entity, a table
    // cell, a heading or a block; CommonMark renders a backslash-escaped ASCII punctuation
    // character as itself. printable() has already made line breaks visible (\n).
    static constexpr std::string_view kSpecial = "\\`*_{}[]()<>#+!|&~$^=";
    const std::string p = printable(s);
    std::string out;
    out.reserve(p.size());
    for (char c : p) {
        if (kSpecial.find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

}  // namespace qbi::app

namespace qbi::app {

std::string_view outcome_label(Outcome o) {
    switch (o) {
        case Outcome::Done:
            return "done";
        case Outcome::AlreadyAbsent:
            return "already absent";
        case Outcome::Retryable:
            return "retryable error";
        case Outcome::Permanent:
            return "permanent error";
        case Outcome::HaltAuth:
            return "halt: credentials";
        case Outcome::HaltPermission:
            return "halt: permission";
        case Outcome::Interrupted:
            return "interrupted";
    }
    return "permanent error";
}

std::string_view outcome_colour(Outcome o) {
    switch (o) {
        case Outcome::Done:
            return "#2e7d32";
        case Outcome::AlreadyAbsent:
            return "#81c784";
        case Outcome::Retryable:
            return "#f9a825";
        case Outcome::Permanent:
            return "#c62828";
        case Outcome::HaltAuth:
            return "#6a1b9a";
        case Outcome::HaltPermission:
            return "#ad1457";
        case Outcome::Interrupted:
            return "#546e7a";
    }
    return "#000000";
}

std::string timeline_unit(std::int64_t width_ms) {
    const std::int64_t minutes = width_ms / 60000;
    if (minutes % 1440 == 0)
        return minutes == 1440 ? "per day" : "per " + std::to_string(minutes / 1440) + " days";
    if (minutes % 60 == 0)
        return minutes == 60 ? "per hour" : "per " + std::to_string(minutes / 60) + " hours";
    return minutes == 1 ? "per minute" : "per " + std::to_string(minutes) + " minutes";
}

std::string timeline_label(const Timeline& t, std::int64_t start_ms) {
    const std::string text = format_rfc3339_ms(start_ms);  // 2026-12-03T10:05:00.000Z
    if (t.width_ms >= 86400000) return text.substr(0, 10);
    const bool one_day =
        !t.buckets.empty() && format_rfc3339_ms(t.buckets.front().start_ms).substr(0, 10) ==
                                  format_rfc3339_ms(t.buckets.back().start_ms).substr(0, 10);
    return one_day ? text.substr(11, 5) : text.substr(5, 5) + " " + text.substr(11, 5);
}

std::string submitter_text(const ReportOrigin& o) {
    std::string s = "not recorded by the queue";
    if (!o.database_owner.empty())
        s += "; its database " + o.database + " belongs to " + o.database_owner +
             (o.database_mode.empty() ? "" : ", mode " + o.database_mode);
    return s;
}

}  // namespace qbi::app
