// The follow-up tasks of each read's answer (runner/discovery, discovery.md §2), as pure
// functions over real answer bodies in the shapes qbi-sim and Quick BI send: the chain of an
// offboarding, the grant filter that keeps group, organisation and workspace grants, paging,
// keys that collapse with explicit tasks, and every error a read can end in.
#include "runner/discovery/discovery.h"

#include <gtest/gtest.h>

#include "runner/api/answers.h"

namespace qbi::discovery {
namespace {

using jobs::ReadScope;

ReadScope offboard(std::string account, std::string user = "") {
    ReadScope s;
    s.account = std::move(account);
    s.user = std::move(user);
    return s;
}

ReadScope revoke(std::string type, std::vector<std::string> to) {
    ReadScope s;
    s.kind = ReadScope::Kind::Revoke;
    s.to_type = std::move(type);
    s.to = std::move(to);
    return s;
}

queue::ClaimedTask read(const std::string& action, Params params, const ReadScope& scope,
                        const std::string& work = "") {
    queue::ClaimedTask t;
    t.task_id = 7;
    t.action = action;
    t.params = std::move(params);
    TaskContext c;
    c.scope = scope;
    c.work = work;
    t.context = c.to_json();
    return t;
}

ApiResult done(const std::string& result) {
    ApiResult r;
    r.outcome = Outcome::Done;
    r.http_status = 200;
    r.request_id = "RID";
    r.body = R"({"RequestId":"RID","Success":true,"Result":)" + result + "}";
    return r;
}

std::string key_of(const std::string& action, Params params, const std::string& scope = "") {
    jobs::TaskSpec s;
    s.action = action;
    s.params = std::move(params);
    s.scope = scope;
    return s.key();
}

// QueryUserInfoByAccount: the UserId is learnt, and the user's two reads follow with it.
TEST(Discovery, AccountLookupStartsTheUsersReads) {
    auto e = expand(read("QueryUserInfoByAccount", {{"Account", "jdoe"}}, offboard("jdoe")),
                    done(R"({"UserId":"1213","AccountName":"jdoe","IsDeleted":true})"));
    EXPECT_EQ(e.result.outcome, Outcome::Done);
    ASSERT_EQ(e.children.size(), 2u);
    ReadScope learnt = offboard("jdoe", "1213");
    EXPECT_EQ(e.children[0].action, "ListCollections");
    EXPECT_EQ(e.children[0].params, (Params{{"UserId", "1213"}}));
    EXPECT_EQ(e.children[0].task_key,
              key_of("ListCollections", {{"UserId", "1213"}}, learnt.to_json()));
    EXPECT_EQ(TaskContext::from_json(e.children[0].context)->scope, learnt);
    EXPECT_EQ(e.children[1].action, "QuerySharesToUserList");

    ReadScope only_shares = offboard("jdoe");
    only_shares.favorites = false;
    auto f = expand(read("QueryUserInfoByAccount", {{"Account", "jdoe"}}, only_shares),
                    done(R"({"UserId":"1213"})"));
    ASSERT_EQ(f.children.size(), 1u);
    EXPECT_EQ(f.children[0].action, "QuerySharesToUserList");
}

// Favourites become cancels keyed exactly like the same explicit task of a job file, so a
// discovered cancel and a written one collapse into one.
TEST(Discovery, FavouritesBecomeCancelsWithTheExplicitKey) {
    auto e =
        expand(read("ListCollections", {{"UserId", "1213"}}, offboard("jdoe", "1213")),
               done(R"([{"FavoriteId":1,"WorksId":"w1","WorksName":"Revenue","WorksType":"PAGE",
                             "OwnerId":"u-bob"},{"WorksId":"w2"}])"));
    ASSERT_EQ(e.children.size(), 2u);
    const auto& c = e.children[0];
    EXPECT_EQ(c.action, "CancelCollection");
    EXPECT_EQ(c.params, (Params{{"UserId", "1213"}, {"WorksId", "w1"}}));
    EXPECT_EQ(c.task_key, key_of("CancelCollection", c.params));
    auto ctx = TaskContext::from_json(c.context);
    ASSERT_TRUE(ctx);
    EXPECT_FALSE(ctx->scope);
    EXPECT_EQ(ctx->work, "Revenue (PAGE, owner u-bob)");
    EXPECT_EQ(ctx->found, "favourite of jdoe (1213)");
    EXPECT_EQ(TaskContext::from_json(e.children[1].context)->work, "(no name)");
}

// Every work reaching the user, by any route, is looked at once with QueryShareList.
TEST(Discovery, SharedWorksAreEachLookedAt) {
    auto e = expand(read("QuerySharesToUserList", {{"UserId", "1213"}}, offboard("", "1213")),
                    done(R"([{"WorksId":"r1","WorkName":"Payroll","WorkType":"REPORT",
                             "OwnerName":"Alice","OwnerId":"u-a"},{"WorksId":"r2"}])"));
    ASSERT_EQ(e.children.size(), 2u);
    EXPECT_EQ(e.children[0].action, "QueryShareList");
    EXPECT_EQ(e.children[0].params, (Params{{"ReportId", "r1"}}));
    auto ctx = TaskContext::from_json(e.children[0].context);
    EXPECT_EQ(ctx->scope, offboard("", "1213"));
    EXPECT_EQ(ctx->work, "Payroll (REPORT, owner Alice)");
}

const char* kGrants = R"([
    {"ShareId":"s1","ShareToId":"1213","ShareToName":"J","ShareToType":0,"ReportId":"r1"},
    {"ShareId":"s2","ShareToId":"g1","ShareToName":"Sales","ShareToType":1,"ReportId":"r1"},
    {"ShareId":"s3","ShareToId":"org-1","ShareToType":2,"ReportId":"r1"},
    {"ShareId":"s4","ShareToId":"9999","ShareToType":0,"ReportId":"r1"},
    {"ShareId":"s5","ShareToId":"1213","ShareToType":3,"ReportId":"r1"},
    {"ShareId":"s6","ShareToId":"g2","ShareToType":"1","ReportId":"r1"}])";

// Offboarding keeps every grant that is not to the user personally: groups, the organisation,
// other users and workspace grants (even one whose ID happens to equal the UserId).
TEST(Discovery, OffboardingCancelsOnlyThePersonalGrant) {
    auto e = expand(
        read("QueryShareList", {{"ReportId", "r1"}}, offboard("jdoe", "1213"), "Payroll (REPORT)"),
        done(kGrants));
    ASSERT_EQ(e.children.size(), 1u);
    EXPECT_EQ(e.children[0].action, "CancelReportShare");
    EXPECT_EQ(e.children[0].params,
              (Params{{"ReportId", "r1"}, {"ShareToIds", "1213"}, {"ShareToType", "0"}}));
    EXPECT_EQ(e.children[0].task_key, key_of("CancelReportShare", e.children[0].params));
    auto ctx = TaskContext::from_json(e.children[0].context);
    EXPECT_EQ(ctx->work, "Payroll (REPORT)");
    EXPECT_EQ(ctx->found, "shared to jdoe (1213) personally");
}

TEST(Discovery, RevokingCancelsTheNamedPrincipalsOfTheType) {
    auto e = expand(read("QueryShareList", {{"ReportId", "r1"}}, revoke("1", {"g1", "g2", "g3"})),
                    done(kGrants));
    ASSERT_EQ(e.children.size(), 2u);
    EXPECT_EQ(e.children[0].params.at("ShareToIds"), "g1");
    EXPECT_EQ(TaskContext::from_json(e.children[0].context)->found, "shared to group Sales (g1)");
    EXPECT_EQ(e.children[1].params.at("ShareToIds"), "g2");
    auto none =
        expand(read("QueryShareList", {{"ReportId", "r1"}}, revoke("0", {"g1"})), done(kGrants));
    EXPECT_TRUE(none.children.empty());
}

// Page 1 queues the other pages once; later pages only their works; an empty page ends it.
TEST(Discovery, WorksPaging) {
    const ReadScope scope = revoke("1", {"g1"});
    auto first = expand(
        read("QueryWorksByOrganization", {{"PageNum", "1"}, {"PageSize", "2"}}, scope),
        done(R"({"Data":[{"WorksId":"a"},{"WorksId":"b"}],"PageNum":1,"PageSize":2,"TotalNum":5,
                 "TotalPages":3})"));
    ASSERT_EQ(first.children.size(), 4u);
    EXPECT_EQ(first.children[0].params, (Params{{"PageNum", "2"}, {"PageSize", "2"}}));
    EXPECT_EQ(first.children[1].params, (Params{{"PageNum", "3"}, {"PageSize", "2"}}));
    EXPECT_EQ(first.children[2].params, (Params{{"ReportId", "a"}}));
    EXPECT_EQ(TaskContext::from_json(first.children[0].context)->scope, scope);
    auto third =
        expand(read("QueryWorksByOrganization", {{"PageNum", "3"}, {"PageSize", "2"}}, scope),
               done(R"({"Data":[{"WorksId":"e"}],"PageNum":3,"PageSize":2,"TotalNum":5})"));
    ASSERT_EQ(third.children.size(), 1u);
    EXPECT_EQ(third.children[0].action, "QueryShareList");
    auto empty =
        expand(read("QueryWorksByOrganization", {{"PageNum", "1"}, {"PageSize", "2"}}, scope),
               done(R"({"Data":[],"PageNum":1,"PageSize":2,"TotalNum":5,"TotalPages":3})"));
    EXPECT_TRUE(empty.children.empty());
}

TEST(Discovery, UnknownAccountFailsNamingItUnlessMissingIsOk) {
    ApiResult missing;
    missing.outcome = Outcome::Permanent;
    missing.http_status = 400;
    missing.code = "User.Not.In.Organization";
    missing.message = "The user does not belong to the organization.";
    auto e =
        expand(read("QueryUserInfoByAccount", {{"Account", "ghost"}}, offboard("ghost")), missing);
    EXPECT_EQ(e.result.outcome, Outcome::Permanent);
    EXPECT_EQ(e.result.message,
              "account 'ghost' is not in the Quick BI organisation (User.Not.In.Organization); "
              "check the name, or write missing: ok to accept it");
    EXPECT_TRUE(e.children.empty());
    ReadScope ok = offboard("ghost");
    ok.missing_ok = true;
    auto f = expand(read("QueryUserInfoByAccount", {{"Account", "ghost"}}, ok), missing);
    EXPECT_EQ(f.result.outcome, Outcome::Done);
    EXPECT_EQ(f.result.message,
              "account 'ghost' is not in the Quick BI organisation; missing: ok, so there is "
              "nothing to do");
}

// A malformed answer fails the read with a clear code and inserts nothing; so does a read whose
// stored scope cannot be read. Other answers pass through untouched.
TEST(Discovery, MalformedAnswersAndContextsFailTheRead) {
    auto e = expand(read("ListCollections", {{"UserId", "1213"}}, offboard("", "1213")),
                    done(R"([{"WorksId":"w1"},{"WorksName":"no id"}])"));
    EXPECT_EQ(e.result.outcome, Outcome::Permanent);
    EXPECT_EQ(e.result.code, kCodeMalformed);
    EXPECT_EQ(e.result.message, "ListCollections answer: Result[1] WorksId is missing");
    EXPECT_EQ(e.result.request_id, "RID");
    EXPECT_TRUE(e.children.empty());

    queue::ClaimedTask bad = read("ListCollections", {{"UserId", "1"}}, offboard("", "1"));
    bad.context = "{\"scope\":{\"kind\":\"nonsense\"}}";
    auto b = expand(bad, done("[]"));
    EXPECT_EQ(b.result.code, kCodeBadContext);

    queue::ClaimedTask cancel;
    cancel.action = "CancelCollection";
    ApiResult retry;
    retry.outcome = Outcome::Retryable;
    retry.code = "Internal.System.Error";
    auto c = expand(cancel, retry);
    EXPECT_EQ(c.result.code, "Internal.System.Error");
    EXPECT_EQ(c.result.outcome, Outcome::Retryable);
    // A retryable read passes through too (it runs again; nothing is inserted meanwhile).
    auto r = expand(read("QueryShareList", {{"ReportId", "r"}}, offboard("", "1")), retry);
    EXPECT_EQ(r.result.outcome, Outcome::Retryable);
    EXPECT_TRUE(r.children.empty());
}

}  // namespace
}  // namespace qbi::discovery
