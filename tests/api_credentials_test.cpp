// The credential chain (design §7): each source and their precedence; the refreshing
// provider of temporary credentials on a ManualClock.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "runner/api/client.h"
#include "runner/api/credential_chain.h"
#include "runner/api/credential_provider.h"
#include "runner/core/clock.h"
#include "runner/core/process_guard.h"
#include "runner/core/random.h"
#include "tests/support/credential_fixture.h"

namespace qbi {
namespace {

using test::CredentialChain;
using test::kSecret;
using test::kToken;
namespace fs = std::filesystem;

// ----------------------------------------------------------------------------- each source

// --credentials-file with plain key = value lines.
TEST_F(CredentialChain, ExplicitKeyFile) {
    home.write("ak",
               "# AccessKey of the clean-up account\naccess_key_id = LTAI_example_abcd\n"
               "access_key_secret = " +
                   std::string(kSecret) + "\n");
    auto c = load(p("ak"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "LTAI_example_abcd");
    EXPECT_EQ(c->access_key_secret.reveal(), kSecret);
    EXPECT_FALSE(c->is_sts());
    EXPECT_EQ(c->source, "file " + p("ak") + " (--credentials-file)");
    EXPECT_EQ(describe_credentials(*c),
              "AccessKeyId LTAI****abcd from file " + p("ak") + " (--credentials-file)");
}

// --credentials-file with an STS token, quoted values and CRLF line ends.
TEST_F(CredentialChain, ExplicitKeyFileWithSts) {
    home.write("ak", "access_key_id = \"STS.abcdefgh1234\"\r\naccess_key_secret = " +
                         std::string(kSecret) + "\r\nsecurity_token = '" + kToken + "'\r\n");
    auto c = load(p("ak"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "STS.abcdefgh1234");
    EXPECT_EQ(c->security_token.reveal(), kToken);
    EXPECT_EQ(describe_credentials(*c),
              "AccessKeyId STS.****1234 (STS) from file " + p("ak") + " (--credentials-file)");
}

// --credentials-file in the INI profile format; the profile comes from ALIBABA_CLOUD_PROFILE.
TEST_F(CredentialChain, ExplicitFileInIniProfileFormat) {
    home.write("ak", ini("default", "IdDefault") + ini("cleanup", "IdCleanup"));
    env["ALIBABA_CLOUD_PROFILE"] = "cleanup";
    auto c = load(p("ak"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdCleanup");
    EXPECT_EQ(c->source, "profile 'cleanup' of file " + p("ak") + " (--credentials-file)");
}

// systemd LoadCredential=: $CREDENTIALS_DIRECTORY/alibaba-ak.
TEST_F(CredentialChain, SystemdCredential) {
    home.write("creds/alibaba-ak", key_file("IdSystemd"));
    env["CREDENTIALS_DIRECTORY"] = p("creds");
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdSystemd");
    EXPECT_EQ(c->source, "systemd credential " + p("creds") + "/alibaba-ak");
}

TEST_F(CredentialChain, Environment) {
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "IdEnvironment";
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = kSecret;
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdEnvironment");
    EXPECT_EQ(c->source, "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)");
    EXPECT_FALSE(c->is_sts());
}

TEST_F(CredentialChain, EnvironmentWithStsToken) {
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "STS.IdEnvironment";
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = kSecret;
    env["ALIBABA_CLOUD_SECURITY_TOKEN"] = kToken;
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->security_token.reveal(), kToken);
    EXPECT_EQ(c->source, "environment (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_SECURITY_TOKEN)");
}

// Half an environment is an error, not a fall-through to the files.
TEST_F(CredentialChain, PartialEnvironmentIsAnError) {
    home.write(".alibabacloud/credentials", ini("default", "IdHomeIni"));
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "IdEnvironment";
    auto c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, 78);
    EXPECT_EQ(c.error().message,
              "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not");

    env.clear();
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = kSecret;
    c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message,
              "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not");

    env.clear();
    env["ALIBABA_CLOUD_SECURITY_TOKEN"] = kToken;
    c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message,
              "ALIBABA_CLOUD_SECURITY_TOKEN is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not");

    env.clear();
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "IdEnvironment";
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = std::string(kSecret) + "\n";  // pasted newline
    c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message,
              "environment: ALIBABA_CLOUD_ACCESS_KEY_SECRET contains a blank, "
              "control or non-ASCII character");
}

// ALIBABA_CLOUD_CREDENTIALS_FILE names the INI file.
TEST_F(CredentialChain, CredentialsFileFromEnvironment) {
    home.write("custom.ini", "[default]\naccess_key_id = IdCustomIni\naccess_key_secret = " +
                                 std::string(kSecret) + "\nregion_id = cn-hangzhou\n");
    env["ALIBABA_CLOUD_CREDENTIALS_FILE"] = p("custom.ini");
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdCustomIni");
    EXPECT_EQ(c->source, "profile 'default' of " + p("custom.ini"));
}

TEST_F(CredentialChain, CredentialsFileFromEnvironmentMustExist) {
    home.write(".alibabacloud/credentials", ini("default", "IdHomeIni"));
    env["ALIBABA_CLOUD_CREDENTIALS_FILE"] = p("missing.ini");
    auto c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, "ALIBABA_CLOUD_CREDENTIALS_FILE: credentials file " +
                                     p("missing.ini") + ": cannot open: No such file or directory");
}

// ~/.alibabacloud/credentials, type sts, profile chosen by ALIBABA_CLOUD_PROFILE.
TEST_F(CredentialChain, HomeIniStsProfile) {
    home.write(".alibabacloud/credentials",
               ini("default", "IdDefault") +
                   "\n; temporary credentials\n[temp]\ntype = sts\naccess_key_id = STS.IdTemp\n"
                   "access_key_secret = " +
                   kSecret + "\nsecurity_token = " + kToken + "\n");
    env["ALIBABA_CLOUD_PROFILE"] = "temp";
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "STS.IdTemp");
    EXPECT_EQ(c->security_token.reveal(), kToken);
    EXPECT_EQ(c->source, "profile 'temp' of " + p(".alibabacloud/credentials"));
}

// ~/.alibabacloud/credentials.ini is read when ~/.alibabacloud/credentials is absent.
TEST_F(CredentialChain, HomeIniWithIniExtension) {
    home.write(".alibabacloud/credentials.ini", ini("default", "IdDotIni"));
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdDotIni");
    home.write(".alibabacloud/credentials", ini("default", "IdNoExtension"));
    c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdNoExtension");
}

// The aliyun CLI's configuration: AK and StsToken modes, the "current" profile.
TEST_F(CredentialChain, AliyunConfigJson) {
    home.write(".aliyun/config.json", aliyun_json("IdAliyun"));
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdAliyun");
    EXPECT_EQ(c->source, "profile 'default' of " + p(".aliyun/config.json"));

    home.write(".aliyun/config.json",
               R"({"current": "sts", "profiles": [
                   {"name": "default", "mode": "AK", "access_key_id": "IdAk",
                    "access_key_secret": "x"},
                   {"name": "sts", "mode": "StsToken", "access_key_id": "STS.IdSts",
                    "access_key_secret": ")" +
                   std::string(kSecret) + R"(",
                    "sts_token": ")" +
                   kToken + R"("}]})");
    c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "STS.IdSts");
    EXPECT_EQ(c->security_token.reveal(), kToken);
    EXPECT_EQ(c->source, "profile 'sts' of " + p(".aliyun/config.json"));
}

// HOME from the (fake) environment when no home directory is given.
TEST_F(CredentialChain, HomeFromEnvironment) {
    home.write("other/.aliyun/config.json", aliyun_json("IdOtherHome"));
    CredentialOptions o;
    o.env = [this](const std::string& n) -> std::optional<std::string> {
        if (n == "HOME") return p("other");
        return std::nullopt;
    };
    auto c = load_credentials(o);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdOtherHome");
}

// Nothing anywhere: the error lists every place looked at, in order.
TEST_F(CredentialChain, NothingFoundListsWhereItLooked) {
    auto c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, 78);
    EXPECT_EQ(c.error().message,
              "no Alibaba Cloud credentials found; looked at:\n"
              "  $CREDENTIALS_DIRECTORY/alibaba-ak (CREDENTIALS_DIRECTORY not set)\n"
              "  environment (ALIBABA_CLOUD_ACCESS_KEY_ID not set)\n"
              "  environment (ALIBABA_CLOUD_OIDC_PROVIDER_ARN not set)\n"
              "  " +
                  p(".alibabacloud/credentials") +
                  " (absent)\n"
                  "  " +
                  p(".alibabacloud/credentials.ini") +
                  " (absent)\n"
                  "  " +
                  p(".aliyun/config.json") +
                  " (absent)\n"
                  "  ECS metadata (ALIBABA_CLOUD_ECS_METADATA not set)\n"
                  "see README.md, \"Credentials\"");

    env["CREDENTIALS_DIRECTORY"] = p("creds");
    CredentialOptions no_home;
    no_home.env = [this](const std::string& n) -> std::optional<std::string> {
        auto it = env.find(n);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    c = load_credentials(no_home);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message,
              "no Alibaba Cloud credentials found; looked at:\n"
              "  " +
                  p("creds") +
                  "/alibaba-ak (absent)\n"
                  "  environment (ALIBABA_CLOUD_ACCESS_KEY_ID not set)\n"
                  "  environment (ALIBABA_CLOUD_OIDC_PROVIDER_ARN not set)\n"
                  "  ~/.alibabacloud/credentials, ~/.aliyun/config.json (HOME not set)\n"
                  "  ECS metadata (ALIBABA_CLOUD_ECS_METADATA not set)\n"
                  "see README.md, \"Credentials\"");
}

// ----------------------------------------------------------------------------- precedence

// With every source present, each one wins over all that follow it (removing them in order).
TEST_F(CredentialChain, PrecedenceFollowsDesignOrder) {
    write_all_sources();
    auto c = load(p("explicit"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdExplicit");

    c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdSystemd");

    fs::remove(home / "creds/alibaba-ak");  // CREDENTIALS_DIRECTORY set, file absent
    c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdEnvironment");

    env.erase("ALIBABA_CLOUD_ACCESS_KEY_ID");
    env.erase("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdCustomIni");

    env.erase("ALIBABA_CLOUD_CREDENTIALS_FILE");
    c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdHomeIni");

    fs::remove(home / ".alibabacloud/credentials");
    c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdAliyun");
}

// The first source present decides: a broken one does not fall through to the next.
TEST_F(CredentialChain, BrokenSourceDoesNotFallThrough) {
    write_all_sources();
    home.write("creds/alibaba-ak", "access_key_id = IdSystemd\n");
    auto c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message,
              "systemd credential " + p("creds") + "/alibaba-ak: access_key_secret is missing");

    auto missing = load(p("nope"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message,
              "credentials file " + p("nope") + ": cannot open: No such file or directory");
}

// ----------------------------------------------------------------------------- the secret held
// once

// A SecretString takes the caller's bytes and wipes them; wipe() (which the destructor calls)
// overwrites its own buffer with zeros. Both buffers stay allocated here, so they can be read.
TEST(SecretString, WipesTheSourceAndItsOwnBuffer) {
    std::string source(kSecret);
    const char* source_bytes = source.data();
    const std::size_t n = source.size();
    SecretString held(std::move(source));
    EXPECT_EQ(held.str(), kSecret);
    EXPECT_TRUE(source.empty());
    EXPECT_EQ(std::string(source_bytes, n), std::string(n, '\0'));

    const char* own = held.str().data();
    ASSERT_NE(own, source_bytes);
    held.wipe();
    EXPECT_TRUE(held.str().empty());
    EXPECT_EQ(std::string(own, n), std::string(n, '\0'));
}

// Copies of Credentials (one per worker's client) share one SecretString: the secret is in
// memory once, and an empty Secret has none.
TEST_F(CredentialChain, CopiesShareOneSecret) {
    home.write("ak", key_file("LTAI_example_abcd"));
    auto c = load(p("ak"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    const Credentials first = *c;
    const Credentials second = first;
    ASSERT_NE(c->access_key_secret.holder(), nullptr);
    EXPECT_EQ(first.access_key_secret.holder(), c->access_key_secret.holder());
    EXPECT_EQ(second.access_key_secret.reveal().data(), c->access_key_secret.reveal().data());
    EXPECT_EQ(c->security_token.holder(), nullptr);
    EXPECT_TRUE(c->security_token.reveal().empty());
}

// The start routine of qbi-runner's main_entry leaves the process non-dumpable with a core

// ----------------------------------------------------------------------------- refresh

TEST(RefreshMargin, ThreeMinutesOrAFifthOfTheLifetime) {
    EXPECT_EQ(refresh_margin_ms(3600 * 1000), 180 * 1000);
    EXPECT_EQ(refresh_margin_ms(900 * 1000), 180 * 1000);
    EXPECT_EQ(refresh_margin_ms(600 * 1000), 120 * 1000);
    EXPECT_EQ(refresh_margin_ms(2000), 400);
    EXPECT_EQ(refresh_margin_ms(-5), 0);
}

// Temporary credentials "T<n>" from a counting fetch, valid `lifetime_ms` from now.
struct FakeSts {
    ManualClock& clock;
    std::int64_t lifetime_ms;
    std::atomic<int> calls{0};
    std::atomic<bool> failing{false};
    CredentialFetch fetch() {
        return [this]() -> Result<TemporaryCredentials> {
            const int n = ++calls;
            if (failing) return Error{kExitConfig, "STS says no (call " + std::to_string(n) + ")"};
            TemporaryCredentials t;
            t.credentials.access_key_id = "T" + std::to_string(n);
            t.credentials.access_key_secret = Secret("secret" + std::to_string(n));
            t.credentials.security_token = Secret("token" + std::to_string(n));
            t.expires_ms = clock.wall_ms() + lifetime_ms;
            return t;
        };
    }
};

std::string id_now(CredentialProvider& p) {
    auto c = p.current();
    return c ? (*c)->access_key_id : "error: " + c.error().message;
}

// One hour: refreshed 3 minutes before the end, not before; the same snapshot in between.
TEST(RefreshingProvider, RefreshesOnceTheMarginIsReached) {
    ManualClock clock;
    FakeSts sts{clock, 3600 * 1000};
    RefreshingCredentialProvider p("test role", sts.fetch(), clock);
    ASSERT_TRUE(p.prime().ok());
    auto first = p.current();
    ASSERT_TRUE(first.ok());
    clock.advance_ms(3600 * 1000 - 180 * 1000 - 1);
    auto again = p.current();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(first->get(), again->get());  // the same snapshot: no copy, no fetch
    EXPECT_EQ(sts.calls, 1);
    clock.advance_ms(1);
    EXPECT_EQ(id_now(p), "T2");
    EXPECT_EQ(p.fetches(), 2);
    EXPECT_EQ((*first)->access_key_id, "T1");  // a worker's old snapshot stays intact
}

// While one caller refreshes, the others keep the still-valid credentials: no waiting, and
// only one fetch.
TEST(RefreshingProvider, OneRefreshAtATimeOthersKeepTheValidOnes) {
    ManualClock clock;
    FakeSts sts{clock, 10 * 1000};
    std::promise<void> entered, release;
    auto released = release.get_future().share();
    bool first = true;
    auto inner = sts.fetch();
    RefreshingCredentialProvider p(
        "test role",
        [&]() {
            if (!first) {
                entered.set_value();
                released.wait();
            }
            first = false;
            return inner();
        },
        clock);
    ASSERT_TRUE(p.prime().ok());
    clock.advance_ms(9000);  // due (margin 2 s), still valid
    std::thread refresher([&] { EXPECT_EQ(id_now(p), "T2"); });
    entered.get_future().wait();
    std::vector<std::thread> workers;
    std::atomic<int> old{0};
    for (int i = 0; i < 8; ++i)
        workers.emplace_back([&] {
            if (id_now(p) == "T1") ++old;
        });
    for (auto& w : workers) w.join();
    EXPECT_EQ(old, 8);
    release.set_value();
    refresher.join();
    EXPECT_EQ(sts.calls, 2);
    EXPECT_EQ(id_now(p), "T2");
}

// A refresh that fails while the credentials are valid: they stay in use, the refresh is tried
// again later; once they expire, the error names the source and the cause.
TEST(RefreshingProvider, FailedRefreshKeepsValidOnesThenErrsAfterExpiry) {
    ManualClock clock;
    FakeSts sts{clock, 100 * 1000};
    RefreshingCredentialProvider p("ram_role_arn R via sts endpoint H", sts.fetch(), clock);
    ASSERT_TRUE(p.prime().ok());
    sts.failing = true;
    clock.advance_ms(80 * 1000);  // due: 20 s left
    EXPECT_EQ(id_now(p), "T1");
    EXPECT_EQ(sts.calls, 2);
    EXPECT_EQ(id_now(p), "T1");  // the next attempt waits min(10 s, 20 s / 4) = 5 s
    EXPECT_EQ(sts.calls, 2);
    clock.advance_ms(5000);
    EXPECT_EQ(id_now(p), "T1");
    EXPECT_EQ(sts.calls, 3);
    clock.advance_ms(15 * 1000);  // expired
    auto c = p.current();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, 78);
    EXPECT_EQ(c.error().message,
              "the temporary credentials (ram_role_arn R via sts endpoint H) expired and could "
              "not be refreshed: STS says no (call 4)");
    sts.failing = false;
    clock.advance_ms(1000);  // the next attempt succeeds: calls go on
    EXPECT_EQ(id_now(p), "T5");
}

// The first fetch's error is the start's error; credentials that arrive expired are refused.
TEST(RefreshingProvider, PrimeErrorsAndExpiredAnswers) {
    ManualClock clock;
    FakeSts failing{clock, 1000};
    failing.failing = true;
    RefreshingCredentialProvider a("x", failing.fetch(), clock);
    auto st = a.prime();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "STS says no (call 1)");
    FakeSts stale{clock, 0};
    RefreshingCredentialProvider b("role R", stale.fetch(), clock);
    st = b.prime();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message.rfind("the credentials obtained from role R had already expired "
                                       "(Expiration ",
                                       0),
              0u)
        << st.error().message;
}

// A client whose provider has nothing: HaltAuth with the cause, and nothing is sent.
TEST(RefreshingProvider, ClientHaltsWithoutSendingWhenNoCredentials) {
    ManualClock clock;
    FakeSts failing{clock, 1000};
    failing.failing = true;
    auto provider =
        std::make_shared<RefreshingCredentialProvider>("role R", failing.fetch(), clock);
    struct Counting final : Transport {
        int sent = 0;
        HttpResponse send(const SignedRequest&) override {
            ++sent;
            return {};
        }
    } transport;
    RandomNonceSource nonces;
    QuickBiClient client(Endpoint{"127.0.0.1", 9}, provider, SignatureScheme::V3, clock, nonces,
                         transport);
    ApiResult r = client.call("CancelCollection", {{"UserId", "u"}, {"WorksId", "w"}});
    EXPECT_EQ(r.outcome, Outcome::HaltAuth);
    EXPECT_EQ(r.code, kCodeCredentials);
    EXPECT_EQ(r.message, "STS says no (call 1)");
    EXPECT_EQ(transport.sent, 0);
}

// limit of 0 (soft and hard). Checked in a child, so this test process stays as it was.
TEST(ProcessGuard, NoCoreDumpAfterTheStartRoutine) {
    ASSERT_EQ(::prctl(PR_GET_DUMPABLE), 1);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (!protect_process_memory().empty()) ::_exit(2);
        rlimit core{};
        if (::getrlimit(RLIMIT_CORE, &core) != 0) ::_exit(3);
        if (core.rlim_cur != 0 || core.rlim_max != 0) ::_exit(4);
        ::_exit(::prctl(PR_GET_DUMPABLE) == 0 ? 0 : 5);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace qbi
