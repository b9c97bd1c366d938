#include "runner/api/credential_files.h"

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

}  // namespace qbi
