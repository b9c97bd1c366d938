// The API client end to end over real TLS on 127.0.0.1, against the in-process simulator:
// both signature schemes and STS accepted, keep-alive reuse, certificates refused (other CA,
// other host name), timeouts and dropped connections classified, reconnection after errors.
#include <gtest/gtest.h>

#include "runner/api/client.h"
#include "runner/api/endpoint.h"
#include "runner/api/transport.h"
#include "runner/sim/certgen.h"
#include "tests/support/sim_fixture.h"

namespace qbi {
namespace {

using test::SimClient;
using test::SimFixture;
using test::SimFixtureOptions;

const char* kWorld = "favorites: [{user: u1, work: w1}, {user: u1, work: w2}]\nimplicit: true\n";

SimFixtureOptions world_options() {
    SimFixtureOptions o;
    o.world_yaml = kWorld;
    return o;
}

// A favourite that exists is cancelled (done); cancelling it again finds it absent. Both
// schemes, the second with an STS credential whose token must arrive signed.
TEST(ApiOverTls, BothSchemesAndStsAreAcceptedByTheGateway) {
    SimFixtureOptions o = world_options();
    o.credentials = {test::sim_credentials(),
                     test::sim_credentials("STS.id", "stssecret", "CAIS/tok+en=")};
    SimFixture sim(o);

    SimClient v3(sim, SignatureScheme::V3);
    ApiResult r = v3.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.outcome, Outcome::Done) << r.code << " " << r.message;
    EXPECT_FALSE(r.request_id.empty());
    r = v3.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.outcome, Outcome::AlreadyAbsent) << r.code;
    EXPECT_EQ(r.code, "Favorite.NotCancel.Permission");

    SimClient v1_sts(sim, SignatureScheme::V1,
                     test::sim_credentials("STS.id", "stssecret", "CAIS/tok+en="));
    r = v1_sts.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w2"}});
    EXPECT_EQ(r.outcome, Outcome::Done) << r.code << " " << r.message;
    SimClient v3_sts(sim, SignatureScheme::V3,
                     test::sim_credentials("STS.id", "stssecret", "CAIS/tok+en="));
    r = v3_sts.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w2"}});
    EXPECT_EQ(r.outcome, Outcome::AlreadyAbsent) << r.code << " " << r.message;

    // A wrong secret: the gateway refuses the signature, which halts (auth).
    SimClient wrong(sim, SignatureScheme::V3, test::sim_credentials("testid", "not-the-secret"));
    r = wrong.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, "SignatureDoesNotMatch");
    EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    EXPECT_EQ(r.message.find("not-the-secret"), std::string::npos);
}

// Many calls on one transport use one TLS connection.
TEST(ApiOverTls, KeepAliveReusesOneConnection) {
    SimFixture sim(world_options());
    SimClient client(sim);
    for (int i = 0; i < 20; ++i) {
        ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w9"}});
        ASSERT_TRUE(r.outcome == Outcome::Done || r.outcome == Outcome::AlreadyAbsent ||
                    r.outcome == Outcome::Permanent)
            << r.code;
        ASSERT_NE(r.http_status, 0) << r.message;
    }
    EXPECT_EQ(client.transport().connections_opened(), 1);
    EXPECT_EQ(sim.simulator().stats().requests(), 20u);
}

// A certificate from a CA the client does not trust: refused before any request is sent.
TEST(ApiOverTls, CertificateFromAnotherCaIsRejected) {
    SimFixture sim(world_options());
    test::TempDir dir;
    sim::CertBundle other = sim::generate_loopback_bundle();
    std::string other_ca = dir.write("other-ca.pem", other.ca_pem).string();
    SimClient client(sim.endpoint(), other_ca, SignatureScheme::V3, test::sim_credentials());
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, kCodeTls) << r.message;
    EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    EXPECT_EQ(r.http_status, 0);
    EXPECT_EQ(sim.simulator().stats().requests(), 0u);
}

// A trusted chain whose certificate names another host: refused (VERIFY_STRICT checks the
// name on loopback too), before any request is sent.
TEST(ApiOverTls, CertificateForAnotherHostNameIsRejected) {
    sim::CertBundle ca = sim::generate_loopback_bundle();
    SimFixtureOptions o = world_options();
    o.certs = sim::sign_leaf(ca, {"other.example"}, {});
    SimFixture sim(o);
    SimClient client(sim);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, kCodeTls) << r.message;
    EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    EXPECT_NE(r.message.find("127.0.0.1"), std::string::npos) << r.message;
    EXPECT_EQ(sim.simulator().stats().requests(), 0u);
}

// The same certificate is fine for a name it does carry (localhost).
TEST(ApiOverTls, LocalhostNameMatchesTheLoopbackCertificate) {
    SimFixture sim(world_options());
    SimClient client("https://localhost:" + std::to_string(sim.port()), sim.ca_file(),
                     SignatureScheme::V3, test::sim_credentials());
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.outcome, Outcome::Done) << r.code << " " << r.message;
}

// An answer slower than read_timeout_ms: Transport.Timeout (retryable); the next call
// reconnects.
TEST(ApiOverTls, SlowAnswerTimesOutAndTheNextCallReconnects) {
    SimFixtureOptions o = world_options();
    o.faults.latency_ms = 1500;
    SimFixture sim(o);
    TlsOptions tls;
    tls.read_timeout_ms = 300;
    SimClient client(sim, SignatureScheme::V3, test::sim_credentials(), nullptr, tls);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, kCodeTimeout) << r.message;
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_LT(r.latency_ms, 1400);  // gave up before the answer came
    r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.code, kCodeTimeout);
    EXPECT_EQ(client.transport().connections_opened(), 2);
}

// The server drops every connection without answering: ConnectionFailed, retryable.
TEST(ApiOverTls, DroppedConnectionIsRetryable) {
    SimFixtureOptions o = world_options();
    o.faults.drop = 1.0;
    SimFixture sim(o);
    SimClient client(sim);
    for (int i = 0; i < 3; ++i) {
        ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
        EXPECT_TRUE(r.code == kCodeConnection || r.code == kCodeTruncated)
            << r.code << " " << r.message;
        EXPECT_EQ(r.outcome, Outcome::Retryable);
        EXPECT_EQ(r.http_status, 0);
    }
    EXPECT_EQ(client.transport().connections_opened(), 3);  // reset after each error
}

// The server goes away between two calls on a kept-alive connection: the next call fails as
// a connection failure (retryable), not a crash or a hang.
TEST(ApiOverTls, ServerGoneBetweenCalls) {
    SimFixture sim(world_options());
    SimClient client(sim);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    ASSERT_EQ(r.outcome, Outcome::Done) << r.code;
    sim.stop();
    r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w2"}});
    EXPECT_EQ(r.code, kCodeConnection) << r.message;
    EXPECT_EQ(r.outcome, Outcome::Retryable);
}

}  // namespace
}  // namespace qbi
