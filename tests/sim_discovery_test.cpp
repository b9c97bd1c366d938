// The discovery answers as qbi-runner's discovery will rely on them (discovery.md §2,
// quickbi-api.md §5): the exact fields and JSON types of every answer as they arrive over
// HTTPS, and the rules about who a work reaches, which grants a work lists and how an account
// is found.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "runner/sim/errors.h"
#include "runner/sim/world.h"
#include "runner/sim/world_io.h"
#include "tests/support/sim_fixture.h"

namespace qbi::test {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;  // name, JSON type

// The JSON type of member `key` of `obj`: "string", "integer", "boolean", "null", "object"
// or "array<T>" (T of the first element; "array<>" when empty).
std::string type_of(const Poco::JSON::Object& obj, const std::string& key);

std::string type_of_var(const Poco::Dynamic::Var& v) {
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) return "object";
    if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
        auto a = v.extract<Poco::JSON::Array::Ptr>();
        return "array<" + (a->size() == 0 ? std::string() : type_of_var(a->get(0))) + ">";
    }
    if (v.isEmpty()) return "null";
    if (v.isBoolean()) return "boolean";
    if (v.isString()) return "string";
    if (v.isInteger()) return "integer";
    if (v.isNumeric()) return "number";
    return "other";
}

std::string type_of(const Poco::JSON::Object& obj, const std::string& key) {
    return type_of_var(obj.get(key));
}

// Every member of `obj` in order, nested objects as "Parent.Child".
Fields fields_of(const Poco::JSON::Object& obj, const std::string& prefix = "") {
    Fields out;
    std::vector<std::string> names;
    obj.getNames(names);
    for (const auto& name : names) {
        out.emplace_back(prefix + name, type_of(obj, name));
        if (obj.isObject(name)) {
            Fields inner = fields_of(*obj.getObject(name), prefix + name + ".");
            out.insert(out.end(), inner.begin(), inner.end());
        }
    }
    return out;
}

Poco::JSON::Object::Ptr parse(const std::string& body) {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // keep the member order
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

// u1 (admin) and a RAM user u2 in group g1; w1 in ws1 with a folder, owned by u2, a favourite
// of u1, shared to u1 and to the workspace ws1.
constexpr const char* kShapeWorld = R"(
organization: {id: org-1, name: Example Corp}
workspaces: [{id: ws1, name: Finance}]
users:
  - {id: u1, account: alice, account_id: "5001", nick: Alice, email: a@example.com, admin: true}
  - {id: u2, account: bob@corp.onaliyun.com, nick: Bob, deleted: true}
groups: [{id: g1, name: Sales, members: [u1, u2]}]
works: [{id: w1, name: Revenue, workspace: ws1, owner: u2, directory: {id: d1, name: Top}}]
favorites: [{user: u1, work: w1}]
shares:
  - {report: w1, to_type: user, to: u1}
  - {report: w1, to_type: workspace, to: ws1}
)";

const Fields kWorkListing = {
    {"WorksId", "string"},           {"WorkName", "string"},       {"WorkType", "string"},
    {"OwnerId", "string"},           {"OwnerName", "string"},      {"WorkspaceId", "string"},
    {"WorkspaceName", "string"},     {"Status", "integer"},        {"Auth3rdFlag", "integer"},
    {"SecurityLevel", "string"},     {"Description", "string"},    {"GmtCreate", "string"},
    {"GmtModify", "string"},         {"ModifyName", "string"},     {"Directory", "object"},
    {"Directory.Id", "string"},      {"Directory.Name", "string"}, {"Directory.PathId", "string"},
    {"Directory.PathName", "string"}};

Fields shares_to_user_listing() {
    // The same facts under QuerySharesToUserList's names (as the SDK models them).
    Fields f = kWorkListing;
    for (auto& [name, type] : f) {
        if (name == "Auth3rdFlag") name = "ThirdPartAuthFlag";
        if (name == "GmtCreate") name = "CreateTime";
        if (name == "GmtModify") name = "ModifyTime";
    }
    return f;
}

const Fields kUserInfo = {{"UserId", "string"},      {"AccountId", "string"},
                          {"AccountName", "string"}, {"NickName", "string"},
                          {"Email", "string"},       {"UserType", "integer"},
                          {"AdminUser", "boolean"},  {"AuthAdminUser", "boolean"},
                          {"IsDeleted", "boolean"},  {"RoleIdList", "array<integer>"}};

TEST(SimDiscovery, EveryAnswerHasExactlyTheDocumentedFieldsAndTypes) {
    // Each discovery call once, over HTTPS; the body is parsed as a client parses it and the
    // envelope, then one element of the answer, is compared field by field with its type.
    struct Row {
        const char* action;
        Params params;
        const char* result_type;  // the type of Result
        Fields element;           // Result[0], Result, or Result.Data[0]
    };
    const std::vector<Row> table = {
        {"ListCollections",
         {{"UserId", "u1"}},
         "array<object>",
         {{"FavoriteId", "integer"},
          {"OwnerId", "string"},
          {"WorksId", "string"},
          {"WorksName", "string"},
          {"WorksType", "string"},
          {"WorkspaceId", "string"},
          {"WorkspaceName", "string"}}},
        {"QuerySharesToUserList", {{"UserId", "u1"}}, "array<object>", shares_to_user_listing()},
        {"QueryShareList",
         {{"ReportId", "w1"}},
         "array<object>",
         {{"ShareId", "string"},
          {"ShareToId", "string"},
          {"ShareToName", "string"},
          {"ShareToType", "integer"},
          {"ShareType", "string"},
          {"AuthPoint", "integer"},
          {"ExpireDate", "integer"},
          {"ReportId", "string"}}},
        {"QueryUserInfoByAccount", {{"Account", "alice"}}, "object", kUserInfo},
        {"QueryUserInfoByUserId", {{"UserId", "u2"}}, "object", kUserInfo},
        {"QueryWorksByOrganization", {}, "object", kWorkListing},
    };
    SimFixtureOptions o;
    o.world_yaml = kShapeWorld;
    SimFixture sim(o);
    SimClient client(sim);
    for (const Row& row : table) {
        SCOPED_TRACE(row.action);
        ApiResult r = client.call(row.action, row.params);
        ASSERT_EQ(r.outcome, Outcome::Done) << r.code << " " << r.message;
        auto body = parse(r.body);
        std::vector<std::string> names;
        body->getNames(names);
        EXPECT_EQ(names, (std::vector<std::string>{"RequestId", "Result", "Success"}));
        EXPECT_EQ(type_of(*body, "RequestId"), "string");
        EXPECT_EQ(type_of(*body, "Success"), "boolean");
        EXPECT_TRUE(body->getValue<bool>("Success"));
        EXPECT_EQ(type_of(*body, "Result"), row.result_type);
        Poco::JSON::Object::Ptr element;
        if (std::string(row.action) == "QueryWorksByOrganization") {
            auto result = body->getObject("Result");
            EXPECT_EQ(fields_of(*result), (Fields{{"Data", "array<object>"},
                                                  {"PageNum", "integer"},
                                                  {"PageSize", "integer"},
                                                  {"TotalNum", "integer"},
                                                  {"TotalPages", "integer"}}));
            element = result->getArray("Data")->getObject(0);
        } else if (body->isArray("Result")) {
            element = body->getArray("Result")->getObject(0);
        } else {
            element = body->getObject("Result");
        }
        ASSERT_FALSE(element.isNull());
        EXPECT_EQ(fields_of(*element), row.element);
    }
}

// --- The rules discovery relies on (in process) ---

// Users: u0 a RAM user named "alice", u1 the account "alice" (UID 5001), u3 a deleted RAM
// user "carol", u5 whose UID is "gina" and u6 whose account is "gina", x1 of another
// organisation. Groups g1 {u1, u0}, g2 {u0}. Grants: w1 to u1; w2 to g1; w3 to the
// organisation; w4 to u1, g1 and the organisation; w5 to g2 and u0; w6 to workspace ws1 only;
// w7 to u3. u3 has w7 as a favourite.
constexpr const char* kRulesWorld = R"(
organization: {id: org-1, name: Example Corp}
workspaces: [{id: ws1, name: Finance}]
users:
  - {id: u0, account: alice@corp.onaliyun.com}
  - {id: u1, account: alice, account_id: "5001"}
  - {id: u3, account: carol@corp.onaliyun.com, deleted: true}
  - {id: u5, account: frank, account_id: gina}
  - {id: u6, account: gina}
  - {id: x1, account: eve, organization: org-2}
groups:
  - {id: g1, name: Sales, members: [u1, u0]}
  - {id: g2, name: Ops, members: [u0]}
works: [{id: w1}, {id: w2}, {id: w3}, {id: w4}, {id: w5}, {id: w6}, {id: w7}]
favorites: [{user: u3, work: w7}]
shares:
  - {id: s1, report: w1, to_type: user, to: u1}
  - {id: s2, report: w2, to_type: group, to: g1}
  - {id: s3, report: w3, to_type: organization, to: org-1}
  - {id: s4, report: w4, to_type: user, to: u1}
  - {id: s5, report: w4, to_type: group, to: g1}
  - {id: s6, report: w4, to_type: organization, to: org-1}
  - {id: s7, report: w5, to_type: group, to: g2}
  - {id: s8, report: w5, to_type: user, to: u0}
  - {id: s9, report: w6, to_type: workspace, to: ws1}
  - {id: s10, report: w7, to_type: user, to: u3}
)";

sim::World rules_world() {
    auto f = sim::parse_world(kRulesWorld, "rules.yaml");
    EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
    return sim::World(f.ok() ? f->data : sim::WorldData{});
}

// The values of `field` in each element of an array answer, comma-separated.
std::string column(const sim::BizResult& r, const char* field) {
    std::string out;
    if (!r.ok()) return r.code;
    for (const auto& item : r.result.items()) {
        const json::Value* v = item.find(field);
        out += (out.empty() ? "" : ",") +
               (v->kind() == json::Value::Kind::String ? v->as_string() : v->to_json());
    }
    return out;
}

TEST(SimDiscovery, SharesToUserListReachesThroughUserGroupAndOrganisationOnce) {
    // u1: w1 personally, w2 through g1, w3 through the organisation, w4 all three ways (listed
    // once); not w5 (a group u1 is not in) nor w6 (a workspace grant).
    sim::World w = rules_world();
    EXPECT_EQ(column(w.call("QuerySharesToUserList", {{"UserId", "u1"}}), "WorksId"),
              "w1,w2,w3,w4");
    EXPECT_EQ(column(w.call("QuerySharesToUserList", {{"UserId", "u0"}}), "WorksId"),
              "w2,w3,w4,w5");
    // A user without any grant still sees what the organisation was given.
    EXPECT_EQ(column(w.call("QuerySharesToUserList", {{"UserId", "u6"}}), "WorksId"), "w3,w4");
    EXPECT_EQ(w.call("QuerySharesToUserList", {{"UserId", "x1"}}).code, "User.Not.In.Organization");
}

TEST(SimDiscovery, ShareListShowsEveryGrantIncludingWorkspaceGrants) {
    // w4 holds one grant of each kind 0, 1, 2 in creation order; w6 a grant of type 3.
    sim::World w = rules_world();
    sim::BizResult r = w.call("QueryShareList", {{"ReportId", "w4"}});
    EXPECT_EQ(column(r, "ShareId"), "s4,s5,s6");
    EXPECT_EQ(column(r, "ShareToType"), "0,1,2");
    EXPECT_EQ(column(r, "ShareToId"), "u1,g1,org-1");
    EXPECT_EQ(column(r, "ShareToName"), "alice,Sales,Example Corp");
    r = w.call("QueryShareList", {{"ReportId", "w6"}});
    EXPECT_EQ(r.result.to_json(),
              R"([{"ShareId":"s9","ShareToId":"ws1","ShareToName":"Finance","ShareToType":3,)"
              R"("ShareType":"PAGE","AuthPoint":1,"ExpireDate":4102444799000,"ReportId":"w6"}])");
}

TEST(SimDiscovery, UserInfoByAccountNameUidOrRamPrefix) {
    // An exact account name wins over another user's RAM prefix (u0 sorts first), a name over
    // another user's UID; the prefix must be the whole name before '@'.
    sim::World w = rules_world();
    auto who = [&](const std::string& account) {
        sim::BizResult r = w.call("QueryUserInfoByAccount", {{"Account", account}});
        return r.ok() ? r.result.find("UserId")->as_string()
                      : r.code + ": " + sim::format_message(r.code, r.arg);
    };
    EXPECT_EQ(who("alice"), "u1");
    EXPECT_EQ(who("5001"), "u1");
    EXPECT_EQ(who("alice@corp.onaliyun.com"), "u0");
    EXPECT_EQ(who("carol"), "u3");
    EXPECT_EQ(who("gina"), "u6");
    EXPECT_EQ(who("frank"), "u5");
    EXPECT_EQ(who("ali"), "User.Not.In.Organization: The user ali is not in the organization.");
    EXPECT_EQ(who("eve"), "User.Not.In.Organization: The user eve is not in the organization.");
    EXPECT_EQ(who("nobody"),
              "User.Not.In.Organization: The user nobody is not in the organization.");
}

TEST(SimDiscovery, ADeletedUserIsStillFoundAndCleanable) {
    // u3 is deleted: found by account and by UserId with IsDeleted true, and its favourite and
    // personal grant are still listed (so an offboarding cleans them).
    sim::World w = rules_world();
    sim::BizResult r = w.call("QueryUserInfoByAccount", {{"Account", "carol"}});
    ASSERT_TRUE(r.ok()) << r.code;
    EXPECT_EQ(r.result.find("IsDeleted")->to_json(), "true");
    EXPECT_EQ(w.call("QueryUserInfoByUserId", {{"UserId", "u3"}}).result.to_json(),
              r.result.to_json());
    EXPECT_EQ(column(w.call("ListCollections", {{"UserId", "u3"}}), "WorksId"), "w7");
    EXPECT_EQ(column(w.call("QuerySharesToUserList", {{"UserId", "u3"}}), "WorksId"), "w3,w4,w7");
    EXPECT_TRUE(w.call("CancelCollection", {{"UserId", "u3"}, {"WorksId", "w7"}}).ok());
}

}  // namespace
}  // namespace qbi::test
