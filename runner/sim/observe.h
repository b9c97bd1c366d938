#pragma once
// What the simulator shows about itself: counters for GET /__sim/stats and the JSONL request
// log (--log).
//
// Contract: a log line is one JSON object per API request: time (RFC 3339 UTC, ms), seq,
// request_id, action, scheme, access_key_id (masked), params (the action's parameters only:
// never Signature or SecurityToken), status, code ("" on success), outcome ("ok", "error",
// "dropped"), fault ("", "halt", "throttle", "drop", "fail", "slow"), changed, delay_ms. Each
// line is flushed when written, so a reader sees whole lines.
// Thread-safety: Stats and RequestLog are safe to share (each guarded by its own mutex).
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "runner/core/json.h"
#include "runner/core/result.h"

namespace qbi::sim {

struct RequestRecord {
    std::int64_t time_ms = 0;
    std::uint64_t seq = 0;
    std::string request_id, action, scheme, access_key_id;
    const std::map<std::string, std::string>* params = nullptr;
    int status = 0;
    std::string code;
    std::string outcome;  // ok | error | dropped
    std::string fault;    // "" | halt | throttle | drop | fail | slow
    bool changed = false;
    bool refused = false;  // a gateway (Quick BI's or STS's) refused it: authentication
    std::int64_t delay_ms = 0;
};

class Stats {
public:
    void record(const RequestRecord& r);
    // {"requests":N,"changes":N,"refused":N,"by_action":{ACTION:{CODE|"OK"|"Dropped":N}},
    //  "by_code":{...},"faults":{"halt":N,"throttle":N,"drop":N,"fail":N,"slow":N}}
    json::Value to_value() const;
    std::uint64_t requests() const;
    std::uint64_t refused() const;  // requests a gateway refused
    std::uint64_t count(const std::string& action, const std::string& code) const;

private:
    mutable std::mutex mutex_;
    std::uint64_t requests_ = 0;                                             // guarded by mutex_
    std::uint64_t changes_ = 0;                                              // guarded by mutex_
    std::uint64_t refused_ = 0;                                              // guarded by mutex_
    std::map<std::string, std::map<std::string, std::uint64_t>> by_action_;  // guarded
    std::map<std::string, std::uint64_t> by_code_;                           // guarded
    std::map<std::string, std::uint64_t> faults_;                            // guarded
};

class RequestLog {
public:
    RequestLog() = default;
    ~RequestLog();
    RequestLog(const RequestLog&) = delete;
    RequestLog& operator=(const RequestLog&) = delete;

    // Opens (appending to) `path`; an empty path logs nothing.
    Status open(const std::string& path);
    void write(const RequestRecord& r);
    void close();

private:
    std::mutex mutex_;
    std::FILE* file_ = nullptr;  // guarded by mutex_
};

// The stats key of a record's answer: its code, "OK" on success, "Dropped" for a drop.
std::string answer_key(const RequestRecord& r);

}  // namespace qbi::sim
