#pragma once
// Reading the credential files of the chain (design §7) and the permission rule for them.
//
// The formats themselves (INI profiles, the key file, ~/.aliyun/config.json) are read by
// credential_profiles.h.
//
// Contract: errors carry kExitConfig and name the file, the line or the key, never a value
// (a malformed line may hold a secret, so its text is never echoed). A file must be a regular
// file of at most 64 KiB with no permission for group or others; a POSIX ACL is honoured
// (systemd's LoadCredential= grants the service user read access with an ACL, which shows
// as group bits in the mode): named-user entries for the reading user are fine, any other
// entry that the mask lets through is not.
// Thread-safety: pure functions (and file reads); safe from any thread.
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

}  // namespace qbi
