// The work listings: QueryWorksByOrganization (discovery.md §5) and QuerySharesToUserList
// (quickbi-api.md §5), which describe a work with the same facts.
#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "runner/sim/world.h"

namespace qbi::sim {

namespace {

const std::string& param(const Params& p, const std::string& name) {
    static const std::string empty;
    auto it = p.find(name);
    return it == p.end() ? empty : it->second;
}

// A whole number in decimal digits up to Java's Integer maximum (Quick BI parses its integer
// parameters so), or nullopt: a sign, spaces or a fraction are not numbers here.
std::optional<std::int64_t> whole_number(const std::string& text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    std::int64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
    return v;
}

}  // namespace

json::Value World::work_listing(const Work& w, bool shares_names) const {
    const Workspace* ws = workspace_of(w);
    auto owner = users_.find(w.owner);
    // The sim records no separate modifier: the owner is the last to have changed the work.
    const std::string owner_name = owner == users_.end() ? "" : owner->second.nick;
    return json::Value::object()
        .set("WorksId", w.id)
        .set("WorkName", w.name)
        .set("WorkType", w.type)
        .set("OwnerId", w.owner)
        .set("OwnerName", owner_name)
        .set("WorkspaceId", w.workspace)
        .set("WorkspaceName", ws ? ws->name : "")
        .set("Status", w.status)
        .set(shares_names ? "ThirdPartAuthFlag" : "Auth3rdFlag", w.auth3rd)
        .set("SecurityLevel", w.security_level)
        .set("Description", w.description)
        // Epoch milliseconds as strings, as the API documents them.
        .set(shares_names ? "CreateTime" : "GmtCreate", std::to_string(w.created_ms))
        .set(shares_names ? "ModifyTime" : "GmtModify", std::to_string(w.modified_ms))
        .set("ModifyName", owner_name)
        .set("Directory", json::Value::object()
                              .set("Id", w.directory.id)
                              .set("Name", w.directory.name)
                              .set("PathId", w.directory.path_id)
                              .set("PathName", w.directory.path_name));
}

BizResult World::query_shares_to_user_list(const Params& p) const {
    const std::string& user_id = param(p, "UserId");
    const User* user = member(user_id);
    if (user == nullptr) return BizResult::error("User.Not.In.Organization", user_id);
    std::set<std::string> user_groups;
    for (const auto& [id, g] : groups_)
        if (std::find(g.members.begin(), g.members.end(), user_id) != g.members.end())
            user_groups.insert(id);
    // Works reach the user through a grant to the user, to one of their groups, or to the
    // organisation; each work is listed once, sorted by WorksId.
    std::set<std::string> reached;
    for (const auto& [report, list] : shares_)
        for (const auto& s : list)
            if ((s.to_type == ShareTo::User && s.to == user_id) ||
                (s.to_type == ShareTo::Group && user_groups.count(s.to)) ||
                (s.to_type == ShareTo::Organization && s.to == org_.id))
                reached.insert(report);
    BizResult r;
    r.result = json::Value::array();
    for (const auto& id : reached) r.result.push(work_listing(works_.at(id), true));
    return r;
}

BizResult World::query_works_by_organization(const Params& p) const {
    // Every parameter is optional; absent or empty means its default (no filter). The first
    // that is not a number in its range answers, in this order.
    struct IntParam {
        const char* name;
        std::int64_t lo, hi;
        std::optional<std::int64_t> value;
    };
    IntParam ints[] = {{"PageNum", 1, std::numeric_limits<std::int32_t>::max(), {}},
                       {"PageSize", 1, kMaxPageSize, {}},
                       {"Status", 0, 3, {}},
                       {"ThirdPartAuthFlag", 0, 1, {}}};
    for (auto& ip : ints) {
        const std::string& text = param(p, ip.name);
        if (text.empty()) continue;
        ip.value = whole_number(text);
        if (!ip.value || *ip.value < ip.lo || *ip.value > ip.hi)
            return BizResult::error("Invalid.Parameter.Error", ip.name);
    }
    const std::int64_t page_num = ints[0].value.value_or(1);
    const std::int64_t page_size = ints[1].value.value_or(10);
    const std::optional<std::int64_t>& status = ints[2].value;
    const std::optional<std::int64_t>& auth3rd = ints[3].value;
    const std::string& type = param(p, "WorksType");  // compared as given; empty: every type

    // One pass in WorksId order: count every match, describe those on the page.
    const std::int64_t first = (page_num - 1) * page_size;
    std::int64_t total = 0;
    json::Value data = json::Value::array();
    for (const Work* w : org_works_) {
        if ((!type.empty() && w->type != type) || (status && w->status != *status) ||
            (auth3rd && w->auth3rd != *auth3rd))
            continue;
        if (total >= first && total < first + page_size) data.push(work_listing(*w, false));
        ++total;
    }
    BizResult r;
    r.result = json::Value::object()
                   .set("Data", std::move(data))
                   .set("PageNum", page_num)
                   .set("PageSize", page_size)
                   .set("TotalNum", total)
                   .set("TotalPages", (total + page_size - 1) / page_size);
    return r;
}

}  // namespace qbi::sim
