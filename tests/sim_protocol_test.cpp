// How the simulator speaks HTTP: the published signature vectors verify, GET and form-encoded
// POST bodies are accepted, Format=XML answers XML, other paths and methods get the gateway's
// answers, and /__sim/state and /__sim/stats show the world and the counters.
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "runner/api/signer.h"
#include "runner/core/time_format.h"
#include "tests/support/sim_fixture.h"

namespace qbi::test {
namespace {

struct Raw {
    int status = 0;
    std::string body, content_type, request_id;
};

// One request over TLS exactly as given (no signing, no client logic).
Raw raw(const SimFixture& sim, const std::string& method, const std::string& target,
        const std::vector<std::pair<std::string, std::string>>& headers = {},
        const std::string& body = "", const std::string& content_type = "") {
    TlsOptions tls;
    tls.ca_file = sim.ca_file();
    auto ctx = make_client_context(tls);
    Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim.port()), *ctx);
    Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers)
        if (k != "host") req.set(k, v);
    if (!content_type.empty()) req.setContentType(content_type);
    if (!body.empty() || method == "POST")
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    Raw out;
    Poco::StreamCopier::copyToString(in, out.body);
    out.status = resp.getStatus();
    out.content_type = resp.getContentType();
    out.request_id = resp.get("x-acs-request-id", "");
    return out;
}

SimFixtureOptions world_options() {
    SimFixtureOptions o;
    o.world_yaml = "implicit: true\nfavorites:\n  - {user: u1, works: [w1, w2, w3]}\n";
    return o;
}

SignInput input(const std::string& method, const std::string& host, Params params,
                const Credentials& creds) {
    SignInput in;
    in.method = method;
    in.host = host;
    in.action = "CancelCollection";
    in.params = std::move(params);
    in.credentials = &creds;
    in.timestamp = format_acs_timestamp(SystemClock::instance().wall_ms());
    in.nonce = RandomNonceSource().next();
    return in;
}

TEST(SimProtocol, PublishedQuickBiVectorsVerify) {
    // quickbi-api.md §4.3, at the vectors' own time: the gateway accepts both signatures and
    // the world then answers (this user is not in the organisation).
    ManualClock clock(*parse_rfc3339("2024-01-15T08:30:00Z"));
    sim::SimOptions so;
    so.credentials = {sim_credentials()};
    so.seed = 1;
    sim::Simulator sim(so, clock);
    sim::SimRequest v1;
    v1.method = "POST";
    v1.path = "/";
    v1.query =
        "AccessKeyId=testid&Action=CancelCollection&Format=JSON&SignatureMethod=HMAC-SHA1"
        "&SignatureNonce=7c5d0a0e-3b7f-4f6e-9a51-0d2f5c8e1a01&SignatureVersion=1.0"
        "&Timestamp=2024-01-15T08%3A30%3A00Z&UserId=1213444447901234&Version=2022-01-01"
        "&WorksId=d23e84a1-82a0-4292-bfdb-521306c31234"
        "&Signature=H7ihrCxadCqRZP3xyOs8Yk4E%2B9E%3D";
    EXPECT_NE(sim.handle(v1).body.find("\"Code\":\"User.Not.In.Organization\""), std::string::npos);
    sim::SimRequest v3;
    v3.method = "POST";
    v3.path = "/";
    v3.query = "UserId=1213444447901234&WorksId=d23e84a1-82a0-4292-bfdb-521306c31234";
    v3.headers = {
        {"Host", "quickbi-public.cn-hangzhou.aliyuncs.com"},
        {"x-acs-action", "CancelCollection"},
        {"x-acs-version", "2022-01-01"},
        {"x-acs-date", "2024-01-15T08:30:00Z"},
        {"x-acs-signature-nonce", "3f1d2c4b5a6978877665544332211001"},
        {"x-acs-content-sha256", kEmptySha256},
        {"Authorization",
         "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;"
         "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
         "Signature=d1b62ece363061589811edb09e927e5c980ae626d0e03a18126496cbc4327986"},
    };
    sim::SimReply reply = sim.handle(v3);
    EXPECT_EQ(reply.status, 400);
    EXPECT_NE(reply.body.find("\"Code\":\"User.Not.In.Organization\""), std::string::npos);
    EXPECT_NE(reply.body.find("\"HostId\":\"quickbi-public.cn-hangzhou.aliyuncs.com\""),
              std::string::npos);
    // One changed hex digit of the V3 signature: refused.
    v3.headers.back().second.back() = '1';
    EXPECT_NE(sim.handle(v3).body.find("SignatureDoesNotMatch"), std::string::npos);
}

TEST(SimProtocol, GetAndFormBodyAreAcceptedUnderV1) {
    SimFixture sim(world_options());
    const Credentials creds = sim_credentials();
    const std::string host = "127.0.0.1:" + std::to_string(sim.port());
    // GET with everything in the query.
    SignedRequest get = sign_v1(input("GET", host, {{"UserId", "u1"}, {"WorksId", "w1"}}, creds));
    Raw r = raw(sim, "GET", "/?" + get.query);
    EXPECT_EQ(r.status, 200) << r.body;
    // POST with everything in a form body (the signature covers the body's parameters).
    SignedRequest post = sign_v1(input("POST", host, {{"UserId", "u1"}, {"WorksId", "w2"}}, creds));
    r = raw(sim, "POST", "/", {}, post.query, "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"RequestId":")" + r.request_id + R"(","Result":true,"Success":true})");
    EXPECT_FALSE(sim.world().has_favorite("u1", "w1"));
    EXPECT_FALSE(sim.world().has_favorite("u1", "w2"));
    // Signed as GET, sent as POST: the method is part of the StringToSign.
    SignedRequest other = sign_v1(input("GET", host, {{"UserId", "u1"}, {"WorksId", "w3"}}, creds));
    r = raw(sim, "POST", "/?" + other.query);
    EXPECT_NE(r.body.find("SignatureDoesNotMatch"), std::string::npos);
}

TEST(SimProtocol, V3WithAFormBodyIsCoveredByTheContentHash) {
    SimFixture sim(world_options());
    const Credentials creds = sim_credentials();
    SignedRequest req =
        sign_v3(input("POST", "127.0.0.1:" + std::to_string(sim.port()), {}, creds));
    // A body added after signing: its SHA-256 no longer matches x-acs-content-sha256.
    Raw r = raw(sim, "POST", "/", req.headers, "UserId=u1&WorksId=w1");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("\"Code\":\"SignatureDoesNotMatch\""), std::string::npos) << r.body;
    // With a Content-Type the signature does not cover: an incomplete signature.
    req = sign_v3(input("POST", "127.0.0.1:" + std::to_string(sim.port()), {}, creds));
    r = raw(sim, "POST", "/", req.headers, "UserId=u1&WorksId=w1",
            "application/x-www-form-urlencoded");
    EXPECT_NE(r.body.find("\"Code\":\"IncompleteSignature\""), std::string::npos) << r.body;
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
}

TEST(SimProtocol, FormatXmlAnswersXml) {
    // HMAC-SHA1 without Format=JSON: the gateway's default format is XML.
    SimFixture sim(world_options());
    const Credentials creds = sim_credentials();
    SignInput in = input("POST", "127.0.0.1:" + std::to_string(sim.port()),
                         {{"UserId", "u1"}, {"WorksId", "w1"}}, creds);
    in.format = "XML";
    Raw r = raw(sim, "POST", "/?" + sign_v1(in).query);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/xml;charset=utf-8");
    EXPECT_EQ(r.body,
              "<?xml version='1.0' encoding='UTF-8'?><CancelCollectionResponse><RequestId>" +
                  r.request_id +
                  "</RequestId><Result>true</Result><Success>true</Success>"
                  "</CancelCollectionResponse>");
    in.nonce = RandomNonceSource().next();
    r = raw(sim, "POST", "/?" + sign_v1(in).query);  // fresh nonce, favourite gone
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("<Code>Favorite.NotCancel.Permission</Code>"), std::string::npos);
}

TEST(SimProtocol, OtherPathsAndMethods) {
    SimFixture sim(world_options());
    Raw r = raw(sim, "POST", "/api/v1");
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("\"Code\":\"InvalidAction.NotFound\""), std::string::npos);
    r = raw(sim, "DELETE", "/");
    EXPECT_EQ(r.status, 405);
    EXPECT_NE(r.body.find("\"Code\":\"UnsupportedHTTPMethod\""), std::string::npos);
    r = raw(sim, "POST", "/?Action=CancelCollection&Version=2022-01-01&Format=JSON&%zz=1");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(
        r.body.find("\"Message\":\"The specified parameter \\\"query string\\\" is not valid.\""),
        std::string::npos);
    r = raw(sim, "GET", "/__sim/nothing");
    EXPECT_EQ(r.status, 404);
}

TEST(SimProtocol, StateAndStatsEndpoints) {
    SimFixtureOptions o = world_options();
    o.seed = 5;
    SimFixture sim(o);
    SimClient client(sim);
    EXPECT_EQ(client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}}).outcome,
              Outcome::Done);
    EXPECT_EQ(client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}}).code,
              "Favorite.NotCancel.Permission");
    client.call("Nope", {});
    auto [status, state] = sim_get(sim.endpoint(), sim.ca_file(), "/__sim/state");
    EXPECT_EQ(status, 200);
    EXPECT_EQ(state, sim.state_json());
    EXPECT_NE(
        state.find(
            R"("favorites":[{"id":2,"user":"u1","work":"w2"},{"id":3,"user":"u1","work":"w3"}])"),
        std::string::npos)
        << state;
    auto [s2, stats] = sim_get(sim.endpoint(), sim.ca_file(), "/__sim/stats");
    EXPECT_EQ(s2, 200);
    EXPECT_EQ(stats,
              R"({"requests":3,"changes":1,"refused":1,"by_action":{"CancelCollection":{)"
              R"("Favorite.NotCancel.Permission":1,"OK":1},"Nope":{"InvalidAction.NotFound":1}},)"
              R"("by_code":{"Favorite.NotCancel.Permission":1,"InvalidAction.NotFound":1,"OK":1},)"
              R"("faults":{"halt":0,"throttle":0,"drop":0,"fail":0,"slow":0},)"
              R"("sts":{"issued":0,"assume_role":0,"assume_role_with_oidc":0,)"
              R"("metadata_tokens":0,"refused":0}})");
}

TEST(SimProtocol, RequestLogHasOneLinePerRequestWithoutSecrets) {
    SimFixtureOptions o = world_options();
    o.log = true;
    o.seed = 9;
    o.credentials = {sim_credentials("LTAI_example_abcd", "s3cr3t", "sts-T0KEN")};
    SimFixture sim(o);
    SimClient client(sim, SignatureScheme::V1,
                     sim_credentials("LTAI_example_abcd", "s3cr3t", "sts-T0KEN"));
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    ASSERT_EQ(r.outcome, Outcome::Done);
    sim.stop();
    sim.simulator().close_log();
    const std::string log = read_file(sim.log_file());
    const std::string expected_tail =
        R"(","seq":1,"request_id":")" + r.request_id +
        R"(","action":"CancelCollection","scheme":"v1","access_key_id":"LTAI****abcd",)"
        R"("params":{"UserId":"u1","WorksId":"w1"},"status":200,"code":"","outcome":"ok",)"
        R"("fault":"","changed":true,"delay_ms":0})"
        "\n";
    ASSERT_GT(log.size(), expected_tail.size());
    EXPECT_EQ(log.substr(log.size() - expected_tail.size()), expected_tail);
    EXPECT_EQ(log.substr(0, 9), "{\"time\":\"");
    EXPECT_EQ(log.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(log.find("T0KEN"), std::string::npos);
    EXPECT_EQ(log.find("Signature"), std::string::npos);
}

}  // namespace
}  // namespace qbi::test
