// The discovery task kinds of schema v1 (discovery.md §1) as accepted: offboard-user and
// revoke-shares expand into the first read calls of their chains, each carrying its scope;
// scopes keep reads apart or collapse them; the scope's JSON, key and description; the
// content hash and the task limit with discovery tasks. Rejected discovery files are in
// jobs_errors_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runner/core/hash.h"
#include "runner/jobs/read_scope.h"
#include "tests/jobs_helpers.h"

namespace qbi::jobs::test {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> keys(const JobSpec& job) {
    std::vector<std::string> out;
    for (const TaskSpec& t : job.tasks) out.push_back(t.key());
    return out;
}

const std::string kJdoeScope = R"({"kind":"offboard-user","account":"jdoe","user":"",)"
                               R"("favorites":true,"shares":"direct","missing":"fail"})";

// ---- offboard-user ---------------------------------------------------------------------------

// By account name: one QueryUserInfoByAccount per account, the defaults in its scope; an
// account listed twice is one task. Names may hold '@' and '.', be a UID written as a YAML
// integer, or use non-ASCII letters.
TEST(Discovery, OffboardByAccountLooksEachAccountUp) {
    JobSpec job = job_for(R"(version: 1
job: offboard-by-account
tasks:
  - offboard-user:
      account: [jdoe, lwang@corpdata.onaliyun.com, 1213444447901234, jdoe, "王磊"]
)");
    ASSERT_EQ(job.tasks.size(), 4u);
    EXPECT_EQ(job.tasks[0].action, kActionQueryUserInfoByAccount);
    EXPECT_EQ(job.tasks[0].params, (Params{{"Account", "jdoe"}}));
    EXPECT_EQ(job.tasks[0].scope, kJdoeScope);
    EXPECT_THAT(
        keys(job),
        ElementsAre("QueryUserInfoByAccount Account=jdoe | offboard-user account=jdoe"
                    "&favorites=true&shares=direct&missing=fail",
                    "QueryUserInfoByAccount Account=lwang@corpdata.onaliyun.com | "
                    "offboard-user account=lwang@corpdata.onaliyun.com&favorites=true"
                    "&shares=direct&missing=fail",
                    "QueryUserInfoByAccount Account=1213444447901234 | offboard-user "
                    "account=1213444447901234&favorites=true&shares=direct&missing=fail",
                    "QueryUserInfoByAccount Account=王磊 | offboard-user "
                    "account=%E7%8E%8B%E7%A3%8A&favorites=true&shares=direct&missing=fail"));
    EXPECT_EQ(calls(job).front(),
              "QueryUserInfoByAccount Account=jdoe (offboarding account "
              "jdoe: favourites and direct shares)");
}

// By UserId: ListCollections and QuerySharesToUserList per user, user-major; favorites and
// shares each drop one of them. Booleans are YAML's: true/false, and the YAML 1.1 words
// yes/no, on/off, y/n that yaml-cpp reads as booleans too (and that the rest of the schema
// calls booleans).
TEST(Discovery, OffboardByUserListsFavouritesAndShares) {
    JobSpec job = job_for(R"(version: 1
job: offboard-by-user
tasks:
  - offboard-user: {user: ["1213444447901234", u2]}
  - offboard-user: {user: u3, favorites: no, missing: ok}
  - offboard-user: {user: u4, favorites: yes, shares: none}
  - offboard-user: {user: u5, favorites: !!bool true, shares: None, missing: OK}
)");
    EXPECT_THAT(calls(job),
                ElementsAre("ListCollections UserId=1213444447901234 (offboarding user "
                            "1213444447901234: favourites and direct shares)",
                            "QuerySharesToUserList UserId=1213444447901234 (offboarding user "
                            "1213444447901234: favourites and direct shares)",
                            "ListCollections UserId=u2 (offboarding user u2: favourites and "
                            "direct shares)",
                            "QuerySharesToUserList UserId=u2 (offboarding user u2: favourites "
                            "and direct shares)",
                            "QuerySharesToUserList UserId=u3 (offboarding user u3: direct "
                            "shares; missing ok)",
                            "ListCollections UserId=u4 (offboarding user u4: favourites)",
                            "ListCollections UserId=u5 (offboarding user u5: favourites; missing "
                            "ok)"));
    EXPECT_EQ(job.tasks[4].scope, R"({"kind":"offboard-user","account":"","user":"u3",)"
                                  R"("favorites":false,"shares":"direct","missing":"ok"})");
    EXPECT_EQ(job.tasks[4].key(),
              "QuerySharesToUserList UserId=u3 | offboard-user user=u3"
              "&favorites=false&shares=direct&missing=ok");
    for (const char* word : {"on", "On", "YES", "y", "True"}) {
        std::string text = std::string(
                               "version: 1\njob: j\ntasks:\n- offboard-user: {user: u, "
                               "favorites: ") +
                           word + ", shares: none}\n";
        EXPECT_EQ(job_for(text).tasks.size(), 1u) << word;
    }
}

// ---- revoke-shares ---------------------------------------------------------------------------

// One QueryShareList per work (scalar or list), or one first page of QueryWorksByOrganization
// for `works: all`; the scope holds the type and the sorted, unique principals.
TEST(Discovery, RevokeSharesReadsEachWorkOrEveryWork) {
    JobSpec job = job_for(R"(version: 1
job: revoke
tasks:
  - revoke-shares: {to-type: group, to: [g2, g1, g2], works: [w1, w2]}
  - revoke-shares: {to-type: 2, to: org1, works: w3}
  - revoke-shares: {to-type: user, to: u1, works: all}
  - revoke-shares: {to-type: user, to: u2, works: "all"}
)");
    const std::string groups = R"({"kind":"revoke-shares","to-type":"1","to":["g1","g2"]})";
    ASSERT_EQ(job.tasks.size(), 5u);
    EXPECT_EQ(job.tasks[0].scope, groups);
    EXPECT_EQ(job.tasks[1].scope, groups);
    EXPECT_EQ(job.tasks[3].params, (Params{{"PageNum", "1"}, {"PageSize", "100"}}));
    EXPECT_THAT(keys(job),
                ElementsAre("QueryShareList ReportId=w1 | revoke-shares to-type=1&to=g1,g2",
                            "QueryShareList ReportId=w2 | revoke-shares to-type=1&to=g1,g2",
                            "QueryShareList ReportId=w3 | revoke-shares to-type=2&to=org1",
                            "QueryWorksByOrganization PageNum=1&PageSize=100 | revoke-shares "
                            "to-type=0&to=u1",
                            "QueryShareList ReportId=all | revoke-shares to-type=0&to=u2"));
    EXPECT_THAT(calls(job),
                ElementsAre("QueryShareList ReportId=w1 (revoking shares to group g1, g2)",
                            "QueryShareList ReportId=w2 (revoking shares to group g1, g2)",
                            "QueryShareList ReportId=w3 (revoking shares to organization org1)",
                            "QueryWorksByOrganization PageNum=1 PageSize=100 (revoking shares "
                            "to user u1)",
                            "QueryShareList ReportId=all (revoking shares to user u2)"));
}

// ---- scopes, duplicates, mixed files -----------------------------------------------------------

// The same read for two different scopes is two tasks (each answer is filtered by its own
// scope); the same read with the same scope, however written, is one.
TEST(Discovery, ScopesKeepReadsApartAndIdenticalReadsCollapse) {
    JobSpec job = job_for(R"(version: 1
job: scopes
tasks:
  - offboard-user: {user: u1}
  - offboard-user: {user: u1, shares: none}
  - offboard-user: {user: [u1, u1], favorites: true, shares: DIRECT, missing: fail}
  - revoke-shares: {to-type: group, to: [g1, g2], works: [w1, w2]}
  - revoke-shares: {to-type: 1, to: [g2, g1, g1], works: w2}
  - revoke-shares: {to-type: group, to: g1, works: w2}
)");
    EXPECT_THAT(keys(job),
                ElementsAre("ListCollections UserId=u1 | offboard-user user=u1&favorites=true"
                            "&shares=direct&missing=fail",
                            "QuerySharesToUserList UserId=u1 | offboard-user user=u1"
                            "&favorites=true&shares=direct&missing=fail",
                            "ListCollections UserId=u1 | offboard-user user=u1&favorites=true"
                            "&shares=none&missing=fail",
                            "QueryShareList ReportId=w1 | revoke-shares to-type=1&to=g1,g2",
                            "QueryShareList ReportId=w2 | revoke-shares to-type=1&to=g1,g2",
                            "QueryShareList ReportId=w2 | revoke-shares to-type=1&to=g1"));
}

// A file may mix explicit and discovery tasks; they expand in file order, and a cancel call
// written by hand stays the plain call it always was.
TEST(Discovery, MixedWithExplicitTasks) {
    JobSpec job = job_for(R"(version: 1
job: mixed
not_before: 2020-01-01T00:00:00Z
tasks:
  - cancel-collection: {user: "1", works: w1}
  - offboard-user: {account: jdoe}
  - cancel-share: {report: r1, to-type: group, to: g1}
  - revoke-shares: {to-type: group, to: g1, works: r1}
)");
    EXPECT_THAT(calls(job),
                ElementsAre("CancelCollection UserId=1 WorksId=w1",
                            "QueryUserInfoByAccount Account=jdoe (offboarding account jdoe: "
                            "favourites and direct shares)",
                            "CancelReportShare ReportId=r1 ShareToIds=g1 ShareToType=1",
                            "QueryShareList ReportId=r1 (revoking shares to group g1)"));
    EXPECT_EQ(job.tasks[0].scope, "");
    EXPECT_EQ(job.tasks[0].key(), "CancelCollection UserId=1&WorksId=w1");
}

// Discovery tasks enter the content hash through their keys, scope included; the canonical
// form is pinned like that of explicit tasks (jobs_parse_test.cpp).
TEST(Discovery, ContentHashCountsReadKeys) {
    const std::string text =
        "version: 1\njob: h\ntasks:\n"
        "  - cancel-collection: {user: \"1\", works: w1}\n"
        "  - offboard-user: {account: jdoe}\n";
    JobSpec job = job_for(text);
    EXPECT_EQ(job.content_hash,
              sha256_hex("qbi-job 1\njob h\ndescription \nnot_before -\nmax_attempts -\n"
                         "task CancelCollection UserId=1&WorksId=w1\n"
                         "task QueryUserInfoByAccount Account=jdoe | offboard-user account=jdoe"
                         "&favorites=true&shares=direct&missing=fail\n"));
    EXPECT_EQ(compute_content_hash(job), job.content_hash);
    std::string changed = text;
    changed.replace(changed.find("{account: jdoe}"), 15, "{account: jdoe, shares: none}");
    EXPECT_NE(job_for(changed).content_hash, job.content_hash);
}

// jobs.max_tasks counts the reads a discovery task starts with, as written: 3 users x 2 reads,
// 3 users x 1 read when favorites is false or shares is none, 1 per account (the repeated
// one included), 1 for works: all, 1 per work.
TEST(Discovery, TaskLimitCountsInitialReads) {
    const std::string text =
        "version: 1\njob: j\ntasks:\n"
        "  - offboard-user: {user: [u1, u2, u3]}\n"
        "  - offboard-user: {user: [u1, u2, u3], favorites: false}\n"
        "  - offboard-user: {user: [u1, u2, u3], shares: none}\n"
        "  - offboard-user: {account: [a, b, a]}\n"
        "  - revoke-shares: {to-type: user, to: [u1, u2], works: all}\n"
        "  - revoke-shares: {to-type: user, to: [u1, u2], works: [w1, w2]}\n";
    JobLimits limits;
    limits.max_tasks = 17;
    EXPECT_THAT(errors_for(text, limits),
                ElementsAre("job.yaml:3:1: tasks: the job expands to 18 tasks, over the limit of "
                            "17 (raise jobs.max_tasks to accept more)"));
    limits.max_tasks = 18;
    EXPECT_EQ(job_for(text, limits).tasks.size(), 17u);
}

// ---- ReadScope ---------------------------------------------------------------------------------

ReadScope offboard_scope() {
    ReadScope s;
    s.account = "lwang@corpdata.onaliyun.com";
    s.user = "1213444447901234";
    s.favorites = false;
    s.missing_ok = true;
    return s;
}

ReadScope revoke_scope(std::vector<std::string> to) {
    ReadScope s;
    s.kind = ReadScope::Kind::Revoke;
    s.to_type = "1";
    s.to = std::move(to);
    return s;
}

// The canonical JSON has a fixed key order and only the fields of its kind; it reads back to
// the same scope and writes back to the same text.
TEST(ReadScopeJson, CanonicalAndRoundTrips) {
    ReadScope off = offboard_scope();
    const std::string off_json =
        R"({"kind":"offboard-user","account":"lwang@corpdata.onaliyun.com",)"
        R"("user":"1213444447901234","favorites":false,"shares":"direct",)"
        R"("missing":"ok"})";
    EXPECT_EQ(off.to_json(), off_json);
    EXPECT_EQ(ReadScope::from_json(off_json), off);
    ReadScope rev = revoke_scope({"g1", "g2"});
    EXPECT_EQ(rev.to_json(), R"({"kind":"revoke-shares","to-type":"1","to":["g1","g2"]})");
    EXPECT_EQ(ReadScope::from_json(rev.to_json()), rev);
    // Escapes both ways: a quote, a backslash, a non-ASCII name, \u escapes on input.
    ReadScope odd;
    odd.account = "a\"b\\c王";
    EXPECT_EQ(odd.to_json().substr(0, 46), R"({"kind":"offboard-user","account":"a\"b\\c王")");
    EXPECT_EQ(ReadScope::from_json(odd.to_json()), odd);
    auto escaped = ReadScope::from_json(
        R"( { "missing" : "fail", "kind":"offboard-user", "user":"", "account":"\u0061\ud83d\ude00",)"
        "\n\t\"favorites\":true,\"shares\":\"none\"} ");
    ASSERT_TRUE(escaped.has_value());
    EXPECT_EQ(escaped->account, "a\xF0\x9F\x98\x80");
    EXPECT_FALSE(escaped->direct_shares);
    EXPECT_EQ(escaped->to_json(), R"({"kind":"offboard-user","account":"a😀","user":"",)"
                                  R"("favorites":true,"shares":"none","missing":"fail"})");
}

// Strict: anything but the exact shape of a kind is refused.
TEST(ReadScopeJson, FromJsonIsStrict) {
    const std::string rev = R"({"kind":"revoke-shares","to-type":"1","to":["g1","g2"]})";
    ASSERT_TRUE(ReadScope::from_json(rev).has_value());
    auto with = [&rev](const std::string& from, const std::string& to) {
        std::string s = rev;
        s.replace(s.find(from), from.size(), to);
        return ReadScope::from_json(s);
    };
    EXPECT_EQ(with("revoke-shares", "cancel-shares"), std::nullopt);      // unknown kind
    EXPECT_EQ(with("revoke-shares", "offboard-user"), std::nullopt);      // other kind's keys
    EXPECT_EQ(with("\"1\"", "1"), std::nullopt);                          // a number
    EXPECT_EQ(with("\"1\"", "\"3\""), std::nullopt);                      // workspace
    EXPECT_EQ(with("[\"g1\",\"g2\"]", "\"g1\""), std::nullopt);           // not an array
    EXPECT_EQ(with("[\"g1\",\"g2\"]", "[]"), std::nullopt);               // empty
    EXPECT_EQ(with("[\"g1\",\"g2\"]", "[\"g2\",\"g1\"]"), std::nullopt);  // unsorted
    EXPECT_EQ(with("[\"g1\",\"g2\"]", "[\"g1\",\"g1\"]"), std::nullopt);  // repeated
    EXPECT_EQ(with("[\"g1\",\"g2\"]", "[\"g1\",2]"), std::nullopt);       // a number inside
    EXPECT_EQ(with("}", ",\"x\":\"y\"}"), std::nullopt);                  // unknown key
    EXPECT_EQ(with("}", ",\"to\":[\"g3\"]}"), std::nullopt);              // repeated key
    EXPECT_EQ(with("}", "} x"), std::nullopt);                            // trailing text
    EXPECT_EQ(with("\"to-type\":\"1\",", ""), std::nullopt);              // missing key
    EXPECT_EQ(with("g1", "g\\x"), std::nullopt);                          // bad escape
    EXPECT_EQ(with("g1", "\\udc00"), std::nullopt);                       // lone surrogate
    EXPECT_EQ(with("g1", "\xC3"), std::nullopt);                          // invalid UTF-8
    EXPECT_EQ(with("g1", "g\n1"), std::nullopt);                          // raw control
    EXPECT_EQ(ReadScope::from_json(""), std::nullopt);
    EXPECT_EQ(ReadScope::from_json("[]"), std::nullopt);
    EXPECT_EQ(ReadScope::from_json(rev.substr(0, rev.size() - 1)), std::nullopt);

    const std::string off = R"({"kind":"offboard-user","account":"a","user":"",)"
                            R"("favorites":true,"shares":"direct","missing":"fail"})";
    ASSERT_TRUE(ReadScope::from_json(off).has_value());
    auto off_with = [&off](const std::string& from, const std::string& to) {
        std::string s = off;
        s.replace(s.find(from), from.size(), to);
        return ReadScope::from_json(s);
    };
    EXPECT_EQ(off_with("true", "\"true\""), std::nullopt);       // favorites as text
    EXPECT_EQ(off_with("\"direct\"", "true"), std::nullopt);     // shares as a boolean
    EXPECT_EQ(off_with("\"direct\"", "\"all\""), std::nullopt);  // unknown shares
    EXPECT_EQ(off_with("\"fail\"", "\"maybe\""), std::nullopt);  // unknown missing
    EXPECT_EQ(off_with("\"a\"", "\"\""), std::nullopt);          // nobody to offboard
    EXPECT_EQ(off_with("\"a\"", "null"), std::nullopt);          // null
}

// The scope key: short, readable for IDs, percent-encoded for other bytes, hashed when long.
TEST(ReadScopeKey, ReadableEncodedOrHashed) {
    EXPECT_EQ(offboard_scope().key(),
              "offboard-user account=lwang@corpdata.onaliyun.com&user=1213444447901234"
              "&favorites=false&shares=direct&missing=ok");
    ReadScope forged;
    forged.account = "a&user=u";
    EXPECT_EQ(forged.key(),
              "offboard-user account=a%26user%3Du&favorites=true&shares=direct"
              "&missing=fail");
    EXPECT_EQ(revoke_scope({"g1", "g2"}).key(), "revoke-shares to-type=1&to=g1,g2");

    std::vector<std::string> many;
    for (int i = 0; i < 20; ++i) many.push_back("group-" + std::to_string(100 + i));
    std::string plain = "revoke-shares to-type=1&to=";
    for (std::size_t i = 0; i < many.size(); ++i) plain += (i ? "," : "") + many[i];
    ASSERT_GT(plain.size(), ReadScope::kMaxPlainKey);
    EXPECT_EQ(revoke_scope(many).key(), "revoke-shares sha256=" + sha256_hex(plain).substr(0, 32));
    EXPECT_EQ(revoke_scope(many).describe(),
              "revoking shares to group group-100, group-101, group-102 and 17 more");
}

// Reads and their descriptions through TaskSpec; cancel keys are unchanged by the new field.
TEST(ReadScopeKey, ThroughTaskSpec) {
    EXPECT_TRUE(is_read_action(kActionQueryUserInfoByAccount));
    EXPECT_TRUE(is_read_action("QueryWorksByOrganization"));
    EXPECT_FALSE(is_read_action(kActionCancelCollection));
    EXPECT_FALSE(is_read_action("QueryUserInfoByUserId"));
    TaskSpec read{kActionQueryShareList, {{"ReportId", "r1"}}, revoke_scope({"g1"}).to_json()};
    EXPECT_EQ(read.key(), "QueryShareList ReportId=r1 | revoke-shares to-type=1&to=g1");
    EXPECT_EQ(describe_call(read), "QueryShareList ReportId=r1 (revoking shares to group g1)");
    read.scope = "{}";
    EXPECT_EQ(read.key(), "QueryShareList ReportId=r1 | invalid-scope sha256=" +
                              sha256_hex("{}").substr(0, 32));
    EXPECT_EQ(describe_call(read), "QueryShareList ReportId=r1 (an unreadable scope)");
}

}  // namespace
}  // namespace qbi::jobs::test
