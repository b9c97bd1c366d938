// The qbi-sim binary as a process: flags, usage errors, the files it writes (port, CA, log,
// final state) and a graceful stop on SIGTERM/SIGINT; plus the flag parser in process.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "runner/sim/app.h"
#include "runner/sim/certgen.h"
#include "runner/sim/options.h"
#include "tests/support/sim_fixture.h"

namespace qbi::test {
namespace {

TEST(SimCli, HelpListsEveryFlag) {
    ProcessResult r = run_sim({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* flag : {"--bind",
                             "--port",
                             "--port-file",
                             "--cert",
                             "--key",
                             "--ca-out",
                             "--threads",
                             "--credentials",
                             "--credentials-file",
                             "--max-skew",
                             "--nonce-window",
                             "--world",
                             "--generate",
                             "--seed",
                             "--absent-share",
                             "--fail",
                             "--qps-limit",
                             "--latency",
                             "--drop",
                             "--slow-success",
                             "--slow-delay",
                             "--halt-after",
                             "--log",
                             "--state-out",
                             "--host-id",
                             "--quiet",
                             "--help",
                             "--version",
                             "/__sim/state",
                             "/__sim/stats",
                             "--sts-duration",
                             "--sts-fail-after",
                             "--oidc-token-file",
                             "--metadata-port",
                             "--metadata-port-file",
                             "--metadata-role"})
        EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
    EXPECT_EQ(r.err, "");
}

TEST(SimCli, UsageErrorsExit64WithAClearMessage) {
    ProcessResult r = run_sim({"--fial", "X=1"});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_EQ(r.err,
              "qbi-sim: error: unknown option '--fial' (did you mean '--fail'?)\n"
              "Try 'qbi-sim --help'.\n");
    r = run_sim({"--drop", "2"});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_EQ(r.err,
              "qbi-sim: error: --drop: expected a probability from 0 to 1, got '2'\n"
              "Try 'qbi-sim --help'.\n");
    r = run_sim({"--halt-after", "5"});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
              "qbi-sim: error: --halt-after: expected N CODE, e.g. --halt-after 100 "
              "InvalidAccessKeyId.NotFound");
    r = run_sim({"--port"});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "qbi-sim: error: --port: a value is required");
    r = run_sim({"stray"});
    EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "qbi-sim: error: unexpected argument 'stray'");
}

TEST(SimCli, BadWorldFileExits65WithItsPosition) {
    TempDir dir;
    const auto world = dir.write("w.yaml", "users:\n  - {id: u1, nik: x}\n");
    ProcessResult r = run_sim({"--world", world.string()});
    EXPECT_EQ(r.exit_code, 65);
    EXPECT_EQ(r.err, "qbi-sim: error: " + world.string() +
                         ":2:14: unknown key 'nik' in user (did you mean 'nick'?)\n");
    const auto dangling = dir.write("d.yaml", "favorites: [{user: u1, work: w1}]\n");
    r = run_sim({"--world", dangling.string()});
    EXPECT_EQ(r.exit_code, 65);
    EXPECT_EQ(r.err, "qbi-sim: error: world: favourite names unknown user 'u1'\n");
}

TEST(SimCli, ServesUntilSigtermThenWritesStateAndLog) {
    // A world file, a request log and a final state: one cancel over TLS, then SIGTERM.
    TempDir dir;
    const auto world =
        dir.write("w.yaml", "implicit: true\nfavorites: [{user: u1, works: [w1, w2]}]\n");
    SimProcess sim({"--world", world.string(), "--seed", "3", "--log", (dir / "log.jsonl").string(),
                    "--state-out", (dir / "state.json").string()});
    ASSERT_TRUE(sim.started()) << sim.err();
    SimClient client(sim.endpoint(), sim.ca_file(), SignatureScheme::V3, sim_credentials());
    ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
    EXPECT_EQ(r.outcome, Outcome::Done) << r.code << r.message;
    EXPECT_EQ(sim.terminate(SIGTERM), 0);
    const std::string state = read_file(dir / "state.json");
    EXPECT_NE(state.find(R"("favorites":[{"id":2,"user":"u1","work":"w2"}])"), std::string::npos)
        << state;
    const std::string log = read_file(dir / "log.jsonl");
    EXPECT_NE(log.find("\"request_id\":\"" + r.request_id + "\""), std::string::npos) << log;
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1);
    EXPECT_EQ(sim.err(), "qbi-sim: listening on " + sim.endpoint() +
                             " (seed 3; world: 1 users, 0 groups, 2 works, 2 favourites, "
                             "0 shares)\nqbi-sim: stopped on SIGTERM after 1 requests\n");
}

TEST(SimCli, SigintIsGracefulToo) {
    TempDir dir;
    SimProcess sim({"-q", "--state-out", (dir / "s.json").string()});
    ASSERT_TRUE(sim.started()) << sim.err();
    EXPECT_EQ(sim.terminate(SIGINT), 0);
    EXPECT_EQ(read_file(dir / "s.json").substr(0, 12), "{\"version\":1");
    EXPECT_EQ(sim.err(), "");
}

TEST(SimCli, SameSeedSameGeneratedWorldAndRequestIds) {
    auto run = [](const std::string& seed) {
        SimProcess sim({"-q", "--generate", "users=30,works=40,favorites=50,shares=60", "--seed",
                        seed, "--fail", "Internal.System.Error=0.5"});
        EXPECT_TRUE(sim.started()) << sim.err();
        SimClient client(sim.endpoint(), sim.ca_file(), SignatureScheme::V1, sim_credentials());
        std::string answers;
        for (int i = 0; i < 10; ++i) {
            ApiResult r = client.call("QueryUserInfoByUserId", {{"UserId", "0"}});
            answers += r.request_id + ":" + r.code + ";";
        }
        answers += sim_get(sim.endpoint(), sim.ca_file(), "/__sim/state").second;
        sim.terminate(SIGTERM);
        return answers;
    };
    const std::string a = run("77");
    EXPECT_EQ(a, run("77"));
    EXPECT_NE(a, run("78"));
}

TEST(SimCli, AGeneratedWorldsStateOutLoadsBackWithWorld) {
    // The binary generates 150 works with their details, answers QueryWorksByOrganization and
    // writes its state on SIGTERM; a second run loads that file with --world and shows the same
    // state and the same pages.
    TempDir dir;
    const std::string state_file = (dir / "state.json").string();
    auto pages = [](const SimProcess& sim) {
        SimClient client(sim.endpoint(), sim.ca_file(), SignatureScheme::V3, sim_credentials());
        std::string out;
        for (const char* page : {"1", "2", "3"}) {
            ApiResult r =
                client.call("QueryWorksByOrganization", {{"PageNum", page}, {"PageSize", "60"}});
            EXPECT_EQ(r.outcome, Outcome::Done) << r.code << " " << r.message;
            out += r.body.substr(r.body.find("\"Result\":")) + "\n";
        }
        return out;
    };
    SimProcess first(
        {"-q", "--generate", "users=12,works=150", "--seed", "8", "--state-out", state_file});
    ASSERT_TRUE(first.started()) << first.err();
    const std::string state = sim_get(first.endpoint(), first.ca_file(), "/__sim/state").second;
    const std::string answers = pages(first);
    EXPECT_EQ(first.terminate(SIGTERM), 0);
    EXPECT_EQ(read_file(state_file), state + "\n");
    EXPECT_NE(answers.find(R"("PageNum":3,"PageSize":60,"TotalNum":150,"TotalPages":3})"),
              std::string::npos)
        << answers;

    SimProcess second({"-q", "--world", state_file});
    ASSERT_TRUE(second.started()) << second.err();
    EXPECT_EQ(sim_get(second.endpoint(), second.ca_file(), "/__sim/state").second, state);
    EXPECT_EQ(pages(second), answers);
    EXPECT_EQ(second.terminate(SIGTERM), 0);
}

TEST(SimCli, GivenCertificateAndCredentialsFile) {
    TempDir dir;
    const sim::CertBundle b = sim::generate_loopback_bundle();
    const auto cert = dir.write("cert.pem", b.cert_pem);
    const auto key = dir.write("key.pem", b.key_pem);
    const auto ca = dir.write("ca.pem", b.ca_pem);
    const auto creds =
        dir.write("creds", "# test keys\nLTAIkey0001:secret1\n\nSTSkey:secret2:tok3n\n");
    SimProcess sim({"-q", "--cert", cert.string(), "--key", key.string(), "--credentials-file",
                    creds.string()},
                   false);
    ASSERT_TRUE(sim.started()) << sim.err();
    SimClient a(sim.endpoint(), ca.string(), SignatureScheme::V3,
                sim_credentials("LTAIkey0001", "secret1"));
    EXPECT_EQ(a.call("QueryUserInfoByUserId", {{"UserId", "x"}}).code, "User.Not.In.Organization");
    SimClient b2(sim.endpoint(), ca.string(), SignatureScheme::V1,
                 sim_credentials("STSkey", "secret2", "tok3n"));
    EXPECT_EQ(b2.call("QueryUserInfoByUserId", {{"UserId", "x"}}).code, "User.Not.In.Organization");
    SimClient c(sim.endpoint(), ca.string(), SignatureScheme::V3, sim_credentials());
    EXPECT_EQ(c.call("QueryUserInfoByUserId", {{"UserId", "x"}}).code,
              "InvalidAccessKeyId.NotFound");
    EXPECT_EQ(sim.terminate(SIGTERM), 0);
}

TEST(SimCli, PortInUseExits69) {
    SimProcess first({"-q"});
    ASSERT_TRUE(first.started());
    ProcessResult r = run_sim({"-q", "--port", std::to_string(first.port())});
    EXPECT_EQ(r.exit_code, 69);
    EXPECT_EQ(r.err.rfind("qbi-sim: error: cannot start the HTTPS server on 127.0.0.1:" +
                              std::to_string(first.port()) + ": ",
                          0),
              0u)
        << r.err;
}

TEST(SimOptions, ParsesValuesInBothForms) {
    auto o = sim::parse_args({"--port=8443", "--fail", "Throttling.User=0.2", "--fail=X@503=1",
                              "--halt-after", "10", "InvalidAccessKeyId.NotFound", "--latency",
                              "50:5", "--qps-limit", "50", "--credentials", "a:b,c:d:t",
                              "--absent-share", "Report.NotExist.Error", "--max-skew", "5m"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->server.port, 8443);
    ASSERT_EQ(o->sim.faults.fail.size(), 2u);
    EXPECT_EQ(o->sim.faults.fail[1].http_status, 503);
    EXPECT_EQ(o->sim.faults.halt_after, 10);
    EXPECT_EQ(o->sim.faults.halt_code, "InvalidAccessKeyId.NotFound");
    EXPECT_EQ(o->sim.faults.jitter_ms, 5);
    EXPECT_EQ(o->sim.credentials.size(), 2u);
    EXPECT_TRUE(o->sim.credentials[1].is_sts());
    EXPECT_EQ(o->sim.absent_share, sim::AbsentShare::Error);
    EXPECT_EQ(o->sim.gateway.max_skew_ms, 300000);
}

TEST(SimOptions, ParsesTheStsAndMetadataFlags) {
    auto o = sim::parse_args({"--sts-duration", "3s", "--sts-fail-after=2", "--oidc-token-file",
                              "/t", "--metadata-port", "0", "--metadata-port-file", "/p",
                              "--metadata-role", "EcsRole"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->sim.sts.duration_ms, 3000);
    EXPECT_EQ(o->sim.sts.fail_after, 2);
    EXPECT_EQ(o->oidc_token_file, "/t");
    EXPECT_EQ(o->metadata_port, 0);
    EXPECT_EQ(o->metadata_port_file, "/p");
    EXPECT_EQ(o->sim.sts.role_name, "EcsRole");
    EXPECT_EQ(sim::parse_args({}).value().metadata_port, -1);  // no metadata service
    EXPECT_EQ(sim::parse_args({"--sts-duration", "soon"}).error().message,
              "--sts-duration: expected a duration such as 15m, 90s or 500ms, got 'soon'");
}

// The binary serves the metadata service on plain HTTP when asked, and says where.
TEST(SimCli, ServesTheMetadataServiceWhenAsked) {
    test::TempDir dir;
    const std::string port_file = (dir / "mport").string();
    test::SimProcess sim({"--metadata-port", "0", "--metadata-port-file", port_file,
                          "--metadata-role", "EcsRole", "--oidc-token-file",
                          dir.write("token", "tok\n").string()});
    ASSERT_TRUE(sim.started());
    // The API's port file, which started() waits for, comes after the metadata service's.
    int port = 0;
    std::ifstream in(port_file);
    in >> port;
    EXPECT_GT(port, 0);
    EXPECT_EQ(sim.terminate(SIGTERM), 0);
    EXPECT_NE(sim.err().find(
                  "qbi-sim: metadata service on http://127.0.0.1:" + std::to_string(port) + "\n"),
              std::string::npos)
        << sim.err();
}

TEST(SimOptions, ConflictsAreUsageErrors) {
    EXPECT_EQ(sim::parse_args({"--cert", "c.pem"}).error().message, "--cert and --key go together");
    EXPECT_EQ(sim::parse_args({"--credentials", "a:b", "--credentials-file", "f"}).error().message,
              "give --credentials or --credentials-file, not both");
    EXPECT_EQ(sim::parse_args({"--credentials", "justanid"}).error().message,
              "--credentials: expected ID:SECRET or ID:SECRET:TOKEN, got an entry with 1 part(s)");
    EXPECT_EQ(sim::parse_args({"--threads", "1"}).error().message,
              "--threads: expected a whole number from 4 to 4096, got '1'");
    EXPECT_EQ(sim::parse_args({"--max-skew", "soon"}).error().message,
              "--max-skew: expected a duration such as 15m, 90s or 500ms, got 'soon'");
}

TEST(SimOptions, AtomicFileWriteReportsTheFailure) {
    TempDir dir;
    EXPECT_TRUE(sim::write_file_atomic((dir / "f").string(), "x").ok());
    EXPECT_EQ(read_file(dir / "f"), "x");
    auto r = sim::write_file_atomic((dir / "no/such/f").string(), "x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, (dir / "no/such/f").string() + ": No such file or directory");
}

}  // namespace
}  // namespace qbi::test
