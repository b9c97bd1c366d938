// Keyless credential types end to end: a real qbi-runner process whose credentials come from
// the simulator's STS (ram_role_arn, oidc_role_arn) or metadata service (ecs_ram_role), over
// TLS on 127.0.0.1. The temporary credentials live one second, so they expire several times
// during a two-second run: the run must finish with every task done at its first attempt, no
// call refused, and no secret or token anywhere in the output, the database or the sim's log.
// Also: a named profile that does not exist, the profile's region, and a refresh that fails.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/sim_fixture.h"
#include "tests/support/temp_dir.h"

namespace qbi {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSourceId = "AKIDrolesource01";
constexpr const char* kSourceSecret = "role-Source+Secret/0123456789";
constexpr const char* kOidcToken = "eyJhbGciOiJSUzI1NiJ9.oidc-Token-for-the-test.c2lnbmF0dXJl";
constexpr const char* kRole = "acs:ram::1234567890123456:role/qbi-cleaner";
constexpr int kTasks = 20;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class KeylessRun : public ::testing::Test {
protected:
    test::SimFixtureOptions options(std::int64_t fail_after = 0) {
        test::SimFixtureOptions o;
        o.credentials = {test::sim_credentials(kSourceId, kSourceSecret)};
        std::string world = "implicit: true\nfavorites:\n";
        for (int i = 0; i < kTasks; ++i)
            world += "  - {user: u1, work: w" + std::to_string(i) + "}\n";
        o.world_yaml = world;
        // Issued for 1 s, to the next whole second (1-2 s); at 5 calls/s the 20 tasks take 4 s:
        // at least two refreshes in every run.
        o.sts.duration_ms = 1000;
        o.sts.oidc_token = kOidcToken;
        o.sts.fail_after = fail_after;
        o.metadata = true;
        o.log = true;
        return o;
    }

    // The credentials file (mode 600), the configuration and the job; returns the base argv.
    std::vector<std::string> prepare(const test::SimFixture& sim, const std::string& profiles) {
        dir.write(".alibabacloud/credentials", profiles);
        fs::permissions(dir / ".alibabacloud/credentials",
                        fs::perms::owner_read | fs::perms::owner_write);
        dir.write("oidc-token", std::string(kOidcToken) + "\n");
        auto cfg = dir.write("runner.ini", "[api]\nsts_endpoint = " + sim.endpoint() +
                                               "\n[rate]\nmax_qps = 5\n[run]\nworkers = 4\n"
                                               "[log]\nlevel = debug\n");
        std::string job =
            "version: 1\njob: keyless\ntasks:\n  - cancel-collection: {user: u1, "
            "works: [";
        for (int i = 0; i < kTasks; ++i) job += (i ? ", w" : "w") + std::to_string(i);
        dir.write("job.yaml", job + "]}\n");
        return {QBI_RUNNER_BIN, "--config",     cfg.string(), "--db",       db().string(),
                "--endpoint",   sim.endpoint(), "--ca-file",  sim.ca_file()};
    }
    fs::path db() const { return dir / "q.db"; }
    std::map<std::string, std::string> env(const test::SimFixture& sim) const {
        return {{"HOME", dir.path().string()}, {"QBI_ECS_METADATA_URL", sim.metadata_url()}};
    }
    test::ProcessResult runner(const std::vector<std::string>& base, std::vector<std::string> args,
                               std::map<std::string, std::string> env) {
        auto argv = base;
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_process(argv, env, dir.path().string(), 20000);
    }

    // Submits and runs the job; checks the run's outcome and that no secret leaked.
    void run_keyless(test::SimFixture& sim, const std::string& profiles,
                     std::map<std::string, std::string> extra_env = {},
                     std::vector<std::string> extra_args = {}) {
        auto base = prepare(sim, profiles);
        auto e = env(sim);
        e.insert(extra_env.begin(), extra_env.end());
        base.insert(base.end(), extra_args.begin(), extra_args.end());
        auto s = runner(base, {"submit", (dir / "job.yaml").string()}, e);
        ASSERT_EQ(s.exit_code, 0) << s.err;
        auto r = runner(base, {"run"}, e);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find(std::to_string(kTasks) + " done, 0 already absent, 0 failed; " +
                             std::to_string(kTasks) + " attempts"),
                  std::string::npos)
            << r.out << r.err;
        // The temporary credentials expired several times during the run, and yet no call was
        // refused: every one was signed with credentials still valid.
        auto issued = sim.simulator().temporary_keys().all();
        EXPECT_GE(issued.size(), 3u) << sim.stats_json();
        EXPECT_EQ(sim.simulator().stats().refused(), 0u) << sim.stats_json();
        EXPECT_EQ(sim.simulator().stats().count("CancelCollection", "OK"),
                  static_cast<std::uint64_t>(kTasks))
            << sim.stats_json();
        auto audit = runner(base, {"audit", "verify"}, e);
        EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
        // Nothing secret anywhere: outputs, the database (and its WAL), the sim's request log.
        sim.stop();
        std::vector<std::string> secrets = {kSourceSecret, kOidcToken};
        for (const auto& c : issued) {
            secrets.push_back(c.access_key_secret.reveal());
            secrets.push_back(c.security_token.reveal());
        }
        std::string haystack = s.out + s.err + r.out + r.err + audit.out + audit.err + slurp(db()) +
                               slurp(dir / "q.db-wal") + slurp(sim.log_file());
        for (const auto& secret : secrets)
            EXPECT_EQ(haystack.find(secret), std::string::npos) << "leaked: " << secret;
        last_err = r.err;
    }

    test::TempDir dir;
    std::string last_err;
};

TEST_F(KeylessRun, RamRoleArnRefreshesBeforeExpiry) {
    test::SimFixture sim(options());
    run_keyless(sim, std::string("[default]\ntype = ram_role_arn\naccess_key_id = ") + kSourceId +
                         "\naccess_key_secret = " + kSourceSecret + "\nrole_arn = " + kRole +
                         "\nrole_session_name = cleanup\n");
    EXPECT_NE(last_err.find("qbi-runner: info: credentials: AccessKeyId STS.****"),
              std::string::npos)
        << last_err;
    EXPECT_NE(last_err.find("(STS) from ram_role_arn " + std::string(kRole) +
                            " from profile "
                            "'default' of " +
                            (dir / ".alibabacloud/credentials").string() + " via sts endpoint " +
                            sim.endpoint().substr(8) + " (source: profile 'default' of "),
              std::string::npos)
        << last_err;
    EXPECT_GE(sim.simulator().stats().count("AssumeRole", "OK"), 3u);
}

// ChainableRamRoleArn in the aliyun CLI's format, selected by ALIBABA_CLOUD_PROFILE.
TEST_F(KeylessRun, AliyunChainableRoleFromSourceProfile) {
    test::SimFixture sim(options());
    dir.write(".aliyun/config.json", std::string(R"({"current": "src", "profiles": [
                {"name": "src", "mode": "AK", "access_key_id": ")") +
                                         kSourceId + R"(", "access_key_secret": ")" +
                                         kSourceSecret + R"("},
                {"name": "cleaner", "mode": "ChainableRamRoleArn", "source_profile": "src",
                 "ram_role_arn": ")" + kRole +
                                         R"(", "ram_session_name": "qbi"}]})");
    fs::permissions(dir / ".aliyun/config.json", fs::perms::owner_read | fs::perms::owner_write);
    run_keyless(sim, "[unrelated]\ntype = access_key\naccess_key_id = x\naccess_key_secret = y\n",
                {{"ALIBABA_CLOUD_PROFILE", "cleaner"}});
}

TEST_F(KeylessRun, OidcRoleArnFromTheEnvironment) {
    test::SimFixture sim(options());
    run_keyless(sim, "",
                {{"ALIBABA_CLOUD_ROLE_ARN", kRole},
                 {"ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890123456:oidc-provider/ack"},
                 {"ALIBABA_CLOUD_OIDC_TOKEN_FILE", (dir / "oidc-token").string()}});
    EXPECT_GE(sim.simulator().stats().count("AssumeRoleWithOIDC", "OK"), 3u);
}

TEST_F(KeylessRun, EcsRamRoleFromTheMetadataService) {
    test::SimFixture sim(options());
    run_keyless(sim, "[default]\ntype = ecs_ram_role\n");
    EXPECT_NE(last_err.find("from ecs_ram_role from profile 'default' of " +
                            (dir / ".alibabacloud/credentials").string() +
                            " via the metadata service " + sim.metadata_url()),
              std::string::npos)
        << last_err;
}

// STS stops answering after the first credentials: the refresh fails, the credentials expire,
// and the run halts with 78 naming the cause; no task is failed for it.
TEST_F(KeylessRun, RefreshFailureHaltsWith78AndTheCause) {
    test::SimFixture sim(options(1));
    auto base =
        prepare(sim, std::string("[default]\ntype = ram_role_arn\naccess_key_id = ") + kSourceId +
                         "\naccess_key_secret = " + kSourceSecret + "\nrole_arn = " + kRole + "\n");
    auto e = env(sim);
    ASSERT_EQ(runner(base, {"submit", (dir / "job.yaml").string()}, e).exit_code, 0);
    auto r = runner(base, {"run"}, e);
    EXPECT_EQ(r.exit_code, 78) << r.err;
    const std::string host = sim.endpoint().substr(8);
    // Whether a failed refresh is also warned about while the credentials are still valid
    // depends on when the workers' calls fall in their one-second life (the expiry is in whole
    // seconds); RefreshingProvider.FailedRefreshKeepsValidOnesThenErrsAfterExpiry proves the
    // warning on a manual clock. Here: the halt and its cause.
    EXPECT_NE(r.err.find("qbi-runner: error: the temporary credentials (ram_role_arn " +
                         std::string(kRole) + " from profile 'default' of " +
                         (dir / ".alibabacloud/credentials").string() + " via sts endpoint " +
                         host + " (source: profile 'default' of " +
                         (dir / ".alibabacloud/credentials").string() +
                         ")) expired and could not be refreshed: STS AssumeRole at " + host +
                         " refused: HTTP 503 ServiceUnavailable: The request has failed due to "
                         "a temporary failure of the server. (RequestId "),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find(", 0 failed;"), std::string::npos) << r.out;
    EXPECT_EQ(sim.simulator().stats().refused(), 0u) << sim.stats_json();
    EXPECT_EQ(r.err.find(kSourceSecret), std::string::npos);
}

class ProfileCli : public ::testing::Test {
protected:
    test::ProcessResult call(std::vector<std::string> args,
                             std::map<std::string, std::string> env = {}) {
        std::vector<std::string> argv{QBI_RUNNER_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        env["HOME"] = dir.path().string();
        return test::run_process(argv, env, dir.path().string());
    }
    void write_private(const std::string& rel, const std::string& text) {
        dir.write(rel, text);
        fs::permissions(dir / rel, fs::perms::owner_read | fs::perms::owner_write);
    }
    test::TempDir dir;
};

TEST_F(ProfileCli, NamedProfileThatDoesNotExistListsTheFilesSearched) {
    write_private(".alibabacloud/credentials",
                  "[default]\naccess_key_id = AKIDdefault0001\naccess_key_secret = s\n[prod]\n"
                  "access_key_id = AKIDprod00000001\naccess_key_secret = s\n");
    write_private(".aliyun/config.json", R"({"current": "dev", "profiles": [{"name": "dev",
        "mode": "AK", "access_key_id": "AKIDdev000000001", "access_key_secret": "s"}]})");
    const std::string ini = (dir / ".alibabacloud/credentials").string();
    const std::string json = (dir / ".aliyun/config.json").string();
    auto r = call({"--profile", "staging", "--region", "cn-hangzhou", "call", "--dry-run",
                   "CancelCollection", "UserId=u", "WorksId=w"});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_EQ(r.err, "qbi-runner: error: profile 'staging' (--profile) not found; searched:\n  " +
                         ini + " (profiles: default, prod)\n  " + json + " (profiles: dev)\n");
    // ALIBABA_CLOUD_PROFILE is honoured for ~/.aliyun/config.json too: never its "current".
    r = call({"--region", "cn-hangzhou", "call", "--dry-run", "CancelCollection", "UserId=u",
              "WorksId=w"},
             {{"ALIBABA_CLOUD_PROFILE", "staging"}});
    EXPECT_EQ(r.exit_code, 78);
    EXPECT_NE(r.err.find("profile 'staging' (ALIBABA_CLOUD_PROFILE) not found; searched:"),
              std::string::npos)
        << r.err;
    // A profile that exists in the second file only is found there.
    r = call({"--profile", "dev", "--region", "cn-hangzhou", "call", "--dry-run",
              "CancelCollection", "UserId=u", "WorksId=w"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("AccessKeyId AKID****0001 from profile 'dev' of " + json),
              std::string::npos)
        << r.err;
}

// Region: --region > api.region > ALIBABA_CLOUD_REGION_ID > the profile's region_id.
TEST_F(ProfileCli, RegionFromTheProfileOrTheEnvironment) {
    write_private(".alibabacloud/credentials",
                  "[default]\naccess_key_id = AKIDdefault0001\naccess_key_secret = s\n"
                  "region_id = cn-shanghai\n");
    const std::vector<std::string> dry = {"call", "--dry-run", "CancelCollection", "UserId=u",
                                          "WorksId=w"};
    auto with = [&](std::vector<std::string> head) {
        head.insert(head.end(), dry.begin(), dry.end());
        return head;
    };
    auto r = call(with({}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("quickbi-public.cn-shanghai.aliyuncs.com"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("region cn-shanghai from region_id of profile 'default' of "),
              std::string::npos)
        << r.err;
    r = call(with({}), {{"ALIBABA_CLOUD_REGION_ID", "cn-beijing"}});
    EXPECT_NE(r.out.find("quickbi-public.cn-beijing.aliyuncs.com"), std::string::npos) << r.out;
    r = call(with({"--region", "ap-southeast-1"}), {{"ALIBABA_CLOUD_REGION_ID", "cn-beijing"}});
    EXPECT_NE(r.out.find("quickbi-public.ap-southeast-1.aliyuncs.com"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace qbi
