#include "runner/api/credential_chain.h"

#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "runner/api/credential_files.h"

namespace qbi {

namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Error config_error(std::string message) {
    return Error{kExitConfig, std::move(message)};
}

}  // namespace

Result<Credentials> load_credentials(const CredentialOptions& options) {
    const Env env = options.env ? options.env : process_env();
    auto var = [&](const std::string& name) -> std::optional<std::string> {
        auto v = env(name);
        if (v && v->empty()) return std::nullopt;
        return v;
    };
    const std::string profile = var("ALIBABA_CLOUD_PROFILE").value_or("default");
    std::vector<std::string> looked;

    // 1. --credentials-file
    if (!options.credentials_file.empty()) {
        const std::string& path = options.credentials_file;
        auto text = read_private_file(path);
        if (!text) return text.error();
        auto c = credentials_from_key_file(*text, path, profile,
                                           "file " + path + " (--credentials-file)");
        wipe_string(*text);
        return c;
    }

    // 2. systemd credential
    if (auto dir = var("CREDENTIALS_DIRECTORY")) {
        const std::string path = *dir + "/alibaba-ak";
        if (exists(path)) {
            auto text = read_private_file(path);
            if (!text) return text.error();
            auto c = credentials_from_key_file(*text, path, profile, "systemd credential " + path);
            wipe_string(*text);
            return c;
        }
        looked.push_back(path + " (absent)");
    } else {
        looked.push_back("$CREDENTIALS_DIRECTORY/alibaba-ak (CREDENTIALS_DIRECTORY not set)");
    }

    // 3. environment
    {
        auto id = var("ALIBABA_CLOUD_ACCESS_KEY_ID");
        auto secret = var("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
        auto token = var("ALIBABA_CLOUD_SECURITY_TOKEN");
        if (id || secret || token) {
            if (!id)
                return config_error(std::string(secret ? "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
                                                       : "ALIBABA_CLOUD_SECURITY_TOKEN") +
                                    " is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not");
            if (!secret)
                return config_error(
                    "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is "
                    "not");
            std::string source = token ? "environment (ALIBABA_CLOUD_ACCESS_KEY_ID, "
                                         "ALIBABA_CLOUD_SECURITY_TOKEN)"
                                       : "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)";
            auto c = make_credentials("environment", *id, "ALIBABA_CLOUD_ACCESS_KEY_ID", *secret,
                                      "ALIBABA_CLOUD_ACCESS_KEY_SECRET", token ? &*token : nullptr,
                                      "ALIBABA_CLOUD_SECURITY_TOKEN");
            if (!c) return c.error();
            c->source = source;
            return c;
        }
        looked.push_back("environment (ALIBABA_CLOUD_ACCESS_KEY_ID not set)");
    }

    std::string home = options.home;
    if (home.empty()) home = var("HOME").value_or("");

    // 4. INI credentials file
    if (auto file = var("ALIBABA_CLOUD_CREDENTIALS_FILE")) {
        auto text = read_private_file(*file);
        if (!text) return config_error("ALIBABA_CLOUD_CREDENTIALS_FILE: " + text.error().message);
        auto c = credentials_from_ini(*text, *file, profile);
        wipe_string(*text);
        return c;
    }
    if (!home.empty()) {
        for (const char* name : {"/.alibabacloud/credentials", "/.alibabacloud/credentials.ini"}) {
            const std::string path = home + name;
            if (exists(path)) {
                auto text = read_private_file(path);
                if (!text) return text.error();
                auto c = credentials_from_ini(*text, path, profile);
                wipe_string(*text);
                return c;
            }
            looked.push_back(path + " (absent)");
        }
    }

    // 5. aliyun CLI configuration
    if (!home.empty()) {
        const std::string path = home + "/.aliyun/config.json";
        if (exists(path)) {
            auto text = read_private_file(path);
            if (!text) return text.error();
            auto c = credentials_from_aliyun_config(*text, path);
            wipe_string(*text);
            return c;
        }
        looked.push_back(path + " (absent)");
    } else {
        looked.push_back("~/.alibabacloud/credentials, ~/.aliyun/config.json (HOME not set)");
    }

    std::string message = "no Alibaba Cloud credentials found; looked at:";
    for (const std::string& l : looked) message += "\n  " + l;
    message += "\nsee README.md, \"Credentials\"";
    return config_error(message);
}

std::string describe_credentials(const Credentials& c) {
    return "AccessKeyId " + mask_access_key_id(c.access_key_id) + (c.is_sts() ? " (STS)" : "") +
           " from " + c.source;
}

}  // namespace qbi
