// qbi-runner status [JOB] and tasks JOB [--state S] [--code C] (design §7).
#include <cstdio>
#include <ostream>

#include "runner/cli/commands.h"
#include "runner/cli/store_setup.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::cli {

namespace {

std::string counts_json(const queue::TaskCounts& c) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"total\":%lld,\"queued\":%lld,\"running\":%lld,\"done\":%lld,"
                  "\"already_absent\":%lld,\"failed\":%lld,\"cancelled\":%lld}",
                  static_cast<long long>(c.total()), static_cast<long long>(c.queued),
                  static_cast<long long>(c.running), static_cast<long long>(c.done),
                  static_cast<long long>(c.already_absent), static_cast<long long>(c.failed),
                  static_cast<long long>(c.cancelled));
    return buf;
}

std::string job_json(const queue::JobInfo& j) {
    std::string s = "{\"id\":" + std::to_string(j.id) + ",\"name\":\"" + json_escape(j.name) +
                    "\",\"state\":\"" + std::string(queue::job_state_name(j.state())) +
                    "\",\"description\":\"" + json_escape(j.description) + "\",\"source_file\":\"" +
                    json_escape(j.source_file) + "\",\"submitted_at\":\"" +
                    format_rfc3339_ms(j.submitted_at) + "\",\"not_before\":";
    s += j.not_before_ms ? "\"" + format_rfc3339_ms(*j.not_before_ms) + "\"" : "null";
    s += ",\"max_attempts\":" + std::to_string(j.max_attempts) + ",\"counts\":" + counts_json(j.counts) + "}";
    return s;
}

void print_job_row(std::ostream& out, const queue::JobInfo& j) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%5lld  %-32s %-9s %7lld %7lld %7lld %7lld %7lld %7lld %9lld",
                  static_cast<long long>(j.id), j.name.c_str(),
                  std::string(queue::job_state_name(j.state())).c_str(),
                  static_cast<long long>(j.counts.total()), static_cast<long long>(j.counts.queued),
                  static_cast<long long>(j.counts.running), static_cast<long long>(j.counts.done),
                  static_cast<long long>(j.counts.already_absent),
                  static_cast<long long>(j.counts.failed), static_cast<long long>(j.counts.cancelled));
    out << buf;
    if (j.not_before_ms) out << "  not before " << format_rfc3339_ms(*j.not_before_ms);
    out << "\n";
}

const char* kJobHeader =
    "   ID  JOB                              STATE       TOTAL  QUEUED RUNNING    DONE  ABSENT  "
    "FAILED CANCELLED\n";

}  // namespace

int cmd_status(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {}, a); !e.empty()) return ctx.fail(kExitUsage, e);
    if (a.positional.size() > 1) return ctx.fail(kExitUsage, "status takes at most one job");
    auto store = open_store(ctx, SystemClock::instance());
    if (!store) return ctx.fail(store.error().code, store.error().message);
    if (a.positional.size() == 1) {
        auto job = lookup_job(*store, a.positional[0]);
        if (!job) return ctx.fail(job.error().code, job.error().message);
        if (ctx.global.json) {
            ctx.out << "{\"schema\":1,\"job\":" << job_json(*job) << "}\n";
            return kExitOk;
        }
        const auto& j = *job;
        ctx.out << "job " << j.id << ": " << j.name << " (" << queue::job_state_name(j.state())
                << ")\n";
        if (!j.description.empty()) ctx.out << "  description:  " << j.description << "\n";
        if (!j.source_file.empty()) ctx.out << "  source:       " << j.source_file << "\n";
        ctx.out << "  submitted:    " << format_rfc3339_ms(j.submitted_at) << "\n";
        if (j.not_before_ms) ctx.out << "  not before:   " << format_rfc3339_ms(*j.not_before_ms) << "\n";
        ctx.out << "  max attempts: " << j.max_attempts << "\n"
                << "  tasks:        " << j.counts.total() << " (queued " << j.counts.queued
                << ", running " << j.counts.running << ", done " << j.counts.done
                << ", already absent " << j.counts.already_absent << ", failed "
                << j.counts.failed << ", cancelled " << j.counts.cancelled << ")\n";
        return kExitOk;
    }
    auto jobs = store->jobs();
    if (!jobs) return ctx.fail(jobs.error().code, jobs.error().message);
    if (ctx.global.json) {
        ctx.out << "{\"schema\":1,\"jobs\":[";
        for (std::size_t i = 0; i < jobs->size(); ++i) ctx.out << (i ? "," : "") << job_json((*jobs)[i]);
        ctx.out << "]}\n";
        return kExitOk;
    }
    if (jobs->empty()) {
        ctx.out << "no jobs yet (qbi-runner submit FILE...)\n";
        return kExitOk;
    }
    ctx.out << kJobHeader;
    for (const auto& j : *jobs) print_job_row(ctx.out, j);
    return kExitOk;
}

int cmd_tasks(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {}, {"--state", "--code", "--limit"}, a); !e.empty())
        return ctx.fail(kExitUsage, e);
    if (a.positional.size() != 1) return ctx.fail(kExitUsage, "tasks needs exactly one job");
    queue::TaskQuery q;
    if (a.has("--state")) {
        auto s = queue::parse_task_state(a.get("--state"));
        if (!s)
            return ctx.fail(kExitUsage, "--state: expected queued, running, succeeded, failed or "
                                        "cancelled, got '" + a.get("--state") + "'");
        q.state = *s;
    }
    if (a.has("--code")) q.code = a.get("--code");
    long long limit = -1;
    if (a.has("--limit")) {
        try {
            limit = std::stoll(a.get("--limit"));
        } catch (const std::exception&) {
            limit = 0;
        }
        if (limit <= 0) return ctx.fail(kExitUsage, "--limit: expected a positive number");
    }
    auto store = open_store(ctx, SystemClock::instance());
    if (!store) return ctx.fail(store.error().code, store.error().message);
    auto job = lookup_job(*store, a.positional[0]);
    if (!job) return ctx.fail(job.error().code, job.error().message);
    q.job_id = job->id;
    q.limit = 500;
    if (ctx.global.json) ctx.out << "{\"schema\":1,\"job\":\"" << json_escape(job->name) << "\",\"tasks\":[";
    else ctx.out << "     ID  STATE      OUTCOME         TRIES  CALL  /  LAST CODE  REQUEST ID\n";
    long long shown = 0;
    for (;;) {
        auto page = store->tasks(q);
        if (!page) return ctx.fail(page.error().code, page.error().message);
        for (const auto& t : *page) {
            if (limit >= 0 && shown >= limit) break;
            std::string outcome = t.outcome ? std::string(outcome_name(*t.outcome)) : "";
            if (ctx.global.json) {
                ctx.out << (shown ? "," : "") << "{\"id\":" << t.id << ",\"state\":\""
                        << queue::task_state_name(t.state) << "\",\"outcome\":"
                        << (outcome.empty() ? "null" : "\"" + outcome + "\"")
                        << ",\"attempts\":" << t.attempts << ",\"max_attempts\":" << t.max_attempts
                        << ",\"action\":\"" << json_escape(t.action) << "\",\"params\":" << t.params_json
                        << ",\"next_run_at\":\"" << format_rfc3339_ms(t.next_run_at)
                        << "\",\"last_code\":\"" << json_escape(t.last_code) << "\",\"last_message\":\""
                        << json_escape(t.last_message) << "\",\"last_request_id\":\""
                        << json_escape(t.last_request_id) << "\"}";
            } else {
                char buf[128];
                std::snprintf(buf, sizeof buf, "%7lld  %-10s %-15s %2d/%-2d  ",
                              static_cast<long long>(t.id),
                              std::string(queue::task_state_name(t.state)).c_str(), outcome.c_str(),
                              t.attempts, t.max_attempts);
                ctx.out << buf << t.action << " " << t.params_json;
                if (!t.last_code.empty()) ctx.out << "  /  " << t.last_code;
                if (!t.last_request_id.empty()) ctx.out << "  " << t.last_request_id;
                ctx.out << "\n";
            }
            ++shown;
        }
        if (page->size() < static_cast<std::size_t>(q.limit) || (limit >= 0 && shown >= limit)) break;
        q.after_id = page->back().id;
    }
    if (ctx.global.json) ctx.out << "]}\n";
    else if (shown == 0) ctx.out << "(no tasks match)\n";
    return kExitOk;
}

}  // namespace qbi::cli
