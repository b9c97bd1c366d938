// The simulator's gateway over real TLS, driven by the project's own client: both signature
// schemes, STS, and every gateway refusal with its code, HTTP status and body. Requests the
// client would never send (missing or garbled signature parts) are made by a transport that
// tampers with the signed request before it goes on the wire.
#include <gtest/gtest.h>

#include <functional>

#include "runner/api/credential_sources.h"
#include "runner/api/response.h"
#include "runner/core/percent.h"
#include "runner/core/strings.h"
#include "tests/support/sim_fixture.h"

namespace qbi::test {
namespace {

constexpr const char* kWorld = "implicit: true\nfavorites:\n  - {user: u1, works: [w1, w2, w3]}\n";

// Sends through `inner` after `mutate` changed the signed request.
class TamperTransport final : public Transport {
public:
    TamperTransport(Transport& inner, std::function<void(SignedRequest&)> mutate)
        : inner_(inner), mutate_(std::move(mutate)) {}
    HttpResponse send(const SignedRequest& request) override {
        SignedRequest copy = request;
        mutate_(copy);
        last_ = copy;
        return inner_.send(copy);
    }
    SignedRequest last_;

private:
    Transport& inner_;
    std::function<void(SignedRequest&)> mutate_;
};

// A query with one parameter removed or replaced (value nullptr: removed).
void set_query_param(SignedRequest& r, const std::string& name, const char* value) {
    std::vector<std::string> parts;
    for (const auto& p : split(r.query, '&'))
        if (p.substr(0, p.find('=')) != name) parts.push_back(p);
    if (value) parts.push_back(name + "=" + percent_encode(value));
    r.query.clear();
    for (const auto& p : parts) r.query += (r.query.empty() ? "" : "&") + p;
}

void set_header(SignedRequest& r, const std::string& name, const char* value) {
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& h : r.headers)
        if (h.first != name) kept.push_back(h);
    if (value) kept.emplace_back(name, value);
    r.headers = kept;
}

class SimGateway : public ::testing::Test {
protected:
    SimGateway() : sim_(options()) {}
    static SimFixtureOptions options() {
        SimFixtureOptions o;
        o.world_yaml = kWorld;
        o.credentials = {sim_credentials(), sim_credentials("stsid", "stssecret", "tok/en+=")};
        return o;
    }
    // One call through a tampering transport.
    ApiResult tampered(SignatureScheme scheme, std::function<void(SignedRequest&)> mutate,
                       const std::string& action = "CancelCollection",
                       Params params = {{"UserId", "u1"}, {"WorksId", "w1"}},
                       Credentials creds = sim_credentials()) {
        SimClient base(sim_, scheme, creds);
        TamperTransport t(base.transport(), std::move(mutate));
        QuickBiClient client(base.client().endpoint(), creds, scheme, SystemClock::instance(),
                             nonces_, t);
        return client.call(action, params);
    }
    std::string code_status(const ApiResult& r) {
        return r.code + " " + std::to_string(r.http_status);
    }

    SimFixture sim_;
    RandomNonceSource nonces_;
};

TEST_F(SimGateway, BothSchemesSucceedWithTheDocumentedBody) {
    for (auto scheme : {SignatureScheme::V3, SignatureScheme::V1}) {
        SimClient client(sim_, scheme);
        const std::string work = scheme == SignatureScheme::V3 ? "w1" : "w2";
        ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", work}});
        EXPECT_EQ(r.outcome, Outcome::Done) << r.code << " " << r.message;
        EXPECT_EQ(r.http_status, 200);
        EXPECT_TRUE(is_request_id(r.request_id)) << r.request_id;
        EXPECT_EQ(r.body,
                  R"({"RequestId":")" + r.request_id + R"(","Result":true,"Success":true})");
    }
    EXPECT_FALSE(sim_.world().has_favorite("u1", "w1"));
    EXPECT_FALSE(sim_.world().has_favorite("u1", "w2"));
}

TEST_F(SimGateway, ErrorBodyHasTheGatewayShape) {
    // A wrong secret: the signature cannot match.
    SimClient client(sim_, SignatureScheme::V3, sim_credentials("testid", "wrong"));
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(code_status(r), "SignatureDoesNotMatch 400");
    EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    EXPECT_EQ(r.body, R"({"RequestId":")" + r.request_id +
                          R"(","HostId":"127.0.0.1","Code":"SignatureDoesNotMatch",)"
                          R"("Message":"Specified signature is not matched with our calculation.",)"
                          R"("Recommend":"https://troubleshoot.api.aliyun.com?q=)"
                          R"(SignatureDoesNotMatch&product=quickbi-public"})");
    EXPECT_TRUE(sim_.world().has_favorite("u1", "w1"));
}

TEST_F(SimGateway, WrongSecretFailsUnderV1Too) {
    SimClient client(sim_, SignatureScheme::V1, sim_credentials("testid", "wrong"));
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(code_status(r), "SignatureDoesNotMatch 400");
}

TEST_F(SimGateway, UnknownAccessKeyIsNotFound) {
    for (auto scheme : {SignatureScheme::V3, SignatureScheme::V1}) {
        SimClient client(sim_, scheme, sim_credentials("nobody", "testsecret"));
        ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
        EXPECT_EQ(code_status(r), "InvalidAccessKeyId.NotFound 404");
        EXPECT_EQ(r.message, "Specified access key is not found.");
        EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    }
}

TEST_F(SimGateway, StsCredentialNeedsItsToken) {
    for (auto scheme : {SignatureScheme::V3, SignatureScheme::V1}) {
        SimClient good(sim_, scheme, sim_credentials("stsid", "stssecret", "tok/en+="));
        EXPECT_EQ(good.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
        SimClient none(sim_, scheme, sim_credentials("stsid", "stssecret"));
        ApiResult r = none.call("ListCollections", {{"UserId", "u1"}});
        EXPECT_EQ(code_status(r), "MissingSecurityToken 400");
        SimClient wrong(sim_, scheme, sim_credentials("stsid", "stssecret", "other"));
        r = wrong.call("ListCollections", {{"UserId", "u1"}});
        EXPECT_EQ(code_status(r), "InvalidSecurityToken.MismatchWithAccessKey 400");
        EXPECT_EQ(r.message, "Specified SecurityToken mismatch with the AccessKey.");
        // A token sent with a permanent AccessKey is refused the same way.
        SimClient extra(sim_, scheme, sim_credentials("testid", "testsecret", "tok/en+="));
        EXPECT_EQ(extra.call("ListCollections", {{"UserId", "u1"}}).code,
                  "InvalidSecurityToken.MismatchWithAccessKey");
    }
}

TEST_F(SimGateway, TamperedParameterBreaksTheSignature) {
    for (auto scheme : {SignatureScheme::V3, SignatureScheme::V1}) {
        ApiResult r =
            tampered(scheme, [](SignedRequest& req) { set_query_param(req, "WorksId", "w3"); });
        EXPECT_EQ(code_status(r), "SignatureDoesNotMatch 400");
    }
    EXPECT_TRUE(sim_.world().has_favorite("u1", "w3"));
}

TEST_F(SimGateway, ReusedNonceIsRefused) {
    // The same signed request sent twice: the second is a replay.
    for (auto scheme : {SignatureScheme::V3, SignatureScheme::V1}) {
        SimClient base(sim_, scheme);
        SignedRequest req = base.client().prepare("ListCollections", {{"UserId", "u1"}});
        HttpResponse first = base.transport().send(req);
        EXPECT_EQ(first.status, 200);
        HttpResponse again = base.transport().send(req);
        ApiResult second = classify_response(again.status, again.body);
        EXPECT_EQ(code_status(second), "SignatureNonceUsed 400");
        EXPECT_EQ(second.message, "Specified signature nonce was used already.");
        EXPECT_EQ(second.outcome, Outcome::Retryable);
    }
}

TEST_F(SimGateway, MissingCommonParametersOfV1) {
    for (const char* name : {"Action", "Version", "AccessKeyId", "Signature", "SignatureMethod",
                             "SignatureVersion", "SignatureNonce", "Timestamp"}) {
        ApiResult r = tampered(SignatureScheme::V1,
                               [name](SignedRequest& req) { set_query_param(req, name, nullptr); });
        EXPECT_EQ(code_status(r), "Missing" + std::string(name) + " 400");
        EXPECT_EQ(r.message, std::string(name) + " is mandatory for this action.");
    }
}

TEST_F(SimGateway, MissingSignedHeadersOfV3) {
    for (const char* name : {"x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                             "x-acs-content-sha256"}) {
        ApiResult r = tampered(SignatureScheme::V3,
                               [name](SignedRequest& req) { set_header(req, name, nullptr); });
        EXPECT_EQ(code_status(r), "MissingParameter 400");
        EXPECT_EQ(r.message, "The input parameter \"" + std::string(name) +
                                 "\" that is mandatory for processing this request is not "
                                 "supplied.");
    }
}

TEST_F(SimGateway, GarbledSignaturePartsAreIncomplete) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"ACS3-HMAC-SHA256 Credential=testid", "IncompleteSignature"},
        {"ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host,Signature=", "IncompleteSignature"},
        {"ACS3-HMAC-SHA256 nonsense", "IncompleteSignature"},
        {"ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=x-acs-date;host,Signature=00",
         "IncompleteSignature"},  // not sorted
        {"ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=x-acs-action,Signature=00",
         "IncompleteSignature"},  // host and most x-acs-* headers unsigned
        {"HMAC-SHA1 Credential=testid,SignedHeaders=host,Signature=00", "InvalidSignatureMethod"},
        {"", "IncompleteSignature"},
    };
    for (const auto& [value, code] : cases) {
        ApiResult r = tampered(SignatureScheme::V3, [&value = value](SignedRequest& req) {
            set_header(req, "authorization", value.c_str());
        });
        EXPECT_EQ(code_status(r), code + " 400") << value;
    }
    // An x-acs-* header that is sent but not signed.
    ApiResult r = tampered(SignatureScheme::V3, [](SignedRequest& req) {
        req.headers.emplace_back("x-acs-extra", "1");
    });
    EXPECT_EQ(code_status(r), "IncompleteSignature 400");
    EXPECT_EQ(r.message, "The request signature does not conform to Aliyun standards.");
    // V1 with another signature method or version.
    r = tampered(SignatureScheme::V1,
                 [](SignedRequest& req) { set_query_param(req, "SignatureMethod", "HMAC-MD5"); });
    EXPECT_EQ(code_status(r), "InvalidSignatureMethod 400");
    r = tampered(SignatureScheme::V1,
                 [](SignedRequest& req) { set_query_param(req, "SignatureVersion", "2.0"); });
    EXPECT_EQ(code_status(r), "InvalidSignatureVersion 400");
}

TEST_F(SimGateway, MalformedTimestampIsRefused) {
    ApiResult r = tampered(SignatureScheme::V1, [](SignedRequest& req) {
        set_query_param(req, "Timestamp", "2024-01-15 08:30:00");
    });
    EXPECT_EQ(code_status(r), "InvalidTimeStamp.Format 400");
    EXPECT_EQ(r.message, "Specified time stamp or date value is not well formatted.");
    r = tampered(SignatureScheme::V3,
                 [](SignedRequest& req) { set_header(req, "x-acs-date", "2024-13-45T99:00:00Z"); });
    EXPECT_EQ(code_status(r), "InvalidTimeStamp.Format 400");
}

TEST_F(SimGateway, UnknownActionAndWrongVersion) {
    for (auto scheme : {SignatureScheme::V3, SignatureScheme::V1}) {
        SimClient client(sim_, scheme);
        ApiResult r = client.call("DeleteEverything", {});
        EXPECT_EQ(code_status(r), "InvalidAction.NotFound 404");
        EXPECT_EQ(r.message, "Specified api is not found, please check your url and method.");
    }
    ApiResult r = tampered(SignatureScheme::V3, [](SignedRequest& req) {
        set_header(req, "x-acs-version", "2020-01-01");
    });
    EXPECT_EQ(code_status(r), "InvalidVersion 400");
    r = tampered(SignatureScheme::V1,
                 [](SignedRequest& req) { set_query_param(req, "Version", "2020-01-01"); });
    EXPECT_EQ(code_status(r), "InvalidVersion 400");
}

TEST_F(SimGateway, MissingAndEmptyActionParameters) {
    // Absent: the gateway's Missing<Name>. Present but empty: Quick BI's System.Param.Empty.
    SimClient client(sim_);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}});
    EXPECT_EQ(code_status(r), "MissingWorksId 400");
    EXPECT_EQ(r.message, "WorksId is mandatory for this action.");
    r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", ""}});
    EXPECT_EQ(code_status(r), "System.Param.Empty 400");
    EXPECT_EQ(r.message, "You must specify the WorksId parameter.");
    r = client.call("CancelReportShare", {{"ReportId", "w1"}, {"ShareToIds", "u1"}});
    EXPECT_EQ(code_status(r), "MissingShareToType 400");
}

TEST(SimGatewayClock, TimestampSkewOverFifteenMinutesIsExpired) {
    // The simulator's clock is fixed; the client's runs 14 and then 16 minutes ahead.
    ManualClock sim_clock(1700000000000);
    SimFixtureOptions o;
    o.clock = &sim_clock;
    o.world_yaml = kWorld;
    SimFixture sim(o);
    ManualClock ahead(1700000000000 + 14 * 60 * 1000);
    SimClient fine(sim, SignatureScheme::V3, sim_credentials(), &ahead);
    EXPECT_EQ(fine.call("ListCollections", {{"UserId", "u1"}}).outcome, Outcome::Done);
    ahead.set_wall_ms(1700000000000 + 16 * 60 * 1000);
    ApiResult r = fine.call("ListCollections", {{"UserId", "u1"}});
    EXPECT_EQ(r.code + " " + std::to_string(r.http_status), "InvalidTimeStamp.Expired 400");
    EXPECT_EQ(r.message, "Specified time stamp or date value is expired.");
    ManualClock behind(1700000000000 - 16 * 60 * 1000);
    SimClient late(sim, SignatureScheme::V1, sim_credentials(), &behind);
    EXPECT_EQ(late.call("ListCollections", {{"UserId", "u1"}}).code, "InvalidTimeStamp.Expired");
}

TEST(SimGatewayClock, NoncesAreForgottenAfterTheirWindow) {
    // Nonce window 1 minute (skew window still 15): a replay is refused within the window
    // and accepted again once the simulator's clock moved past it.
    ManualClock clock(1700000000000);
    SimFixtureOptions o;
    o.clock = &clock;
    o.world_yaml = kWorld;
    o.gateway.nonce_window_ms = 60 * 1000;
    SimFixture sim(o);
    SimClient client(sim, SignatureScheme::V3, sim_credentials(), &clock);
    SignedRequest req = client.client().prepare("ListCollections", {{"UserId", "u1"}});
    EXPECT_EQ(client.transport().send(req).status, 200);
    EXPECT_NE(client.transport().send(req).body.find("SignatureNonceUsed"), std::string::npos);
    clock.advance_ms(61 * 1000);
    EXPECT_EQ(client.transport().send(req).status, 200);
}

// ----------------------------------------------------------------------------- STS and metadata

namespace sts {

constexpr const char* kRole = "acs:ram::1234567890123456:role/cleaner";

struct StsSetup {
    ManualClock clock;
    RandomNonceSource nonces;
    SimFixture sim;
    CredentialSourceOptions options;
    explicit StsSetup(sim::StsOptions sts)
        : sim([&] {
              SimFixtureOptions o;
              o.world_yaml = kWorld;
              o.clock = &clock;
              o.credentials = {sim_credentials("AKIDsource000001", "source-secret")};
              o.sts = std::move(sts);
              o.metadata = true;
              return o;
          }()) {
        TlsOptions tls;
        tls.ca_file = sim.ca_file();
        options.context = *make_client_context(tls);
        options.tls = tls;
        options.sts_endpoint = sim.endpoint();
        options.clock = &clock;
        options.nonces = &nonces;
        options.env = [](const std::string&) { return std::nullopt; };
    }
    CredentialSpec role(const std::string& secret = "source-secret") const {
        CredentialSpec s;
        s.type = CredentialType::RamRoleArn;
        s.credentials = sim_credentials("AKIDsource000001", secret);
        s.role_arn = kRole;
        s.where = "test";
        return s;
    }
    ApiResult call(const Credentials& c, const std::string& work) {
        SimClient client(sim, SignatureScheme::V3, c, &clock);
        return client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", work}});
    }
};

// Temporary credentials work until they expire, are then refused with
// InvalidSecurityToken.Expired, and the provider's refresh brings new ones.
TEST(SimSts, AssumeRoleCredentialsExpireAndAreRefused) {
    StsSetup s({60 * 1000, "", 0, "qbi-sim-role"});
    auto provider = make_credential_provider(s.role(), s.options);
    ASSERT_TRUE(provider.ok()) << provider.error().message;
    auto first = (*provider)->current();
    ASSERT_TRUE(first.ok());
    const Credentials t1 = **first;
    EXPECT_EQ(t1.access_key_id.rfind("STS.", 0), 0u);
    EXPECT_EQ(s.call(t1, "w1").outcome, Outcome::Done);
    s.clock.advance_ms(60 * 1000);
    ApiResult expired = s.call(t1, "w2");
    EXPECT_EQ(expired.code + " " + std::to_string(expired.http_status),
              "InvalidSecurityToken.Expired 400");
    EXPECT_EQ(expired.outcome, Outcome::HaltAuth);
    EXPECT_EQ(expired.message, "Specified SecurityToken is expired.");
    auto second = (*provider)->current();
    ASSERT_TRUE(second.ok());
    EXPECT_NE((*second)->access_key_id, t1.access_key_id);
    EXPECT_EQ(s.call(**second, "w2").outcome, Outcome::Done);
    EXPECT_EQ(s.sim.simulator().stats().refused(), 1u);
    EXPECT_EQ(s.sim.simulator().stats().count("AssumeRole", "OK"), 2u);
}

// STS's own refusals reach the start's error, quoted and scrubbed.
TEST(SimSts, RefusalsNameTheCause) {
    StsSetup s({0, "the-oidc-token", 0, "qbi-sim-role"});
    const std::string host = s.sim.endpoint().substr(8);
    auto bad = make_credential_provider(s.role("wrong-secret"), s.options);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, 78);
    EXPECT_EQ(bad.error().message.rfind("STS AssumeRole at " + host +
                                            " refused: HTTP 400 SignatureDoesNotMatch: Specified "
                                            "signature is not matched with our calculation. "
                                            "(RequestId ",
                                        0),
              0u)
        << bad.error().message;

    TempDir dir;
    CredentialSpec oidc;
    oidc.type = CredentialType::OidcRoleArn;
    oidc.role_arn = kRole;
    oidc.oidc_provider_arn = "acs:ram::1234567890123456:oidc-provider/ack";
    oidc.oidc_token_file = dir.write("token", "not-the-token\n").string();
    oidc.where = "test";
    auto refused = make_credential_provider(oidc, s.options);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message.rfind("STS AssumeRoleWithOIDC at " + host +
                                                " refused: HTTP 400 "
                                                "AuthenticationFail.OIDCToken.Invalid: The OIDC "
                                                "token is invalid. (RequestId ",
                                            0),
              0u)
        << refused.error().message;
    EXPECT_EQ(refused.error().message.find("not-the-token"), std::string::npos);
    dir.write("token", "the-oidc-token\n");
    EXPECT_TRUE(make_credential_provider(oidc, s.options).ok());
    oidc.oidc_token_file = (dir / "absent").string();
    auto absent = make_credential_provider(oidc, s.options);
    ASSERT_FALSE(absent.ok());
    EXPECT_EQ(
        absent.error().message.rfind("OIDC token file " + (dir / "absent").string() + ": ", 0), 0u)
        << absent.error().message;
}

// The metadata service: a token first; without one, 401; the role's credentials as JSON.
TEST(SimSts, MetadataServiceNeedsATokenAndAnswersTheRole) {
    StsSetup s({0, "", 0, "EcsRole"});
    sim::SimRequest get;
    get.method = "GET";
    get.path = "/latest/meta-data/ram/security-credentials/";
    EXPECT_EQ(s.sim.simulator().handle_metadata(get).status, 401);
    sim::SimRequest put;
    put.method = "PUT";
    put.path = "/latest/api/token";
    EXPECT_EQ(s.sim.simulator().handle_metadata(put).status, 400);  // no TTL header
    put.headers = {{"X-aliyun-ecs-metadata-token-ttl-seconds", "21600"}};
    auto token = s.sim.simulator().handle_metadata(put);
    ASSERT_EQ(token.status, 200);
    get.headers = {{"X-aliyun-ecs-metadata-token", token.body}};
    auto role = s.sim.simulator().handle_metadata(get);
    EXPECT_EQ(role.status, 200);
    EXPECT_EQ(role.body, "EcsRole");
    get.path += "OtherRole";
    EXPECT_EQ(s.sim.simulator().handle_metadata(get).status, 404);

    CredentialSpec ecs;
    ecs.type = CredentialType::EcsRamRole;
    ecs.where = "test";
    const std::string url = s.sim.metadata_url();
    s.options.env = [url](const std::string& n) -> std::optional<std::string> {
        if (n == "QBI_ECS_METADATA_URL") return url;
        return std::nullopt;
    };
    auto provider = make_credential_provider(ecs, s.options);  // the role name asked first
    ASSERT_TRUE(provider.ok()) << provider.error().message;
    EXPECT_EQ((*provider)->describe(), "ecs_ram_role from test via the metadata service " + url);
    auto c = (*provider)->current();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(s.call(**c, "w3").outcome, Outcome::Done);
}

}  // namespace sts

}  // namespace
}  // namespace qbi::test
