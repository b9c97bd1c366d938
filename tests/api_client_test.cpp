// QuickBiClient over a fake Transport: fresh signing per call, latency on the monotonic clock,
// classification, and that no secret reaches a result or a log line. Also endpoint parsing.
#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "runner/api/client.h"
#include "runner/api/endpoint.h"
#include "runner/core/log.h"
#include "runner/core/percent.h"

namespace qbi {
namespace {

// A Transport that records what it was asked to send and answers from a script; it advances
// the ManualClock by `latency_ms` to stand for the time on the wire.
class ScriptedTransport final : public Transport {
public:
    explicit ScriptedTransport(ManualClock& clock) : clock_(clock) {}
    HttpResponse send(const SignedRequest& request) override {
        sent.push_back(request);
        clock_.advance_ms(latency_ms);
        HttpResponse r = answers.empty() ? HttpResponse{200, kOk, "", ""} : answers.front();
        if (!answers.empty()) answers.pop_front();
        return r;
    }
    static constexpr const char* kOk =
        R"({"RequestId": "7c7223ae-0000-3c744528014b", "Result": true, "Success": true})";
    std::vector<SignedRequest> sent;
    std::deque<HttpResponse> answers;
    std::int64_t latency_ms = 0;

private:
    ManualClock& clock_;
};

std::string header(const SignedRequest& req, const std::string& name) {
    for (const auto& [n, v] : req.headers)
        if (n == name) return v;
    return "<absent>";
}

Credentials test_credentials(const std::string& token = "") {
    Credentials c;
    c.access_key_id = "LTAI_example_abcd";
    c.access_key_secret = Secret("client-secret/with+special=chars");
    c.security_token = Secret(token);
    c.source = "test";
    return c;
}

class Client : public ::testing::Test {
protected:
    ManualClock clock{1705307400000};  // 2024-01-15T08:30:00Z
    SequenceNonceSource nonces{"nonce-"};
    ScriptedTransport transport{clock};
    Endpoint endpoint{"quickbi-public.cn-hangzhou.aliyuncs.com", 443};
};

// Two V3 calls one second apart: each is signed with its own x-acs-date and nonce, and the
// signature is exactly what sign_v3 gives for those inputs.
TEST_F(Client, EveryCallIsSignedFreshV3) {
    QuickBiClient client(endpoint, test_credentials(), SignatureScheme::V3, clock, nonces,
                         transport);
    Params p = {{"UserId", "1213444447901234"}, {"WorksId", "w1"}};
    ApiResult a = client.call("CancelCollection", p);
    clock.advance_ms(1000);
    ApiResult b = client.call("CancelCollection", p);
    ASSERT_EQ(transport.sent.size(), 2u);
    EXPECT_EQ(a.outcome, Outcome::Done);
    EXPECT_EQ(b.outcome, Outcome::Done);
    EXPECT_EQ(a.request_id, "7c7223ae-0000-3c744528014b");
    EXPECT_EQ(header(transport.sent[0], "x-acs-date"), "2024-01-15T08:30:00Z");
    EXPECT_EQ(header(transport.sent[1], "x-acs-date"), "2024-01-15T08:30:01Z");
    EXPECT_NE(header(transport.sent[0], "x-acs-signature-nonce"),
              header(transport.sent[1], "x-acs-signature-nonce"));
    EXPECT_EQ(header(transport.sent[0], "host"), "quickbi-public.cn-hangzhou.aliyuncs.com");
    EXPECT_EQ(transport.sent[0].method, "POST");
    EXPECT_EQ(transport.sent[0].query, "UserId=1213444447901234&WorksId=w1");

    Credentials cred = test_credentials();
    SignInput in;
    in.host = endpoint.host_header();
    in.action = "CancelCollection";
    in.params = p;
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = header(transport.sent[0], "x-acs-signature-nonce");
    EXPECT_EQ(transport.sent[0].signature, sign_v3(in).signature);
}

// Every worker makes its own client from the one Credentials of ApiSetup: the clients hold the
// same secret bytes, not a copy each.
TEST_F(Client, ClientsShareTheSecretTheyWereGiven) {
    const Credentials shared = test_credentials("sts-token");
    QuickBiClient a(endpoint, shared, SignatureScheme::V3, clock, nonces, transport);
    QuickBiClient b(endpoint, shared, SignatureScheme::V1, clock, nonces, transport);
    EXPECT_EQ(a.credentials().access_key_secret.holder(), shared.access_key_secret.holder());
    EXPECT_EQ(b.credentials().access_key_secret.holder(), shared.access_key_secret.holder());
    EXPECT_EQ(b.credentials().security_token.holder(), shared.security_token.holder());
}

// V1 against a simulator port: Timestamp/SignatureNonce in the query, host with its port.
TEST_F(Client, V1SignsWithTimestampAndNonceInTheQuery) {
    Endpoint local{"127.0.0.1", 8443};
    QuickBiClient client(local, test_credentials(), SignatureScheme::V1, clock, nonces, transport);
    client.call("CancelReportShare",
                {{"ReportId", "r"}, {"ShareToIds", "u"}, {"ShareToType", "0"}});
    ASSERT_EQ(transport.sent.size(), 1u);
    const SignedRequest& req = transport.sent[0];
    EXPECT_EQ(req.host, "127.0.0.1:8443");
    EXPECT_NE(req.query.find("&Timestamp=2024-01-15T08%3A30%3A00Z&"), std::string::npos);
    EXPECT_NE(req.query.find("&SignatureNonce=nonce-"), std::string::npos);
    EXPECT_NE(req.query.find("Action=CancelReportShare&"), std::string::npos);
}

// The latency is what the monotonic clock measured around the send.
TEST_F(Client, LatencyIsMeasuredOnTheMonotonicClock) {
    QuickBiClient client(endpoint, test_credentials(), SignatureScheme::V3, clock, nonces,
                         transport);
    transport.latency_ms = 250;
    EXPECT_EQ(client.call("CancelCollection", {}).latency_ms, 250);
}

// Error bodies are classified; transport failures keep their code and become outcomes.
TEST_F(Client, ClassifiesResponsesAndTransportFailures) {
    QuickBiClient client(endpoint, test_credentials(), SignatureScheme::V3, clock, nonces,
                         transport);
    transport.answers = {
        {400,
         R"({"RequestId":"r1","Code":"Favorite.NotCancel.Permission","Message":"You have not added this work to favorites."})",
         "", ""},
        {0, "", kCodeConnection, "https://x: Connection refused"},
        {0, "", kCodeTls, "https://x: certificate rejected: ..."},
        {200, "{\"RequestId\":\"r2\",\"Succ", kCodeTruncated,
         "HTTP 200: body of 21 bytes, Content-Length 60"},
        {502, "<html>bad gateway</html>", "", ""},
    };
    ApiResult r = client.call("CancelCollection", {});
    EXPECT_EQ(r.outcome, Outcome::AlreadyAbsent);
    EXPECT_EQ(r.code, "Favorite.NotCancel.Permission");
    EXPECT_EQ(r.request_id, "r1");
    EXPECT_EQ(r.http_status, 400);

    r = client.call("CancelCollection", {});
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_EQ(r.code, kCodeConnection);
    EXPECT_EQ(r.message, "https://x: Connection refused");
    EXPECT_EQ(r.http_status, 0);

    r = client.call("CancelCollection", {});
    EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    EXPECT_EQ(exit_code_for(r.outcome), 78);

    r = client.call("CancelCollection", {});
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_EQ(r.code, kCodeTruncated);
    EXPECT_EQ(r.http_status, 200);

    r = client.call("CancelCollection", {});
    EXPECT_EQ(r.outcome, Outcome::Retryable);
    EXPECT_EQ(r.code, kCodeProtocol);
}

// The secret and the STS token never leave the client: not in a result (even when the gateway
// echoes its StringToSign, which holds the V1 SecurityToken), not in a debug log line, not in
// a redacted prepared request, not in any transport error.
TEST_F(Client, SecretAppearsInNoResultLogLineOrDisplayedRequest) {
    const std::string token = "CAIS-sts/token+value=";
    Credentials cred = test_credentials(token);
    const std::string secret = cred.access_key_secret.reveal();
    std::vector<std::string> forbidden = {
        secret, percent_encode(secret), percent_encode(percent_encode(secret)),
        token,  percent_encode(token),  percent_encode(percent_encode(token))};

    std::mutex m;
    std::vector<std::string> lines;
    log::Level old_level = log::level();
    log::set_level(log::Level::Debug);
    log::set_sink([&](log::Level, std::string_view line) {
        std::lock_guard<std::mutex> lock(m);
        lines.emplace_back(line);
    });

    std::vector<std::string> outputs;
    for (SignatureScheme scheme : {SignatureScheme::V1, SignatureScheme::V3}) {
        QuickBiClient client(endpoint, cred, scheme, clock, nonces, transport);
        SignedRequest shown = redacted(client.prepare("CancelCollection", {{"UserId", "u"}}), cred);
        std::string all = shown.query + shown.string_to_sign + shown.canonical_request;
        for (const auto& [n, v] : shown.headers) all += n + ": " + v + "\n";
        outputs.push_back(all);

        // A gateway that quotes the V1 StringToSign (token encoded twice) and, absurdly, the
        // secret itself.
        const std::string echoed =
            "Specified signature is not matched with our calculation. "
            "server string to sign is:POST&%2F&SecurityToken%3D" +
            percent_encode(percent_encode(token)) + " key " + secret;
        transport.answers = {
            {400,
             "{\"RequestId\":\"r\",\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"" + echoed +
                 "\"}",
             "", ""},
            {0, "", kCodeConnection, "failed with " + token},
        };
        for (int i = 0; i < 2; ++i) {
            ApiResult r = client.call("CancelCollection", {{"UserId", "u"}});
            outputs.push_back(r.message + "\n" + r.body + "\n" + r.code + "\n" + r.request_id);
        }
    }
    log::set_sink(nullptr);
    log::set_level(old_level);

    ASSERT_EQ(lines.size(), 4u);  // one debug line per call
    EXPECT_NE(lines[0].find("LTAI****abcd"), std::string::npos) << lines[0];
    EXPECT_NE(outputs[1].find("<redacted>"), std::string::npos) << outputs[1];
    for (const std::string& text : outputs)
        for (const std::string& f : forbidden) EXPECT_EQ(text.find(f), std::string::npos) << text;
    for (const std::string& line : lines)
        for (const std::string& f : forbidden) EXPECT_EQ(line.find(f), std::string::npos) << line;
}

TEST(SignatureScheme, Names) {
    EXPECT_EQ(parse_signature_scheme("v3"), SignatureScheme::V3);
    EXPECT_EQ(parse_signature_scheme("v1"), SignatureScheme::V1);
    EXPECT_EQ(parse_signature_scheme("V3"), std::nullopt);
    EXPECT_STREQ(signature_scheme_name(SignatureScheme::V3), "v3");
}

// ----------------------------------------------------------------------------- endpoints

TEST(ParseEndpoint, AcceptsHttpsHostAndPort) {
    struct Case {
        const char* url;
        const char* host;
        int port;
        const char* host_header;
    };
    for (const Case& c : std::vector<Case>{
             {"https://quickbi-public.cn-hangzhou.aliyuncs.com",
              "quickbi-public.cn-hangzhou.aliyuncs.com", 443,
              "quickbi-public.cn-hangzhou.aliyuncs.com"},
             {"https://quickbi-public.cn-hangzhou.aliyuncs.com/",
              "quickbi-public.cn-hangzhou.aliyuncs.com", 443,
              "quickbi-public.cn-hangzhou.aliyuncs.com"},
             {"HTTPS://127.0.0.1:8443", "127.0.0.1", 8443, "127.0.0.1:8443"},
             {"https://localhost:443", "localhost", 443, "localhost"},
             {"https://[::1]:8443", "::1", 8443, "[::1]:8443"},
             {"https://[::1]", "::1", 443, "[::1]"},
         }) {
        SCOPED_TRACE(c.url);
        auto ep = parse_endpoint(c.url);
        ASSERT_TRUE(ep.ok()) << ep.error().message;
        EXPECT_EQ(ep->host, c.host);
        EXPECT_EQ(ep->port, c.port);
        EXPECT_EQ(ep->host_header(), c.host_header);
        EXPECT_EQ(ep->url(), std::string("https://") + c.host_header);
    }
}

TEST(ParseEndpoint, RefusesEverythingElseWithAClearError) {
    struct Case {
        const char* url;
        const char* message;
    };
    for (const Case& c : std::vector<Case>{
             {"", "endpoint is empty: expected https://host[:port]"},
             {"http://127.0.0.1:8080",
              "endpoint 'http://127.0.0.1:8080' uses http: only https:// is supported"},
             {"quickbi-public.cn-hangzhou.aliyuncs.com",
              "endpoint 'quickbi-public.cn-hangzhou.aliyuncs.com' has no scheme: expected "
              "https://host[:port]"},
             {"ftp://x", "endpoint 'ftp://x' uses scheme 'ftp': expected https://host[:port]"},
             {"https://", "endpoint 'https://' has no host"},
             {"https://:8443", "endpoint 'https://:8443' has no host"},
             {"https://x/api", "endpoint 'https://x/api' has a path: expected https://host[:port]"},
             {"https://x/?a=b",
              "endpoint 'https://x/?a=b' has a query or fragment: expected https://host[:port]"},
             {"https://user@x",
              "endpoint 'https://user@x' has user information: expected https://host[:port]"},
             {"https://x:", "endpoint 'https://x:' has an empty port"},
             {"https://x:0", "endpoint 'https://x:0' has an invalid port '0' (1-65535)"},
             {"https://x:65536",
              "endpoint 'https://x:65536' has an invalid port '65536' (1-65535)"},
             {"https://x:84a3", "endpoint 'https://x:84a3' has an invalid port '84a3' (1-65535)"},
             {"https://bad host",
              "endpoint 'https://bad host' has an invalid character in its host name"},
             {"https://[::1", "endpoint 'https://[::1' has an unclosed '['"},
         }) {
        SCOPED_TRACE(c.url);
        auto ep = parse_endpoint(c.url);
        ASSERT_FALSE(ep.ok());
        EXPECT_EQ(ep.error().code, 78);
        EXPECT_EQ(ep.error().message, c.message);
    }
}

TEST(RegionEndpoint, PublicHostOfTheRegion) {
    EXPECT_EQ(region_endpoint("cn-hangzhou"), "quickbi-public.cn-hangzhou.aliyuncs.com");
    EXPECT_EQ(region_endpoint("ap-southeast-1"), "quickbi-public.ap-southeast-1.aliyuncs.com");
}

}  // namespace
}  // namespace qbi
