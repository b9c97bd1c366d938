#pragma once
// The credential chain of design §7: where qbi-runner finds its AccessKey, in this order.
//   1. CredentialOptions::credentials_file (--credentials-file): key file format, see
//      credential_files.h. Given but unusable -> error (no fallback).
//   2. $CREDENTIALS_DIRECTORY/alibaba-ak (systemd LoadCredential=), same format, if it exists.
//   3. ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET (+
//   ALIBABA_CLOUD_SECURITY_TOKEN
//      for STS). One set without the other -> error.
//   4. $ALIBABA_CLOUD_CREDENTIALS_FILE (must exist when set), else the first existing of
//      ~/.alibabacloud/credentials and ~/.alibabacloud/credentials.ini: INI profile
//      $ALIBABA_CLOUD_PROFILE or "default".
//   5. ~/.aliyun/config.json, if it exists: its current profile.
// The first source that is present decides: if it is malformed or not private (chmod 600),
// that is an error, never a silent fall-through to the next source. Nothing found -> an error
// listing every place looked at. All errors carry kExitConfig (78), name files and keys, and
// never contain a secret or token. Credentials::source says where they came from.
//
// Environment and home directory are injected so tests never see the real ones.
// Thread-safety: load_credentials is reentrant if `env` is.
#include <functional>
#include <optional>
#include <string>

#include "runner/api/credentials.h"
#include "runner/core/env.h"
#include "runner/core/result.h"

namespace qbi {

struct CredentialOptions {
    std::string credentials_file;  // --credentials-file; empty: not given
    Env env;                       // empty function: process_env()
    std::string home;              // empty: $HOME from `env`; neither: home sources skipped
};

Result<Credentials> load_credentials(const CredentialOptions& options);

// For the log line: "AccessKeyId LTAI****abcd (STS) from environment (...)". No secret.
std::string describe_credentials(const Credentials& c);

}  // namespace qbi
