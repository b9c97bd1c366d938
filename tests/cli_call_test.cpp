// `qbi-runner call` as a real process against the simulator over real TLS (a certificate made
// at test time): each outcome class and its exit code, certificates from another CA or for
// another host refused, --dry-run, and the secret absent from every byte of output.
#include <gtest/gtest.h>

#include "runner/sim/certgen.h"
#include "runner/sim/faults.h"
#include "tests/support/process.h"
#include "tests/support/sim_fixture.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

const char* kSecret = "s3cr3t-Value+/=";  // characters that survive encodings differently
const char* kWorld =
    "implicit: true\n"
    "favorites:\n"
    "  - {user: u1, work: w1}\n"
    "  - {user: u1, work: w2}\n";

class CallTest : public ::testing::Test {
protected:
    test::SimFixtureOptions options(sim::FaultOptions faults = {}) {
        test::SimFixtureOptions o;
        o.credentials = {test::sim_credentials("AKIDcalltest01", kSecret)};
        o.world_yaml = kWorld;
        o.faults = faults;
        return o;
    }
    // Runs qbi-runner with a credentials file (mode 600) holding `secret`.
    test::ProcessResult call(const std::string& endpoint, const std::string& ca_file,
                             std::vector<std::string> args, const std::string& secret = kSecret) {
        auto ak =
            dir.write("ak", std::string("access_key_id = AKIDcalltest01\naccess_key_secret = ") +
                                secret + "\n");
        std::vector<std::string> argv{QBI_RUNNER_BIN, "--endpoint", endpoint,
                                      "--ca-file",    ca_file,      "--credentials-file",
                                      ak.string(),    "call"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = test::run_process(argv, {{"HOME", dir.path().string()}}, dir.path().string());
        // Whatever happened, the secret is in no output.
        EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
        EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
        return r;
    }
    test::TempDir dir;
};

TEST_F(CallTest, SuccessPrintsTheResponseAndExitsZero) {
    test::SimFixture sim(options());
    auto r = call(sim.endpoint(), sim.ca_file(), {"CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"Success\":true"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"RequestId\""), std::string::npos);
    EXPECT_FALSE(sim.world().has_favorite("u1", "w1"));
}

TEST_F(CallTest, SignatureV1WorksToo) {
    test::SimFixture sim(options());
    auto r = call(sim.endpoint(), sim.ca_file(),
                  {"--signature", "v1", "CancelCollection", "UserId=u1", "WorksId=w2"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(sim.world().has_favorite("u1", "w2"));
}

TEST_F(CallTest, AlreadyAbsentIsSuccess) {
    test::SimFixture sim(options());
    auto r = call(sim.endpoint(), sim.ca_file(), {"CancelCollection", "UserId=u1", "WorksId=w9"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.err.find("already_absent"), std::string::npos) << r.err;
}

TEST_F(CallTest, PermanentErrorExitsOne) {
    test::SimFixture sim(options());
    auto r =
        call(sim.endpoint(), sim.ca_file(), {"CancelCollection", "UserId=nobody", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("User.Not.In.Organization"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("permanent (User.Not.In.Organization), RequestId "), std::string::npos)
        << r.err;
}

TEST_F(CallTest, RetryableErrorExits75) {
    sim::FaultOptions f;
    f.fail.push_back(*sim::parse_fail_rule("Internal.System.Error=1"));
    test::SimFixture sim(options(f));
    auto r = call(sim.endpoint(), sim.ca_file(), {"CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 75);
    EXPECT_NE(r.err.find("retryable (Internal.System.Error)"), std::string::npos) << r.err;
}

TEST_F(CallTest, WrongSecretHaltsWith78) {
    test::SimFixture sim(options());
    auto r = call(sim.endpoint(), sim.ca_file(), {"CancelCollection", "UserId=u1", "WorksId=w1"},
                  "wrong-secret-xyz");
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.err.find("halt_auth (SignatureDoesNotMatch)"), std::string::npos) << r.err;
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
}

TEST_F(CallTest, PermissionRefusedHaltsWith77) {
    sim::FaultOptions f;
    f.fail.push_back(*sim::parse_fail_rule("Access.Forbidden=1"));
    test::SimFixture sim(options(f));
    auto r = call(sim.endpoint(), sim.ca_file(), {"CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 77);
    EXPECT_NE(r.err.find("halt_permission (Access.Forbidden)"), std::string::npos) << r.err;
}

// The server presents a valid chain from a CA the client does not trust.
TEST_F(CallTest, CertificateFromAnotherCaIsRefused) {
    test::SimFixture sim(options());
    auto other = dir.write("other-ca.pem", sim::generate_loopback_bundle(1).ca_pem);
    auto r = call(sim.endpoint(), other.string(), {"CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.out.find("Transport.CertificateRejected"), std::string::npos) << r.out;
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));  // nothing reached the server's world
}

// The server's certificate is trusted as a chain but names another host.
TEST_F(CallTest, CertificateForAnotherHostIsRefused) {
    auto ca = sim::generate_loopback_bundle(1);
    auto o = options();
    o.certs = sim::sign_leaf(ca, {"other.example"}, {}, 1);
    test::SimFixture sim(o);
    auto r = call(sim.endpoint(), sim.ca_file(), {"CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.out.find("Transport.CertificateRejected"), std::string::npos) << r.out;
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
}

TEST_F(CallTest, UnreachableEndpointIsRetryable) {
    auto r = call("https://127.0.0.1:1", "/etc/ssl/certs/ca-certificates.crt",
                  {"CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 75);
    EXPECT_NE(r.out.find("Transport.ConnectionFailed"), std::string::npos) << r.out;
}

TEST_F(CallTest, DryRunShowsTheSignedRequestButNoSecret) {
    auto r =
        call("https://127.0.0.1:9", "/etc/ssl/certs/ca-certificates.crt",
             {"--dry-run", "CancelReportShare", "ReportId=r1", "ShareToIds=u1", "ShareToType=0"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("POST https://127.0.0.1:9/?ReportId=r1&ShareToIds=u1&ShareToType=0"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("authorization: ACS3-HMAC-SHA256 Credential=AKIDcalltest01,"),
              std::string::npos);
    EXPECT_NE(r.out.find("# string to sign:\nACS3-HMAC-SHA256\n"), std::string::npos);
}

TEST_F(CallTest, JsonEnvelope) {
    test::SimFixture sim(options());
    auto r = call(sim.endpoint(), sim.ca_file(),
                  {"--json", "CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out.rfind("{\"schema\":1,\"action\":\"CancelCollection\",\"outcome\":\"done\","
                          "\"http_status\":200,",
                          0),
              0u)
        << r.out;
}

TEST_F(CallTest, UsageErrors) {
    auto r = call("https://127.0.0.1:9", "/x", {});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_EQ(r.err,
              "qbi-runner: error: call needs an action, e.g. call CancelCollection "
              "WorksId=W UserId=U\n");
    r = call("https://127.0.0.1:9", "/x", {"CancelCollection", "UserId"});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_EQ(r.err, "qbi-runner: error: expected Key=Value, got 'UserId'\n");
}

TEST_F(CallTest, NoEndpointConfigured) {
    auto r = test::run_process({QBI_RUNNER_BIN, "call", "CancelCollection", "UserId=u"},
                               {{"HOME", dir.path().string()}}, dir.path().string());
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_EQ(r.err,
              "qbi-runner: error: no Quick BI endpoint: pass --endpoint https://host[:port] "
              "or --region ID (or set api.endpoint / api.region in the configuration)\n");
}

// A credentials file readable by others is refused, and the refusal does not quote it.
TEST_F(CallTest, GroupReadableCredentialsAreRefused) {
    auto ak = dir.write(
        "ak-open",
        std::string("access_key_id = AKIDcalltest01\naccess_key_secret = ") + kSecret + "\n",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
            std::filesystem::perms::group_read);
    auto r = test::run_process(
        {QBI_RUNNER_BIN, "--endpoint", "https://127.0.0.1:9", "--credentials-file", ak.string(),
         "call", "--dry-run", "CancelCollection", "UserId=u"},
        {{"HOME", dir.path().string()}}, dir.path().string());
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace qbi
