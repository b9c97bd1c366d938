// The scope of a read task (read_scope.h): its canonical JSON, its key and description, and
// how TaskSpec uses them.
#include <gtest/gtest.h>

#include "runner/core/hash.h"
#include "runner/jobs/read_scope.h"
#include "tests/jobs_helpers.h"

namespace qbi::jobs::test {
namespace {

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
