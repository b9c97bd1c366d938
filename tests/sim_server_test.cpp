// The simulator as an HTTPS server: world changes and discovery answers through the project's
// client, many concurrent keep-alive connections, the connection's life (requests sent
// together, a malformed one, the keep-alive timeout, stop() with idle connections), and the
// TLS identity a strict client checks (a certificate from another CA, or for another host
// name, is refused).
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <thread>

#include "runner/api/transport.h"
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

// A TLS connection of the test's own, for bytes the project's client never sends.
class RawTls {
public:
    explicit RawTls(const SimFixture& sim) {
        TlsOptions tls;
        tls.ca_file = sim.ca_file();
        auto ctx = make_client_context(tls);
        if (!ctx) throw std::runtime_error(ctx.error().message);
        socket_ = Poco::Net::SecureStreamSocket(
            Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(sim.port())), *ctx);
        socket_.setReceiveTimeout(Poco::Timespan(10, 0));  // a test never hangs on a read
    }
    void send(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size())
            sent += static_cast<std::size_t>(
                socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent)));
    }
    // What arrives until the server closes the connection; "(timeout)" appended if it does not
    // within 10 s.
    std::string read_to_end() {
        std::string out;
        char buf[4096];
        try {
            for (int n; (n = socket_.receiveBytes(buf, sizeof buf)) > 0;)
                out.append(buf, static_cast<std::size_t>(n));
        } catch (const Poco::TimeoutException&) {
            out += "(timeout)";
        } catch (const Poco::Exception&) {
            // reset by the peer: what was read is the answer
        }
        return out;
    }

private:
    Poco::Net::SecureStreamSocket socket_;
};

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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

TEST(SimServer, RequestsSentTogetherAreAnsweredInOrder) {
    // Two requests in one write: the second is already read when the first is answered, so the
    // server must not wait for more bytes before it answers the second.
    SimFixture sim(world());
    RawTls tls(sim);
    tls.send(
        "GET /__sim/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        "GET /__sim/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const std::string answers = tls.read_to_end();
    const auto not_found = answers.find("HTTP/1.1 404");
    const auto ok = answers.find("HTTP/1.1 200");
    ASSERT_NE(not_found, std::string::npos) << answers;
    ASSERT_NE(ok, std::string::npos) << answers;
    EXPECT_LT(not_found, ok);
    EXPECT_NE(answers.find("\"requests\":"), std::string::npos) << answers;
    EXPECT_EQ(answers.find("(timeout)"), std::string::npos);
}

TEST(SimServer, AMalformedRequestIsAnswered400AndTheConnectionClosed) {
    SimFixture sim(world());
    RawTls tls(sim);
    tls.send(std::string(40, 'X') + " / HTTP/1.1\r\n\r\n");  // a method over 32 characters
    const std::string answer = tls.read_to_end();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 1u) << answer;
    EXPECT_EQ(answer.find("(timeout)"), std::string::npos);  // closed, not left open
}

TEST(SimServer, AnIdleConnectionIsClosedAfterTheKeepAliveTimeout) {
    SimFixtureOptions o = world();
    o.keep_alive_timeout_s = 1;
    SimFixture sim(o);
    RawTls tls(sim);
    tls.send("GET /__sim/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const auto t0 = std::chrono::steady_clock::now();
    const std::string answer = tls.read_to_end();  // the answer, then the close
    const double idle = seconds_since(t0);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    EXPECT_EQ(answer.find("(timeout)"), std::string::npos);
    EXPECT_GE(idle, 0.9);
    EXPECT_LT(idle, 5.0);
}

TEST(SimServer, StopEndsIdleConnectionsAtOnce) {
    // One connection kept alive after an answer, one that never sent a request: stop() closes
    // both instead of waiting out the keep-alive (30 s) and I/O (60 s) timeouts.
    SimFixture sim(world());
    SimClient client(sim);
    ASSERT_EQ(client.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
    RawTls silent(sim);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both are being served
    const auto t0 = std::chrono::steady_clock::now();
    sim.stop();
    EXPECT_LT(seconds_since(t0), 5.0);
    EXPECT_EQ(silent.read_to_end().find("(timeout)"), std::string::npos);
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
