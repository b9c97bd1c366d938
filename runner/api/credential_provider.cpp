#include "runner/api/credential_provider.h"

#include <algorithm>

#include "runner/core/log.h"
#include "runner/core/time_format.h"

namespace qbi {

namespace {

constexpr std::int64_t kMaxMarginMs = 3 * 60 * 1000;
constexpr std::int64_t kMaxRetryMs = 10 * 1000;
constexpr std::int64_t kMinRetryMs = 100;

}  // namespace

std::int64_t refresh_margin_ms(std::int64_t lifetime_ms) {
    return std::min(kMaxMarginMs, std::max<std::int64_t>(lifetime_ms, 0) / 5);
}

RefreshingCredentialProvider::RefreshingCredentialProvider(std::string description,
                                                           CredentialFetch fetch, Clock& clock)
    : description_(std::move(description)), fetch_(std::move(fetch)), clock_(clock) {}

Status RefreshingCredentialProvider::prime() {
    auto c = current();
    if (c) return {};
    std::lock_guard lock(mu_);
    return Error{kExitConfig, last_error_};
}

std::int64_t RefreshingCredentialProvider::fetches() const {
    std::lock_guard lock(mu_);
    return fetches_;
}

Result<std::shared_ptr<const Credentials>> RefreshingCredentialProvider::current() {
    std::unique_lock lock(mu_);
    for (;;) {
        std::int64_t now = clock_.wall_ms();
        const bool valid = current_ != nullptr && now < expires_ms_;
        if (valid && now < due_ms_) return current_;  // the hot path
        if (refreshing_) {
            // Someone else refreshes: the still-valid credentials meanwhile, else wait.
            if (valid) return current_;
            clock_.wait_until_ns(lock, cv_, Clock::kNever, [this] { return !refreshing_; });
            continue;
        }
        if (!valid && !last_error_.empty() && now < due_ms_)
            return Error{kExitConfig, (current_ ? "the temporary credentials (" + description_ +
                                                      ") expired and could not be refreshed: "
                                                : "") +
                                          last_error_};

        refreshing_ = true;
        lock.unlock();
        Result<TemporaryCredentials> fetched = fetch_();
        lock.lock();
        refreshing_ = false;
        now = clock_.wall_ms();
        if (fetched && fetched->expires_ms <= now) {
            fetched = Error{kExitConfig, "the credentials obtained from " + description_ +
                                             " had already expired (Expiration " +
                                             format_acs_timestamp(fetched->expires_ms) + ")"};
        }
        if (fetched) {
            current_ = std::make_shared<const Credentials>(std::move(fetched->credentials));
            expires_ms_ = fetched->expires_ms;
            due_ms_ = expires_ms_ - refresh_margin_ms(expires_ms_ - now);
            last_error_.clear();
            ++fetches_;
            if (log::level() <= log::Level::Debug)
                log::debug("credentials: " + description_ + ": AccessKeyId " +
                           mask_access_key_id(current_->access_key_id) + " valid until " +
                           format_acs_timestamp(expires_ms_));
        } else {
            last_error_ = fetched.error().message;
            const std::int64_t left = expires_ms_ - now;
            due_ms_ = now + std::clamp(left / 4, kMinRetryMs, kMaxRetryMs);
            if (current_ != nullptr && left > 0)
                log::warn("credentials: refreshing " + description_ + " failed (" + last_error_ +
                          "); the current ones stay valid for " + format_duration_ms(left) +
                          ", next attempt in " + format_duration_ms(due_ms_ - now));
        }
        clock_.notify_all(cv_);
    }
}

}  // namespace qbi
