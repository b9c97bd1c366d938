// qbi-runner status [JOB] and tasks JOB [--state S] [--code C] [--limit N] (design §7).
// Text that came from a job file or a server (names, descriptions, codes) is printed through
// printable(): no terminal escape reaches the terminal. JSON output escapes it itself.
#include <cstdio>
#include <ostream>

#include "runner/app/store_setup.h"
#include "runner/cli/commands.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace {

json::Value counts_json(const queue::TaskCounts& c) {
    return json::Value::object()
        .set("total", c.total())
        .set("queued", c.queued)
        .set("running", c.running)
        .set("done", c.done)
        .set("already_absent", c.already_absent)
        .set("failed", c.failed)
        .set("cancelled", c.cancelled);
}

json::Value job_json(const queue::JobInfo& j) {
    return json::Value::object()
        .set("id", j.id)
        .set("name", j.name)
        .set("state", queue::job_state_name(j.state()))
        .set("description", j.description)
        .set("source_file", j.source_file)
        .set("submitted_at", format_rfc3339_ms(j.submitted_at))
        .set("not_before", json::Value::string_or_null(
                               j.not_before_ms.has_value(),
                               j.not_before_ms ? format_rfc3339_ms(*j.not_before_ms) : ""))
        .set("max_attempts", j.max_attempts)
        .set("counts", counts_json(j.counts));
}

// A job's state, padded to `width`; on a colour terminal (Invocation::colour) succeeded is
// green, failed red, running yellow, queued cyan, cancelled grey (SGR codes around the padded
// word, so the columns stay aligned).
std::string state_word(queue::JobState state, bool colour, std::size_t width = 0) {
    std::string word(queue::job_state_name(state));
    if (word.size() < width) word.append(width - word.size(), ' ');
    const char* sgr = state == queue::JobState::Succeeded ? "32"
                      : state == queue::JobState::Failed  ? "31"
                      : state == queue::JobState::Running ? "33"
                      : state == queue::JobState::Queued  ? "36"
                                                          : "90";
    if (!colour) return word;
    return std::string("\x1b[") + sgr + "m" + word + "\x1b[0m";
}

void print_job_row(std::ostream& out, const queue::JobInfo& j, bool colour) {
    char buf[512];
    std::snprintf(
        buf, sizeof buf, "%5lld  %-32s %s %7lld %7lld %7lld %7lld %7lld %7lld %9lld",
        static_cast<long long>(j.id), printable(j.name).c_str(),
        state_word(j.state(), colour, 9).c_str(), static_cast<long long>(j.counts.total()),
        static_cast<long long>(j.counts.queued), static_cast<long long>(j.counts.running),
        static_cast<long long>(j.counts.done), static_cast<long long>(j.counts.already_absent),
        static_cast<long long>(j.counts.failed), static_cast<long long>(j.counts.cancelled));
    out << buf;
    if (j.not_before_ms) out << "  not before " << format_rfc3339_ms(*j.not_before_ms);
    out << "\n";
}

const char* kJobHeader =
    "   ID  JOB                              STATE       TOTAL  QUEUED RUNNING    DONE  ABSENT  "
    "FAILED CANCELLED\n";

void print_job(std::ostream& out, const queue::JobInfo& j,
               const std::vector<queue::ActionCounts>& actions, bool colour) {
    out << "job " << j.id << ": " << printable(j.name) << " (" << state_word(j.state(), colour)
        << ")\n";
    if (!j.description.empty()) out << "  description:  " << printable(j.description) << "\n";
    if (!j.source_file.empty()) out << "  source:       " << printable(j.source_file) << "\n";
    out << "  submitted:    " << format_rfc3339_ms(j.submitted_at) << "\n";
    if (j.not_before_ms) out << "  not before:   " << format_rfc3339_ms(*j.not_before_ms) << "\n";
    out << "  max attempts: " << j.max_attempts << "\n"
        << "  tasks:        " << j.counts.total() << " (queued " << j.counts.queued << ", running "
        << j.counts.running << ", done " << j.counts.done << ", already absent "
        << j.counts.already_absent << ", failed " << j.counts.failed << ", cancelled "
        << j.counts.cancelled << ")\n";
    if (actions.empty()) return;
    out << "  by action:    " << std::string(24, ' ')
        << "TOTAL  QUEUED RUNNING    DONE  ABSENT  FAILED CANCELLED\n";
    for (const auto& a : actions) {
        const queue::TaskCounts& c = a.counts;
        char buf[256];
        std::snprintf(buf, sizeof buf, "    %-34s %7lld %7lld %7lld %7lld %7lld %7lld %9lld\n",
                      printable(a.action).c_str(), static_cast<long long>(c.total()),
                      static_cast<long long>(c.queued), static_cast<long long>(c.running),
                      static_cast<long long>(c.done), static_cast<long long>(c.already_absent),
                      static_cast<long long>(c.failed), static_cast<long long>(c.cancelled));
        out << buf;
    }
}

json::Value actions_json(const std::vector<queue::ActionCounts>& actions) {
    json::Value v = json::Value::object();
    for (const auto& a : actions) v.set(a.action, counts_json(a.counts));
    return v;
}

}  // namespace

int cmd_status(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("status"));
    if (!a) return inv.fail(a.error());
    if (a->positional.size() > 1) return inv.fail(kExitUsage, "status takes at most one job");
    auto store = open_queue(inv, app::QueueUse::Read);
    if (!store) return inv.fail(store.error());
    if (a->positional.size() == 1) {
        auto job = app::lookup_job(*store, a->positional[0]);
        if (!job) return inv.fail(job.error());
        auto actions = store->action_counts(job->id);
        if (!actions) return inv.fail(actions.error());
        if (inv.global.json)
            inv.print(
                json_document().set("job", job_json(*job).set("actions", actions_json(*actions))));
        else
            print_job(inv.out, *job, *actions, inv.colour());
        return kExitOk;
    }
    return print_status(inv, *store);
}

int print_status(Invocation& inv, queue::Store& store) {
    auto jobs = store.jobs();
    if (!jobs) return inv.fail(jobs.error());
    if (inv.global.json) {
        json::Value list = json::Value::array();
        for (const auto& j : *jobs) list.push(job_json(j));
        inv.print(json_document().set("jobs", list));
        return kExitOk;
    }
    if (jobs->empty()) {
        inv.out << "no jobs yet (qbi-runner submit FILE...)\n";
        return kExitOk;
    }
    inv.out << kJobHeader;
    for (const auto& j : *jobs) print_job_row(inv.out, j, inv.colour());
    return kExitOk;
}

namespace {

json::Value task_json(const queue::TaskInfo& t) {
    return json::Value::object()
        .set("id", t.id)
        .set("state", queue::task_state_name(t.state))
        .set("outcome",
             json::Value::string_or_null(t.outcome.has_value(),
                                         t.outcome ? std::string(outcome_name(*t.outcome)) : ""))
        .set("attempts", t.attempts)
        .set("max_attempts", t.max_attempts)
        .set("action", t.action)
        .set("params", json::Value::raw(t.params_json))
        .set("next_run_at", format_rfc3339_ms(t.next_run_at))
        .set("last_code", t.last_code)
        .set("last_message", t.last_message)
        .set("last_request_id", t.last_request_id)
        .set("parent", t.parent_id ? json::Value(*t.parent_id) : json::Value());
}

void print_task_row(std::ostream& out, const queue::TaskInfo& t) {
    std::string outcome = t.outcome ? std::string(outcome_name(*t.outcome)) : "";
    char buf[128];
    std::snprintf(buf, sizeof buf, "%7lld  %-10s %-15s %2d/%-2d  ", static_cast<long long>(t.id),
                  std::string(queue::task_state_name(t.state)).c_str(), outcome.c_str(), t.attempts,
                  t.max_attempts);
    out << buf << printable(t.action) << " " << printable(t.params_json);
    if (!t.last_code.empty()) out << "  /  " << printable(t.last_code);
    if (!t.last_request_id.empty()) out << "  " << printable(t.last_request_id);
    if (t.parent_id) out << "  (from read " << *t.parent_id << ")";
    out << "\n";
}

}  // namespace

int cmd_tasks(Invocation& inv, const std::vector<std::string>& args) {
    auto a = parse_args(args, command("tasks"));
    if (!a) return inv.fail(a.error());
    if (a->positional.size() != 1) return inv.fail(kExitUsage, "tasks needs exactly one job");
    queue::TaskQuery q;
    if (a->has("--state")) {
        auto s = queue::parse_task_state(a->get("--state"));
        if (!s)
            return inv.fail(kExitUsage,
                            "--state: expected queued, running, succeeded, failed or "
                            "cancelled, got '" +
                                a->get("--state") + "'");
        q.state = *s;
    }
    if (a->has("--code")) q.code = a->get("--code");
    if (a->has("--action")) q.action = a->get("--action");
    if (a->has("--parent")) {
        try {
            std::size_t pos = 0;
            q.parent_id = std::stoll(a->get("--parent"), &pos);
            if (pos != a->get("--parent").size() || *q.parent_id <= 0) throw std::exception();
        } catch (const std::exception&) {
            return inv.fail(kExitUsage,
                            "--parent: expected a task id (see the tasks listing), "
                            "got '" +
                                a->get("--parent") + "'");
        }
    }
    long long limit = -1;
    if (a->has("--limit")) {
        const std::string text = a->get("--limit");
        try {
            std::size_t pos = 0;
            limit = std::stoll(text, &pos);
            if (pos != text.size()) limit = 0;  // "5abc": not a number either
        } catch (const std::exception&) {
            limit = 0;
        }
        if (limit <= 0)
            return inv.fail(kExitUsage,
                            "--limit: expected a positive whole number, got '" + text + "'");
    }
    auto store = open_queue(inv, app::QueueUse::Read);
    if (!store) return inv.fail(store.error());
    auto job = app::lookup_job(*store, a->positional[0]);
    if (!job) return inv.fail(job.error());
    q.job_id = job->id;
    q.limit = 500;
    // Streamed page by page: a job may hold a million tasks.
    if (inv.global.json) {
        // The document with an empty tasks list, left open after "[": rows follow one by one.
        std::string head =
            json_document().set("job", job->name).set("tasks", json::Value::array()).to_json();
        inv.out << head.substr(0, head.size() - 2);
    } else {
        inv.out << "     ID  STATE      OUTCOME         TRIES  CALL  /  LAST CODE  REQUEST ID\n";
    }
    long long shown = 0;
    for (;;) {
        auto page = store->tasks(q);
        if (!page) return inv.fail(page.error());
        for (const auto& t : *page) {
            if (limit >= 0 && shown >= limit) break;
            if (inv.global.json)
                inv.out << (shown ? "," : "") << task_json(t).to_json();
            else
                print_task_row(inv.out, t);
            ++shown;
        }
        if (page->size() < static_cast<std::size_t>(q.limit) || (limit >= 0 && shown >= limit))
            break;
        q.after_id = page->back().id;
    }
    if (inv.global.json)
        inv.out << "]}\n";
    else if (shown == 0)
        inv.out << "(no tasks match)\n";
    return kExitOk;
}

}  // namespace qbi::cli
