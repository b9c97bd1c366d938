#pragma once
// A credential-chain test fixture: a fresh fake HOME (TempDir) and a fake environment (a map),
// so the real ones are never read. Not thread-safe; one per test.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "runner/api/credential_chain.h"
#include "tests/support/temp_dir.h"

namespace qbi::test {

namespace fs = std::filesystem;
constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;
constexpr const char* kSecret = "Sup3rS3cretValue0123456789abcd";
constexpr const char* kToken = "CAISsts+Token/Value=";

// A fake HOME and environment per test: the real ones are never read.
class CredentialChain : public ::testing::Test {
protected:
    test::TempDir home;
    std::map<std::string, std::string> env;

    Result<Credentials> load(const std::string& credentials_file = "") {
        return load_credentials(options(credentials_file));
    }
    // The whole chain (any credential type), with --profile `profile` when not empty.
    Result<CredentialSpec> spec(const std::string& profile = "",
                                const std::string& credentials_file = "") {
        CredentialOptions o = options(credentials_file);
        o.profile = profile;
        return resolve_credentials(o);
    }
    CredentialOptions options(const std::string& credentials_file = "") {
        CredentialOptions o;
        o.credentials_file = credentials_file;
        o.env = [this](const std::string& name) -> std::optional<std::string> {
            auto it = env.find(name);
            if (it == env.end()) return std::nullopt;
            return it->second;
        };
        o.home = home.path().string();
        return o;
    }
    std::string p(const std::string& rel) const { return (home / rel).string(); }
    std::string key_file(const std::string& id) const {
        return "access_key_id = " + id + "\naccess_key_secret = " + kSecret + "\n";
    }
    std::string ini(const std::string& profile, const std::string& id) const {
        return "[" + profile + "]\ntype = access_key\naccess_key_id = " + id +
               "\naccess_key_secret = " + kSecret + "\n";
    }
    std::string aliyun_json(const std::string& id) const {
        return R"({"current": "default", "profiles": [{"name": "default", "mode": "AK",
                   "access_key_id": ")" +
               id + R"(", "access_key_secret": ")" + kSecret +
               R"(", "region_id": "cn-hangzhou"}]})";
    }
    // Every source present at once, each with its own AccessKeyId.
    void write_all_sources() {
        home.write("explicit", key_file("IdExplicit"));
        home.write("creds/alibaba-ak", key_file("IdSystemd"));
        env["CREDENTIALS_DIRECTORY"] = p("creds");
        env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "IdEnvironment";
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = kSecret;
        home.write("custom.ini", ini("default", "IdCustomIni"));
        env["ALIBABA_CLOUD_CREDENTIALS_FILE"] = p("custom.ini");
        home.write(".alibabacloud/credentials", ini("default", "IdHomeIni"));
        home.write(".aliyun/config.json", aliyun_json("IdAliyun"));
    }
};

}  // namespace qbi::test
