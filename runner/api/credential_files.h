#pragma once
// The file formats of the credential chain (design §7) and the permission rule for them.
//
// Formats:
//  - INI (~/.alibabacloud/credentials, ALIBABA_CLOUD_CREDENTIALS_FILE): `[profile]` sections of
//    `key = value` lines, read by runner/core/ini.h (comments, quotes, duplicate keys refused);
//    keys are case-insensitive. Keys read: type (access_key | sts; absent means
//    access_key, or sts when security_token is given), access_key_id, access_key_secret,
//    security_token, enable (false disables the profile). Other keys (region_id, ...) are
//    ignored, as the Alibaba Cloud tools ignore keys of other types.
//  - The credentials file of --credentials-file and $CREDENTIALS_DIRECTORY/alibaba-ak: plain
//    `key = value` lines with access_key_id, access_key_secret and, for STS, security_token
//    (no section header; any other key is an error). A file in the INI profile format above
//    is accepted too; its profile is chosen like the INI file's.
//  - ~/.aliyun/config.json (the aliyun CLI's): the profile named by "current" ("default" if
//    absent) of "profiles"; mode AK (access_key_id, access_key_secret) or StsToken (plus
//    sts_token).
//
// Contract: errors carry kExitConfig and name the file, the line or the key, never a value
// (a malformed line may hold a secret, so its text is never echoed). A file must be a regular
// file of at most 64 KiB with no permission for group or others; a POSIX ACL is honoured
// (systemd's LoadCredential= grants the service user read access with an ACL, which shows
// as group bits in the mode): named-user entries for the reading user are fine, any other
// entry that the mask lets through is not.
// Thread-safety: pure functions (and file reads); safe from any thread.
#include <map>
#include <string>
#include <string_view>

#include "runner/api/credentials.h"
#include "runner/core/result.h"

namespace qbi {

inline constexpr std::size_t kMaxCredentialsFileBytes = 64 * 1024;

// Why a file with this mode and this system.posix_acl_access value ("" if none) is not
// private to `reader_uid`, as "mode 0644" or "mode 0440 with an ACL entry for group 1000";
// "" when it is private.
std::string permission_problem(unsigned mode, std::string_view acl_xattr, unsigned reader_uid);

// Reads a credentials file after checking it is private (see above). Errors name the file:
//   "credentials file F: cannot open: No such file or directory"
//   "credentials file F is accessible by group or others (mode 0644); run: chmod 600 F"
Result<std::string> read_private_file(const std::string& path);

// Checks and assembles one set of values: each must be non-empty printable ASCII without
// blanks (errors name `where` and the key name, e.g. "environment: ALIBABA_CLOUD_ACCESS_KEY_SECRET
// is empty"). `token` is null unless STS. `where` becomes Credentials::source.
Result<Credentials> make_credentials(const std::string& where, const std::string& id,
                                     const std::string& id_key, const std::string& secret,
                                     const std::string& secret_key, const std::string* token,
                                     const std::string& token_key);

// Credentials from the keys of one INI profile; `where` names it in errors and becomes
// Credentials::source, e.g. "profile 'default' of /home/u/.alibabacloud/credentials".
Result<Credentials> credentials_from_ini_profile(const std::map<std::string, std::string>& keys,
                                                 const std::string& where);

// An INI file's profile `profile`: errors if absent (listing the profiles there) or disabled.
Result<Credentials> credentials_from_ini(std::string_view text, const std::string& path,
                                         const std::string& profile);

// The --credentials-file / alibaba-ak format; `source` becomes Credentials::source.
Result<Credentials> credentials_from_key_file(std::string_view text, const std::string& path,
                                              const std::string& profile,
                                              const std::string& source);

// ~/.aliyun/config.json.
Result<Credentials> credentials_from_aliyun_config(std::string_view json, const std::string& path);

}  // namespace qbi
