// The simulator as an HTTPS server: world changes and discovery answers through the project's
// client, many concurrent keep-alive connections, and the TLS identity a strict client checks
// (a certificate from another CA, or for another host name, is refused).
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "runner/sim/certgen.h"
#include "tests/support/sim_fixture.h"

namespace qbi::test {
namespace {

// Users u1 (member of g1) and u2; works w1 (shared to u1, g1 and the organisation) and w2
// (shared to u1); u1 has both as favourites.
constexpr const char* kWorld = R"(
organization: {id: org-1, name: Example}
users: [{id: u1, account: alice, nick: Alice}, {id: u2}]
groups: [{id: g1, name: Team, members: [u1]}]
works: [{id: w1, name: Sales, owner: u2}, {id: w2, name: Costs, type: REPORT}]
favorites: [{user: u1, works: [w1, w2]}]
shares:
  - {id: s1, report: w1, to_type: user, to: u1}
  - {id: s2, report: w1, to_type: group, to: g1}
  - {id: s3, report: w1, to_type: organization, to: org-1}
  - {id: s4, report: w2, to_type: user, to: u1}
)";

SimFixtureOptions world() {
    SimFixtureOptions o;
    o.world_yaml = kWorld;
    return o;
}

std::string result_of(const ApiResult& r) {
    // The body is {"RequestId":"...","Result":<result>,"Success":true}.
    const auto start = r.body.find("\"Result\":") + 9;
    return r.body.substr(start, r.body.rfind(",\"Success\"") - start);
}

TEST(SimServer, CancelCallsChangeTheWorldSeenThroughState) {
    SimFixture sim(world());
    SimClient client(sim, SignatureScheme::V1);
    EXPECT_EQ(client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w2"}}).outcome,
              Outcome::Done);
    for (auto [ids, type] : {std::pair{"u1", "0"}, std::pair{"g1", "1"}, std::pair{"org-1", "2"}})
        EXPECT_EQ(client
                      .call("CancelReportShare",
                            {{"ReportId", "w1"}, {"ShareToIds", ids}, {"ShareToType", type}})
                      .outcome,
                  Outcome::Done)
            << ids;
    auto [status, state] = sim_get(sim.endpoint(), sim.ca_file(), "/__sim/state");
    EXPECT_EQ(status, 200);
    EXPECT_NE(state.find(R"("favorites":[{"id":1,"user":"u1","work":"w1"}])"), std::string::npos);
    EXPECT_NE(state.find(R"("shares":[{"id":"s4","report":"w2","to_type":"user","to":"u1",)"),
              std::string::npos)
        << state;
    // Repeats: the favourite is gone (already absent); the shares are gone (success, the
    // documented default for a grant that does not exist).
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w2"}});
    EXPECT_EQ(r.outcome, Outcome::AlreadyAbsent);
    r = client.call("CancelReportShare",
                    {{"ReportId", "w1"}, {"ShareToIds", "u1"}, {"ShareToType", "0"}});
    EXPECT_EQ(r.outcome, Outcome::Done);
    r = client.call("CancelReportShare",
                    {{"ReportId", "w1"}, {"ShareToIds", "u1"}, {"ShareToType", "9"}});
    EXPECT_EQ(r.code + " " + r.message,
              "Invalid.Parameter.Error The parameter is invalid:ShareToType.");
    EXPECT_EQ(r.outcome, Outcome::Permanent);
    r = client.call("CancelReportShare",
                    {{"ReportId", "w1"}, {"ShareToIds", "zz"}, {"ShareToType", "1"}});
    EXPECT_EQ(r.message, "The user group zz does not belong to the current organization.");
}

TEST(SimServer, AbsentShareModesOverTheWire) {
    SimFixtureOptions o = world();
    o.absent_share = sim::AbsentShare::ResultFalse;
    SimFixture sim(o);
    SimClient client(sim);
    // u2 is a member without a grant on w2: HTTP 200 with Result false.
    ApiResult r = client.call("CancelReportShare",
                              {{"ReportId", "w2"}, {"ShareToIds", "u2"}, {"ShareToType", "0"}});
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(result_of(r), "false");
    EXPECT_EQ(r.code, kCodeUnsuccessful);
    EXPECT_EQ(r.outcome, Outcome::Permanent);
}

TEST(SimServer, DiscoveryAnswersFromTheWorld) {
    SimFixture sim(world());
    SimClient client(sim);
    ApiResult r = client.call("ListCollections", {{"UserId", "u1"}});
    EXPECT_EQ(r.outcome, Outcome::Done);
    EXPECT_EQ(result_of(r),
              R"([{"FavoriteId":1,"OwnerId":"u2","WorksId":"w1","WorksName":"Sales",)"
              R"("WorksType":"PAGE","WorkspaceId":"","WorkspaceName":""},{"FavoriteId":2,)"
              R"("OwnerId":"","WorksId":"w2","WorksName":"Costs","WorksType":"REPORT",)"
              R"("WorkspaceId":"","WorkspaceName":""}])");
    r = client.call("QuerySharesToUserList", {{"UserId", "u1"}});
    EXPECT_EQ(result_of(r),
              R"([{"WorksId":"w1","WorkName":"Sales","WorkType":"PAGE","OwnerId":"u2",)"
              R"("OwnerName":"u2","WorkspaceId":"","WorkspaceName":"","Status":1,)"
              R"("ThirdPartAuthFlag":0,"SecurityLevel":"0","Description":"",)"
              R"("CreateTime":"1704067200000","ModifyTime":"1704067200000","ModifyName":"u2",)"
              R"("Directory":{"Id":"","Name":"","PathId":"","PathName":""}},{"WorksId":"w2",)"
              R"("WorkName":"Costs","WorkType":"REPORT","OwnerId":"","OwnerName":"",)"
              R"("WorkspaceId":"","WorkspaceName":"","Status":1,"ThirdPartAuthFlag":0,)"
              R"("SecurityLevel":"0","Description":"","CreateTime":"1704067200000",)"
              R"("ModifyTime":"1704067200000","ModifyName":"",)"
              R"("Directory":{"Id":"","Name":"","PathId":"","PathName":""}}])");
    r = client.call("QueryShareList", {{"ReportId", "w2"}});
    EXPECT_EQ(result_of(r),
              R"([{"ShareId":"s4","ShareToId":"u1","ShareToName":"Alice","ShareToType":0,)"
              R"("ShareType":"REPORT","AuthPoint":1,"ExpireDate":4102444799000,"ReportId":"w2"}])");
    r = client.call("QueryUserInfoByAccount", {{"Account", "alice"}});
    EXPECT_NE(result_of(r).find(R"("UserId":"u1","AccountId":"u1","AccountName":"alice")"),
              std::string::npos);
    r = client.call("QueryUserInfoByUserId", {{"UserId", "nobody"}});
    EXPECT_EQ(r.code + " " + r.message,
              "User.Not.In.Organization The user nobody is not in the organization.");
}

TEST(SimServer, ServesManyConcurrentKeepAliveConnections) {
    // 300 clients, each with its own connection, all open at once (a barrier holds every
    // thread after its first call), then 4 more calls each on the same connection.
    constexpr int kClients = 300, kCalls = 5;
    SimFixture sim(world());
    std::atomic<int> done{0}, reused{0};
    std::barrier all_connected(kClients);
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i)
        threads.emplace_back([&] {
            SimClient client(sim);
            for (int c = 0; c < kCalls; ++c) {
                if (client.call("ListCollections", {{"UserId", "u1"}}).outcome == Outcome::Done)
                    ++done;
                if (c == 0) all_connected.arrive_and_wait();
            }
            if (client.transport().connections_opened() == 1) ++reused;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(done.load(), kClients * kCalls);
    EXPECT_EQ(reused.load(), kClients);
    EXPECT_EQ(sim.simulator().stats().count("ListCollections", "OK"),
              static_cast<std::uint64_t>(kClients * kCalls));
}

TEST(SimServer, ConcurrentCancelsOfOneFavouriteSucceedExactlyOnce) {
    // 16 clients race to cancel the same favourite: one Done, the rest AlreadyAbsent.
    SimFixture sim(world());
    std::atomic<int> done{0}, absent{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i)
        threads.emplace_back([&] {
            SimClient client(sim);
            ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
            (r.outcome == Outcome::Done ? done : absent)++;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(done.load(), 1);
    EXPECT_EQ(absent.load(), 15);
}

TEST(SimServer, CertificateFromAnotherCaIsRefused) {
    // The server presents a leaf of its own CA; the client trusts a different CA.
    SimFixture sim(world());
    TempDir dir;
    const sim::CertBundle other = sim::generate_loopback_bundle();
    const auto other_ca = dir.write("other-ca.pem", other.ca_pem);
    SimClient client(sim.endpoint(), other_ca.string(), SignatureScheme::V3, sim_credentials());
    ApiResult r = client.call("ListCollections", {{"UserId", "u1"}});
    EXPECT_EQ(r.code, kCodeTls) << r.message;
    EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    EXPECT_EQ(sim.simulator().stats().requests(), 0u);
}

TEST(SimServer, CertificateForAnotherHostIsRefused) {
    // A leaf of the trusted CA, but for other.example only: wrong for 127.0.0.1.
    const sim::CertBundle ca = sim::generate_loopback_bundle();
    SimFixtureOptions o = world();
    o.certs = sim::sign_leaf(ca, {"other.example"}, {});
    SimFixture sim(o);
    SimClient client(sim);
    ApiResult r = client.call("ListCollections", {{"UserId", "u1"}});
    EXPECT_EQ(r.code, kCodeTls) << r.message;
    // The same CA's leaf for 127.0.0.1 is accepted.
    SimFixtureOptions good = world();
    good.certs = sim::sign_leaf(ca, {}, {"127.0.0.1"});
    SimFixture sim2(good);
    SimClient client2(sim2);
    EXPECT_EQ(client2.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
}

}  // namespace
}  // namespace qbi::test
