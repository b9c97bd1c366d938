#include "runner/app/plan.h"

#include <unistd.h>

#include <filesystem>
#include <map>

#include "runner/app/api_setup.h"
#include "runner/app/session.h"
#include "runner/app/store_setup.h"
#include "runner/app/submit.h"
#include "runner/core/log.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"
#include "runner/discovery/discovery.h"
#include "runner/jobs/job_file.h"
#include "runner/queue/params.h"

namespace qbi::app {

namespace fs = std::filesystem;

namespace {

// A private folder for the plan's queue, removed when the plan is done.
class ScratchDir {
public:
    static Result<ScratchDir> make() {
        std::string tmpl = (fs::temp_directory_path() / "qbi-plan-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            return Error{kExitIoErr, "cannot create a temporary folder for the plan's queue"};
        return ScratchDir(tmpl);
    }
    ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
    ScratchDir(const ScratchDir&) = delete;
    ~ScratchDir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    explicit ScratchDir(fs::path p) : path_(std::move(p)) {}
    fs::path path_;
};

// A comment never holds a line break, a control character or a terminal escape (names and
// messages from the server are escaped, core/strings.h).
std::string comment_text(std::string_view s) {
    return printable(s);
}

std::string yaml_quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string note_of(const PlannedCall& c) {
    std::string n = c.work;
    if (!c.found.empty()) n += (n.empty() ? "" : ": ") + c.found;
    return n.empty() ? "" : "  # " + comment_text(n);
}

const char* to_type_name(const std::string& digit) {
    if (digit == "1") return "group";
    if (digit == "2") return "organization";
    return "user";
}

std::string render(const Plan& p, const jobs::JobSpec& job, std::int64_t now_ms,
                   const std::string& endpoint) {
    std::string y = "# Plan of " + comment_text(p.source_file) + " (job " + job.name + "), made " +
                    format_rfc3339_ms(now_ms) + " by qbi-runner " + QBI_VERSION + "\n# against " +
                    endpoint + " with " + std::to_string(p.reads) +
                    " read call(s); nothing was cancelled.\n";
    if (!p.complete()) {
        y += "# INCOMPLETE: " + std::to_string(p.failures.size()) +
             " read(s) failed, so this plan may miss what they would have found:\n";
        for (const auto& f : p.failures) y += "#   " + comment_text(f) + "\n";
    }
    if (p.calls.empty()) {
        y += "# Nothing to cancel: the reads found no favourite or grant to remove.\n";
        return y;
    }
    y += "# Review it, then submit it as it is: qbi-runner submit FILE\n";
    y += "version: 1\njob: " + p.job + "\n";
    y += "description: " +
         yaml_quoted("Plan of " + job.name +
                     (job.description.empty() ? "" : ": " + job.description)) +
         "\n";
    if (job.not_before_ms) y += "not_before: " + format_rfc3339_ms(*job.not_before_ms) + "\n";
    if (job.max_attempts) y += "max_attempts: " + std::to_string(*job.max_attempts) + "\n";
    y += "tasks:\n";
    // Favourites grouped by user, in the order they were found; each grant on its own.
    std::vector<std::string> users;
    std::map<std::string, std::vector<const PlannedCall*>> by_user;
    for (const auto& c : p.calls) {
        if (c.action != "CancelCollection") continue;
        const std::string& u = c.params.at("UserId");
        if (!by_user.count(u)) users.push_back(u);
        by_user[u].push_back(&c);
    }
    for (const auto& u : users) {
        y += "  - cancel-collection:\n      user: " + yaml_quoted(u) + "\n      works:\n";
        for (const PlannedCall* c : by_user[u])
            y += "        - " + yaml_quoted(c->params.at("WorksId")) + note_of(*c) + "\n";
    }
    for (const auto& c : p.calls) {
        if (c.action != "CancelReportShare") continue;
        y += "  - cancel-share:\n      report: " + yaml_quoted(c.params.at("ReportId")) +
             note_of(c) + "\n      to-type: " + to_type_name(c.params.at("ShareToType")) +
             "\n      to: " + yaml_quoted(c.params.at("ShareToIds")) + "\n";
    }
    return y;
}

std::string describe(const queue::TaskInfo& t) {
    std::string s = t.action;
    if (auto p = queue::params_from_json(t.params_json))
        for (const auto& [k, v] : *p) s += " " + k + "=" + v;
    return s;
}

}  // namespace

Result<std::vector<Plan>> make_plans(const std::vector<std::string>& files, const PlanContext& cx) {
    std::vector<jobs::JobSpec> specs;
    std::string invalid;
    for (const auto& f : files) {
        auto r = jobs::parse_job_file(f, job_limits(cx.config));
        if (!r) {
            for (const auto& e : r.errors())
                invalid += (invalid.empty() ? "" : "\n") + e.to_string();
            continue;
        }
        specs.push_back(r.job());
    }
    if (!invalid.empty()) return Error{kExitDataErr, invalid};
    auto api = setup_api(cx.config, cx.credentials, true, cx.clock, cx.nonces);
    if (!api) return api.error();
    log::info("credentials: " + describe(*api));
    auto scratch = ScratchDir::make();
    if (!scratch) return scratch.error();
    Config qc = cx.config;
    qc.synchronous = "normal";  // a throwaway queue: no power-loss durability needed
    auto store = open_store(qc, (scratch->path() / "plan.db").string(), cx.clock);
    if (!store) return store.error();

    std::vector<std::int64_t> job_ids;
    for (const auto& spec : specs) {
        queue::NewJob job = to_new_job(spec, static_cast<int>(cx.config.default_max_attempts));
        job.not_before_ms.reset();  // the reads are made now, whatever the schedule
        auto r = store->submit(job);
        if (!r) return r.error();
        job_ids.push_back(r->job_id);
    }

    SeededRandom random(os_random_seed());
    RunnerSession settings(cx.clock, cx.nonces);
    settings.set_api(*api);
    engine::EngineOptions opt = settings.engine_options(cx.config);
    opt.actions = {jobs::kActionQueryUserInfoByAccount, jobs::kActionListCollections,
                   jobs::kActionQuerySharesToUserList, jobs::kActionQueryShareList,
                   jobs::kActionQueryWorksByOrganization};

    engine::Engine engine(*store, https_callers(*api, cx.clock, cx.nonces), opt, cx.clock, random);
    auto report = engine.run(cx.stop, {}, [&] {
        if (cx.on_tick) cx.on_tick(engine);
    });
    if (report.reason == engine::StopReason::StoreError) return report.store_error;
    if (report.reason == engine::StopReason::Halted) {
        auto s = summarize_run(report, engine.progress(), {});
        return Error{s.exit_code, s.why};
    }

    std::vector<Plan> plans;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        Plan p;
        p.source_file = files[i];
        p.job = specs[i].name.substr(0, 123) + "-plan";
        queue::TaskQuery q(job_ids[i]);
        q.limit = 1000;
        for (;;) {
            auto page = store->tasks(q);
            if (!page) return page.error();
            for (const auto& t : *page) {
                if (jobs::is_read_action(t.action)) {
                    if (t.state == queue::TaskState::Failed)
                        p.failures.push_back(describe(t) + ": " + t.last_code + ": " +
                                             t.last_message);
                    else if (t.state != queue::TaskState::Succeeded)
                        p.failures.push_back(describe(t) + ": not made (the plan was stopped)");
                    continue;
                }
                PlannedCall c;
                c.action = t.action;
                c.params = queue::params_from_json(t.params_json).value_or(Params{});
                if (auto ctx = discovery::TaskContext::from_json(t.context)) {
                    c.work = ctx->work;
                    c.found = ctx->found;
                }
                p.calls.push_back(std::move(c));
            }
            if (page->size() < static_cast<std::size_t>(q.limit)) break;
            q.after_id = page->back().id;
        }
        p.reads = 0;
        store->for_each_attempt({job_ids[i], std::nullopt}, [&](const queue::AttemptRow&) {
            ++p.reads;
            return true;
        });
        p.yaml = render(p, specs[i], cx.clock.wall_ms(), api->endpoint.url());
        plans.push_back(std::move(p));
    }
    return plans;
}

}  // namespace qbi::app
