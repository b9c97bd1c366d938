#include "runner/sim/observe.h"

#include <cerrno>
#include <cstring>

#include "runner/core/time_format.h"

namespace qbi::sim {

std::string answer_key(const RequestRecord& r) {
    if (r.outcome == "dropped") return "Dropped";
    return r.code.empty() ? "OK" : r.code;
}

void Stats::record(const RequestRecord& r) {
    const std::string key = answer_key(r);
    std::lock_guard lock(mutex_);
    ++requests_;
    if (r.changed) ++changes_;
    if (r.refused) ++refused_;
    ++by_action_[r.action.empty() ? "(none)" : r.action][key];
    ++by_code_[key];
    if (!r.fault.empty()) ++faults_[r.fault];
}

std::uint64_t Stats::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::uint64_t Stats::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

std::uint64_t Stats::count(const std::string& action, const std::string& code) const {
    std::lock_guard lock(mutex_);
    auto a = by_action_.find(action);
    if (a == by_action_.end()) return 0;
    auto c = a->second.find(code);
    return c == a->second.end() ? 0 : c->second;
}

json::Value Stats::to_value() const {
    std::lock_guard lock(mutex_);
    auto counts = [](const std::map<std::string, std::uint64_t>& m) {
        json::Value v = json::Value::object();
        for (const auto& [k, n] : m) v.set(k, static_cast<std::int64_t>(n));
        return v;
    };
    json::Value by_action = json::Value::object();
    for (const auto& [action, m] : by_action_) by_action.set(action, counts(m));
    json::Value faults = json::Value::object();
    for (const char* kind : {"halt", "throttle", "drop", "fail", "slow"}) {
        auto it = faults_.find(kind);
        faults.set(kind, static_cast<std::int64_t>(it == faults_.end() ? 0 : it->second));
    }
    return json::Value::object()
        .set("requests", static_cast<std::int64_t>(requests_))
        .set("changes", static_cast<std::int64_t>(changes_))
        .set("refused", static_cast<std::int64_t>(refused_))
        .set("by_action", std::move(by_action))
        .set("by_code", counts(by_code_))
        .set("faults", std::move(faults));
}

RequestLog::~RequestLog() {
    close();
}

Status RequestLog::open(const std::string& path) {
    std::lock_guard lock(mutex_);
    if (path.empty()) return {};
    file_ = std::fopen(path.c_str(), "ae");
    if (file_ == nullptr)
        return Error{kExitIoErr, path + ": cannot open the request log: " + std::strerror(errno)};
    return {};
}

void RequestLog::write(const RequestRecord& r) {
    {
        std::lock_guard lock(mutex_);
        if (file_ == nullptr) return;  // no --request-log: no line to build either
    }
    json::Value params = json::Value::object();
    if (r.params)
        for (const auto& [k, v] : *r.params) params.set(k, v);
    const std::string line = json::Value::object()
                                 .set("time", format_rfc3339_ms(r.time_ms))
                                 .set("seq", static_cast<std::int64_t>(r.seq))
                                 .set("request_id", r.request_id)
                                 .set("action", r.action)
                                 .set("scheme", r.scheme)
                                 .set("access_key_id", r.access_key_id)
                                 .set("params", std::move(params))
                                 .set("status", r.status)
                                 .set("code", r.code)
                                 .set("outcome", r.outcome)
                                 .set("fault", r.fault)
                                 .set("changed", r.changed)
                                 .set("delay_ms", r.delay_ms)
                                 .to_json() +
                             "\n";
    std::lock_guard lock(mutex_);
    if (file_ == nullptr) return;
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
}

void RequestLog::close() {
    std::lock_guard lock(mutex_);
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
}

}  // namespace qbi::sim
