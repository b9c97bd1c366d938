// `qbi-runner call` as a real process against the simulator over real TLS (a certificate made
// at test time): each outcome class and its exit code, certificates from another CA or for
// another host refused, --dry-run, and the secret absent from every byte of output.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <stdexcept>

#include "runner/core/hash.h"
#include "runner/core/percent.h"
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

// --dry-run shows the request, its canonical request and string to sign, but no signature:
// the one the secret gives for that string to sign is nowhere in the output (a printed one
// could be replayed with curl for 15 minutes).
TEST_F(CallTest, DryRunShowsTheCanonicalRequestButNoUsableSignature) {
    auto r =
        call("https://127.0.0.1:9", "/etc/ssl/certs/ca-certificates.crt",
             {"--dry-run", "CancelReportShare", "ReportId=r1", "ShareToIds=u1", "ShareToType=0"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("POST https://127.0.0.1:9/?ReportId=r1&ShareToIds=u1&ShareToType=0"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("authorization: ACS3-HMAC-SHA256 Credential=AKIDcalltest01,"
                         "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;"
                         "x-acs-signature-nonce;x-acs-version,Signature=<omitted>\n"),
              std::string::npos)
        << r.out;
    const std::string canonical_head = "\n# canonical request:\n";
    const std::string sts_head = "\n\n# string to sign:\n";
    const auto c = r.out.find(canonical_head);
    const auto t = r.out.find(sts_head);
    ASSERT_NE(c, std::string::npos) << r.out;
    ASSERT_NE(t, std::string::npos) << r.out;
    const std::string canonical =
        r.out.substr(c + canonical_head.size(), t - c - canonical_head.size());
    EXPECT_EQ(
        canonical.rfind("POST\n/\nReportId=r1&ShareToIds=u1&ShareToType=0\nhost:127.0.0.1:9\n", 0),
        0u)
        << canonical;
    const auto t_end = r.out.find("\n\n", t + sts_head.size());
    ASSERT_NE(t_end, std::string::npos);
    const std::string string_to_sign =
        r.out.substr(t + sts_head.size(), t_end - t - sts_head.size());
    // The string to sign is the hash of the canonical request shown: nothing is left out.
    EXPECT_EQ(string_to_sign, "ACS3-HMAC-SHA256\n" + sha256_hex(canonical));
    const std::string signature = hex_lower(hmac_sha256_raw(kSecret, string_to_sign));
    EXPECT_EQ(r.out.find(signature), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\n# signature: omitted (a dry run never prints a usable signature, so "
                         "this request cannot be replayed; its string to sign is above)\n"),
              std::string::npos)
        << r.out;
}

// V1 carries the signature as a query parameter: omitted there too, and in --json.
TEST_F(CallTest, DryRunV1AndJsonOmitTheSignature) {
    auto r =
        call("https://127.0.0.1:9", "/etc/ssl/certs/ca-certificates.crt",
             {"--signature", "v1", "--dry-run", "CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string sts_head = "# string to sign:\n";
    const auto t = r.out.find(sts_head);
    ASSERT_NE(t, std::string::npos) << r.out;
    const std::string string_to_sign = r.out.substr(
        t + sts_head.size(), r.out.find('\n', t + sts_head.size()) - t - sts_head.size());
    EXPECT_EQ(string_to_sign.rfind(
                  "POST&%2F&AccessKeyId%3DAKIDcalltest01%26Action%3DCancelCollection", 0),
              0u)
        << string_to_sign;
    const std::string signature = base64(hmac_sha1_raw(std::string(kSecret) + "&", string_to_sign));
    EXPECT_EQ(r.out.find(signature), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(percent_encode(signature)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("&Signature=<omitted>&"), std::string::npos) << r.out;

    auto j = call("https://127.0.0.1:9", "/etc/ssl/certs/ca-certificates.crt",
                  {"--json", "--dry-run", "CancelCollection", "UserId=u1", "WorksId=w1"});
    EXPECT_EQ(j.exit_code, 0) << j.err;
    EXPECT_NE(j.out.find("\"canonical_request\":\"POST\\n/\\nUserId=u1&WorksId=w1\\n"),
              std::string::npos)
        << j.out;
    EXPECT_NE(j.out.find("\"signature\":\"<omitted>\""), std::string::npos) << j.out;
    EXPECT_NE(j.out.find("Signature=<omitted>\""), std::string::npos) << j.out;
}

// A port on 127.0.0.1 that refuses connections: bound, never listening.
class ClosedPort {
public:
    ClosedPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cannot bind a loopback port");
        port_ = ntohs(a.sin_port);
    }
    ~ClosedPort() { ::close(fd_); }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

// `run` against an endpoint that refuses every connection: the endpoint and the error are said
// once (the error does not change), and the run exits 69 saying every attempt failed to reach
// it. Small backoff and two attempts per task keep it fast.
TEST_F(CallTest, RunAgainstAClosedPortSaysWhyAndExits69) {
    ClosedPort closed;
    auto cfg = dir.write(
        "runner.ini", "[run]\nbackoff_base = 10ms\nbackoff_cap = 20ms\n[jobs]\nmax_attempts = 2\n");
    auto job = dir.write("job.yaml",
                         "version: 1\njob: closed\ntasks:\n"
                         "  - cancel-collection: {user: u1, works: [w1, w2, w3]}\n");
    auto ak = dir.write(
        "ak", std::string("access_key_id = AKIDcalltest01\naccess_key_secret = ") + kSecret + "\n");
    const std::vector<std::string> base{
        QBI_RUNNER_BIN, "--config",   cfg.string(),         "--db",     (dir / "q.db").string(),
        "--endpoint",   closed.url(), "--credentials-file", ak.string()};
    auto with = [&](std::vector<std::string> extra) {
        auto v = base;
        v.insert(v.end(), extra.begin(), extra.end());
        return v;
    };
    const std::map<std::string, std::string> env{{"HOME", dir.path().string()}};
    ASSERT_EQ(test::run_process(with({"submit", job.string()}), env, dir.path().string()).exit_code,
              0);
    auto r = test::run_process(with({"run"}), env, dir.path().string(), 20000);
    EXPECT_EQ(r.exit_code, 69) << r.err;
    const std::string said = "qbi-runner: warning: calls to " + closed.url() +
                             " fail: Connection refused (Transport.ConnectionFailed); tasks are "
                             "retried with backoff\n";
    const auto first = r.err.find(said);
    EXPECT_NE(first, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(said, first + 1), std::string::npos) << r.err;  // once: no change
    EXPECT_NE(
        r.err.find("qbi-runner: error: every attempt of this run failed to reach " + closed.url() +
                   ": Connection refused (Transport.ConnectionFailed); check the endpoint "
                   "(api.endpoint, --endpoint) and the network, then run again (tasks that "
                   "ran out of attempts: qbi-runner rerun JOB)\n"),
        std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("0 done, 0 already absent, 3 failed; 6 attempts"), std::string::npos)
        << r.out;
}

// The server's certificate is not in the system bundle (no --ca-file): `call` and `run` say it
// is the certificate and suggest --ca-file, not "refused the credentials".
TEST_F(CallTest, UntrustedCertificateSuggestsCaFile) {
    test::SimFixture sim(options());
    auto ak = dir.write(
        "ak", std::string("access_key_id = AKIDcalltest01\naccess_key_secret = ") + kSecret + "\n");
    const std::map<std::string, std::string> env{{"HOME", dir.path().string()}};
    const std::string head = "qbi-runner: error: the server certificate is not trusted (" +
                             sim.endpoint() + ": certificate rejected: ";
    const std::string tail =
        "); pass --ca-file PEM (or set api.ca_file) with the certificate of the CA that issued it";

    auto c = test::run_process({QBI_RUNNER_BIN, "--endpoint", sim.endpoint(), "--credentials-file",
                                ak.string(), "call", "CancelCollection", "UserId=u1", "WorksId=w1"},
                               env, dir.path().string());
    EXPECT_EQ(c.exit_code, 78);
    auto at = c.err.find(head);
    ASSERT_NE(at, std::string::npos) << c.err;
    EXPECT_EQ(c.err.find('\n', at), c.err.find(tail + "\n", at) + tail.size()) << c.err;
    EXPECT_EQ(c.err.find("refused the credentials"), std::string::npos) << c.err;

    auto job = dir.write("job.yaml",
                         "version: 1\njob: tls\ntasks:\n"
                         "  - cancel-collection: {user: u1, works: [w1]}\n");
    const std::string db = (dir / "q.db").string();
    ASSERT_EQ(test::run_process({QBI_RUNNER_BIN, "--db", db, "submit", job.string()}, env,
                                dir.path().string())
                  .exit_code,
              0);
    auto r = test::run_process({QBI_RUNNER_BIN, "--db", db, "--endpoint", sim.endpoint(),
                                "--credentials-file", ak.string(), "run"},
                               env, dir.path().string());
    EXPECT_EQ(r.exit_code, 78);
    at = r.err.find(head);
    ASSERT_NE(at, std::string::npos) << r.err;
    const std::string run_tail =
        tail + "; dispatch stopped, no task was failed for it. Fix the cause, then run again\n";
    EXPECT_EQ(r.err.find('\n', at) + 1, r.err.find(run_tail, at) + run_tail.size()) << r.err;
    EXPECT_EQ(r.err.find("refused the credentials"), std::string::npos) << r.err;
    EXPECT_TRUE(sim.world().has_favorite("u1", "w1"));
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
              "or --region ID (or set api.endpoint / api.region in the configuration, "
              "ALIBABA_CLOUD_REGION_ID, or region_id in the credential profile)\n");
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
