#include "runner/sim/world.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "runner/core/strings.h"

namespace qbi::sim {

namespace {

const std::string& param(const Params& p, const std::string& name) {
    static const std::string empty;
    auto it = p.find(name);
    return it == p.end() ? empty : it->second;
}

// The first of `names` whose value is empty, or nullptr.
const std::string* first_empty(const Params& p, const std::vector<std::string>& names) {
    for (const auto& n : names)
        if (param(p, n).empty()) return &n;
    return nullptr;
}

}  // namespace

const char* share_to_name(ShareTo t) {
    switch (t) {
        case ShareTo::User:
            return "user";
        case ShareTo::Group:
            return "group";
        case ShareTo::Organization:
            return "organization";
        case ShareTo::Workspace:
            return "workspace";
    }
    return "user";
}

World::World(WorldData data, AbsentShare absent, std::string absent_share_code)
    : org_(std::move(data.organization)),
      absent_(absent),
      absent_code_(std::move(absent_share_code)) {
    auto dup = [](const char* what, const std::string& id) {
        return std::invalid_argument(std::string("duplicate ") + what + " id '" + id + "'");
    };
    for (auto& w : data.workspaces)
        if (!workspaces_.emplace(w.id, w).second) throw dup("workspace", w.id);
    for (auto& u : data.users)
        if (!users_.emplace(u.id, u).second) throw dup("user", u.id);
    for (auto& g : data.groups) {
        for (const auto& m : g.members)
            if (!users_.count(m))
                throw std::invalid_argument("group '" + g.id + "' lists unknown user '" + m + "'");
        if (!groups_.emplace(g.id, g).second) throw dup("group", g.id);
    }
    for (auto& w : data.works) {
        if (!w.workspace.empty() && !workspaces_.count(w.workspace))
            throw std::invalid_argument("work '" + w.id + "' names unknown workspace '" +
                                        w.workspace + "'");
        if (!w.owner.empty() && !users_.count(w.owner))
            throw std::invalid_argument("work '" + w.id + "' names unknown owner '" + w.owner +
                                        "'");
        if (!works_.emplace(w.id, w).second) throw dup("work", w.id);
    }
    std::set<std::int64_t> fav_ids;
    for (const auto& f : data.favorites) {
        if (!users_.count(f.user))
            throw std::invalid_argument("favourite names unknown user '" + f.user + "'");
        if (!works_.count(f.work))
            throw std::invalid_argument("favourite names unknown work '" + f.work + "'");
        std::int64_t id = f.id > 0 ? f.id : 0;
        if (id != 0 && !fav_ids.insert(id).second) throw dup("favourite", std::to_string(id));
        if (!favorites_[f.user].emplace(f.work, id).second)
            throw std::invalid_argument("duplicate favourite of user '" + f.user + "' on work '" +
                                        f.work + "'");
        next_favorite_id_ = std::max(next_favorite_id_, id + 1);
    }
    // Favourites without an id get the next free ones, in file order.
    for (const auto& f : data.favorites)
        if (f.id <= 0) favorites_[f.user][f.work] = next_favorite_id_++;

    std::set<std::string> share_ids;
    std::int64_t next_share = 1;
    for (auto s : data.shares) {
        if (!works_.count(s.report))
            throw std::invalid_argument("share names unknown work '" + s.report + "'");
        const bool known = s.to_type == ShareTo::User        ? users_.count(s.to) > 0
                           : s.to_type == ShareTo::Group     ? groups_.count(s.to) > 0
                           : s.to_type == ShareTo::Workspace ? workspaces_.count(s.to) > 0
                                                             : true;
        if (!known)
            throw std::invalid_argument("share on '" + s.report + "' names unknown " +
                                        share_to_name(s.to_type) + " '" + s.to + "'");
        if (s.id.empty()) {
            do {
                s.id = "share-" + std::to_string(next_share++);
            } while (share_ids.count(s.id));
        }
        if (!share_ids.insert(s.id).second) throw dup("share", s.id);
        auto& list = shares_[s.report];
        for (const auto& other : list)
            if (other.to_type == s.to_type && other.to == s.to)
                throw std::invalid_argument("duplicate share of '" + s.report + "' to " +
                                            share_to_name(s.to_type) + " '" + s.to + "'");
        list.push_back(std::move(s));
    }
    for (const auto& [id, w] : works_)
        if (const Workspace* ws = workspace_of(w); ws == nullptr || in_org(ws->organization))
            org_works_.push_back(&w);
}

const std::vector<std::string>& World::actions() {
    static const std::vector<std::string> names = {
        "CancelCollection",      "CancelReportShare",        "ListCollections",
        "QuerySharesToUserList", "QueryShareList",           "QueryUserInfoByAccount",
        "QueryUserInfoByUserId", "QueryWorksByOrganization",
    };
    return names;
}

const std::vector<std::string>* World::required_params(const std::string& action) {
    static const std::map<std::string, std::vector<std::string>> table = {
        {"CancelCollection", {"WorksId", "UserId"}},
        {"CancelReportShare", {"ReportId", "ShareToIds", "ShareToType"}},
        {"ListCollections", {"UserId"}},
        {"QuerySharesToUserList", {"UserId"}},
        {"QueryShareList", {"ReportId"}},
        {"QueryUserInfoByAccount", {"Account"}},
        {"QueryUserInfoByUserId", {"UserId"}},
        {"QueryWorksByOrganization", {}},  // every parameter optional
    };
    auto it = table.find(action);
    return it == table.end() ? nullptr : &it->second;
}

BizResult World::call(const std::string& action, const Params& params) {
    const auto* required = required_params(action);
    if (required == nullptr) return BizResult::error("InvalidAction.NotFound");
    if (const std::string* empty = first_empty(params, *required))
        return BizResult::error("System.Param.Empty", *empty);
    std::lock_guard lock(mutex_);
    if (org_.edition == "standard" || org_.edition == "personal")
        return BizResult::error("Access.Forbidden");
    if (org_.edition == "expired") return BizResult::error("Instance.Expired");
    if (action == "CancelCollection") return cancel_collection(params);
    if (action == "CancelReportShare") return cancel_report_share(params);
    if (action == "ListCollections") return list_collections(params);
    if (action == "QuerySharesToUserList") return query_shares_to_user_list(params);
    if (action == "QueryShareList") return query_share_list(params);
    if (action == "QueryUserInfoByAccount") return query_user_by_account(params);
    if (action == "QueryWorksByOrganization") return query_works_by_organization(params);
    return query_user_by_id(params);
}

bool World::in_org(const std::string& organization) const {
    return organization.empty() || organization == org_.id;
}

const User* World::member(const std::string& user_id) const {
    auto it = users_.find(user_id);
    if (it == users_.end() || !in_org(it->second.organization)) return nullptr;
    return &it->second;
}

const Workspace* World::workspace_of(const Work& w) const {
    auto it = workspaces_.find(w.workspace);
    return it == workspaces_.end() ? nullptr : &it->second;
}

BizResult World::cancel_collection(const Params& p) {
    const std::string& works_id = param(p, "WorksId");
    const std::string& user_id = param(p, "UserId");
    if (member(user_id) == nullptr) return BizResult::error("User.Not.In.Organization", user_id);
    auto work = works_.find(works_id);
    if (work == works_.end()) return BizResult::error("Report.NotExist.Error", works_id);
    if (const Workspace* ws = workspace_of(work->second); ws && !in_org(ws->organization))
        return BizResult::error("Workspace.NotIn.Organization");
    auto favs = favorites_.find(user_id);
    if (favs == favorites_.end() || favs->second.erase(works_id) == 0)
        return BizResult::error("Favorite.NotCancel.Permission");
    BizResult r;
    r.result = true;
    r.changed = true;
    return r;
}

BizResult World::cancel_report_share(const Params& p) {
    const std::string& report = param(p, "ReportId");
    const std::string& type_text = param(p, "ShareToType");
    if (type_text != "0" && type_text != "1" && type_text != "2")
        return BizResult::error("Invalid.Parameter.Error", "ShareToType");
    const auto type = static_cast<ShareTo>(type_text[0] - '0');
    auto work = works_.find(report);
    if (work == works_.end()) return BizResult::error("Report.NotExist.Error", report);
    if (const Workspace* ws = workspace_of(work->second); ws && !in_org(ws->organization))
        return BizResult::error("Resource.NotBelongTo.CurrentOrganization", report);

    // Several comma-separated IDs are accepted; all are checked before anything changes.
    std::vector<std::string> ids;
    for (const auto& part : split(param(p, "ShareToIds"), ',')) {
        std::string id = trim(part);
        if (id.empty()) return BizResult::error("Invalid.Parameter.Error", "ShareToIds");
        ids.push_back(std::move(id));
    }
    for (const auto& id : ids) {
        if (type == ShareTo::User && member(id) == nullptr)
            return BizResult::error("User.NotBelongTo.CurrentOrganization", id);
        if (type == ShareTo::Group) {
            auto g = groups_.find(id);
            if (g == groups_.end() || !in_org(g->second.organization))
                return BizResult::error("Usergroup.NotBelongTo.CurrentOrganization", id);
        }
        if (type == ShareTo::Organization && id != org_.id)
            return BizResult::error("Invalid.Organization", id);
    }
    std::size_t removed = 0;
    if (auto list = shares_.find(report); list != shares_.end()) {
        auto& v = list->second;
        const std::size_t before = v.size();
        v.erase(std::remove_if(v.begin(), v.end(),
                               [&](const Share& s) {
                                   return s.to_type == type &&
                                          std::find(ids.begin(), ids.end(), s.to) != ids.end();
                               }),
                v.end());
        removed = before - v.size();
    }
    BizResult r;
    r.changed = removed > 0;
    if (removed == 0 && absent_ == AbsentShare::Error)
        return BizResult::error(absent_code_, report);
    r.result = !(removed == 0 && absent_ == AbsentShare::ResultFalse);
    return r;
}

BizResult World::list_collections(const Params& p) const {
    const std::string& user_id = param(p, "UserId");
    if (member(user_id) == nullptr) return BizResult::error("User.Not.In.Organization", user_id);
    BizResult r;
    r.result = json::Value::array();
    auto favs = favorites_.find(user_id);
    if (favs == favorites_.end()) return r;
    std::vector<std::pair<std::int64_t, std::string>> ordered;  // FavoriteId order
    for (const auto& [work, id] : favs->second) ordered.emplace_back(id, work);
    std::sort(ordered.begin(), ordered.end());
    for (const auto& [id, work_id] : ordered) {
        const Work& w = works_.at(work_id);
        const Workspace* ws = workspace_of(w);
        r.result.push(json::Value::object()
                          .set("FavoriteId", id)
                          .set("OwnerId", w.owner)
                          .set("WorksId", w.id)
                          .set("WorksName", w.name)
                          .set("WorksType", w.type)
                          .set("WorkspaceId", w.workspace)
                          .set("WorkspaceName", ws ? ws->name : ""));
    }
    return r;
}

BizResult World::query_share_list(const Params& p) const {
    const std::string& report = param(p, "ReportId");
    auto work = works_.find(report);
    if (work == works_.end()) return BizResult::error("Report.NotExist.Error", report);
    BizResult r;
    r.result = json::Value::array();
    auto list = shares_.find(report);
    if (list == shares_.end()) return r;
    for (const auto& s : list->second) {
        std::string name;
        if (s.to_type == ShareTo::User) {
            if (auto u = users_.find(s.to); u != users_.end()) name = u->second.nick;
        } else if (s.to_type == ShareTo::Group) {
            if (auto g = groups_.find(s.to); g != groups_.end()) name = g->second.name;
        } else if (s.to_type == ShareTo::Workspace) {
            if (auto w = workspaces_.find(s.to); w != workspaces_.end()) name = w->second.name;
        } else {
            name = org_.name;
        }
        r.result.push(json::Value::object()
                          .set("ShareId", s.id)
                          .set("ShareToId", s.to)
                          .set("ShareToName", name)
                          .set("ShareToType", static_cast<int>(s.to_type))
                          .set("ShareType", work->second.type)
                          .set("AuthPoint", s.auth_point)
                          .set("ExpireDate", s.expire_ms)
                          .set("ReportId", s.report));
    }
    return r;
}

BizResult World::query_user_info(const User& u) const {
    BizResult r;
    r.result = json::Value::object()
                   .set("UserId", u.id)
                   .set("AccountId", u.account_id)
                   .set("AccountName", u.account)
                   .set("NickName", u.nick)
                   .set("Email", u.email)
                   .set("UserType", u.type)
                   .set("AdminUser", u.admin)
                   .set("AuthAdminUser", u.admin)
                   .set("IsDeleted", u.deleted)
                   .set("RoleIdList",
                        json::Value::array().push(u.admin ? -1 : -3));  // -1 admin, -3 member
    return r;
}

BizResult World::query_user_by_account(const Params& p) const {
    const std::string& account = param(p, "Account");
    // An account name, else a UID, else the name part of a RAM user's "name@parent" account:
    // an exact name wins over another user's RAM prefix; ties go to the lowest UserId.
    auto first = [&](auto&& matches) -> const User* {
        for (const auto& [id, u] : users_)
            if (in_org(u.organization) && matches(u)) return &u;
        return nullptr;
    };
    const User* u = first([&](const User& x) { return x.account == account; });
    if (u == nullptr) u = first([&](const User& x) { return x.account_id == account; });
    if (u == nullptr)
        u = first([&](const User& x) {
            const auto at = x.account.find('@');
            return at != std::string::npos && at == account.size() &&
                   x.account.compare(0, at, account) == 0;
        });
    if (u == nullptr) return BizResult::error("User.Not.In.Organization", account);
    return query_user_info(*u);
}

BizResult World::query_user_by_id(const Params& p) const {
    const std::string& user_id = param(p, "UserId");
    const User* u = member(user_id);
    if (u == nullptr) return BizResult::error("User.Not.In.Organization", user_id);
    return query_user_info(*u);
}

std::size_t World::favorite_count() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [u, m] : favorites_) n += m.size();
    return n;
}

std::size_t World::share_count() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [r, v] : shares_) n += v.size();
    return n;
}

bool World::has_favorite(const std::string& user, const std::string& work) const {
    std::lock_guard lock(mutex_);
    auto it = favorites_.find(user);
    return it != favorites_.end() && it->second.count(work) > 0;
}

bool World::has_share(const std::string& report, ShareTo type, const std::string& to) const {
    std::lock_guard lock(mutex_);
    auto it = shares_.find(report);
    if (it == shares_.end()) return false;
    for (const auto& s : it->second)
        if (s.to_type == type && s.to == to) return true;
    return false;
}

}  // namespace qbi::sim
