#include "runner/sim/simulator.h"

#include <chrono>
#include <stdexcept>

#include "runner/core/strings.h"
#include "runner/sim/errors.h"
#include "runner/sim/xml.h"

namespace qbi::sim {

namespace {

std::string host_without_port(const SimRequest& req) {
    const std::string* host = req.header("host");
    if (host == nullptr || host->empty()) return "127.0.0.1";
    if ((*host)[0] == '[') return host->substr(0, host->find(']') + 1);  // [::1]:port
    return host->substr(0, host->find(':'));
}

}  // namespace

Simulator::Simulator(SimOptions options, Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      world_(options_.world, options_.absent_share, options_.absent_share_code),
      temporary_(std::make_shared<TemporaryKeys>()),
      gateway_(options_.credentials, World::actions(), clock_, options_.gateway, temporary_),
      sts_(options_.sts, options_.credentials, temporary_, clock_, options_.gateway, options_.seed),
      faults_(options_.faults, options_.seed),
      limiter_(options_.faults.qps_limit) {
    options_.world = WorldData{};  // the World holds it now
    if (auto opened = log_.open(options_.log_path); !opened)
        throw std::runtime_error(opened.error().message);
}

Simulator::~Simulator() {
    shutdown();
}

void Simulator::wait(std::int64_t ms) {
    if (ms <= 0) return;
    if (options_.virtual_delays) {
        clock_.sleep_ms(ms);
        return;
    }
    std::unique_lock lock(wait_mutex_);
    wait_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void Simulator::shutdown() {
    {
        std::lock_guard lock(wait_mutex_);
        stopping_ = true;
    }
    wait_cv_.notify_all();
}

SimReply Simulator::internal(const SimRequest& request) const {
    SimReply reply;
    if (request.method == "GET" && request.path == "/__sim/state") {
        reply.body = state_json();
    } else if (request.method == "GET" && request.path == "/__sim/stats") {
        reply.body = stats_json();
    } else {
        reply.status = 404;
        reply.body = json::Value::object()
                         .set("Code", "NotFound")
                         .set("Message", "qbi-sim serves GET /__sim/state and GET /__sim/stats")
                         .to_json();
    }
    return reply;
}

SimReply Simulator::error_reply(const std::string& code, const std::string& arg,
                                int status_override, const std::string& request_id,
                                const SimRequest& request, bool xml) const {
    SimReply reply;
    reply.request_id = request_id;
    reply.status = status_override > 0 ? status_override : error_spec(code).http_status;
    const json::Value body =
        json::Value::object()
            .set("RequestId", request_id)
            .set("HostId", options_.host_id.empty() ? host_without_port(request) : options_.host_id)
            .set("Code", code)
            .set("Message", format_message(code, arg))
            .set("Recommend",
                 "https://troubleshoot.api.aliyun.com?q=" + code + "&product=quickbi-public");
    if (xml) {
        reply.content_type = "text/xml;charset=utf-8";
        reply.body = to_xml_document(body, "Error");
    } else {
        reply.body = body.to_json();
    }
    return reply;
}

SimReply Simulator::success_reply(const json::Value& result, const std::string& request_id,
                                  bool xml, const std::string& action) const {
    SimReply reply;
    reply.request_id = request_id;
    const json::Value body = json::Value::object()
                                 .set("RequestId", request_id)
                                 .set("Result", result)
                                 .set("Success", true);
    if (xml) {
        reply.content_type = "text/xml;charset=utf-8";
        reply.body = to_xml_document(body, action + "Response");
    } else {
        reply.body = body.to_json();
    }
    return reply;
}

std::string Simulator::stats_json() const {
    json::Value v = stats_.to_value();
    v.set("sts", sts_.stats());
    return v.to_json();
}

SimReply Simulator::handle_metadata(const SimRequest& request) {
    Sts::Plain p = sts_.metadata(request);
    SimReply reply;
    reply.status = p.status;
    reply.content_type = p.content_type;
    reply.body = std::move(p.body);
    return reply;
}

SimReply Simulator::sts(const SimRequest& request, RequestRecord& rec) {
    StsReply s = sts_.handle(request, rec.request_id);
    rec.action = s.action;
    rec.scheme = s.scheme;
    rec.refused = s.refused;
    if (!s.access_key_id.empty()) rec.access_key_id = mask_access_key_id(s.access_key_id);
    SimReply reply;
    if (s.code.empty()) {
        reply.request_id = rec.request_id;
        reply.body = std::move(s.body);
    } else {
        reply = error_reply(s.code, s.arg, s.status != 200 ? s.status : 0, rec.request_id, request,
                            false);
        rec.code = s.code;
    }
    return reply;
}

SimReply Simulator::handle(const SimRequest& request) {
    if (starts_with(request.path, "/__sim/")) return internal(request);

    RequestRecord rec;
    rec.seq = ++seq_;
    rec.time_ms = clock_.wall_ms();
    rec.request_id = faults_.request_id(rec.seq);
    if (request.path == "/" && Sts::is_sts_request(request)) {
        SimReply reply = sts(request, rec);
        reply.delay_ms += faults_.latency_ms(rec.seq);
        rec.status = reply.status;
        rec.outcome = reply.status == 200 ? "ok" : "error";
        rec.delay_ms = reply.delay_ms;
        stats_.record(rec);
        log_.write(rec);
        return reply;
    }

    GatewayResult g;
    if (request.path == "/") {
        g = gateway_.authenticate(request);
    } else {
        g.error = GatewayError{"InvalidAction.NotFound", ""};
    }
    rec.action = g.action;
    rec.scheme = g.scheme;
    rec.params = &g.params;
    if (g.ok) rec.access_key_id = mask_access_key_id(g.request.access_key_id);

    SimReply reply;
    auto fail_with = [&](const std::string& code, const std::string& arg, int status,
                         const char* fault) {
        reply = error_reply(code, arg, status, rec.request_id, request, g.xml);
        rec.code = code;
        rec.fault = fault;
    };
    if (!g.ok) {
        rec.refused = true;
        fail_with(g.error.code, g.error.arg, 0, "");
    } else if (auto halt = faults_.halt(rec.seq)) {
        fail_with(*halt, "", 0, "halt");
    } else if (!limiter_.admit(g.action, clock_.monotonic_ns())) {
        fail_with("Throttling.User", "", 0, "throttle");
    } else if (faults_.drop(rec.seq)) {
        reply.drop = true;
        reply.request_id = rec.request_id;
        rec.fault = "drop";
    } else {
        const std::string* missing = nullptr;
        if (const auto* required = World::required_params(g.action))
            for (const auto& name : *required)
                if (!g.params.count(name)) {
                    missing = &name;
                    break;
                }
        if (missing != nullptr) {
            fail_with(missing_code(*missing), *missing, 0, "");
        } else if (const FailRule* rule = faults_.fail(rec.seq)) {
            // The argument fills messages such as Report.NotExist.Error's "Work ID is %s."
            std::string arg;
            for (const char* p : {"WorksId", "ReportId", "UserId"})
                if (auto it = g.params.find(p); arg.empty() && it != g.params.end())
                    arg = it->second;
            fail_with(rule->code, arg, rule->http_status, "fail");
        } else {
            BizResult biz = world_.call(g.action, g.params);
            rec.changed = biz.changed;
            if (biz.ok()) {
                reply = success_reply(biz.result, rec.request_id, g.xml, g.action);
                if (faults_.slow(rec.seq)) {
                    reply.delay_ms += options_.faults.slow_delay_ms;
                    rec.fault = "slow";
                }
            } else {
                fail_with(biz.code, biz.arg, 0, "");
            }
        }
    }
    reply.delay_ms += faults_.latency_ms(rec.seq);
    rec.status = reply.drop ? 0 : reply.status;
    rec.outcome = reply.drop ? "dropped" : (reply.status == 200 ? "ok" : "error");
    rec.delay_ms = reply.delay_ms;
    stats_.record(rec);
    log_.write(rec);
    return reply;
}

}  // namespace qbi::sim
