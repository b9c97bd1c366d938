// The World's state as a WorldData / world-file document.
#include <algorithm>

#include "runner/sim/world.h"
#include "runner/sim/world_io.h"

namespace qbi::sim {

const char* user_type_name(int type) {
    switch (type) {
        case 2:
            return "visitor";
        case 3:
            return "analyst";
        default:
            return "developer";
    }
}

const char* work_status_name(int status) {
    switch (status) {
        case 0:
            return "unpublished";
        case 2:
            return "modified";
        case 3:
            return "offline";
        default:
            return "published";
    }
}

WorldData World::snapshot() const {
    std::lock_guard lock(mutex_);
    WorldData d;
    d.organization = org_;
    for (const auto& [id, w] : workspaces_) d.workspaces.push_back(w);
    for (const auto& [id, u] : users_) d.users.push_back(u);
    for (const auto& [id, g] : groups_) d.groups.push_back(g);
    for (const auto& [id, w] : works_) d.works.push_back(w);
    for (const auto& [user, m] : favorites_)
        for (const auto& [work, id] : m) d.favorites.push_back(Favorite{id, user, work});
    std::sort(d.favorites.begin(), d.favorites.end(),
              [](const Favorite& a, const Favorite& b) { return a.id < b.id; });
    std::vector<std::string> reports;
    for (const auto& [report, list] : shares_)
        if (!list.empty()) reports.push_back(report);
    std::sort(reports.begin(), reports.end());
    for (const auto& r : reports)
        for (const auto& s : shares_.at(r)) d.shares.push_back(s);
    return d;
}

json::Value World::to_value() const {
    return world_to_value(snapshot());
}

json::Value world_to_value(const WorldData& d) {
    auto opt_org = [](json::Value& v, const std::string& org) {
        if (!org.empty()) v.set("organization", org);
    };
    json::Value doc = json::Value::object();
    doc.set("version", 1);
    doc.set("organization", json::Value::object()
                                .set("id", d.organization.id)
                                .set("name", d.organization.name)
                                .set("edition", d.organization.edition));
    json::Value workspaces = json::Value::array();
    for (const auto& w : d.workspaces) {
        json::Value v = json::Value::object().set("id", w.id).set("name", w.name);
        opt_org(v, w.organization);
        workspaces.push(std::move(v));
    }
    doc.set("workspaces", std::move(workspaces));
    json::Value users = json::Value::array();
    for (const auto& u : d.users) {
        json::Value v = json::Value::object()
                            .set("id", u.id)
                            .set("account", u.account)
                            .set("account_id", u.account_id)
                            .set("nick", u.nick)
                            .set("email", u.email)
                            .set("type", user_type_name(u.type))
                            .set("admin", u.admin)
                            .set("deleted", u.deleted);
        opt_org(v, u.organization);
        users.push(std::move(v));
    }
    doc.set("users", std::move(users));
    json::Value groups = json::Value::array();
    for (const auto& g : d.groups) {
        json::Value members = json::Value::array();
        for (const auto& m : g.members) members.push(m);
        json::Value v = json::Value::object()
                            .set("id", g.id)
                            .set("name", g.name)
                            .set("members", std::move(members));
        opt_org(v, g.organization);
        groups.push(std::move(v));
    }
    doc.set("groups", std::move(groups));
    json::Value works = json::Value::array();
    for (const auto& w : d.works) {
        json::Value v = json::Value::object()
                            .set("id", w.id)
                            .set("name", w.name)
                            .set("type", w.type)
                            .set("workspace", w.workspace)
                            .set("owner", w.owner)
                            .set("status", work_status_name(w.status))
                            .set("auth3rd", w.auth3rd)
                            .set("security_level", w.security_level)
                            .set("description", w.description)
                            .set("created", w.created_ms)
                            .set("modified", w.modified_ms);
        if (!w.directory.id.empty())
            v.set("directory", json::Value::object()
                                   .set("id", w.directory.id)
                                   .set("name", w.directory.name)
                                   .set("path_id", w.directory.path_id)
                                   .set("path_name", w.directory.path_name));
        works.push(std::move(v));
    }
    doc.set("works", std::move(works));
    json::Value favorites = json::Value::array();
    for (const auto& f : d.favorites) {
        json::Value v = json::Value::object();
        if (f.id > 0) v.set("id", f.id);
        favorites.push(v.set("user", f.user).set("work", f.work));
    }
    doc.set("favorites", std::move(favorites));
    json::Value shares = json::Value::array();
    for (const auto& s : d.shares)
        shares.push(json::Value::object()
                        .set("id", s.id)
                        .set("report", s.report)
                        .set("to_type", share_to_name(s.to_type))
                        .set("to", s.to)
                        .set("auth_point", s.auth_point)
                        .set("expire", s.expire_ms));
    doc.set("shares", std::move(shares));
    return doc;
}

}  // namespace qbi::sim
