#include "runner/api/credential_chain.h"

#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "runner/api/credential_files.h"
#include "runner/core/strings.h"

namespace qbi {

namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Error config_error(std::string message) {
    return Error{kExitConfig, std::move(message)};
}

CredentialSpec static_spec(Credentials c) {
    CredentialSpec s;
    s.type = c.is_sts() ? CredentialType::Sts : CredentialType::AccessKey;
    s.where = c.source;
    s.credentials = std::move(c);
    return s;
}

// Reads a profile file (after the permission check) and parses it with `parse`.
template <class Parse>
Result<CredentialSpec> from_file(const std::string& path, const std::string& what, Parse parse) {
    auto text = read_private_file(path);
    if (!text) return what.empty() ? text.error() : config_error(what + text.error().message);
    auto s = parse(*text);
    wipe_string(*text);
    return s;
}

}  // namespace

Result<CredentialSpec> resolve_credentials(const CredentialOptions& options) {
    const Env env = options.env ? options.env : process_env();
    auto var = [&](const std::string& name) -> std::optional<std::string> {
        auto v = env(name);
        if (v && v->empty()) return std::nullopt;
        return v;
    };
    const bool explicit_profile = !options.profile.empty();
    const std::optional<std::string> named = explicit_profile
                                                 ? std::optional<std::string>(options.profile)
                                                 : var("ALIBABA_CLOUD_PROFILE");
    const std::string profile = named.value_or("default");
    const bool ecs_disabled =
        to_lower(var("ALIBABA_CLOUD_ECS_METADATA_DISABLED").value_or("")) == "true";
    std::vector<std::string> looked;
    auto checked = [&](Result<CredentialSpec> s) -> Result<CredentialSpec> {
        if (s && s->type == CredentialType::EcsRamRole && ecs_disabled)
            return config_error(s->where +
                                ": ecs_ram_role is disabled by "
                                "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true");
        return s;
    };

    // 1. --credentials-file
    if (!options.credentials_file.empty()) {
        const std::string& path = options.credentials_file;
        return checked(from_file(path, "", [&](const std::string& text) {
            return spec_from_key_file(text, path, profile,
                                      "file " + path + " (--credentials-file)");
        }));
    }

    if (!explicit_profile) {
        // 2. systemd credential
        if (auto dir = var("CREDENTIALS_DIRECTORY")) {
            const std::string path = *dir + "/alibaba-ak";
            if (exists(path))
                return checked(from_file(path, "", [&](const std::string& text) {
                    return spec_from_key_file(text, path, profile, "systemd credential " + path);
                }));
            looked.push_back(path + " (absent)");
        } else {
            looked.push_back("$CREDENTIALS_DIRECTORY/alibaba-ak (CREDENTIALS_DIRECTORY not set)");
        }

        // 3. environment
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
            return static_spec(std::move(*c));
        }
        looked.push_back("environment (ALIBABA_CLOUD_ACCESS_KEY_ID not set)");

        // 4. OIDC (RRSA)
        auto role = var("ALIBABA_CLOUD_ROLE_ARN");
        auto provider = var("ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
        auto token_file = var("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
        if (provider || token_file) {
            for (const auto& [value, name] :
                 {std::pair{role, "ALIBABA_CLOUD_ROLE_ARN"},
                  std::pair{provider, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"},
                  std::pair{token_file, "ALIBABA_CLOUD_OIDC_TOKEN_FILE"}})
                if (!value)
                    return config_error(std::string(provider ? "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
                                                             : "ALIBABA_CLOUD_OIDC_TOKEN_FILE") +
                                        " is set but " + name + " is not");
            CredentialSpec s;
            s.type = CredentialType::OidcRoleArn;
            s.role_arn = *role;
            s.oidc_provider_arn = *provider;
            s.oidc_token_file = *token_file;
            s.role_session_name = var("ALIBABA_CLOUD_ROLE_SESSION_NAME").value_or("");
            s.where = "environment (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN)";
            return s;
        }
        looked.push_back("environment (ALIBABA_CLOUD_OIDC_PROVIDER_ARN not set)");
    }

    // 5. profile files
    std::string home = options.home;
    if (home.empty()) home = var("HOME").value_or("");
    struct ProfileFile {
        std::string path;
        bool ini;
        std::string what;  // prefix of a read error
    };
    std::vector<ProfileFile> files;
    if (auto file = var("ALIBABA_CLOUD_CREDENTIALS_FILE")) {
        files.push_back({*file, true, "ALIBABA_CLOUD_CREDENTIALS_FILE: "});
    } else if (!home.empty()) {
        for (const char* name : {"/.alibabacloud/credentials", "/.alibabacloud/credentials.ini"}) {
            const std::string path = home + name;
            if (exists(path)) {
                files.push_back({path, true, ""});
                break;
            }
            looked.push_back(path + " (absent)");
        }
    }
    if (!home.empty()) {
        const std::string path = home + "/.aliyun/config.json";
        if (exists(path))
            files.push_back({path, false, ""});
        else
            looked.push_back(path + " (absent)");
    } else {
        looked.push_back("~/.alibabacloud/credentials, ~/.aliyun/config.json (HOME not set)");
    }
    auto parse = [&](const ProfileFile& f) {
        return from_file(f.path, f.what, [&](const std::string& text) {
            return f.ini ? spec_from_ini(text, f.path, profile)
                         : spec_from_aliyun_config(text, f.path, named.value_or(""));
        });
    };
    if (!named) {
        if (!files.empty()) return checked(parse(files.front()));
    } else {
        std::vector<std::string> searched;
        for (const ProfileFile& f : files) {
            auto text = read_private_file(f.path);
            if (!text)
                return f.what.empty() ? text.error() : config_error(f.what + text.error().message);
            auto names =
                f.ini ? ini_profile_names(*text, f.path) : aliyun_profile_names(*text, f.path);
            wipe_string(*text);
            if (!names) return names.error();
            bool has = false;
            for (const std::string& n : *names) has = has || n == profile;
            if (has) return checked(parse(f));
            std::string list;
            for (const std::string& n : *names) list += (list.empty() ? "" : ", ") + n;
            searched.push_back(f.path + " (" +
                               (list.empty() ? "no profiles" : "profiles: " + list) + ")");
        }
        std::string message = "profile '" + profile + "' (" +
                              (explicit_profile ? "--profile" : "ALIBABA_CLOUD_PROFILE") +
                              ") not found; searched:";
        for (const std::string& s : searched) message += "\n  " + s;
        for (const std::string& l : looked)
            if (l.find("/.alibabacloud/") != std::string::npos ||
                l.find("/.aliyun/") != std::string::npos ||
                l.find("HOME not set") != std::string::npos)
                message += "\n  " + l;
        return config_error(message);
    }

    // 6. ECS instance RAM role
    if (auto role = var("ALIBABA_CLOUD_ECS_METADATA"); role && !ecs_disabled) {
        CredentialSpec s;
        s.type = CredentialType::EcsRamRole;
        s.role_name = *role;
        s.where = "environment (ALIBABA_CLOUD_ECS_METADATA)";
        return s;
    }
    looked.push_back(ecs_disabled ? "ECS metadata (ALIBABA_CLOUD_ECS_METADATA_DISABLED=true)"
                                  : "ECS metadata (ALIBABA_CLOUD_ECS_METADATA not set)");

    std::string message = "no Alibaba Cloud credentials found; looked at:";
    for (const std::string& l : looked) message += "\n  " + l;
    message += "\nsee README.md, \"Credentials\"";
    return config_error(message);
}

Result<Credentials> load_credentials(const CredentialOptions& options) {
    auto s = resolve_credentials(options);
    if (!s) return s.error();
    if (!s->is_static())
        return config_error(s->where + ": type " + credential_type_name(s->type) +
                            " needs a credential provider (it is not a fixed AccessKey)");
    return s->credentials;
}

std::string describe_credentials(const Credentials& c) {
    return "AccessKeyId " + mask_access_key_id(c.access_key_id) + (c.is_sts() ? " (STS)" : "") +
           " from " + c.source;
}

}  // namespace qbi
