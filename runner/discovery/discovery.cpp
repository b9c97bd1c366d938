#include "runner/discovery/discovery.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>

#include "runner/api/answers.h"
#include "runner/core/json.h"

namespace qbi::discovery {

namespace {

using jobs::ReadScope;

queue::NewTask make_task(const std::string& action, Params params, const TaskContext& context) {
    jobs::TaskSpec spec;
    spec.action = action;
    spec.params = std::move(params);
    if (context.scope) spec.scope = context.scope->to_json();
    queue::NewTask t;
    t.action = spec.action;
    t.task_key = spec.key();
    t.params = std::move(spec.params);
    t.context = context.to_json();
    return t;
}

std::string who(const ReadScope& s) {
    if (!s.account.empty()) return s.user.empty() ? s.account : s.account + " (" + s.user + ")";
    return "user " + s.user;
}

std::string work_text(const std::string& name, const std::string& type, const std::string& owner) {
    std::string out = name.empty() ? "(no name)" : name;
    std::string detail = type;
    if (!owner.empty()) detail += (detail.empty() ? "owner " : ", owner ") + owner;
    return detail.empty() ? out : out + " (" + detail + ")";
}

const char* type_name(int t) {
    switch (t) {
        case 0:
            return "user";
        case 1:
            return "group";
        case 2:
            return "organisation";
        default:
            return "workspace";
    }
}

ApiResult failed(ApiResult r, const char* code, std::string message) {
    r.outcome = Outcome::Permanent;
    r.code = code;
    r.message = std::move(message);
    return r;
}

// The children of one successful answer, or the error that makes the answer unusable.
Result<std::vector<queue::NewTask>> children_of(const queue::ClaimedTask& task,
                                                const TaskContext& ctx, const ReadScope& scope,
                                                const std::string& body) {
    std::vector<queue::NewTask> out;
    const std::string& a = task.action;
    if (a == jobs::kActionQueryUserInfoByAccount) {
        auto user = parse_user_info(body);
        if (!user) return user.error();
        ReadScope next = scope;
        next.user = user->user_id;
        TaskContext c;
        c.scope = next;
        if (next.favorites)
            out.push_back(make_task(jobs::kActionListCollections, {{"UserId", next.user}}, c));
        if (next.direct_shares)
            out.push_back(
                make_task(jobs::kActionQuerySharesToUserList, {{"UserId", next.user}}, c));
    } else if (a == jobs::kActionListCollections) {
        auto favorites = parse_collections(body);
        if (!favorites) return favorites.error();
        for (const auto& f : *favorites) {
            TaskContext c;
            c.work = work_text(f.works_name, f.works_type, f.owner_id);
            c.found = "favourite of " + who(scope);
            out.push_back(make_task("CancelCollection",
                                    {{"UserId", scope.user}, {"WorksId", f.works_id}}, c));
        }
    } else if (a == jobs::kActionQuerySharesToUserList) {
        auto works = parse_shares_to_user(body);
        if (!works) return works.error();
        for (const auto& w : *works) {
            TaskContext c;
            c.scope = scope;
            c.work = work_text(w.work_name, w.work_type,
                               w.owner_name.empty() ? w.owner_id : w.owner_name);
            out.push_back(make_task(jobs::kActionQueryShareList, {{"ReportId", w.works_id}}, c));
        }
    } else if (a == jobs::kActionQueryShareList) {
        auto grants = parse_share_list(body);
        if (!grants) return grants.error();
        const std::string& report = task.params.at("ReportId");
        for (const auto& g : *grants) {
            bool match = false;
            TaskContext c;
            c.work = ctx.work;
            if (scope.kind == ReadScope::Kind::Offboard) {
                match = g.share_to_type == 0 && g.share_to_id == scope.user;
                c.found = "shared to " + who(scope) + " personally";
            } else {
                match = g.share_to_type != 3 && std::to_string(g.share_to_type) == scope.to_type &&
                        std::binary_search(scope.to.begin(), scope.to.end(), g.share_to_id);
                const bool named = !g.share_to_name.empty() && g.share_to_name != g.share_to_id;
                c.found = std::string("shared to ") + type_name(g.share_to_type) + " " +
                          (named ? g.share_to_name + " (" + g.share_to_id + ")" : g.share_to_id);
            }
            if (!match) continue;
            out.push_back(make_task("CancelReportShare",
                                    {{"ReportId", report},
                                     {"ShareToIds", g.share_to_id},
                                     {"ShareToType", std::to_string(g.share_to_type)}},
                                    c));
        }
    } else if (a == jobs::kActionQueryWorksByOrganization) {
        auto page = parse_works_page(body);
        if (!page) return page.error();
        TaskContext pages;
        pages.scope = scope;
        // Page 1 (and only page 1) queues the other pages, once; an empty page ends the paging.
        if (task.params.count("PageNum") && task.params.at("PageNum") == "1" &&
            !page->works.empty())
            for (std::int64_t n = 2; n <= page->total_pages; ++n)
                out.push_back(make_task(
                    jobs::kActionQueryWorksByOrganization,
                    {{"PageNum", std::to_string(n)},
                     {"PageSize", task.params.count("PageSize") ? task.params.at("PageSize")
                                                                : std::to_string(page->page_size)}},
                    pages));
        for (const auto& w : page->works) {
            TaskContext c;
            c.scope = scope;
            c.work = work_text(w.work_name, w.work_type,
                               w.owner_name.empty() ? w.owner_id : w.owner_name);
            out.push_back(make_task(jobs::kActionQueryShareList, {{"ReportId", w.works_id}}, c));
        }
    }
    return out;
}

}  // namespace

std::string TaskContext::to_json() const {
    json::Value v = json::Value::object();
    if (scope) v.set("scope", json::Value::raw(scope->to_json()));
    if (!work.empty()) v.set("work", work);
    if (!found.empty()) v.set("found", found);
    return v.members().empty() ? "" : v.to_json();
}

std::optional<TaskContext> TaskContext::from_json(std::string_view text) {
    TaskContext c;
    if (text.empty()) return c;
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(std::string(text));
        if (root.type() != typeid(Poco::JSON::Object::Ptr)) return std::nullopt;
        auto obj = root.extract<Poco::JSON::Object::Ptr>();
        if (obj->has("scope")) {
            auto s = obj->getObject("scope");
            if (s.isNull()) return std::nullopt;
            std::ostringstream ss;
            Poco::JSON::Stringifier::condense(s, ss);
            c.scope = ReadScope::from_json(ss.str());
            if (!c.scope) return std::nullopt;
        }
        if (obj->has("work")) c.work = obj->getValue<std::string>("work");
        if (obj->has("found")) c.found = obj->getValue<std::string>("found");
        return c;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

queue::NewTask new_task(const jobs::TaskSpec& spec) {
    queue::NewTask t;
    t.action = spec.action;
    t.params = spec.params;
    t.task_key = spec.key();
    if (!spec.scope.empty()) {
        TaskContext c;
        c.scope = ReadScope::from_json(spec.scope);
        t.context = c.to_json();
    }
    return t;
}

Expansion expand(const queue::ClaimedTask& task, ApiResult result) {
    Expansion e;
    if (!jobs::is_read_action(task.action)) {
        e.result = std::move(result);
        return e;
    }
    auto ctx = TaskContext::from_json(task.context);
    if (!ctx || !ctx->scope) {
        e.result = failed(std::move(result), kCodeBadContext,
                          "task " + std::to_string(task.task_id) +
                              " has no readable discovery scope; was the database edited?");
        return e;
    }
    const ReadScope& scope = *ctx->scope;
    if (result.code == "User.Not.In.Organization") {
        const std::string name =
            !scope.account.empty() ? "account '" + scope.account + "'" : "user " + scope.user;
        if (scope.missing_ok) {
            result.outcome = Outcome::Done;
            result.message = name +
                             " is not in the Quick BI organisation; missing: ok, so there "
                             "is nothing to do";
        } else {
            result.outcome = Outcome::Permanent;
            result.message = name + " is not in the Quick BI organisation (" + result.code +
                             "); check the name, or write missing: ok to accept it";
        }
        e.result = std::move(result);
        return e;
    }
    if (result.outcome != Outcome::Done) {
        e.result = std::move(result);
        return e;
    }
    auto children = children_of(task, *ctx, scope, result.body);
    if (!children) {
        e.result = failed(std::move(result), kCodeMalformed,
                          task.action + " answer: " + children.error().message);
        return e;
    }
    e.children = std::move(*children);
    e.result = std::move(result);
    return e;
}

}  // namespace qbi::discovery
