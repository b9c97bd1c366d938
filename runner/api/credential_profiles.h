#pragma once
// The credential formats of the chain (design §7; README.md, "Credentials") and what they
// describe: a CredentialSpec, made into a CredentialProvider by credential_sources.h.
//
// Formats:
//  - INI (~/.alibabacloud/credentials(.ini), ALIBABA_CLOUD_CREDENTIALS_FILE): `[profile]`
//    sections of `key = value` lines (runner/core/ini.h; keys case-insensitive). `type`:
//      access_key     access_key_id, access_key_secret
//      sts            the same + security_token (the default type when security_token is set)
//      ram_role_arn   role_arn, role_session_name, optional policy, external_id,
//                     role_session_expiration (seconds, 900-43200; default 3600), sts_region;
//                     the source: access_key_id + access_key_secret, or source_profile (another
//                     profile of the same file)
//      ecs_ram_role   optional role_name (else asked from the metadata service)
//      oidc_role_arn  role_arn, oidc_provider_arn, oidc_token_file_path, optional
//                     role_session_name, policy, role_session_expiration, sts_region
//    enable = false disables a profile; region_id is the profile's region.
//  - The key file of --credentials-file and $CREDENTIALS_DIRECTORY/alibaba-ak: plain
//    `key = value` lines with access_key_id, access_key_secret and, for STS, security_token
//    (no section header; any other key is an error), or the INI profile format above.
//  - ~/.aliyun/config.json (the aliyun CLI's): a profile of "profiles"; `mode`:
//      AK                   access_key_id, access_key_secret
//      StsToken             the same + sts_token
//      RamRoleArn           access_key_id, access_key_secret (the source), ram_role_arn,
//                           ram_session_name, optional policy, external_id, expired_seconds,
//                           sts_region
//      ChainableRamRoleArn  as RamRoleArn, the source being source_profile
//      EcsRamRole           optional ram_role_name
//      OIDC                 ram_role_arn, oidc_provider_arn, oidc_token_file, optional
//                           ram_session_name, policy, expired_seconds, sts_region
//    region_id is the profile's region.
// Contract: errors carry kExitConfig and name the file, the profile and the key, never a value
// (it could be a misplaced secret); a source_profile chain is at most 5 deep and never loops.
// Thread-safety: pure functions; safe from any thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runner/api/credentials.h"
#include "runner/core/result.h"

namespace qbi {

enum class CredentialType { AccessKey, Sts, RamRoleArn, EcsRamRole, OidcRoleArn };

// "access_key", "sts", "ram_role_arn", "ecs_ram_role", "oidc_role_arn".
const char* credential_type_name(CredentialType type);

inline constexpr std::int64_t kDefaultRoleDurationS = 3600;

struct CredentialSpec {
    CredentialType type = CredentialType::AccessKey;
    // AccessKey, Sts: the key. RamRoleArn: the source key, unless `source` is set.
    Credentials credentials;
    std::shared_ptr<const CredentialSpec> source;  // RamRoleArn from another profile
    std::string role_arn, role_session_name, policy, external_id;
    std::int64_t duration_s = kDefaultRoleDurationS;
    std::string sts_region;  // the profile's STS region: sts.<region>.aliyuncs.com
    std::string role_name;   // EcsRamRole; empty: the one the metadata service names
    std::string oidc_provider_arn, oidc_token_file;
    std::string region_id;  // the profile's region_id ("" if none)
    // Where it was found, e.g. "profile 'p' of /home/u/.alibabacloud/credentials".
    std::string where;

    bool is_static() const {
        return type == CredentialType::AccessKey || type == CredentialType::Sts;
    }
};

// The profile names of an INI file / an aliyun config.json, in file order (errors: malformed).
Result<std::vector<std::string>> ini_profile_names(std::string_view text, const std::string& path);
Result<std::vector<std::string>> aliyun_profile_names(std::string_view json,
                                                      const std::string& path);

// An INI file's profile `profile`: errors if absent (listing the profiles there), disabled or
// incomplete.
Result<CredentialSpec> spec_from_ini(std::string_view text, const std::string& path,
                                     const std::string& profile);

// The key file (--credentials-file, alibaba-ak); `source` names it ("file F
// (--credentials-file)") and becomes Credentials::source.
Result<CredentialSpec> spec_from_key_file(std::string_view text, const std::string& path,
                                          const std::string& profile, const std::string& source);

// ~/.aliyun/config.json: profile `profile`, or, when empty, the one named by "current"
// ("default" if absent).
Result<CredentialSpec> spec_from_aliyun_config(std::string_view json, const std::string& path,
                                               const std::string& profile);

}  // namespace qbi
