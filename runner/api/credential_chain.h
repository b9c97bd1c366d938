#pragma once
// The credential chain of design §7 (README.md, "Credentials"): where qbi-runner finds its
// credentials, in this order.
//   1. CredentialOptions::credentials_file (--credentials-file): key file format, see
//      credential_profiles.h. Given but unusable -> error (no fallback).
//   2. $CREDENTIALS_DIRECTORY/alibaba-ak (systemd LoadCredential=), same format, if it exists.
//   3. ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET (+
//      ALIBABA_CLOUD_SECURITY_TOKEN for STS). One set without the other -> error.
//   4. ALIBABA_CLOUD_ROLE_ARN + ALIBABA_CLOUD_OIDC_PROVIDER_ARN + ALIBABA_CLOUD_OIDC_TOKEN_FILE
//      (+ ALIBABA_CLOUD_ROLE_SESSION_NAME): oidc_role_arn (RRSA on ACK). The two OIDC
//      variables without the role -> error.
//   5. The profile files: $ALIBABA_CLOUD_CREDENTIALS_FILE (must exist when set), else the first
//      existing of ~/.alibabacloud/credentials and ~/.alibabacloud/credentials.ini (INI), then
//      ~/.aliyun/config.json. Without a profile name, the first file present decides (INI:
//      profile "default"; config.json: its "current"). With a name (--profile, else
//      $ALIBABA_CLOUD_PROFILE), the first of these files that has the profile; none -> error
//      listing every file searched.
//   6. ALIBABA_CLOUD_ECS_METADATA (the instance's RAM role name): ecs_ram_role, unless
//      ALIBABA_CLOUD_ECS_METADATA_DISABLED=true (which also refuses ecs_ram_role profiles).
// --profile NAME (CredentialOptions::profile) skips 2-4: an explicit profile is what is used.
// The first source that is present decides: if it is malformed or not private (chmod 600),
// that is an error, never a silent fall-through to the next source. Nothing found -> an error
// listing every place looked at. All errors carry kExitConfig (78), name files and keys, and
// never contain a secret or token. The spec's `where` says where it came from.
//
// Environment and home directory are injected so tests never see the real ones.
// Thread-safety: resolve_credentials is reentrant if `env` is.
#include <functional>
#include <optional>
#include <string>

#include "runner/api/credential_profiles.h"
#include "runner/api/credentials.h"
#include "runner/core/env.h"
#include "runner/core/result.h"

namespace qbi {

struct CredentialOptions {
    std::string credentials_file;  // --credentials-file; empty: not given
    std::string profile;           // --profile; empty: $ALIBABA_CLOUD_PROFILE or "default"
    Env env;                       // empty function: process_env()
    std::string home;              // empty: $HOME from `env`; neither: home sources skipped
};

// The chain: what to use, without any network call (a role is assumed by
// credential_sources.h).
Result<CredentialSpec> resolve_credentials(const CredentialOptions& options);

// The chain for a fixed AccessKey (or STS token) only: a role, ECS or OIDC source is an error.
Result<Credentials> load_credentials(const CredentialOptions& options);

// For the log line: "AccessKeyId LTAI****abcd (STS) from environment (...)". No secret.
std::string describe_credentials(const Credentials& c);

}  // namespace qbi
