#include "runner/api/credential_profiles.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <exception>
#include <functional>
#include <map>
#include <optional>

#include "runner/api/credential_files.h"
#include "runner/core/ini.h"
#include "runner/core/strings.h"

namespace qbi {

namespace {

using Keys = std::map<std::string, std::string>;
constexpr int kMaxSourceDepth = 5;

Error config_error(std::string message) {
    return Error{kExitConfig, std::move(message)};
}

// The key names of one format.
struct Names {
    const char* type;  // "type" / "mode"
    const char* id;
    const char* secret;
    const char* token;
    const char* role_arn;
    const char* session;
    const char* duration;
    const char* role_name;
    const char* oidc_file;
};
constexpr Names kIniNames = {"type",
                             "access_key_id",
                             "access_key_secret",
                             "security_token",
                             "role_arn",
                             "role_session_name",
                             "role_session_expiration",
                             "role_name",
                             "oidc_token_file_path"};
constexpr Names kAliyunNames = {
    "mode",           "access_key_id",    "access_key_secret", "sts_token",
    "ram_role_arn",   "ram_session_name", "expired_seconds",   "ram_role_name",
    "oidc_token_file"};

// The credential files through the one INI reader (runner/core/ini.h): keys are
// case-insensitive (lower-cased here), and no message repeats a line's text.
Result<IniDocument> read_ini(std::string_view text, const std::string& path) {
    IniOptions o;
    o.quote_text = false;
    o.case_insensitive_keys = true;
    auto doc = parse_ini(text, "credentials file " + path, o);
    if (!doc) return doc;
    for (IniEntry& e : doc->entries) e.key = to_lower(e.key);
    return doc;
}

std::string join_names(const std::vector<std::string>& names) {
    if (names.empty()) return "it has none";
    std::string out = "profiles: ";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out;
}

// Kinds other Alibaba Cloud tools know but qbi-runner does not read: named in the error; any
// other value is not repeated (it could be a misplaced secret).
bool is_known_kind(std::string_view s) {
    for (std::string_view k : {"rsa_key_pair", "bearer", "credentials_uri", "RsaKeyPair",
                               "External", "CredentialsURI", "CloudSSO", "OAuth"})
        if (s == k) return true;
    return false;
}

const std::string* get(const Keys& keys, const std::string& k) {
    auto it = keys.find(k);
    return it == keys.end() ? nullptr : &it->second;
}

using SourceLookup = std::function<Result<CredentialSpec>(const std::string& name, int depth)>;

// One profile's keys to a spec. `type` is the profile's type, already mapped to the INI names.
Result<CredentialSpec> spec_from_keys(const Keys& keys, const Names& n, const std::string& type,
                                      const std::string& where, const SourceLookup& lookup,
                                      int depth) {
    CredentialSpec s;
    s.where = where;
    if (const std::string* r = get(keys, "region_id")) s.region_id = trim(*r);
    if (const std::string* r = get(keys, "sts_region")) s.sts_region = trim(*r);
    if (const std::string* p = get(keys, "policy")) s.policy = *p;
    if (const std::string* e = get(keys, "external_id")) s.external_id = *e;
    auto need = [&](const char* key, std::string& out) -> Status {
        const std::string* v = get(keys, key);
        if (v == nullptr) return config_error(where + ": " + key + " is missing");
        if (trim(*v).empty()) return config_error(where + ": " + key + " is empty");
        out = trim(*v);
        return {};
    };
    auto key_pair = [&](const std::string* token) -> Status {
        const std::string* id = get(keys, n.id);
        const std::string* secret = get(keys, n.secret);
        if (id == nullptr) return config_error(where + ": " + n.id + " is missing");
        if (secret == nullptr) return config_error(where + ": " + n.secret + " is missing");
        auto c = make_credentials(where, *id, n.id, *secret, n.secret, token, n.token);
        if (!c) return c.error();
        s.credentials = std::move(*c);
        return {};
    };
    auto duration = [&]() -> Status {
        const std::string* d = get(keys, n.duration);
        if (d == nullptr) return {};
        const std::string v = trim(*d);
        bool digits = !v.empty() && v.size() <= 6;
        for (char c : v) digits = digits && c >= '0' && c <= '9';
        const std::int64_t secs = digits ? std::stoll(v) : 0;
        if (secs < 900 || secs > 43200)
            return config_error(where + ": " + n.duration +
                                " must be a whole number of seconds from 900 to 43200");
        s.duration_s = secs;
        return {};
    };

    if (type == "access_key" || type == "sts") {
        s.type = type == "sts" ? CredentialType::Sts : CredentialType::AccessKey;
        const std::string* token = get(keys, n.token);
        if (type == "sts" && token == nullptr)
            return config_error(where + ": " + n.type + " " +
                                (n.type == std::string("mode") ? "StsToken" : "sts") + " needs " +
                                n.token);
        if (auto st = key_pair(type == "sts" ? token : nullptr); !st) return st.error();
        return s;
    }
    if (type == "ram_role_arn") {
        s.type = CredentialType::RamRoleArn;
        if (auto st = need(n.role_arn, s.role_arn); !st) return st.error();
        if (const std::string* v = get(keys, n.session)) s.role_session_name = trim(*v);
        if (auto st = duration(); !st) return st.error();
        if (const std::string* src = get(keys, "source_profile")) {
            if (depth >= kMaxSourceDepth)
                return config_error(where + ": source_profile chain deeper than " +
                                    std::to_string(kMaxSourceDepth) + " (a loop?)");
            auto source = lookup(trim(*src), depth + 1);
            if (!source) return source.error();
            s.source = std::make_shared<const CredentialSpec>(std::move(*source));
            return s;
        }
        if (auto st = key_pair(nullptr); !st) return st.error();
        return s;
    }
    if (type == "ecs_ram_role") {
        s.type = CredentialType::EcsRamRole;
        if (const std::string* v = get(keys, n.role_name)) s.role_name = trim(*v);
        return s;
    }
    if (type == "oidc_role_arn") {
        s.type = CredentialType::OidcRoleArn;
        if (auto st = need(n.role_arn, s.role_arn); !st) return st.error();
        if (auto st = need("oidc_provider_arn", s.oidc_provider_arn); !st) return st.error();
        if (auto st = need(n.oidc_file, s.oidc_token_file); !st) return st.error();
        if (const std::string* v = get(keys, n.session)) s.role_session_name = trim(*v);
        if (auto st = duration(); !st) return st.error();
        return s;
    }
    return Error{kExitConfig, ""};  // the caller names the unknown type
}

// --- INI ---

struct IniFile {
    std::vector<std::string> names;
    std::map<std::string, Keys> profiles;
};

Result<IniFile> read_ini_file(std::string_view text, const std::string& path) {
    auto doc = read_ini(text, path);
    if (!doc) return doc.error();
    IniFile f;
    f.names = doc->sections;
    for (const IniEntry& e : doc->entries)
        if (!e.section.empty()) f.profiles[e.section][e.key] = e.value;
    return f;
}

Result<CredentialSpec> ini_profile(const IniFile& f, const std::string& path,
                                   const std::string& profile, int depth) {
    bool found = false;
    for (const std::string& name : f.names) found = found || name == profile;
    if (!found)
        return config_error("credentials file " + path + " has no profile '" + profile + "' (" +
                            join_names(f.names) + ")");
    static const Keys kNone;
    auto it = f.profiles.find(profile);
    const Keys& keys = it == f.profiles.end() ? kNone : it->second;
    const std::string where = "profile '" + profile + "' of " + path;
    if (const std::string* enable = get(keys, "enable")) {
        std::string v = to_lower(*enable);
        if (v == "false" || v == "0" || v == "no" || v == "off")
            return config_error(where + " is disabled (enable = false)");
    }
    std::string type = get(keys, "security_token") != nullptr ? "sts" : "access_key";
    if (const std::string* t = get(keys, "type")) type = to_lower(trim(*t));
    SourceLookup lookup = [&](const std::string& name, int d) {
        return ini_profile(f, path, name, d);
    };
    auto s = spec_from_keys(keys, kIniNames, type, where, lookup, depth);
    if (!s && s.error().message.empty())
        return config_error(where + ": type " +
                            (is_known_kind(type) ? "'" + type + "' " : std::string()) +
                            "is not supported (qbi-runner reads access_key, sts, ram_role_arn, "
                            "ecs_ram_role and oidc_role_arn)");
    return s;
}

// --- aliyun CLI ---

Poco::JSON::Object::Ptr parse_root(std::string_view json) {
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var v = parser.parse(std::string(json));
        if (v.type() == typeid(Poco::JSON::Object::Ptr))
            return v.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        // The parser's message may quote the text around the error, which may be a secret.
    }
    return {};
}

struct AliyunFile {
    std::string current = "default";
    std::vector<std::string> names;
    std::map<std::string, Keys> profiles;  // the first of each name
};

Result<AliyunFile> read_aliyun(std::string_view json, const std::string& path) {
    const std::string what = "credentials file " + path;
    Poco::JSON::Object::Ptr root = parse_root(json);
    if (root.isNull()) return config_error(what + " is not a JSON object");
    try {
        AliyunFile f;
        if (root->has("current") && root->get("current").isString() &&
            !root->getValue<std::string>("current").empty())
            f.current = root->getValue<std::string>("current");
        Poco::JSON::Array::Ptr profiles = root->getArray("profiles");
        if (profiles.isNull()) return config_error(what + " has no \"profiles\" array");
        for (std::size_t i = 0; i < profiles->size(); ++i) {
            Poco::JSON::Object::Ptr p = profiles->getObject(static_cast<unsigned>(i));
            if (p.isNull() || !p->has("name") || !p->get("name").isString()) continue;
            const std::string name = p->getValue<std::string>("name");
            f.names.push_back(name);
            if (f.profiles.count(name)) continue;
            Keys& keys = f.profiles[name];
            for (const auto& [k, v] : *p) {
                if (v.isString() || v.isInteger()) keys[k] = v.convert<std::string>();
                if (v.isBoolean()) keys[k] = v.extract<bool>() ? "true" : "false";
            }
        }
        return f;
    } catch (const std::exception&) {
        return config_error(what + " does not have the aliyun CLI's layout");
    }
}

Result<CredentialSpec> aliyun_profile(const AliyunFile& f, const std::string& path,
                                      const std::string& profile, int depth) {
    auto it = f.profiles.find(profile);
    if (it == f.profiles.end())
        return config_error("credentials file " + path + " has no profile '" + profile + "' (" +
                            join_names(f.names) + ")");
    const Keys& keys = it->second;
    const std::string where = "profile '" + profile + "' of " + path;
    const std::string* mode_value = get(keys, "mode");
    const std::string mode = mode_value != nullptr ? *mode_value : "AK";
    static const std::map<std::string, std::string> kTypes = {
        {"AK", "access_key"},           {"StsToken", "sts"},
        {"RamRoleArn", "ram_role_arn"}, {"ChainableRamRoleArn", "ram_role_arn"},
        {"EcsRamRole", "ecs_ram_role"}, {"OIDC", "oidc_role_arn"}};
    auto type = kTypes.find(mode);
    if (type == kTypes.end())
        return config_error(where + ": mode " + (is_known_kind(mode) ? "'" + mode + "' " : "") +
                            "is not supported (qbi-runner reads AK, StsToken, RamRoleArn, "
                            "ChainableRamRoleArn, EcsRamRole and OIDC)");
    Keys k = keys;
    if (mode == "ChainableRamRoleArn" && !get(k, "source_profile"))
        return config_error(where + ": mode ChainableRamRoleArn needs source_profile");
    if (mode == "RamRoleArn") k.erase("source_profile");  // the aliyun CLI's: the profile's AK
    SourceLookup lookup = [&](const std::string& name, int d) {
        return aliyun_profile(f, path, name, d);
    };
    return spec_from_keys(k, kAliyunNames, type->second, where, lookup, depth);
}

}  // namespace

const char* credential_type_name(CredentialType type) {
    switch (type) {
        case CredentialType::AccessKey:
            return "access_key";
        case CredentialType::Sts:
            return "sts";
        case CredentialType::RamRoleArn:
            return "ram_role_arn";
        case CredentialType::EcsRamRole:
            return "ecs_ram_role";
        case CredentialType::OidcRoleArn:
            return "oidc_role_arn";
    }
    return "?";
}

Result<std::vector<std::string>> ini_profile_names(std::string_view text, const std::string& path) {
    auto f = read_ini_file(text, path);
    if (!f) return f.error();
    return f->names;
}

Result<std::vector<std::string>> aliyun_profile_names(std::string_view json,
                                                      const std::string& path) {
    auto f = read_aliyun(json, path);
    if (!f) return f.error();
    return f->names;
}

Result<CredentialSpec> spec_from_ini(std::string_view text, const std::string& path,
                                     const std::string& profile) {
    auto f = read_ini_file(text, path);
    if (!f) return f.error();
    return ini_profile(*f, path, profile, 0);
}

Result<CredentialSpec> spec_from_key_file(std::string_view text, const std::string& path,
                                          const std::string& profile, const std::string& source) {
    auto doc = read_ini(text, path);
    if (!doc) return doc.error();
    const std::vector<std::string>& names = doc->sections;
    Keys keys;
    for (const IniEntry& e : doc->entries) {
        if (!e.section.empty()) continue;
        if (!names.empty())
            return config_error("credentials file " + path + ":" + std::to_string(e.line) +
                                ": key = value before the first [profile]");
        if (e.key != "access_key_id" && e.key != "access_key_secret" && e.key != "security_token")
            return config_error("credentials file " + path + ":" + std::to_string(e.line) +
                                ": unknown key (expected access_key_id, access_key_secret or "
                                "security_token)");
        keys[e.key] = e.value;
    }
    if (names.empty()) {
        if (keys.empty())
            return config_error("credentials file " + path +
                                " is empty (expected access_key_id = ... and "
                                "access_key_secret = ... lines)");
        const std::string type = keys.count("security_token") ? "sts" : "access_key";
        return spec_from_keys(keys, kIniNames, type, source, {}, 0);
    }
    auto s = spec_from_ini(text, path, profile);
    if (s) {
        s->where = "profile '" + profile + "' of " + source;
        if (s->is_static()) s->credentials.source = s->where;
    }
    return s;
}

Result<CredentialSpec> spec_from_aliyun_config(std::string_view json, const std::string& path,
                                               const std::string& profile) {
    auto f = read_aliyun(json, path);
    if (!f) return f.error();
    return aliyun_profile(*f, path, profile.empty() ? f->current : profile, 0);
}

}  // namespace qbi
