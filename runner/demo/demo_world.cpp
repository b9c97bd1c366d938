#include "runner/demo/demo_world.h"

#include <map>

#include "runner/jobs/read_scope.h"

namespace qbi::demo {

namespace {

const char* to_type_name(const std::string& digit) {
    if (digit == "1") return "group";
    if (digit == "2") return "organization";
    return "user";
}

std::string q(const std::string& s) {
    return "\"" + s + "\"";
}

// The offboard-user scope of a read task of a job file, if it is one.
std::optional<jobs::ReadScope> offboard_scope(const jobs::TaskSpec& t) {
    if (t.scope.empty()) return std::nullopt;
    auto s = jobs::ReadScope::from_json(t.scope);
    if (!s || s->kind != jobs::ReadScope::Kind::Offboard) return std::nullopt;
    return s;
}

}  // namespace

std::string demo_world_yaml(const std::vector<jobs::JobSpec>& specs) {
    std::string users, groups, favorites, shares;
    std::map<std::string, std::string> leavers;  // account or UserId -> UserId
    for (const auto& job : specs) {
        for (const auto& t : job.tasks) {
            if (t.action == jobs::kActionCancelCollection) {
                favorites += "  - {user: " + q(t.params.at("UserId")) +
                             ", work: " + q(t.params.at("WorksId")) + "}\n";
            } else if (t.action == jobs::kActionCancelReportShare) {
                shares += "  - {report: " + q(t.params.at("ReportId")) +
                          ", to_type: " + to_type_name(t.params.at("ShareToType")) +
                          ", to: " + q(t.params.at("ShareToIds")) + "}\n";
            } else if (auto scope = offboard_scope(t)) {
                const std::string who = scope->account.empty() ? scope->user : scope->account;
                if (leavers.count(who)) continue;
                const std::string n = std::to_string(leavers.size() + 1);
                const std::string id = scope->user.empty()
                                           ? "1999000000" + std::to_string(100000 + leavers.size())
                                           : scope->user;
                leavers[who] = id;
                const std::string tag = "demo-leaver-" + n;
                users += "  - {id: " + q(id) + ", account: " + q(who) +
                         ", nick: " + q("Leaver " + n) + "}\n";
                groups += "  - {id: " + q(tag + "-team") + ", name: " + q("Team of leaver " + n) +
                          ", members: [" + q(id) + "]}\n";
                for (int w = 1; w <= 4; ++w)
                    favorites += "  - {user: " + q(id) +
                                 ", work: " + q(tag + "-fav-" + std::to_string(w)) + "}\n";
                for (int r = 1; r <= 3; ++r)
                    shares += "  - {report: " + q(tag + "-report-" + std::to_string(r)) +
                              ", to_type: user, to: " + q(id) + "}\n";
                // Also reaching the leaver, and not to be touched by the offboarding.
                for (int r = 1; r <= 2; ++r)
                    shares += "  - {report: " + q(tag + "-report-" + std::to_string(r)) +
                              ", to_type: group, to: " + q(tag + "-team") + "}\n";
                shares += "  - {report: " + q(tag + "-report-3") +
                          ", to_type: organization, to: org-demo}\n";
            } else if (t.action == jobs::kActionQueryShareList) {
                auto revoke = jobs::ReadScope::from_json(t.scope);
                if (!revoke || revoke->kind != jobs::ReadScope::Kind::Revoke) continue;
                for (const auto& to : revoke->to)
                    shares += "  - {report: " + q(t.params.at("ReportId")) +
                              ", to_type: " + to_type_name(revoke->to_type) +
                              ", to: " + q(revoke->to_type == "2" ? "org-demo" : to) + "}\n";
            }
        }
    }
    std::string yaml =
        "version: 1\nimplicit: true\norganization: {id: org-demo, name: Demo Corp}\n";
    if (!users.empty()) yaml += "users:\n" + users;
    if (!groups.empty()) yaml += "groups:\n" + groups;
    yaml += "favorites:\n" + (favorites.empty() ? "  []\n" : favorites);
    yaml += "shares:\n" + (shares.empty() ? "  []\n" : shares);
    return yaml;
}

JobView view_of(const jobs::JobSpec& job, const WorldView& before, const WorldView& after) {
    std::map<std::string, std::string> user_of(before.accounts.begin(), before.accounts.end());
    std::set<FavoriteKey> fav_aim;
    std::set<ShareKey> share_aim;
    std::set<std::string> leavers;
    for (const auto& t : job.tasks) {
        if (t.action == jobs::kActionCancelCollection) {
            fav_aim.insert({t.params.at("UserId"), t.params.at("WorksId")});
        } else if (t.action == jobs::kActionCancelReportShare) {
            share_aim.insert({t.params.at("ReportId"), to_type_name(t.params.at("ShareToType")),
                              t.params.at("ShareToIds")});
        } else if (auto scope = offboard_scope(t)) {
            std::string id = scope->user;
            if (id.empty() && user_of.count(scope->account)) id = user_of[scope->account];
            if (!id.empty()) leavers.insert(id);
        } else if (t.action == jobs::kActionQueryShareList) {
            if (auto revoke = jobs::ReadScope::from_json(t.scope))
                for (const auto& to : revoke->to)
                    share_aim.insert({t.params.at("ReportId"), to_type_name(revoke->to_type),
                                      revoke->to_type == "2" ? "org-demo" : to});
        }
    }
    // An offboarded user's aim: every favourite and personal grant they had before the run.
    std::set<std::string> their_reports;
    for (const auto& f : before.favorites)
        if (leavers.count(f.first)) fav_aim.insert(f);
    for (const auto& s : before.shares) {
        if (std::get<1>(s) == "user" && leavers.count(std::get<2>(s))) {
            share_aim.insert(s);
            their_reports.insert(std::get<0>(s));
        }
    }
    JobView v;
    v.aimed = fav_aim.size() + share_aim.size();
    for (const auto& f : fav_aim) v.present += after.favorites.count(f);
    for (const auto& s : share_aim) v.present += after.shares.count(s);
    for (const auto& s : before.shares) {
        if (std::get<1>(s) == "user" || !their_reports.count(std::get<0>(s)) || share_aim.count(s))
            continue;
        ++v.guarded;
        v.kept += after.shares.count(s);
    }
    return v;
}

}  // namespace qbi::demo
