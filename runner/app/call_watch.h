#pragma once
// Says what the engine's counters cannot: why calls fail while they fail. A CallWatch sees the
// answer of every call (it wraps the CallerFactory of a RunnerSession) and
//  - logs a transport failure (refused, reset, timed out, cut off) as a warning naming the
//    endpoint and the error, the first time and each time the error changes:
//      "calls to https://h:p fail: Connection refused (Transport.ConnectionFailed); tasks are
//       retried with backoff"
//    and "https://h:p answers again" once after such failures;
//  - logs the first halt answer (credentials, signature, permission, untrusted certificate) as
//    an error with its code and what to do (halt_reason + `remedy`), and later halt answers
//    (serve's probes) at most once per `probe_interval_ms`:
//      "probe call failed: <reason>; next probe in 5m"
//  - counts attempts and transport failures, so `run` can exit 69 when every attempt failed
//    on transport.
// No secret passes through here: results are scrubbed by QuickBiClient.
//
// Thread-safety: on_result() is called from every worker thread (guarded by a mutex); the
// wrapped factory must outlive nothing but the CallWatch it refers to.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "runner/api/outcome.h"
#include "runner/core/clock.h"
#include "runner/engine/caller.h"

namespace qbi::app {

// What a halt answer means and what to do about it, e.g. "Quick BI refused the credentials or
// the request signature (InvalidAccessKeyId.NotFound: ..., RequestId R)", or for
// Transport.CertificateRejected "the server certificate is not trusted (<detail>); pass
// --ca-file PEM (or set api.ca_file) with the certificate of the CA that issued it".
// For Credentials.RefreshFailed, the message itself ("the temporary credentials (...) expired
// and could not be refreshed: <cause>").
std::string halt_reason(Outcome outcome, const std::string& code, const std::string& message,
                        const std::string& request_id);

class CallWatch {
public:
    explicit CallWatch(Clock& clock) : clock_(clock) {}

    // The endpoint named in messages (set again when a reload changes it).
    void set_endpoint(std::string url);
    // Halts are logged only after this (serve: a run ends on a halt and says why itself).
    // `remedy` follows a halt's reason, e.g. "; dispatch paused ... Fix the credentials, ...".
    void log_halts(std::int64_t probe_interval_ms, std::string remedy);

    void on_result(const ApiResult& result);

    // A factory whose callers report every answer here before returning it.
    engine::CallerFactory wrap(engine::CallerFactory inner);

    // True when at least one call was made and every one failed on transport.
    bool all_failed_on_transport() const;
    // "Connection refused (Transport.ConnectionFailed)" of the last transport failure.
    std::string last_transport_error() const;
    std::string endpoint_url() const;

private:
    Clock& clock_;
    mutable std::mutex mu_;
    std::string endpoint_url_;             // guarded by mu_
    std::int64_t probe_interval_ms_ = 0;   // guarded by mu_; 0: halts not logged
    std::string remedy_;                   // guarded by mu_
    std::int64_t attempts_ = 0;            // guarded by mu_
    std::int64_t transport_failures_ = 0;  // guarded by mu_
    std::string failing_;                  // the transport error last logged; "" when answering
    bool halted_ = false;                  // guarded by mu_
    std::int64_t halt_logged_ms_ = 0;      // guarded by mu_
};

}  // namespace qbi::app
