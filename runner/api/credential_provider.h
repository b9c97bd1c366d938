#pragma once
// Where the signer gets its credentials, call by call (README.md, "Credentials").
//
// A CredentialProvider hands out an immutable snapshot (shared_ptr<const Credentials>) for one
// call. StaticCredentialProvider always hands out the same one. RefreshingCredentialProvider
// holds temporary credentials (STS AssumeRole, AssumeRoleWithOIDC, the ECS metadata service)
// and fetches new ones before they expire:
//   - lifetime = expiry - time obtained; the refresh is due once less than
//     min(3 minutes, lifetime / 5) remains (an hour-long STS token: 3 minutes before, as
//     Alibaba's SDKs do; a 2-second one in tests: 0.4 s before);
//   - the first caller that finds it due refreshes; every other caller keeps the snapshot it
//     has while that one is still valid, so one refresh runs at a time and nobody waits
//     unless the credentials have expired;
//   - a refresh that fails while the credentials are still valid is logged (warning) and
//     retried after min(10 s, a quarter of the time left); once they have expired, current()
//     answers the error (exit 78) naming the cause.
// All times are the injected Clock's wall time, so a ManualClock drives refreshes in tests.
// Contract: no secret in any message; describe() names the source only.
// Thread-safety: every provider is safe to share between all workers; current() takes one
// short mutex (a shared_ptr copy) unless a refresh is due.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "runner/api/credentials.h"
#include "runner/core/clock.h"
#include "runner/core/result.h"

namespace qbi {

class CredentialProvider {
public:
    virtual ~CredentialProvider() = default;
    // The credentials to sign one call with, valid now. Error (kExitConfig): none can be had.
    virtual Result<std::shared_ptr<const Credentials>> current() = 0;
    // For the log: "ram_role_arn acs:ram::1:role/x from profile 'p' of F via sts.aliyuncs.com".
    virtual std::string describe() const = 0;
};

class StaticCredentialProvider final : public CredentialProvider {
public:
    explicit StaticCredentialProvider(Credentials c)
        : credentials_(std::make_shared<const Credentials>(std::move(c))) {}
    Result<std::shared_ptr<const Credentials>> current() override { return credentials_; }
    std::string describe() const override { return credentials_->source; }

private:
    std::shared_ptr<const Credentials> credentials_;
};

// Temporary credentials and when they stop being accepted (epoch ms, UTC).
struct TemporaryCredentials {
    Credentials credentials;
    std::int64_t expires_ms = 0;
};

using CredentialFetch = std::function<Result<TemporaryCredentials>()>;

// The time before expiry at which a refresh is due: min(3 min, lifetime / 5).
std::int64_t refresh_margin_ms(std::int64_t lifetime_ms);

class RefreshingCredentialProvider final : public CredentialProvider {
public:
    // `fetch` is called with no lock held, by one thread at a time.
    RefreshingCredentialProvider(std::string description, CredentialFetch fetch, Clock& clock);

    // The first fetch, at start: its error as is (the run does not start).
    Status prime();
    Result<std::shared_ptr<const Credentials>> current() override;
    std::string describe() const override { return description_; }
    // Successful fetches so far (the first included).
    std::int64_t fetches() const;

private:
    const std::string description_;
    const CredentialFetch fetch_;
    Clock& clock_;

    mutable std::mutex mu_;
    std::condition_variable cv_;                  // a refresh ended
    std::shared_ptr<const Credentials> current_;  // guarded by mu_
    std::int64_t expires_ms_ = 0;                 // guarded by mu_
    std::int64_t due_ms_ = 0;                     // guarded by mu_: next refresh attempt
    bool refreshing_ = false;                     // guarded by mu_
    std::string last_error_;                      // guarded by mu_
    std::int64_t fetches_ = 0;                    // guarded by mu_
};

}  // namespace qbi
