#pragma once
// Shared by the discovery suites: the world of an offboarding and what must change in it.
//
// J. Doe (account jdoe, UserId 1001) leaves. She has 4 favourites, 3 grants made to her
// personally, and is reached through the groups Sales and Finance and the organisation (a
// workspace grant sits on one of those works too). Bob (1002) and Carol (1003) keep their own
// favourites and personal grants, on some of the same works. After the offboarding exactly
// J. Doe's favourites and personal grants are gone.
// Not thread-safe; plain functions.
#include <set>
#include <string>
#include <tuple>

#include "runner/sim/world.h"

namespace qbi::test {

inline const char* kOffboardWorld = R"(version: 1
organization: {id: org-1, name: Example Corp}
workspaces: [{id: ws1, name: Finance space}]
users:
  - {id: "1001", account: jdoe, nick: J. Doe}
  - {id: "1002", account: bob, nick: Bob}
  - {id: "1003", account: "carol@corp.onaliyun.com", nick: Carol}
groups:
  - {id: g-sales, name: Sales, members: ["1001", "1002"]}
  - {id: g-fin, name: Finance, members: ["1001", "1003"]}
works:
  - {id: w1, name: Revenue, owner: "1002"}
  - {id: w2, name: Pipeline, type: REPORT, owner: "1003"}
  - {id: w3, name: Churn, owner: "1002"}
  - {id: w4, name: Budget, owner: "1003"}
  - {id: w5, name: Payroll, type: REPORT, owner: "1002"}
  - {id: w6, name: Headcount, owner: "1002"}
  - {id: w7, name: Travel, owner: "1003"}
  - {id: w8, name: Board pack, owner: "1002"}
  - {id: w9, name: Forecast, owner: "1003"}
  - {id: w10, name: Handbook, type: PORTAL, owner: "1002"}
  - {id: w11, name: Quota, owner: "1003"}
  - {id: w12, name: Accounts, owner: "1002"}
favorites:
  - {user: "1001", works: [w1, w2, w3, w4]}
  - {user: "1002", works: [w1, w5]}
  - {user: "1003", works: [w2]}
shares:
  - {report: [w5, w6, w7], to_type: user, to: "1001"}
  - {report: [w6, w8], to_type: group, to: g-sales}
  - {report: [w7, w9], to_type: group, to: g-fin}
  - {report: w10, to_type: organization, to: org-1}
  - {report: [w6, w11], to_type: user, to: "1002"}
  - {report: w12, to_type: user, to: "1003"}
  - {report: w8, to_type: workspace, to: ws1}
)";

using FavoriteSet = std::set<std::pair<std::string, std::string>>;
using ShareSet = std::set<std::tuple<std::string, int, std::string>>;

inline FavoriteSet favorites_of(const sim::WorldData& w) {
    FavoriteSet out;
    for (const auto& f : w.favorites) out.insert({f.user, f.work});
    return out;
}

inline ShareSet shares_of(const sim::WorldData& w) {
    ShareSet out;
    for (const auto& s : w.shares) out.insert({s.report, static_cast<int>(s.to_type), s.to});
    return out;
}

// `before` without the user's favourites and the grants made to them personally.
inline std::pair<FavoriteSet, ShareSet> offboarded(const sim::WorldData& before,
                                                   const std::string& user) {
    FavoriteSet f;
    for (const auto& x : favorites_of(before))
        if (x.first != user) f.insert(x);
    ShareSet s;
    for (const auto& x : shares_of(before))
        if (!(std::get<1>(x) == 0 && std::get<2>(x) == user)) s.insert(x);
    return {f, s};
}

}  // namespace qbi::test
