#include "runner/api/credential_files.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <vector>

#include "runner/core/files.h"
#include "runner/core/ini.h"
#include "runner/core/strings.h"

namespace qbi {

namespace {

Error config_error(std::string message) {
    return Error{kExitConfig, std::move(message)};
}

std::string octal_mode(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0%03o", mode & 0777u);
    return buf;
}

std::optional<std::string> read_acl_xattr(int fd) {
    ssize_t n = ::fgetxattr(fd, "system.posix_acl_access", nullptr, 0);
    if (n <= 0) return std::string();  // no ACL, or no ACL support: the mode bits tell all
    std::string buf(static_cast<std::size_t>(n), '\0');
    n = ::fgetxattr(fd, "system.posix_acl_access", buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
}

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

// A value must be printable ASCII without blanks: a pasted secret with a stray newline or a
// non-breaking space would otherwise fail later as SignatureDoesNotMatch.
Status check_value(const std::string& where, const std::string& key, const std::string& value) {
    if (value.empty()) return config_error(where + ": " + key + " is empty");
    for (unsigned char c : value)
        if (c <= 0x20 || c >= 0x7f)
            return config_error(where + ": " + key +
                                " contains a blank, control or non-ASCII character");
    return {};
}

}  // namespace

Result<Credentials> make_credentials(const std::string& where, const std::string& id,
                                     const std::string& id_key, const std::string& secret,
                                     const std::string& secret_key, const std::string* token,
                                     const std::string& token_key) {
    if (auto s = check_value(where, id_key, id); !s) return s.error();
    if (auto s = check_value(where, secret_key, secret); !s) return s.error();
    if (token != nullptr)
        if (auto s = check_value(where, token_key, *token); !s) return s.error();
    Credentials c;
    c.access_key_id = id;
    c.access_key_secret = Secret(secret);
    if (token != nullptr) c.security_token = Secret(*token);
    c.source = where;
    return c;
}

namespace {

// Credential kinds other Alibaba Cloud tools know but qbi-runner does not read: named in the
// error when recognised; any other value is not repeated (it could be a misplaced secret).
bool is_known_kind(std::string_view s) {
    for (std::string_view k :
         {"ecs_ram_role", "ram_role_arn", "rsa_key_pair", "bearer", "oidc_role_arn",
          "credentials_uri", "RamRoleArn", "EcsRamRole", "RsaKeyPair", "ChainableRamRoleArn",
          "External", "CredentialsURI", "OIDC", "CloudSSO", "OAuth"})
        if (s == k) return true;
    return false;
}

std::string join_names(const std::vector<std::string>& names) {
    if (names.empty()) return "it has none";
    std::string out = "profiles: ";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out;
}

}  // namespace

std::string permission_problem(unsigned mode, std::string_view acl, unsigned reader_uid) {
    mode &= 0777u;
    if ((mode & 0077u) == 0) return "";
    if ((mode & 0007u) != 0) return "mode " + octal_mode(mode);
    // Group bits set. Without an ACL they are the owning group's permissions.
    constexpr std::size_t kHeader = 4, kEntry = 8;
    if (acl.size() < kHeader || (acl.size() - kHeader) % kEntry != 0)
        return "mode " + octal_mode(mode);
    auto u16 = [&](std::size_t at) {
        return static_cast<unsigned>(static_cast<unsigned char>(acl[at])) |
               static_cast<unsigned>(static_cast<unsigned char>(acl[at + 1])) << 8;
    };
    auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
    if (u32(0) != 2) return "mode " + octal_mode(mode);  // unknown ACL format: trust the mode
    enum : unsigned { kUser = 0x02, kGroupObj = 0x04, kGroup = 0x08, kMask = 0x10 };
    unsigned mask = 07;
    for (std::size_t at = kHeader; at < acl.size(); at += kEntry)
        if (u16(at) == kMask) mask = u16(at + 2) & 07u;
    for (std::size_t at = kHeader; at < acl.size(); at += kEntry) {
        unsigned tag = u16(at), perm = u16(at + 2) & mask, id = u32(at + 4);
        if (perm == 0) continue;
        std::string with = "mode " + octal_mode(mode) + " with an ACL entry for ";
        if (tag == kGroupObj) return with + "the owning group";
        if (tag == kGroup) return with + "group " + std::to_string(id);
        if (tag == kUser && id != reader_uid) return with + "user " + std::to_string(id);
    }
    return "";
}

Result<std::string> read_private_file(const std::string& path) {
    const std::string what = "credentials file " + path;
    // Non-blocking open and fstat on the descriptor: a FIFO cannot hang the start.
    auto f = open_regular_file(AT_FDCWD, path, Follow::Yes);
    if (!f) {
        const std::string& why = f.error().message;
        if (f.error().code == kExitIoErr) return config_error(what + ": cannot open: " + why);
        if (why == std::strerror(EISDIR)) return config_error(what + " is not a regular file");
        return config_error(what + " is " + why);
    }
    const struct stat& st = f->st;
    auto acl = read_acl_xattr(f->fd.get());
    if (!acl) return config_error(what + ": cannot read its ACL: " + std::strerror(errno));
    std::string problem = permission_problem(st.st_mode, *acl, ::geteuid());
    if (!problem.empty())
        return config_error(what + " is accessible by group or others (" + problem +
                            "); run: chmod 600 " + path);
    if (static_cast<std::uint64_t>(st.st_size) > kMaxCredentialsFileBytes)
        return config_error(what + " is larger than 64 KiB");
    bool over = false;
    auto text = read_to_end(f->fd.get(), kMaxCredentialsFileBytes, over);
    if (!text) return config_error(what + ": cannot read: " + text.error().message);
    if (over) return config_error(what + " is larger than 64 KiB");
    return *text;
}

Result<Credentials> credentials_from_ini_profile(const std::map<std::string, std::string>& keys,
                                                 const std::string& where) {
    auto get = [&](const std::string& k) -> const std::string* {
        auto it = keys.find(k);
        return it == keys.end() ? nullptr : &it->second;
    };
    if (const std::string* enable = get("enable")) {
        std::string v = to_lower(*enable);
        if (v == "false" || v == "0" || v == "no" || v == "off")
            return config_error(where + " is disabled (enable = false)");
    }
    const std::string* token = get("security_token");
    std::string type = token != nullptr ? "sts" : "access_key";
    if (const std::string* t = get("type")) type = to_lower(*t);
    if (type != "access_key" && type != "sts")
        return config_error(where + ": type " +
                            (is_known_kind(type) ? "'" + type + "' " : std::string()) +
                            "is not supported (qbi-runner reads access_key and sts)");
    const std::string* id = get("access_key_id");
    const std::string* secret = get("access_key_secret");
    if (id == nullptr) return config_error(where + ": access_key_id is missing");
    if (secret == nullptr) return config_error(where + ": access_key_secret is missing");
    if (type == "sts" && token == nullptr)
        return config_error(where + ": type sts needs security_token");
    return make_credentials(where, *id, "access_key_id", *secret, "access_key_secret",
                            type == "sts" ? token : nullptr, "security_token");
}

Result<Credentials> credentials_from_ini(std::string_view text, const std::string& path,
                                         const std::string& profile) {
    auto doc = read_ini(text, path);
    if (!doc) return doc.error();
    const std::vector<std::string>& names = doc->sections;
    bool found = false;
    std::map<std::string, std::string> keys;
    for (const std::string& n : names) found = found || n == profile;
    for (const IniEntry& e : doc->entries)
        if (e.section == profile && !e.section.empty()) keys[e.key] = e.value;
    if (!found)
        return config_error("credentials file " + path + " has no profile '" + profile + "' (" +
                            join_names(names) + ")");
    return credentials_from_ini_profile(keys, "profile '" + profile + "' of " + path);
}

Result<Credentials> credentials_from_key_file(std::string_view text, const std::string& path,
                                              const std::string& profile,
                                              const std::string& source) {
    auto doc = read_ini(text, path);
    if (!doc) return doc.error();
    const std::vector<std::string>& names = doc->sections;
    std::map<std::string, std::string> keys;
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
        return credentials_from_ini_profile(keys, source);
    }
    auto c = credentials_from_ini(text, path, profile);
    if (c) c->source = "profile '" + profile + "' of " + source;
    return c;
}

Result<Credentials> credentials_from_aliyun_config(std::string_view json, const std::string& path) {
    const std::string what = "credentials file " + path;
    Poco::JSON::Object::Ptr root;
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var v = parser.parse(std::string(json));
        if (v.type() == typeid(Poco::JSON::Object::Ptr))
            root = v.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        // The parser's message may quote the text around the error, which may be a secret.
    }
    if (root.isNull()) return config_error(what + " is not a JSON object");
    try {
        std::string current = "default";
        if (root->has("current") && root->get("current").isString() &&
            !root->getValue<std::string>("current").empty())
            current = root->getValue<std::string>("current");
        Poco::JSON::Array::Ptr profiles = root->getArray("profiles");
        if (profiles.isNull()) return config_error(what + " has no \"profiles\" array");
        std::vector<std::string> names;
        Poco::JSON::Object::Ptr chosen;
        for (std::size_t i = 0; i < profiles->size(); ++i) {
            Poco::JSON::Object::Ptr p = profiles->getObject(static_cast<unsigned>(i));
            if (p.isNull() || !p->has("name") || !p->get("name").isString()) continue;
            std::string name = p->getValue<std::string>("name");
            names.push_back(name);
            if (name == current && chosen.isNull()) chosen = p;
        }
        if (chosen.isNull())
            return config_error(what + " has no profile '" + current + "' (" + join_names(names) +
                                ")");
        const std::string where = "profile '" + current + "' of " + path;
        auto str = [&](const std::string& k) -> std::optional<std::string> {
            if (!chosen->has(k) || !chosen->get(k).isString()) return std::nullopt;
            return chosen->getValue<std::string>(k);
        };
        std::string mode = str("mode").value_or("AK");
        if (mode != "AK" && mode != "StsToken")
            return config_error(where + ": mode " + (is_known_kind(mode) ? "'" + mode + "' " : "") +
                                "is not supported (qbi-runner reads AK and StsToken)");
        auto id = str("access_key_id");
        auto secret = str("access_key_secret");
        auto token = str("sts_token");
        if (!id) return config_error(where + ": access_key_id is missing");
        if (!secret) return config_error(where + ": access_key_secret is missing");
        if (mode == "StsToken" && !token)
            return config_error(where + ": mode StsToken needs sts_token");
        return make_credentials(where, *id, "access_key_id", *secret, "access_key_secret",
                                mode == "StsToken" ? &*token : nullptr, "sts_token");
    } catch (const std::exception&) {
        return config_error(what + " does not have the aliyun CLI's layout");
    }
}

}  // namespace qbi
