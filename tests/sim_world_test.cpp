// The simulator's world: the business answers of every action, world files and generation.
// These run the World directly; sim_server_test.cpp drives the same answers over TLS.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "runner/sim/world.h"
#include "runner/sim/world_io.h"
#include "tests/support/temp_dir.h"

namespace qbi::sim {
namespace {

// A small organisation: two members (u1 admin, u2), a user of another organisation (x1), a
// group g1 {u1, u2}, a foreign group gx, works w1, w2 in ws1 and w9 in another organisation's
// workspace; u1 has w1 and w2 as favourites; w1 is shared to u2, to g1 and to the organisation.
constexpr const char* kWorld = R"(version: 1
organization: {id: org-1, name: Example Corp}
workspaces:
  - {id: ws1, name: Finance}
  - {id: wsx, name: Elsewhere, organization: org-2}
users:
  - {id: u1, account: alice, account_id: "5001", nick: Alice, email: alice@example.com, admin: true}
  - {id: u2, account: bob@corp.onaliyun.com, nick: Bob, type: analyst}
  - {id: x1, organization: org-2}
groups:
  - {id: g1, name: Sales, members: [u1, u2]}
  - {id: gx, organization: org-2}
works:
  - {id: w1, name: Revenue, type: PAGE, workspace: ws1, owner: u1}
  - {id: w2, name: Costs, type: REPORT, workspace: ws1, owner: u2}
  - {id: w9, name: Theirs, workspace: wsx}
favorites:
  - {user: u1, works: [w1, w2]}
shares:
  - {id: s1, report: w1, to_type: user, to: u2}
  - {id: s2, report: w1, to_type: group, to: g1, auth_point: 3}
  - {id: s3, report: w1, to_type: organization, to: org-1, expire: "2030-01-01T00:00:00Z"}
)";

WorldData load(const std::string& text = kWorld) {
    auto f = parse_world(text, "world.yaml");
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
    return f.ok() ? f->data : WorldData{};
}

std::string load_error(const std::string& text) {
    auto f = parse_world(text, "w.yaml");
    return f.ok() ? "(no error)" : f.error().message;
}

TEST(SimWorld, CancelCollectionRemovesTheFavouriteOnce) {
    // u1's favourite w1 exists: the first cancel succeeds, the second finds it gone.
    World w(load());
    BizResult r = w.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(r.result.to_json(), "true");
    EXPECT_FALSE(w.has_favorite("u1", "w1"));
    EXPECT_TRUE(w.has_favorite("u1", "w2"));
    r = w.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, "Favorite.NotCancel.Permission");
    EXPECT_FALSE(r.changed);
}

TEST(SimWorld, CancelCollectionBusinessCodes) {
    // Each documented refusal, from the situation that causes it.
    World w(load());
    auto code = [&](Params p) {
        BizResult r = w.call("CancelCollection", p);
        return r.code + (r.arg.empty() ? "" : "(" + r.arg + ")");
    };
    EXPECT_EQ(code({{"UserId", "u1"}, {"WorksId", "nope"}}), "Report.NotExist.Error(nope)");
    EXPECT_EQ(code({{"UserId", "ghost"}, {"WorksId", "w1"}}), "User.Not.In.Organization(ghost)");
    EXPECT_EQ(code({{"UserId", "x1"}, {"WorksId", "w1"}}), "User.Not.In.Organization(x1)");
    EXPECT_EQ(code({{"UserId", "u2"}, {"WorksId", "w1"}}), "Favorite.NotCancel.Permission");
    EXPECT_EQ(code({{"UserId", "u1"}, {"WorksId", "w9"}}), "Workspace.NotIn.Organization");
    EXPECT_EQ(code({{"UserId", ""}, {"WorksId", "w1"}}), "System.Param.Empty(UserId)");
    EXPECT_EQ(code({{"UserId", "u1"}, {"WorksId", ""}}), "System.Param.Empty(WorksId)");
    EXPECT_EQ(w.favorite_count(), 2u);
}

TEST(SimWorld, CancelReportShareBusinessCodes) {
    World w(load());
    auto code = [&](const std::string& report, const std::string& ids, const std::string& type) {
        BizResult r = w.call("CancelReportShare",
                             {{"ReportId", report}, {"ShareToIds", ids}, {"ShareToType", type}});
        return r.code + (r.arg.empty() ? "" : "(" + r.arg + ")");
    };
    EXPECT_EQ(code("w1", "u2", "7"), "Invalid.Parameter.Error(ShareToType)");
    EXPECT_EQ(code("w1", "u2", "user"), "Invalid.Parameter.Error(ShareToType)");
    EXPECT_EQ(code("nope", "u2", "0"), "Report.NotExist.Error(nope)");
    EXPECT_EQ(code("w9", "u2", "0"), "Resource.NotBelongTo.CurrentOrganization(w9)");
    EXPECT_EQ(code("w1", "x1", "0"), "User.NotBelongTo.CurrentOrganization(x1)");
    EXPECT_EQ(code("w1", "ghost", "0"), "User.NotBelongTo.CurrentOrganization(ghost)");
    EXPECT_EQ(code("w1", "gx", "1"), "Usergroup.NotBelongTo.CurrentOrganization(gx)");
    EXPECT_EQ(code("w1", "org-2", "2"), "Invalid.Organization(org-2)");
    EXPECT_EQ(code("w1", "u2,", "0"), "Invalid.Parameter.Error(ShareToIds)");
    EXPECT_EQ(code("", "u2", "0"), "System.Param.Empty(ReportId)");
    EXPECT_EQ(code("w1", "", "0"), "System.Param.Empty(ShareToIds)");
    EXPECT_EQ(code("w1", "u2", ""), "System.Param.Empty(ShareToType)");
    EXPECT_EQ(w.share_count(), 3u);  // no refusal changed anything
}

TEST(SimWorld, CancelReportShareRemovesEachKindOfGrant) {
    World w(load());
    for (auto [ids, type, to_type] :
         {std::tuple{"u2", "0", ShareTo::User}, std::tuple{"g1", "1", ShareTo::Group},
          std::tuple{"org-1", "2", ShareTo::Organization}}) {
        BizResult r = w.call("CancelReportShare",
                             {{"ReportId", "w1"}, {"ShareToIds", ids}, {"ShareToType", type}});
        EXPECT_TRUE(r.ok()) << r.code;
        EXPECT_TRUE(r.changed);
        EXPECT_FALSE(w.has_share("w1", to_type, ids));
    }
    EXPECT_EQ(w.share_count(), 0u);
}

TEST(SimWorld, SeveralCommaSeparatedIdsAreCheckedFirstThenRemoved) {
    // "u2, u1": both members; only u2 holds a grant, so u2's is removed and the call succeeds.
    World w(load());
    BizResult r = w.call("CancelReportShare",
                         {{"ReportId", "w1"}, {"ShareToIds", "u2, u1"}, {"ShareToType", "0"}});
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.changed);
    EXPECT_FALSE(w.has_share("w1", ShareTo::User, "u2"));
    // One bad ID refuses the whole call: nothing is removed.
    World w2(load());
    r = w2.call("CancelReportShare",
                {{"ReportId", "w1"}, {"ShareToIds", "u2,x1"}, {"ShareToType", "0"}});
    EXPECT_EQ(r.code, "User.NotBelongTo.CurrentOrganization");
    EXPECT_EQ(r.arg, "x1");
    EXPECT_TRUE(w2.has_share("w1", ShareTo::User, "u2"));
}

TEST(SimWorld, AbsentShareAnswerIsConfigurable) {
    // u1 is a member without a grant on w1: the three documented choices.
    const Params p = {{"ReportId", "w1"}, {"ShareToIds", "u1"}, {"ShareToType", "0"}};
    World ok(load());
    BizResult r = ok.call("CancelReportShare", p);
    EXPECT_TRUE(r.ok());
    EXPECT_FALSE(r.changed);
    EXPECT_EQ(r.result.to_json(), "true");
    World result_false(load(), AbsentShare::ResultFalse);
    r = result_false.call("CancelReportShare", p);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.result.to_json(), "false");
    World error(load(), AbsentShare::Error, "Report.NotExist.Error");
    r = error.call("CancelReportShare", p);
    EXPECT_EQ(r.code, "Report.NotExist.Error");
    EXPECT_EQ(r.arg, "w1");
}

TEST(SimWorld, EditionGatesEveryCall) {
    WorldData d = load();
    d.organization.edition = "standard";
    World standard(d);
    EXPECT_EQ(standard.call("ListCollections", {{"UserId", "u1"}}).code, "Access.Forbidden");
    d.organization.edition = "expired";
    World expired(d);
    EXPECT_EQ(expired.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}}).code,
              "Instance.Expired");
}

TEST(SimWorld, DiscoveryAnswersFromTheWorld) {
    World w(load());
    EXPECT_EQ(w.call("ListCollections", {{"UserId", "u1"}}).result.to_json(),
              R"([{"FavoriteId":1,"OwnerId":"u1","WorksId":"w1","WorksName":"Revenue",)"
              R"("WorksType":"PAGE","WorkspaceId":"ws1","WorkspaceName":"Finance"},)"
              R"({"FavoriteId":2,"OwnerId":"u2","WorksId":"w2","WorksName":"Costs",)"
              R"("WorksType":"REPORT","WorkspaceId":"ws1","WorkspaceName":"Finance"}])");
    EXPECT_EQ(w.call("ListCollections", {{"UserId", "u2"}}).result.to_json(), "[]");
    EXPECT_EQ(w.call("QuerySharesToUserList", {{"UserId", "u2"}}).result.to_json(),
              R"([{"WorksId":"w1","WorkName":"Revenue","WorkType":"PAGE","OwnerId":"u1",)"
              R"("OwnerName":"Alice","WorkspaceId":"ws1","WorkspaceName":"Finance","Status":1,)"
              R"("ThirdPartAuthFlag":0,"SecurityLevel":"0","Description":"",)"
              R"("CreateTime":"1704067200000","ModifyTime":"1704067200000","ModifyName":"Alice",)"
              R"("Directory":{"Id":"","Name":"","PathId":"","PathName":""}}])");
    EXPECT_EQ(w.call("QueryShareList", {{"ReportId", "w1"}}).result.to_json(),
              R"([{"ShareId":"s1","ShareToId":"u2","ShareToName":"Bob","ShareToType":0,)"
              R"("ShareType":"PAGE","AuthPoint":1,"ExpireDate":4102444799000,"ReportId":"w1"},)"
              R"({"ShareId":"s2","ShareToId":"g1","ShareToName":"Sales","ShareToType":1,)"
              R"("ShareType":"PAGE","AuthPoint":3,"ExpireDate":4102444799000,"ReportId":"w1"},)"
              R"({"ShareId":"s3","ShareToId":"org-1","ShareToName":"Example Corp",)"
              R"("ShareToType":2,"ShareType":"PAGE","AuthPoint":1,"ExpireDate":1893456000000,)"
              R"("ReportId":"w1"}])");
    const std::string alice =
        R"({"UserId":"u1","AccountId":"5001","AccountName":"alice","NickName":"Alice",)"
        R"("Email":"alice@example.com","UserType":1,"AdminUser":true,"AuthAdminUser":true,)"
        R"("IsDeleted":false,"RoleIdList":[-1]})";
    EXPECT_EQ(w.call("QueryUserInfoByUserId", {{"UserId", "u1"}}).result.to_json(), alice);
    EXPECT_EQ(w.call("QueryUserInfoByAccount", {{"Account", "alice"}}).result.to_json(), alice);
    EXPECT_EQ(w.call("QueryUserInfoByAccount", {{"Account", "5001"}}).result.to_json(), alice);
    // A RAM user is found by the name before '@'.
    EXPECT_EQ(
        w.call("QueryUserInfoByAccount", {{"Account", "bob"}}).result.find("UserId")->to_json(),
        "\"u2\"");
    EXPECT_EQ(w.call("QueryUserInfoByAccount", {{"Account", "bo"}}).code,
              "User.Not.In.Organization");
    EXPECT_EQ(w.call("QueryUserInfoByUserId", {{"UserId", "x1"}}).code, "User.Not.In.Organization");
    EXPECT_EQ(w.call("QueryShareList", {{"ReportId", "zz"}}).code, "Report.NotExist.Error");
}

TEST(SimWorld, StateDumpIsAWorldFileThatLoadsBackIdentically) {
    World w(load());
    w.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w2"}});
    const std::string dump = w.to_value().to_json();
    auto again = parse_world(dump, "state.json");
    ASSERT_TRUE(again.ok()) << again.error().message;
    World w2(again->data);
    EXPECT_EQ(w2.to_value().to_json(), dump);
    EXPECT_NE(dump.find(R"("favorites":[{"id":1,"user":"u1","work":"w1"}])"), std::string::npos);
}

TEST(SimWorld, WorkDetailsFromAWorldFileSurviveTheStateDump) {
    // One work with every optional key, one with only `created` (modified defaults to it) and
    // one with a directory given by its id alone; the dump shows them all and loads back.
    const std::string text = R"(works:
  - id: w1
    status: modified
    auth3rd: true
    security_level: 12
    description: Monthly revenue
    created: 2024-03-01T08:00:00Z
    modified: 1711958400000
    directory: {id: d2, name: Q1, path_id: d1/d2, path_name: Finance/Q1}
  - {id: w2, status: 3, auth3rd: 0, created: "2024-01-02T00:00:00Z"}
  - {id: w3, directory: {id: d1}}
)";
    const WorldData d = load(text);
    ASSERT_EQ(d.works.size(), 3u);
    const Work& w1 = d.works[0];
    EXPECT_EQ(w1.status, 2);
    EXPECT_EQ(w1.auth3rd, 1);
    EXPECT_EQ(w1.security_level, "12");
    EXPECT_EQ(w1.description, "Monthly revenue");
    EXPECT_EQ(w1.created_ms, 1709280000000);
    EXPECT_EQ(w1.modified_ms, 1711958400000);
    EXPECT_EQ(w1.directory.path_name, "Finance/Q1");
    EXPECT_EQ(d.works[1].status, 3);
    EXPECT_EQ(d.works[1].modified_ms, 1704153600000);  // = created
    World w(d);
    const std::string dump = w.to_value().to_json();
    EXPECT_NE(dump.find(R"("works":[{"id":"w1","name":"w1","type":"PAGE","workspace":"",)"
                        R"("owner":"","status":"modified","auth3rd":1,"security_level":"12",)"
                        R"("description":"Monthly revenue","created":1709280000000,)"
                        R"("modified":1711958400000,"directory":{"id":"d2","name":"Q1",)"
                        R"("path_id":"d1/d2","path_name":"Finance/Q1"}},)"
                        R"({"id":"w2","name":"w2","type":"PAGE","workspace":"","owner":"",)"
                        R"("status":"offline","auth3rd":0,"security_level":"0","description":"",)"
                        R"("created":1704153600000,"modified":1704153600000},)"
                        R"({"id":"w3","name":"w3","type":"PAGE","workspace":"","owner":"",)"
                        R"("status":"published","auth3rd":0,"security_level":"0",)"
                        R"("description":"","created":1704067200000,"modified":1704067200000,)"
                        R"("directory":{"id":"d1","name":"d1","path_id":"d1","path_name":"d1"}}])"),
              std::string::npos)
        << dump;
    auto again = parse_world(dump, "state.json");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(World(again->data).to_value().to_json(), dump);
}

TEST(SimWorld, WorkDetailErrorsNameFileLineAndColumn) {
    EXPECT_EQ(load_error("works:\n  - {id: w1, stauts: 1}\n"),
              "w.yaml:2:14: unknown key 'stauts' in work (did you mean 'status'?)");
    EXPECT_EQ(load_error("works:\n  - {id: w1, status: draft}\n"),
              "w.yaml:2:22: status must be unpublished, published, modified or offline (or 0-3)");
    EXPECT_EQ(load_error("works:\n  - {id: w1, auth3rd: 2}\n"),
              "w.yaml:2:23: auth3rd must be 0 or 1 (or false, true)");
    EXPECT_EQ(load_error("works:\n  - {id: w1, security_level: high}\n"),
              "w.yaml:2:30: security_level must be a number such as 0, 1, 11 or 12");
    EXPECT_EQ(load_error("works:\n  - {id: w1, created: yesterday}\n"),
              "w.yaml:2:23: created (epoch milliseconds or RFC 3339) must be an integer");
    EXPECT_EQ(load_error("works:\n  - {id: w1, directory: {id: d1, pathname: x}}\n"),
              "w.yaml:2:34: unknown key 'pathname' in directory (did you mean 'path_name'?)");
    EXPECT_EQ(load_error("works:\n  - {id: w1, directory: d1}\n"),
              "w.yaml:2:25: directory must be a mapping");
}

TEST(SimWorld, ImplicitEntitiesAreCreatedForBareFavouritesAndShares) {
    // What a demo writes: only the IDs of its job files.
    auto f = parse_world(
        "implicit: true\nfavorites:\n  - {user: \"1213444447901234\", works: "
        "[d23e84a1-82a0-4292-bfdb-521306c31234]}\nshares:\n  - {report: r1, "
        "to_type: group, to: [gA, gB]}\n",
        "demo.yaml");
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_TRUE(f->implicit);
    add_implicit_entities(f->data);
    World w(f->data);
    EXPECT_TRUE(w.has_favorite("1213444447901234", "d23e84a1-82a0-4292-bfdb-521306c31234"));
    EXPECT_TRUE(w.has_share("r1", ShareTo::Group, "gB"));
    EXPECT_TRUE(w.call("CancelReportShare",
                       {{"ReportId", "r1"}, {"ShareToIds", "gA"}, {"ShareToType", "1"}})
                    .ok());
}

TEST(SimWorld, WorldFileErrorsNameFileLineAndColumn) {
    EXPECT_EQ(load_error("users:\n  - {id: u1, nik: x}\n"),
              "w.yaml:2:14: unknown key 'nik' in user (did you mean 'nick'?)");
    EXPECT_EQ(load_error("version: 2\n"),
              "w.yaml:1:10: world file version 2 is newer than this qbi-sim understands (1)");
    EXPECT_EQ(load_error("shares:\n  - {report: w1, to_type: team, to: u1}\n"),
              "w.yaml:2:27: to_type must be user, group, organization or workspace (or 0-3)");
    EXPECT_EQ(load_error("favorites:\n  - {user: u1}\n"),
              "w.yaml:2:5: missing required key 'work' (or 'works')");
    EXPECT_EQ(load_error("users:\n  - {id: \"a b\"}\n"),
              "w.yaml:2:10: id 'a b' is not an ID (1-128 characters of A-Z a-z 0-9 . _ : @ -)");
    EXPECT_EQ(load_error("users: {id: u1}\n"), "w.yaml:1:8: users must be a list");
    EXPECT_EQ(load_error("users: [\n"), "w.yaml:2:1: end of sequence flow not found");
    EXPECT_EQ(load_error("organisation: {id: o}\n"),
              "w.yaml:1:1: unknown key 'organisation' in world file (did you mean "
              "'organization'?)");
}

TEST(SimWorld, InconsistentWorldsAreRefusedByName) {
    auto refuse = [](const std::string& text) {
        try {
            World w(load(text));
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    EXPECT_EQ(refuse("users: [{id: u1}, {id: u1}]\n"), "duplicate user id 'u1'");
    EXPECT_EQ(refuse("favorites: [{user: u1, work: w1}]\n"), "favourite names unknown user 'u1'");
    EXPECT_EQ(refuse("works: [{id: w1, owner: u9}]\n"), "work 'w1' names unknown owner 'u9'");
    EXPECT_EQ(refuse("works: [{id: w1}]\nshares: [{report: w1, to_type: group, to: g}]\n"),
              "share on 'w1' names unknown group 'g'");
}

TEST(SimWorld, LoadWorldFileReportsAnUnreadableFile) {
    test::TempDir dir;
    auto f = load_world_file((dir / "missing.yaml").string());
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().message, (dir / "missing.yaml").string() + ": cannot read the world file");
}

TEST(SimWorld, GenerationIsDeterministicBySeedAndExact) {
    GenerateSpec spec{50, 80, 120, 90, -1, -1};
    const std::string a = world_to_value(generate_world(spec, 7)).to_json();
    EXPECT_EQ(a, world_to_value(generate_world(spec, 7)).to_json());
    EXPECT_NE(a, world_to_value(generate_world(spec, 8)).to_json());
    World w(generate_world(spec, 7));  // consistent: the constructor accepts it
    EXPECT_EQ(w.favorite_count(), 120u);
    EXPECT_EQ(w.share_count(), 90u);
    const WorldData d = generate_world(spec, 7);
    EXPECT_EQ(d.users.size(), 50u);
    EXPECT_EQ(d.works.size(), 80u);
    EXPECT_EQ(d.groups.size(), 5u);      // users / 10
    EXPECT_EQ(d.workspaces.size(), 1u);  // works / 50, at least 1
    // Every generated favourite can be cancelled.
    const Favorite& f = d.favorites.front();
    EXPECT_TRUE(w.call("CancelCollection", {{"UserId", f.user}, {"WorksId", f.work}}).ok());
    // Asking for more favourites than pairs exist yields every pair once.
    World all(generate_world(GenerateSpec{3, 4, 100, 0, -1, -1}, 1));
    EXPECT_EQ(all.favorite_count(), 12u);
}

TEST(SimWorld, GenerationDescribesEveryWorkFromItsOwnStream) {
    // 400 works over 8 workspaces: every status, both embedding flags, every security level,
    // works at a workspace's root and in nested folders; times in 2023, modified after
    // created. The state dump of a generated world loads back identically.
    const WorldData d = generate_world(GenerateSpec{10, 400, 0, 0, -1, 8}, 5);
    std::map<int, int> statuses, flags;
    std::set<std::string> levels;
    int root = 0, archived = 0;
    for (const Work& w : d.works) {
        ++statuses[w.status];
        ++flags[w.auth3rd];
        levels.insert(w.security_level);
        EXPECT_GE(w.created_ms, 1672531200000) << w.id;  // 2023-01-01
        EXPECT_LT(w.created_ms, 1704067200000) << w.id;  // 2024-01-01
        EXPECT_GE(w.modified_ms, w.created_ms) << w.id;
        EXPECT_EQ(w.created_ms % 1000, 0) << w.id;
        if (w.directory.id.empty()) ++root;
        if (w.directory.path_name == "Folder 1/Archive") {
            ++archived;
            EXPECT_EQ(w.directory.path_id.substr(w.directory.path_id.find('/') + 1),
                      w.directory.id);
        }
    }
    EXPECT_EQ(statuses.size(), 4u);
    EXPECT_EQ(flags.size(), 2u);
    EXPECT_EQ(levels, (std::set<std::string>{"0", "11", "12"}));
    EXPECT_GT(root, 0);
    EXPECT_GT(archived, 0);
    const std::string dump = world_to_value(d).to_json();
    EXPECT_EQ(dump,
              world_to_value(generate_world(GenerateSpec{10, 400, 0, 0, -1, 8}, 5)).to_json());
    auto again = parse_world(dump, "state.json");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(world_to_value(again->data).to_json(), dump);
}

TEST(SimWorld, GenerateSpecParsing) {
    auto s = parse_generate_spec("users=10,works=20,favorites=30,shares=40,groups=2");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->users, 10);
    EXPECT_EQ(s->shares, 40);
    EXPECT_EQ(s->groups, 2);
    EXPECT_EQ(parse_generate_spec("users=10,work=3").error().message,
              "--generate: unknown count 'work' (did you mean 'works'?)");
    EXPECT_EQ(parse_generate_spec("users=-1").error().message,
              "--generate: users must be a count from 0 to 10000000, got '-1'");
    EXPECT_EQ(parse_generate_spec("users").error().message,
              "--generate: expected NAME=COUNT, got 'users'");
}

}  // namespace
}  // namespace qbi::sim
