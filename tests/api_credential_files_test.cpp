// Credentials files (design §7): private-file permissions (ACL aware), malformed files, and
// that no error ever contains a secret.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "runner/api/credential_chain.h"
#include "runner/api/credential_files.h"
#include "tests/support/credential_fixture.h"

namespace qbi {
namespace {

using test::CredentialChain;
using test::kPrivate;
using test::kSecret;
using test::kToken;
namespace fs = std::filesystem;

// ----------------------------------------------------------------------------- permissions

// Any permission bit for group or others refuses the file, naming it and the fix.
TEST_F(CredentialChain, RefusesFilesAccessibleByGroupOrOthers) {
    for (fs::perms extra : {fs::perms::group_read, fs::perms::others_read, fs::perms::group_write,
                            fs::perms::others_exec}) {
        auto path = home.write("ak", key_file("IdExplicit"), kPrivate | extra);
        unsigned mode = static_cast<unsigned>(kPrivate | extra);
        char octal[16];
        std::snprintf(octal, sizeof octal, "0%03o", mode & 0777u);
        auto c = load(path.string());
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().code, 78);
        EXPECT_EQ(c.error().message, "credentials file " + path.string() +
                                         " is accessible by group or others (mode " + octal +
                                         "); run: chmod 600 " + path.string());
    }
    // The same rule for the home files and the aliyun configuration.
    home.write(".alibabacloud/credentials", ini("default", "IdHomeIni"),
               kPrivate | fs::perms::group_read | fs::perms::others_read);
    auto c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, "credentials file " + p(".alibabacloud/credentials") +
                                     " is accessible by group or others (mode 0644); run: chmod "
                                     "600 " +
                                     p(".alibabacloud/credentials"));
    fs::remove(home / ".alibabacloud/credentials");
    home.write(".aliyun/config.json", aliyun_json("IdAliyun"), kPrivate | fs::perms::others_read);
    c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, "credentials file " + p(".aliyun/config.json") +
                                     " is accessible by group or others (mode 0604); run: chmod "
                                     "600 " +
                                     p(".aliyun/config.json"));
}

TEST_F(CredentialChain, OwnerOnlyModesAreAccepted) {
    for (fs::perms m : {fs::perms::owner_read, kPrivate, fs::perms::owner_all}) {
        auto path = home.write("ak", key_file("IdExplicit"), m);
        auto c = load(path.string());
        EXPECT_TRUE(c.ok()) << c.error().message;
    }
}

// An ACL in the xattr layout of the kernel: version 2, then {tag, perm, id} entries.
std::string acl_blob(std::initializer_list<std::tuple<unsigned, unsigned, unsigned>> entries) {
    auto le = [](std::string& s, unsigned v, int bytes) {
        for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    std::string out;
    le(out, 2, 4);
    for (auto [tag, perm, id] : entries) {
        le(out, tag, 2);
        le(out, perm, 2);
        le(out, id, 4);
    }
    return out;
}
constexpr unsigned kUserObj = 1, kUser = 2, kGroupObj = 4, kGroup = 8, kMask = 0x10, kOther = 0x20;
constexpr unsigned kAny = 0xffffffffu;

// What systemd's LoadCredential= writes for a non-root service user: mode 0400 plus an ACL entry
// giving that user read access, which shows as mode 0440. Private to the reader; not to others.
TEST(PermissionProblem, SystemdAclForTheReaderIsPrivate) {
    const unsigned reader = 1234;
    std::string systemd_acl = acl_blob({{kUserObj, 4, kAny},
                                        {kUser, 4, reader},
                                        {kGroupObj, 0, kAny},
                                        {kMask, 4, kAny},
                                        {kOther, 0, kAny}});
    EXPECT_EQ(permission_problem(0100440, systemd_acl, reader), "");
    EXPECT_EQ(permission_problem(0100440, systemd_acl, 999),
              "mode 0440 with an ACL entry for user 1234");
    std::string group_acl = acl_blob({{kUserObj, 6, kAny},
                                      {kGroupObj, 0, kAny},
                                      {kGroup, 4, 1000},
                                      {kMask, 4, kAny},
                                      {kOther, 0, kAny}});
    EXPECT_EQ(permission_problem(0100640, group_acl, reader),
              "mode 0640 with an ACL entry for group 1000");
    std::string owning_group = acl_blob({{kUserObj, 6, kAny},
                                         {kUser, 4, reader},
                                         {kGroupObj, 4, kAny},
                                         {kMask, 4, kAny},
                                         {kOther, 0, kAny}});
    EXPECT_EQ(permission_problem(0100640, owning_group, reader),
              "mode 0640 with an ACL entry for the owning group");
    // A mask of --- disables named entries (what `chmod 600` does to an ACL file).
    std::string masked = acl_blob({{kUserObj, 6, kAny},
                                   {kGroup, 4, 1000},
                                   {kGroupObj, 4, kAny},
                                   {kMask, 0, kAny},
                                   {kOther, 0, kAny}});
    EXPECT_EQ(permission_problem(0100600, masked, reader), "");
    // Others are refused whatever the ACL says; no ACL or a malformed one: the mode decides.
    EXPECT_EQ(permission_problem(0100444, systemd_acl, reader), "mode 0444");
    EXPECT_EQ(permission_problem(0100640, "", reader), "mode 0640");
    EXPECT_EQ(permission_problem(0100440, "\x02\x00\x00", reader), "mode 0440");
    EXPECT_EQ(permission_problem(0100600, "", reader), "");
}

// The same on a real file: the ACL set through the kernel's xattr interface is honoured.
TEST_F(CredentialChain, SystemdStyleAclOnARealFile) {
    auto path = home.write("creds/alibaba-ak", key_file("IdSystemd"), fs::perms::owner_read);
    std::string acl = acl_blob({{kUserObj, 4, kAny},
                                {kUser, 4, static_cast<unsigned>(::geteuid())},
                                {kGroupObj, 0, kAny},
                                {kMask, 4, kAny},
                                {kOther, 0, kAny}});
    if (::setxattr(path.c_str(), "system.posix_acl_access", acl.data(), acl.size(), 0) != 0)
        GTEST_SKIP() << "no POSIX ACL support here: " << std::strerror(errno);
    ASSERT_EQ(static_cast<unsigned>(fs::status(path).permissions()), 0440u);
    env["CREDENTIALS_DIRECTORY"] = p("creds");
    auto c = load();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdSystemd");

    std::string other = acl_blob({{kUserObj, 4, kAny},
                                  {kUser, 4, 4242},
                                  {kGroupObj, 0, kAny},
                                  {kMask, 4, kAny},
                                  {kOther, 0, kAny}});
    ASSERT_EQ(::setxattr(path.c_str(), "system.posix_acl_access", other.data(), other.size(), 0),
              0);
    c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, "credentials file " + path.string() +
                                     " is accessible by group or others (mode 0440 with an ACL "
                                     "entry for user 4242); run: chmod 600 " +
                                     path.string());
}

TEST_F(CredentialChain, NotARegularFileOrTooLarge) {
    fs::create_directories(home / "dir");
    auto c = load(p("dir"));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, "credentials file " + p("dir") + " is not a regular file");

    // A FIFO without a writer: refused at once instead of hanging the start.
    ASSERT_EQ(::mkfifo(p("fifo").c_str(), 0600), 0);
    c = load(p("fifo"));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message,
              "credentials file " + p("fifo") + " is a FIFO, not a regular file");

    auto big = home.write("big", key_file("IdBig") + "# " + std::string(70000, 'x') + "\n");
    c = load(big.string());
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, "credentials file " + big.string() + " is larger than 64 KiB");
}

// ----------------------------------------------------------------------------- malformed files

struct Malformed {
    const char* content;
    const char* expected;  // after "credentials file <path>" or "<where>"
};

TEST_F(CredentialChain, MalformedKeyFiles) {
    const std::vector<Malformed> cases = {
        {"", " is empty (expected access_key_id = ... and access_key_secret = ... lines)"},
        {"# only a comment\n",
         " is empty (expected access_key_id = ... and access_key_secret = ... lines)"},
        {"access_key_id = IdX\nSup3rS3cretValue0123456789abcd\n",
         ":2: expected a [section] header or a key = value line"},
        {"access_key_id = IdX\n= value\n", ":2: expected a [section] header or a key = value line"},
        {"[default\naccess_key_id = IdX\n", ":1: expected a [section] header"},
        {"[ ]\n", ":1: expected a [section] header"},
        // A repeated key is refused without naming it (it could be a misplaced secret).
        {"access_key_id = IdX\nACCESS_KEY_ID = IdY\n", ":2: duplicate key (first at line 1)"},
        {"access_key_id = IdX\naccess_key_secret = s\nregion = cn-hangzhou\n",
         ":3: unknown key (expected access_key_id, access_key_secret or security_token)"},
        {"access_key_id = IdX\n[default]\naccess_key_id = IdY\n",
         ":1: key = value before the first [profile]"},
        {"[other]\naccess_key_id = IdX\n", " has no profile 'default' (profiles: other)"},
    };
    for (const Malformed& m : cases) {
        SCOPED_TRACE(m.content);
        auto path = home.write("ak", m.content);
        auto c = load(path.string());
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().code, 78);
        EXPECT_EQ(c.error().message, "credentials file " + path.string() + m.expected);
    }
    const std::vector<Malformed> values = {
        {"access_key_id = IdX\n", ": access_key_secret is missing"},
        {"access_key_secret = s\n", ": access_key_id is missing"},
        {"access_key_id =\naccess_key_secret = s\n", ": access_key_id is empty"},
        {"access_key_id = IdX\naccess_key_secret = two words\n",
         ": access_key_secret contains a blank, control or non-ASCII character"},
        {"access_key_id = IdX\naccess_key_secret = s\nsecurity_token = \xC3\xA9\n",
         ": security_token contains a blank, control or non-ASCII character"},
    };
    for (const Malformed& m : values) {
        SCOPED_TRACE(m.content);
        auto path = home.write("ak", m.content);
        auto c = load(path.string());
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message,
                  "file " + path.string() + " (--credentials-file)" + m.expected);
    }
}

TEST_F(CredentialChain, MalformedIniProfiles) {
    const std::string file = p(".alibabacloud/credentials");
    const std::vector<Malformed> cases = {
        {"[prod]\naccess_key_id = a\n[test]\naccess_key_id = b\n",
         " has no profile 'default' (profiles: prod, test)"},
        {"access_key_id = IdX\n", " has no profile 'default' (it has none)"},
    };
    for (const Malformed& m : cases) {
        SCOPED_TRACE(m.content);
        home.write(".alibabacloud/credentials", m.content);
        auto c = load();
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message, "credentials file " + file + m.expected);
    }
    const std::vector<Malformed> profiles = {
        {"[default]\ntype = rsa_key_pair\naccess_key_id = a\naccess_key_secret = b\n",
         ": type 'rsa_key_pair' is not supported (qbi-runner reads access_key, sts, "
         "ram_role_arn, ecs_ram_role and oidc_role_arn)"},
        {"[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = b\n",
         ": role_arn is missing"},
        {"[default]\ntype = ram_role_arn\nrole_arn = r\nrole_session_expiration = 60\n",
         ": role_session_expiration must be a whole number of seconds from 900 to 43200"},
        {"[default]\ntype = oidc_role_arn\nrole_arn = r\noidc_provider_arn = p\n",
         ": oidc_token_file_path is missing"},
        {"[default]\ntype = ram_role_arn\nrole_arn = r\nsource_profile = default\n",
         ": source_profile chain deeper than 5 (a loop?)"},
        {"[default]\ntype = sts\naccess_key_id = a\naccess_key_secret = b\n",
         ": type sts needs security_token"},
        {"[default]\ntype = SomethingElse\naccess_key_id = a\naccess_key_secret = b\n",
         ": type is not supported (qbi-runner reads access_key, sts, ram_role_arn, "
         "ecs_ram_role and oidc_role_arn)"},
        {"[default]\nenable = false\naccess_key_id = a\naccess_key_secret = b\n",
         " is disabled (enable = false)"},
        {"[default]\nACCESS_KEY_ID = a\n", ": access_key_secret is missing"},
    };
    for (const Malformed& m : profiles) {
        SCOPED_TRACE(m.content);
        home.write(".alibabacloud/credentials", m.content);
        auto c = load();
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message, "profile 'default' of " + file + m.expected);
    }
}

TEST_F(CredentialChain, MalformedAliyunConfig) {
    const std::string file = p(".aliyun/config.json");
    const std::vector<Malformed> cases = {
        {"", " is not a JSON object"},
        {"{\"current\": \"default\", \"profiles\": [", " is not a JSON object"},
        {"[]", " is not a JSON object"},
        {"{\"current\": \"default\"}", " has no \"profiles\" array"},
        {"{\"profiles\": 7}", " has no \"profiles\" array"},
        {"{\"profiles\": [1, {\"mode\": \"AK\"}]}", " has no profile 'default' (it has none)"},
        {"{\"current\": \"prod\", \"profiles\": [{\"name\": \"default\"}, {\"name\": \"dev\"}]}",
         " has no profile 'prod' (profiles: default, dev)"},
    };
    for (const Malformed& m : cases) {
        SCOPED_TRACE(m.content);
        home.write(".aliyun/config.json", m.content);
        auto c = load();
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message, "credentials file " + file + m.expected);
    }
    const std::vector<Malformed> profiles = {
        {R"({"profiles": [{"name": "default", "mode": "CloudSSO"}]})",
         ": mode 'CloudSSO' is not supported (qbi-runner reads AK, StsToken, RamRoleArn, "
         "ChainableRamRoleArn, EcsRamRole and OIDC)"},
        {R"({"profiles": [{"name": "default", "mode": "RamRoleArn", "access_key_id": "a",
             "access_key_secret": "s"}]})",
         ": ram_role_arn is missing"},
        {R"({"profiles": [{"name": "default", "mode": "ChainableRamRoleArn",
             "ram_role_arn": "r"}]})",
         ": mode ChainableRamRoleArn needs source_profile"},
        {R"({"profiles": [{"name": "default", "mode": "OIDC", "ram_role_arn": "r",
             "oidc_token_file": "/t"}]})",
         ": oidc_provider_arn is missing"},
        {R"({"profiles": [{"name": "default", "mode": "AK", "access_key_secret": "s"}]})",
         ": access_key_id is missing"},
        {R"({"profiles": [{"name": "default", "mode": "StsToken", "access_key_id": "a",
             "access_key_secret": "s"}]})",
         ": mode StsToken needs sts_token"},
    };
    for (const Malformed& m : profiles) {
        SCOPED_TRACE(m.content);
        home.write(".aliyun/config.json", m.content);
        auto c = load();
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message, "profile 'default' of " + file + m.expected);
    }
}

// ----------------------------------------------------------------------------- credential types

// Every INI type, with its keys, the region and a source_profile chain.
TEST_F(CredentialChain, IniCredentialTypes) {
    home.write(".alibabacloud/credentials",
               std::string("[base]\naccess_key_id = IdBase\naccess_key_secret = ") + kSecret +
                   "\n"
                   "[role]\ntype = ram_role_arn\naccess_key_id = IdRole\naccess_key_secret = " +
                   kSecret +
                   "\nrole_arn = acs:ram::1:role/r\nrole_session_name = s1\npolicy = {}\n"
                   "role_session_expiration = 900\nsts_region = cn-beijing\n"
                   "region_id = cn-shanghai\n"
                   "[chained]\ntype = ram_role_arn\nrole_arn = acs:ram::1:role/c\n"
                   "source_profile = role\n"
                   "[ecs]\ntype = ecs_ram_role\nrole_name = EcsRole\n"
                   "[oidc]\ntype = oidc_role_arn\nrole_arn = acs:ram::1:role/o\n"
                   "oidc_provider_arn = acs:ram::1:oidc-provider/p\n"
                   "oidc_token_file_path = /var/run/token\n");
    const std::string file = p(".alibabacloud/credentials");
    auto role = spec("role");
    ASSERT_TRUE(role.ok()) << role.error().message;
    EXPECT_EQ(role->type, CredentialType::RamRoleArn);
    EXPECT_EQ(role->credentials.access_key_id, "IdRole");
    EXPECT_EQ(role->role_arn, "acs:ram::1:role/r");
    EXPECT_EQ(role->role_session_name, "s1");
    EXPECT_EQ(role->policy, "{}");
    EXPECT_EQ(role->duration_s, 900);
    EXPECT_EQ(role->sts_region, "cn-beijing");
    EXPECT_EQ(role->region_id, "cn-shanghai");
    EXPECT_EQ(role->where, "profile 'role' of " + file);
    auto chained = spec("chained");
    ASSERT_TRUE(chained.ok()) << chained.error().message;
    ASSERT_NE(chained->source, nullptr);
    EXPECT_EQ(chained->source->role_arn, "acs:ram::1:role/r");
    EXPECT_EQ(chained->duration_s, kDefaultRoleDurationS);
    auto ecs = spec("ecs");
    ASSERT_TRUE(ecs.ok());
    EXPECT_EQ(ecs->type, CredentialType::EcsRamRole);
    EXPECT_EQ(ecs->role_name, "EcsRole");
    auto oidc = spec("oidc");
    ASSERT_TRUE(oidc.ok());
    EXPECT_EQ(oidc->type, CredentialType::OidcRoleArn);
    EXPECT_EQ(oidc->oidc_provider_arn, "acs:ram::1:oidc-provider/p");
    EXPECT_EQ(oidc->oidc_token_file, "/var/run/token");
    // A fixed-key loader refuses what needs STS, naming the type.
    env["ALIBABA_CLOUD_PROFILE"] = "ecs";
    auto fixed = load();
    ASSERT_FALSE(fixed.ok());
    EXPECT_EQ(fixed.error().message, "profile 'ecs' of " + file +
                                         ": type ecs_ram_role needs a credential provider (it is "
                                         "not a fixed AccessKey)");
    // ALIBABA_CLOUD_ECS_METADATA_DISABLED=true refuses an ecs_ram_role profile.
    env["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true";
    auto disabled = spec();
    ASSERT_FALSE(disabled.ok());
    EXPECT_EQ(disabled.error().message,
              "profile 'ecs' of " + file +
                  ": ecs_ram_role is disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true");
}

// Every aliyun CLI mode, with the CLI's key names.
TEST_F(CredentialChain, AliyunConfigModes) {
    home.write(".aliyun/config.json", std::string(R"({"current": "ak", "profiles": [
        {"name": "ak", "mode": "AK", "access_key_id": "IdAk", "access_key_secret": ")") +
                                          kSecret + R"(", "region_id": "cn-hangzhou"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "IdRole",
         "access_key_secret": ")" + kSecret +
                                          R"(", "ram_role_arn": "acs:ram::1:role/r",
         "ram_session_name": "s2", "expired_seconds": 1800, "sts_region": "cn-shenzhen"},
        {"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "ak",
         "ram_role_arn": "acs:ram::1:role/c"},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRole"},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/o",
         "oidc_provider_arn": "acs:ram::1:oidc-provider/p", "oidc_token_file": "/t"}]})");
    auto ak = spec();
    ASSERT_TRUE(ak.ok()) << ak.error().message;
    EXPECT_EQ(ak->credentials.access_key_id, "IdAk");
    EXPECT_EQ(ak->region_id, "cn-hangzhou");
    auto role = spec("role");
    ASSERT_TRUE(role.ok()) << role.error().message;
    EXPECT_EQ(role->type, CredentialType::RamRoleArn);
    EXPECT_EQ(role->credentials.access_key_id, "IdRole");
    EXPECT_EQ(role->role_session_name, "s2");
    EXPECT_EQ(role->duration_s, 1800);
    EXPECT_EQ(role->sts_region, "cn-shenzhen");
    auto chain = spec("chain");
    ASSERT_TRUE(chain.ok()) << chain.error().message;
    ASSERT_NE(chain->source, nullptr);
    EXPECT_EQ(chain->source->credentials.access_key_id, "IdAk");
    auto ecs = spec("ecs");
    ASSERT_TRUE(ecs.ok());
    EXPECT_EQ(ecs->role_name, "EcsRole");
    auto oidc = spec("oidc");
    ASSERT_TRUE(oidc.ok());
    EXPECT_EQ(oidc->oidc_token_file, "/t");
    EXPECT_EQ(oidc->role_arn, "acs:ram::1:role/o");
}

// The environment's keyless sources: OIDC (before the profile files) and the ECS role (last).
TEST_F(CredentialChain, EnvironmentOidcAndEcsRole) {
    home.write(".alibabacloud/credentials", ini("default", "IdHomeIni"));
    env["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"] = "acs:ram::1:oidc-provider/p";
    env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"] = "/var/run/secrets/token";
    auto missing = spec();
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message,
              "ALIBABA_CLOUD_OIDC_PROVIDER_ARN is set but ALIBABA_CLOUD_ROLE_ARN is not");
    env["ALIBABA_CLOUD_ROLE_ARN"] = "acs:ram::1:role/o";
    env["ALIBABA_CLOUD_ROLE_SESSION_NAME"] = "pod-1";
    auto oidc = spec();
    ASSERT_TRUE(oidc.ok()) << oidc.error().message;
    EXPECT_EQ(oidc->type, CredentialType::OidcRoleArn);
    EXPECT_EQ(oidc->role_session_name, "pod-1");
    EXPECT_EQ(oidc->where, "environment (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN)");
    // --profile skips the environment.
    auto named = spec("default");
    ASSERT_TRUE(named.ok());
    EXPECT_EQ(named->credentials.access_key_id, "IdHomeIni");

    env.clear();
    env["ALIBABA_CLOUD_ECS_METADATA"] = "EcsRole";
    auto ecs = spec();
    ASSERT_TRUE(ecs.ok());
    EXPECT_EQ(ecs->credentials.access_key_id, "IdHomeIni");  // the profile file comes first
    std::filesystem::remove(home / ".alibabacloud/credentials");
    ecs = spec();
    ASSERT_TRUE(ecs.ok());
    EXPECT_EQ(ecs->type, CredentialType::EcsRamRole);
    EXPECT_EQ(ecs->role_name, "EcsRole");
    env["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "TRUE";
    auto none = spec();
    ASSERT_FALSE(none.ok());
    EXPECT_NE(
        none.error().message.find("\n  ECS metadata (ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)\n"),
        std::string::npos)
        << none.error().message;
}

// A named profile is looked for in every profile file; absent from all, an error lists them.
TEST_F(CredentialChain, NamedProfileSearchesBothFiles) {
    home.write(".alibabacloud/credentials", ini("default", "IdHomeIni"));
    home.write(".aliyun/config.json", aliyun_json("IdAliyun"));
    env["ALIBABA_CLOUD_PROFILE"] = "default";
    auto c = load();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->access_key_id, "IdHomeIni");
    std::filesystem::remove(home / ".alibabacloud/credentials");
    home.write(".alibabacloud/credentials.ini", ini("other", "IdOther"));
    c = load();  // not in the INI file: the aliyun CLI's profile of that name
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->access_key_id, "IdAliyun");
    env["ALIBABA_CLOUD_PROFILE"] = "prod";
    c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, 78);
    EXPECT_EQ(c.error().message, "profile 'prod' (ALIBABA_CLOUD_PROFILE) not found; searched:\n  " +
                                     p(".alibabacloud/credentials.ini") + " (profiles: other)\n  " +
                                     p(".aliyun/config.json") + " (profiles: default)\n  " +
                                     p(".alibabacloud/credentials") + " (absent)");
    auto s = spec("prod");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message.rfind("profile 'prod' (--profile) not found; searched:\n", 0), 0u);
}

// ----------------------------------------------------------------------------- no secret leaks

// Files that hold the secret (and a token) in every wrong place: no error message repeats it.
TEST_F(CredentialChain, SecretNeverInAnyErrorMessage) {
    const std::string s = kSecret;
    const std::string t = kToken;
    const std::vector<std::string> key_files = {
        "access_key_id = IdX\n" + s + "\n",
        "access_key_id = IdX\n" + s + " " + t + "\n",
        "access_key_id = IdX\naccess_key_secret = " + s + " trailing\n",
        "access_key_id = IdX\naccess_key_secret = " + s + "\nsecurity_token = " + t + " x\n",
        "[" + s + "\n",
        "access_key_id = IdX\n" + s + " = oops\n",
        "[default]\ntype = " + s + "\naccess_key_id = a\naccess_key_secret = b\n",
        "[default]\ntype = sts\naccess_key_id = a\naccess_key_secret = b\nsecurity_token =" + t +
            "\x01\n",
    };
    const std::string lower_s = "sup3rs3cretvalue0123456789abcd";
    for (std::size_t i = 0; i < key_files.size(); ++i) {
        SCOPED_TRACE(i);
        auto path = home.write("ak", key_files[i]);
        auto c = load(path.string());
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message.find(s), std::string::npos) << c.error().message;
        EXPECT_EQ(c.error().message.find(lower_s), std::string::npos) << c.error().message;
        EXPECT_EQ(c.error().message.find(t), std::string::npos) << c.error().message;
    }
    const std::vector<std::string> json_files = {
        "{\"profiles\": [{\"name\": \"default\", \"access_key_secret\": \"" + s + "\"",
        "{\"profiles\": [{\"name\": \"default\", \"mode\": \"" + s + "\"}]}",
        "{\"profiles\": [{\"name\": \"default\", \"mode\": \"StsToken\", \"access_key_id\": \"a\","
        " \"access_key_secret\": \"" +
            s + "\", \"sts_token\": \"" + t + " x\"}]}",
    };
    for (std::size_t i = 0; i < json_files.size(); ++i) {
        SCOPED_TRACE(i);
        home.write(".aliyun/config.json", json_files[i]);
        auto c = load();
        ASSERT_FALSE(c.ok());
        EXPECT_EQ(c.error().message.find(s), std::string::npos) << c.error().message;
        EXPECT_EQ(c.error().message.find(t), std::string::npos) << c.error().message;
    }
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "IdX";
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = s + " ";
    auto c = load();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message.find(s), std::string::npos) << c.error().message;
    // A successful load's description holds neither.
    env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = s;
    env["ALIBABA_CLOUD_SECURITY_TOKEN"] = t;
    c = load();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(describe_credentials(*c).find(s), std::string::npos);
    EXPECT_EQ(describe_credentials(*c).find(t), std::string::npos);
}

// Server text that echoes what was signed is scrubbed of the secret and token in every encoding.
TEST(ScrubSecrets, RemovesSecretAndTokenInEveryEncoding) {
    Credentials c;
    c.access_key_id = "LTAI_example_abcd";
    c.access_key_secret = Secret("sec/ret+1");
    c.security_token = Secret("tok/en=");
    EXPECT_EQ(scrub_secrets("a sec/ret+1 b sec%2Fret%2B1 c sec%252Fret%252B1 d", c),
              "a <redacted> b <redacted> c <redacted> d");
    EXPECT_EQ(scrub_secrets("SecurityToken%3Dtok%252Fen%253D%26 tok/en= tok%2Fen%3D", c),
              "SecurityToken%3D<redacted>%26 <redacted> <redacted>");
    EXPECT_EQ(scrub_secrets("nothing here LTAI_example_abcd", c), "nothing here LTAI_example_abcd");
    Credentials no_token;
    no_token.access_key_secret = Secret("x");
    EXPECT_EQ(scrub_secrets("a x b", no_token), "a <redacted> b");
}

}  // namespace
}  // namespace qbi
