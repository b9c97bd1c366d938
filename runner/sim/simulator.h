#pragma once
// The simulated Quick BI OpenAPI without the network: one HTTP request in, one answer out.
// The HTTPS server (server.h) and the in-process tests both drive this.
//
// Contract (the pipeline of one API request, first answer wins):
//   path "/" (else InvalidAction.NotFound, 404) -> STS if Version is 2015-04-01 (sts.h) ->
//   Gateway::authenticate (gateway.h) ->
//   --halt-after -> --qps-limit (Throttling.User) -> --drop -> absent action parameter
//   (Missing<Name>) -> --fail -> the World's answer -> --slow-success on a success.
// Every API request, whatever its answer, gets the next sequence number and the RequestId
// derived from it and the seed; every answer is delayed by --latency (plus the slow delay).
// GET /__sim/state and GET /__sim/stats answer the world and the counters as JSON; they are
// not API requests (no sequence number, not counted, not logged).
// Success body: {"RequestId":..,"Result":..,"Success":true}; error body: {"RequestId",
// "HostId","Code","Message","Recommend"} (quickbi-api.md §3), as XML for V1 with Format=XML.
// Thread-safety: Simulator is safe to share between server threads; its parts are
// (World, Gateway, Stats, RequestLog, QpsLimiter lock themselves; FaultPlan is immutable).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "runner/api/credentials.h"
#include "runner/core/clock.h"
#include "runner/sim/faults.h"
#include "runner/sim/gateway.h"
#include "runner/sim/observe.h"
#include "runner/sim/sts.h"
#include "runner/sim/world.h"

namespace qbi::sim {

struct SimOptions {
    // Accepted AccessKey pairs (with security_token: an STS credential).
    std::vector<Credentials> credentials;
    WorldData world;
    AbsentShare absent_share = AbsentShare::Ok;
    std::string absent_share_code = "Report.NotExist.Error";
    FaultOptions faults;
    std::uint64_t seed = 0;
    GatewayOptions gateway;
    StsOptions sts;  // the simulated STS and metadata service (sts.h)
    // HostId of error bodies; empty: the request's Host header without the port.
    std::string host_id;
    std::string log_path;  // JSONL request log; empty: none
    // Delays (latency, slow success) through Clock::sleep_ms (a ManualClock then advances
    // instead of sleeping) rather than real, interruptible waits.
    bool virtual_delays = false;
};

struct SimReply {
    int status = 200;
    std::string content_type = "application/json;charset=utf-8";
    std::string body;
    std::string request_id;     // also sent as the x-acs-request-id header; empty for /__sim/
    bool drop = false;          // close the connection without an answer
    std::int64_t delay_ms = 0;  // answer (or drop) after this long
};

class Simulator {
public:
    // Throws std::invalid_argument when the world is inconsistent, std::runtime_error when the
    // request log cannot be opened.
    Simulator(SimOptions options, Clock& clock);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Decides the answer (and applies any change to the world) at once; the caller waits
    // reply.delay_ms (with wait()) before answering.
    SimReply handle(const SimRequest& request);
    // A request to the metadata service's plain-HTTP port (sts.h); not an API request.
    SimReply handle_metadata(const SimRequest& request);

    // Waits `ms` (real time, cut short by shutdown(); or Clock::sleep_ms with virtual delays).
    void wait(std::int64_t ms);
    // Ends every current and future wait() at once; for a quick, graceful stop.
    void shutdown();

    World& world() { return world_; }
    const World& world() const { return world_; }
    const Stats& stats() const { return stats_; }
    const TemporaryKeys& temporary_keys() const { return *temporary_; }
    std::string state_json() const { return world_.to_value().to_json(); }
    // The counters, with "sts": the STS and metadata service's (sts.h).
    std::string stats_json() const;
    std::uint64_t seed() const { return options_.seed; }
    // Flushes and closes the request log (after the server stopped).
    void close_log() { log_.close(); }

private:
    SimReply internal(const SimRequest& request) const;
    SimReply sts(const SimRequest& request, RequestRecord& rec);
    SimReply error_reply(const std::string& code, const std::string& arg, int status_override,
                         const std::string& request_id, const SimRequest& request, bool xml) const;
    SimReply success_reply(const json::Value& result, const std::string& request_id, bool xml,
                           const std::string& action) const;

    SimOptions options_;
    Clock& clock_;
    World world_;
    std::shared_ptr<TemporaryKeys> temporary_;
    Gateway gateway_;
    Sts sts_;
    FaultPlan faults_;
    QpsLimiter limiter_;
    Stats stats_;
    RequestLog log_;
    std::atomic<std::uint64_t> seq_{0};

    std::mutex wait_mutex_;
    std::condition_variable wait_cv_;
    bool stopping_ = false;  // guarded by wait_mutex_
};

}  // namespace qbi::sim
