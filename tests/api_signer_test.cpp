// The two request signers (quickbi-api.md §4): every published vector of §4.3, plus our own
// vectors for STS and for every character class that needs encoding.
#include <gtest/gtest.h>

#include "runner/api/credentials.h"
#include "runner/api/signer.h"
#include "runner/core/percent.h"

namespace qbi {
namespace {

constexpr const char* kQuickBiHost = "quickbi-public.cn-hangzhou.aliyuncs.com";

Credentials make_credentials(std::string id, std::string secret, std::string token = "") {
    Credentials c;
    c.access_key_id = std::move(id);
    c.access_key_secret = Secret(std::move(secret));
    c.security_token = Secret(std::move(token));
    c.source = "test";
    return c;
}

std::string header(const SignedRequest& req, const std::string& name) {
    for (const auto& [n, v] : req.headers)
        if (n == name) return v;
    return "<absent>";
}

// ---------------------------------------------------------------------------------------------
// Published by Alibaba (quickbi-api.md §4.3).

// HMAC-SHA1 GET DescribeRegions, Format=XML, ECS version: Alibaba's documented example.
TEST(SignV1, PublishedDescribeRegionsVector) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.method = "GET";
    in.host = "ecs.aliyuncs.com";
    in.action = "DescribeRegions";
    in.version = "2014-05-26";
    in.format = "XML";
    in.credentials = &cred;
    in.timestamp = "2016-02-23T12:46:24Z";
    in.nonce = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf";
    SignedRequest req = sign_v1(in);
    EXPECT_EQ(req.signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.string_to_sign.substr(0, 9), "GET&%2F&A");
}

// HMAC-SHA1 GET DescribeDedicatedHosts with a business parameter (RegionId).
TEST(SignV1, PublishedDescribeDedicatedHostsVector) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.method = "GET";
    in.host = "ecs.aliyuncs.com";
    in.action = "DescribeDedicatedHosts";
    in.version = "2014-05-26";
    in.format = "JSON";
    in.params = {{"RegionId", "cn-beijing"}};
    in.credentials = &cred;
    in.timestamp = "2023-03-13T08:34:30Z";
    in.nonce = "edb2b34af0af9a6d14deaf7c1a5315eb";
    EXPECT_EQ(sign_v1(in).signature, "9NaGiOspFP5UPcwX8Iwt2YJXXuk=");
}

// ACS3-HMAC-SHA256 POST RunInstances on ECS: the published canonical-request hash and signature.
TEST(SignV3, PublishedEcsRunInstancesVector) {
    Credentials cred = make_credentials("YourAccessKeyId", "YourAccessKeySecret");
    SignInput in;
    in.host = "ecs.cn-shanghai.aliyuncs.com";
    in.action = "RunInstances";
    in.version = "2014-05-26";
    in.params = {{"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"},
                 {"RegionId", "cn-shanghai"}};
    in.credentials = &cred;
    in.timestamp = "2023-10-26T10:22:32Z";
    in.nonce = "3156853299f313e23d1673dc12e1703d";
    SignedRequest req = sign_v3(in);
    EXPECT_EQ(req.query,
              "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai");
    EXPECT_EQ(req.string_to_sign,
              "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
    EXPECT_EQ(req.signature, "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
}

// Quick BI HMAC-SHA1 POST CancelCollection (computed with the official SDK code).
TEST(SignV1, QuickBiCancelCollectionVector) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelCollection";
    in.params = {{"UserId", "1213444447901234"},
                 {"WorksId", "d23e84a1-82a0-4292-bfdb-521306c31234"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "7c5d0a0e-3b7f-4f6e-9a51-0d2f5c8e1a01";
    SignedRequest req = sign_v1(in);
    EXPECT_EQ(
        req.string_to_sign,
        "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCancelCollection%26Format%3DJSON%26"
        "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D7c5d0a0e-3b7f-4f6e-9a51-0d2f5c8e1a01%26"
        "SignatureVersion%3D1.0%26Timestamp%3D2024-01-15T08%253A30%253A00Z%26"
        "UserId%3D1213444447901234%26Version%3D2022-01-01%26"
        "WorksId%3Dd23e84a1-82a0-4292-bfdb-521306c31234");
    EXPECT_EQ(req.signature, "H7ihrCxadCqRZP3xyOs8Yk4E+9E=");
    // The wire query: every parameter, Signature included (percent-encoded), sorted.
    EXPECT_EQ(req.query,
              "AccessKeyId=testid&Action=CancelCollection&Format=JSON&"
              "Signature=H7ihrCxadCqRZP3xyOs8Yk4E%2B9E%3D&SignatureMethod=HMAC-SHA1&"
              "SignatureNonce=7c5d0a0e-3b7f-4f6e-9a51-0d2f5c8e1a01&SignatureVersion=1.0&"
              "Timestamp=2024-01-15T08%3A30%3A00Z&UserId=1213444447901234&Version=2022-01-01&"
              "WorksId=d23e84a1-82a0-4292-bfdb-521306c31234");
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.path, "/");
    EXPECT_EQ(req.body, "");
}

// Quick BI ACS3-HMAC-SHA256 POST CancelCollection (computed with the official SDK code).
TEST(SignV3, QuickBiCancelCollectionVector) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelCollection";
    in.params = {{"UserId", "1213444447901234"},
                 {"WorksId", "d23e84a1-82a0-4292-bfdb-521306c31234"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "3f1d2c4b5a6978877665544332211001";
    SignedRequest req = sign_v3(in);
    EXPECT_EQ(req.query, "UserId=1213444447901234&WorksId=d23e84a1-82a0-4292-bfdb-521306c31234");
    EXPECT_EQ(req.string_to_sign,
              "ACS3-HMAC-SHA256\ne9df70b9e9fa9a9d684dcf36f1d5260a4570dc74f3a8353a27e2670cb78630da");
    EXPECT_EQ(header(req, "authorization"),
              "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;"
              "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
              "Signature=d1b62ece363061589811edb09e927e5c980ae626d0e03a18126496cbc4327986");
    // Exactly the signed headers plus Authorization go on the wire; no x-acs-accesskey-id
    // (an unsigned x-acs-* header would break the signature rule), no content-type.
    std::vector<std::pair<std::string, std::string>> expected = {
        {"host", kQuickBiHost},
        {"x-acs-action", "CancelCollection"},
        {"x-acs-content-sha256", kEmptySha256},
        {"x-acs-date", "2024-01-15T08:30:00Z"},
        {"x-acs-signature-nonce", "3f1d2c4b5a6978877665544332211001"},
        {"x-acs-version", "2022-01-01"},
        {"authorization", header(req, "authorization")},
    };
    EXPECT_EQ(req.headers, expected);
}

// ---------------------------------------------------------------------------------------------
// Our own vectors. The expected StringToSign / canonical request were written out by hand from
// the rules of quickbi-api.md §4 (sort by name, percent-encode, encode the canonical query a
// second time for V1). The digests of those hand-written strings were then computed outside
// this code base with the OpenSSL command line, e.g.
//   printf '%s' "$STRING_TO_SIGN" | openssl dgst -sha1 -hmac 'testsecret&' -binary | base64
//   printf '%s' "$CANONICAL_REQUEST" | sha256sum
//   printf 'ACS3-HMAC-SHA256\n%s' "$HASH" | openssl dgst -sha256 -hmac testsecret

// An STS token with '+', '/' and '=' (as real tokens have): V1 sends it as the SecurityToken
// parameter, which sorts between ReportId and ShareToIds and is signed like any other. The
// signature was computed from the hand-written StringToSign holding the token as
// SecurityToken%3DCAIS%252Btoken%252Fwith%253Dchars; the diagnostic copy shows it redacted.
TEST(SignV1, StsTokenIsSignedAsSecurityTokenParameter) {
    Credentials cred = make_credentials("testid", "testsecret", "CAIS+token/with=chars");
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelReportShare";
    in.params = {{"ReportId", "6b407e50-e774-406b-9956-da2425c21234"},
                 {"ShareToIds", "de4bc5f9429141cc8091cdd1c15b0001"},
                 {"ShareToType", "0"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "sts-nonce-0001";
    SignedRequest req = sign_v1(in);
    EXPECT_EQ(req.string_to_sign,
              "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCancelReportShare%26Format%3DJSON%26"
              "ReportId%3D6b407e50-e774-406b-9956-da2425c21234%26"
              "SecurityToken%3D<redacted>%26"
              "ShareToIds%3Dde4bc5f9429141cc8091cdd1c15b0001%26ShareToType%3D0%26"
              "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dsts-nonce-0001%26"
              "SignatureVersion%3D1.0%26Timestamp%3D2024-01-15T08%253A30%253A00Z%26"
              "Version%3D2022-01-01");
    EXPECT_EQ(req.signature, "E/EiOFV8i7RRwp9Guq5xLTdF+WQ=");
    EXPECT_NE(req.query.find("&SecurityToken=CAIS%2Btoken%2Fwith%3Dchars&"), std::string::npos);
}

// A business value holding every character class that needs encoding (space * + / = & ' ( ) !
// and the non-ASCII é = C3 A9, 中 = E4 B8 AD) plus '~', which stays literal. In the V1
// StringToSign it is encoded twice: '%' itself becomes %25.
TEST(SignV1, EveryCharacterClassThatNeedsEncoding) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelCollection";
    in.params = {{"UserId", "a b*c~d+e/f=g&h'i(j)k!l\xC3\xA9\xE4\xB8\xAD"}, {"WorksId", "w1"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "enc-nonce-0001";
    SignedRequest req = sign_v1(in);
    EXPECT_EQ(req.string_to_sign,
              "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCancelCollection%26Format%3DJSON%26"
              "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Denc-nonce-0001%26"
              "SignatureVersion%3D1.0%26Timestamp%3D2024-01-15T08%253A30%253A00Z%26"
              "UserId%3Da%2520b%252Ac~d%252Be%252Ff%253Dg%2526h%2527i%2528j%2529k%2521l"
              "%25C3%25A9%25E4%25B8%25AD%26Version%3D2022-01-01%26WorksId%3Dw1");
    EXPECT_EQ(req.signature, "D0jdN6pMaD8jdBdblXgaYOfqp0Y=");
    EXPECT_NE(req.query.find("&UserId=a%20b%2Ac~d%2Be%2Ff%3Dg%26h%27i%28j%29k%21l%C3%A9%E4%B8%AD&"),
              std::string::npos);
}

// V3 with STS: x-acs-security-token is sent and signed; it sorts before
// x-acs-signature-nonce ("se" < "si"). The diagnostic canonical request hides the token.
TEST(SignV3, StsTokenIsSignedAsHeader) {
    Credentials cred = make_credentials("testid", "testsecret", "CAIS+token/with=chars");
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelReportShare";
    in.params = {{"ReportId", "6b407e50-e774-406b-9956-da2425c21234"},
                 {"ShareToIds", "de4bc5f9429141cc8091cdd1c15b0001"},
                 {"ShareToType", "0"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "sts-nonce-0002";
    SignedRequest req = sign_v3(in);
    // Hand-written canonical request (token in clear) hashes to ec636e8d...
    EXPECT_EQ(req.string_to_sign,
              "ACS3-HMAC-SHA256\nec636e8d4b238d165b3086ef8893e518140eb3346bf9a61cb9ac84aa17dca99a");
    EXPECT_EQ(header(req, "authorization"),
              "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;"
              "x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;"
              "x-acs-version,"
              "Signature=a5d6ffd41675dfd6b40682e5d6923b55886cd67fbb963b274c5170e9c133f36c");
    EXPECT_EQ(header(req, "x-acs-security-token"), "CAIS+token/with=chars");
    EXPECT_EQ(req.canonical_request,
              std::string("POST\n/\n"
                          "ReportId=6b407e50-e774-406b-9956-da2425c21234&"
                          "ShareToIds=de4bc5f9429141cc8091cdd1c15b0001&ShareToType=0\n"
                          "host:quickbi-public.cn-hangzhou.aliyuncs.com\n"
                          "x-acs-action:CancelReportShare\n"
                          "x-acs-content-sha256:") +
                  kEmptySha256 +
                  "\n"
                  "x-acs-date:2024-01-15T08:30:00Z\n"
                  "x-acs-security-token:<redacted>\n"
                  "x-acs-signature-nonce:sts-nonce-0002\n"
                  "x-acs-version:2022-01-01\n"
                  "\n"
                  "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;"
                  "x-acs-signature-nonce;x-acs-version\n" +
                  kEmptySha256);
}

// V3 against a non-default port (the simulator on loopback): the host header keeps ":8443";
// the query carries the every-class value encoded once.
TEST(SignV3, EveryCharacterClassAndHostWithPort) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.host = "127.0.0.1:8443";
    in.action = "CancelCollection";
    in.params = {{"UserId", "a b*c~d+e/f=g&h'i(j)k!l\xC3\xA9\xE4\xB8\xAD"}, {"WorksId", "w1"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "enc-nonce-0002";
    SignedRequest req = sign_v3(in);
    EXPECT_EQ(req.query,
              "UserId=a%20b%2Ac~d%2Be%2Ff%3Dg%26h%27i%28j%29k%21l%C3%A9%E4%B8%AD&WorksId=w1");
    EXPECT_EQ(header(req, "host"), "127.0.0.1:8443");
    EXPECT_EQ(req.string_to_sign,
              "ACS3-HMAC-SHA256\nc77177a0e41a197d219ea702b9933e942706b561398fdcff69325a376a5c4947");
    EXPECT_EQ(req.signature, "289f0be40a7861c478471035a2181f1ad70f646a5ba56617fbd68d97ff100439");
}

// ---------------------------------------------------------------------------------------------
// Properties.

// Byte-order sorting: upper-case before lower-case; names are encoded too.
TEST(CanonicalQuery, SortsByteWiseAndEncodesNamesAndValues) {
    Params p = {{"b", "2"}, {"B", "1"}, {"a b", "x/y"}, {"_", ""}};
    EXPECT_EQ(canonical_query(p), "B=1&_=&a%20b=x%2Fy&b=2");
    EXPECT_EQ(canonical_query({}), "");
}

// A retry signs with a fresh nonce: the signature must change with it.
TEST(Sign, FreshNonceChangesSignature) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelCollection";
    in.params = {{"UserId", "1"}, {"WorksId", "2"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    for (SignatureScheme s : {SignatureScheme::V1, SignatureScheme::V3}) {
        in.nonce = "n1";
        SignedRequest a = sign(s, in);
        in.nonce = "n2";
        SignedRequest b = sign(s, in);
        EXPECT_NE(a.signature, b.signature);
        EXPECT_EQ(sign(s, in).signature, b.signature);  // pure: same input, same output
    }
}

// A business parameter named like a common one cannot override what the gateway reads.
TEST(SignV1, CommonParametersWinOverBusinessParametersOfTheSameName) {
    Credentials cred = make_credentials("testid", "testsecret");
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelCollection";
    in.params = {{"Action", "DeleteEverything"}, {"Signature", "forged"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "n";
    SignedRequest req = sign_v1(in);
    EXPECT_NE(req.query.find("Action=CancelCollection&"), std::string::npos);
    EXPECT_EQ(req.query.find("DeleteEverything"), std::string::npos);
    EXPECT_EQ(req.query.find("forged"), std::string::npos);
}

// The AccessKey secret is in no field of a signed request, for either scheme, and redacted()
// removes the STS token and the signature from everything a --dry-run would print.
TEST(Sign, SecretNeverInSignedRequestAndRedactedHidesToken) {
    const std::string secret = "S3cr3t-Value-That-Must-Not-Leak";
    const std::string token = "STS/Token+Value=That-Must-Not-Leak";
    Credentials cred = make_credentials("LTAI_example_abcd", secret, token);
    SignInput in;
    in.host = kQuickBiHost;
    in.action = "CancelCollection";
    in.params = {{"UserId", "1"}, {"WorksId", "2"}};
    in.credentials = &cred;
    in.timestamp = "2024-01-15T08:30:00Z";
    in.nonce = "n";
    for (SignatureScheme s : {SignatureScheme::V1, SignatureScheme::V3}) {
        SCOPED_TRACE(s == SignatureScheme::V1 ? "v1" : "v3");
        SignedRequest shown = redacted(sign(s, in), cred);
        std::string all = shown.method + shown.host + shown.path + shown.query + shown.body +
                          shown.string_to_sign + shown.canonical_request + shown.signature;
        for (const auto& [n, v] : shown.headers) all += n + ":" + v + "\n";
        EXPECT_EQ(all.find("Must-Not-Leak"), std::string::npos) << all;
        EXPECT_EQ(all.find("Must%2DNot"), std::string::npos);
        EXPECT_NE(all.find(kRedacted), std::string::npos);
        // The unredacted request carries the token (it must, to be accepted) but never the secret.
        SignedRequest wire = sign(s, in);
        std::string wire_all = wire.query + wire.string_to_sign + wire.canonical_request;
        for (const auto& [n, v] : wire.headers) wire_all += v;
        EXPECT_EQ(wire_all.find(secret), std::string::npos);
        // Nor does the display copy carry the signature, in any form: it could be replayed.
        EXPECT_EQ(all.find(wire.signature), std::string::npos) << all;
        EXPECT_EQ(all.find(percent_encode(wire.signature)), std::string::npos) << all;
        EXPECT_EQ(shown.signature, kOmitted);
        EXPECT_NE(all.find(std::string("Signature=") + kOmitted), std::string::npos) << all;
    }
}

TEST(Sign, NullCredentialsIsAProgrammingError) {
    SignInput in;
    EXPECT_THROW(sign_v1(in), std::invalid_argument);
    EXPECT_THROW(sign_v3(in), std::invalid_argument);
}

TEST(MaskAccessKeyId, KeepsFirstAndLastFour) {
    EXPECT_EQ(mask_access_key_id("LTAI_example_abcd"), "LTAI****abcd");
    EXPECT_EQ(mask_access_key_id("AKID12345678"), "AKID****5678");  // 12: the shortest shown
    EXPECT_EQ(mask_access_key_id("LTAI1234567"), "****");
    EXPECT_EQ(mask_access_key_id("testid"), "****");
    EXPECT_EQ(mask_access_key_id(""), "****");
}

}  // namespace
}  // namespace qbi
