#include "runner/app/call_watch.h"

#include "runner/api/response.h"
#include "runner/core/log.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::app {

namespace {

bool is_transport_failure(const std::string& code) {
    return starts_with(code, "Transport.") && code != kCodeTls;
}

// The transport's messages start with the endpoint's URL, which the log line names already.
std::string without_url(const std::string& message, const std::string& url) {
    if (starts_with(message, url + ": ")) return message.substr(url.size() + 2);
    return message;
}

class WatchedCaller final : public engine::Caller {
public:
    WatchedCaller(std::unique_ptr<engine::Caller> inner, CallWatch& watch)
        : inner_(std::move(inner)), watch_(watch) {}
    ApiResult call(const std::string& action, const Params& params) override {
        ApiResult r = inner_->call(action, params);
        watch_.on_result(r);
        return r;
    }
    void abort() override { inner_->abort(); }

private:
    std::unique_ptr<engine::Caller> inner_;
    CallWatch& watch_;
};

}  // namespace

std::string halt_reason(Outcome outcome, const std::string& code, const std::string& message,
                        const std::string& request_id) {
    if (code == kCodeCredentials) return message;  // "the temporary credentials (...) expired..."
    if (code == kCodeTls)
        return "the server certificate is not trusted (" + message +
               "); pass --ca-file PEM (or set api.ca_file) with the certificate of the CA that "
               "issued it";
    return (outcome == Outcome::HaltPermission
                ? "Quick BI refused permission"
                : "Quick BI refused the credentials or the request signature") +
           std::string(" (") + code + (message.empty() ? "" : ": " + message) +
           (request_id.empty() ? "" : ", RequestId " + request_id) + ")";
}

void CallWatch::set_endpoint(std::string url) {
    std::lock_guard lock(mu_);
    endpoint_url_ = std::move(url);
}

void CallWatch::log_halts(std::int64_t probe_interval_ms, std::string remedy) {
    std::lock_guard lock(mu_);
    probe_interval_ms_ = probe_interval_ms;
    remedy_ = std::move(remedy);
}

std::string CallWatch::endpoint_url() const {
    std::lock_guard lock(mu_);
    return endpoint_url_;
}

void CallWatch::on_result(const ApiResult& r) {
    std::lock_guard lock(mu_);
    ++attempts_;
    if (is_transport_failure(r.code)) {
        ++transport_failures_;
        std::string error = without_url(r.message, endpoint_url_) + " (" + r.code + ")";
        if (error != failing_) {
            failing_ = std::move(error);
            log::warn("calls to " + endpoint_url_ + " fail: " + failing_ +
                      "; tasks are retried with backoff");
        }
        return;
    }
    if (!failing_.empty()) {
        failing_.clear();
        log::info(endpoint_url_ + " answers again");
    }
    if (!is_halt(r.outcome)) {
        halted_ = false;
        return;
    }
    if (probe_interval_ms_ <= 0) return;
    const std::int64_t now = clock_.wall_ms();
    const std::string reason = halt_reason(r.outcome, r.code, r.message, r.request_id);
    if (!halted_) {
        halted_ = true;
        halt_logged_ms_ = now;
        log::error("dispatch halted: " + reason + remedy_);
    } else if (now - halt_logged_ms_ >= probe_interval_ms_) {
        halt_logged_ms_ = now;
        log::error("probe call failed: " + reason + "; next probe in " +
                   format_duration_ms(probe_interval_ms_));
    }
}

engine::CallerFactory CallWatch::wrap(engine::CallerFactory inner) {
    return [this, inner = std::move(inner)]() -> std::unique_ptr<engine::Caller> {
        return std::make_unique<WatchedCaller>(inner(), *this);
    };
}

bool CallWatch::all_failed_on_transport() const {
    std::lock_guard lock(mu_);
    return attempts_ > 0 && transport_failures_ == attempts_;
}

std::string CallWatch::last_transport_error() const {
    std::lock_guard lock(mu_);
    return failing_;
}

}  // namespace qbi::app
