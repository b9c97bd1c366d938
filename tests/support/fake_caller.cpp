#include "tests/support/fake_caller.h"

#include <atomic>
#include <chrono>

#include "runner/api/response.h"

namespace qbi::test {

namespace {

constexpr auto kFailsafe = std::chrono::seconds(10);

class FakeCaller final : public engine::Caller {
public:
    explicit FakeCaller(FakeApi& api) : api_(api) {}
    ApiResult call(const std::string& action, const Params& params) override {
        return api_.call(action, params, &aborted_);
    }
    void abort() override {
        aborted_ = true;
        api_.wake();
    }

private:
    FakeApi& api_;
    std::atomic<bool> aborted_{false};
};

bool includes(const Params& params, const Params& subset) {
    for (const auto& [k, v] : subset) {
        auto it = params.find(k);
        if (it == params.end() || it->second != v) return false;
    }
    return true;
}

}  // namespace

ApiResult done() {
    ApiResult r;
    r.outcome = Outcome::Done;
    r.http_status = 200;
    r.body = R"({"Success":true,"Result":true})";
    return r;
}

ApiResult answer(const std::string& code, int http_status) {
    ApiResult r;
    r.outcome = classify_code(code, http_status);
    r.http_status = http_status;
    r.code = code;
    r.message = "fake: " + code;
    return r;
}

ApiResult transport_failure(const std::string& code) {
    ApiResult r;
    r.outcome = classify_code(code, 0);
    r.code = code;
    r.message = "fake: " + code;
    return r;
}

FakeApi::FakeApi(Clock& clock) : clock_(clock) {}

void FakeApi::set_default(FakeReply reply) {
    std::lock_guard lock(mu_);
    default_ = std::move(reply);
}

void FakeApi::on_call(std::size_t index, FakeReply reply) {
    std::lock_guard lock(mu_);
    if (by_index_.size() <= index) by_index_.resize(index + 1);
    by_index_[index] = std::move(reply);
}

void FakeApi::on_action(const std::string& action, FakeReply reply, int uses) {
    on_params(action, {}, std::move(reply), uses);
}

void FakeApi::on_params(const std::string& action, const Params& subset, FakeReply reply,
                        int uses) {
    std::lock_guard lock(mu_);
    rules_.push_back(Rule{action, subset, std::move(reply), uses});
}

void FakeApi::respond(Responder responder) {
    std::lock_guard lock(mu_);
    responder_ = std::move(responder);
}

void FakeApi::release_when(std::function<bool()> condition) {
    std::lock_guard lock(mu_);
    release_condition_ = std::move(condition);
}

void FakeApi::release_all() {
    std::lock_guard lock(mu_);
    released_ = true;
    clock_.notify_all(cv_);
}

engine::CallerFactory FakeApi::factory() {
    return
        [this]() -> std::unique_ptr<engine::Caller> { return std::make_unique<FakeCaller>(*this); };
}

FakeReply FakeApi::decide_locked(const FakeCall& c) {
    if (c.index < by_index_.size() && by_index_[c.index]) return *by_index_[c.index];
    for (Rule& rule : rules_) {
        if (rule.uses == 0 || rule.action != c.action || !includes(c.params, rule.subset)) continue;
        if (rule.uses > 0) --rule.uses;
        return rule.reply;
    }
    if (responder_) {
        if (auto reply = responder_(c)) return *reply;
    }
    return default_;
}

void FakeApi::wake() {
    std::lock_guard lock(mu_);
    clock_.notify_all(cv_);
}

ApiResult FakeApi::call(const std::string& action, const Params& params,
                        const std::atomic<bool>* aborted) {
    std::unique_lock lock(mu_);
    if (aborted && aborted->load()) return transport_failure(kCodeAborted);
    FakeCall c;
    c.index = calls_.size();
    c.action = action;
    c.params = params;
    c.started_ns = clock_.monotonic_ns();
    c.started_wall_ms = clock_.wall_ms();
    c.thread = std::this_thread::get_id();
    c.in_flight = ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    calls_.push_back(c);
    FakeReply reply = decide_locked(c);

    if (reply.block) {
        ++blocked_;
        cv_.notify_all();
        // Through the clock, with no deadline: a ManualClock lets time pass meanwhile and
        // returns every poll interval, so the release condition is checked.
        const auto give_up = std::chrono::steady_clock::now() + kFailsafe;
        while (!released_ && !(release_condition_ && release_condition_())) {
            if (aborted && aborted->load()) {
                reply.result = transport_failure(kCodeAborted);
                ++aborted_calls_;
                break;
            }
            if (std::chrono::steady_clock::now() >= give_up) {
                failsafe_ = true;
                reply.result = transport_failure(kCodeTimeout);
                break;
            }
            clock_.wait_until_ns(lock, cv_, Clock::kNever);
        }
        --blocked_;
    }
    lock.unlock();
    if (reply.latency_ms > 0) clock_.sleep_until_ns(c.started_ns + reply.latency_ms * 1000000);

    ApiResult result = reply.result;
    const std::int64_t answered = clock_.monotonic_ns();
    result.latency_ms = (answered - c.started_ns) / 1000000;
    if (result.http_status != 0 && result.request_id.empty())
        result.request_id = "fake-req-" + std::to_string(c.index);
    lock.lock();
    calls_[c.index].answered_ns = answered;
    calls_[c.index].result = result;
    --in_flight_;
    return result;
}

std::vector<FakeCall> FakeApi::calls() const {
    std::lock_guard lock(mu_);
    return calls_;
}

std::size_t FakeApi::call_count() const {
    std::lock_guard lock(mu_);
    return calls_.size();
}

std::size_t FakeApi::in_flight() const {
    std::lock_guard lock(mu_);
    return in_flight_;
}

std::size_t FakeApi::max_in_flight() const {
    std::lock_guard lock(mu_);
    return max_in_flight_;
}

std::size_t FakeApi::blocked() const {
    std::lock_guard lock(mu_);
    return blocked_;
}

std::size_t FakeApi::aborted_calls() const {
    std::lock_guard lock(mu_);
    return aborted_calls_;
}

bool FakeApi::failsafe_hit() const {
    std::lock_guard lock(mu_);
    return failsafe_;
}

FakeApi::Responder throttle_above(int per_second) {
    struct Window {
        std::int64_t second = -1;
        int count = 0;
    };
    auto window = std::make_shared<Window>();
    return [window, per_second](const FakeCall& c) -> std::optional<FakeReply> {
        const std::int64_t second = c.started_ns / 1000000000;
        if (second != window->second) *window = Window{second, 0};
        if (++window->count <= per_second) return std::nullopt;
        return FakeReply{answer("Throttling.User"), 0, false};
    };
}

}  // namespace qbi::test
