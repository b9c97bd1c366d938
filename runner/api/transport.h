#pragma once
// Sending a signed request over HTTPS (design §1, style.md §11).
//
// Contract: Transport::send never throws. It returns the HTTP status and body, or, when no
// complete response arrived, a Transport.* code of outcome.h with a message (never a secret):
//   Transport.Timeout             connect or read timed out, or no complete answer within
//                                 call_timeout_ms
//   Transport.Aborted             abort() was called (the runner is stopping)
//   Transport.ConnectionFailed    refused, reset, closed early, DNS, TLS handshake failure
//   Transport.TruncatedResponse   the body ended before its Content-Length
//   Transport.CertificateRejected the server certificate failed verification (chain or name)
//   Protocol.BadResponse          the body exceeded max_body_bytes
//
// Thread-safety: HttpsTransport is NOT thread-safe: it owns one keep-alive HTTPS session.
// Give every worker thread its own; only abort() may be called from another thread.
// make_client_context is safe from any thread; the Context it returns may be shared by all
// transports.
#include <Poco/Net/Context.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "runner/api/endpoint.h"
#include "runner/api/signer.h"
#include "runner/core/result.h"

namespace Poco::Net {
class HTTPSClientSession;
}

namespace qbi {

struct TlsOptions {
    std::string ca_file;            // PEM bundle; empty: the system's default CA store
    int connect_timeout_ms = 5000;  // TCP connect and the first handshake round; a slower
                                    // handshake then gets read_timeout_ms to finish
    int read_timeout_ms = 15000;    // longest wait for the next bytes of the answer; Quick
                                    // BI's own server timeout is 10 s
    std::size_t max_body_bytes = 8 * 1024 * 1024;
    int keep_alive_idle_ms = 5000;  // an idle connection older than this is not reused
    // The whole call, connect to last byte (api.call_timeout; 0: none). Enforced from outside
    // the call (the socket is shut down at the deadline), so a server that trickles its answer
    // a byte at a time cannot hold the caller longer than this.
    int call_timeout_ms = 0;
};

// The one client TLS configuration: TLS 1.2 or newer, VERIFY_STRICT (chain and host name,
// loopback included), the CA file or the system store, and a certificate handler that
// rejects every certificate that fails verification (never prompts, never accepts). Also
// installs that rejecting handler as Poco's process-wide client default, so no session can
// fall back to Poco's prompting console handler. Errors (kExitConfig) name the CA file:
//   "CA file F: No such file or directory", "CA file F cannot be loaded: <OpenSSL reason>".
Result<Poco::Net::Context::Ptr> make_client_context(const TlsOptions& options);

struct HttpResponse {
    int status = 0;  // 0 when no HTTP response arrived
    std::string body;
    std::string error_code;  // "" on a complete response, else a code listed above
    std::string error_message;
    bool complete() const { return error_code.empty(); }
};

class Transport {
public:
    virtual ~Transport() = default;
    // Sends `request` (POST /?query with its headers and body) and waits for the answer.
    virtual HttpResponse send(const SignedRequest& request) = 0;
    // From any thread: the call in progress, if any, ends at once with Transport.Aborted (its
    // socket is shut down; an answer already read in full is still returned), and so does every
    // later send. For a runner that stops and must not wait for its calls.
    virtual void abort() {}
};

// POST https://<endpoint>/?<query> over one keep-alive HTTPSClientSession. The TLS handshake
// is completed and the certificate's host name checked before the first request byte is
// written (Poco 1.11 alone may skip the name check when the handshake is slow). After any error
// the session is reset and the next send connects afresh. A request that fails on a reused
// connection before any response byte arrived (the server closed it while idle) is sent once
// more on a new connection; a timeout is never repeated here.
class HttpsTransport final : public Transport {
public:
    HttpsTransport(Endpoint endpoint, Poco::Net::Context::Ptr context, TlsOptions options);
    ~HttpsTransport() override;
    HttpsTransport(const HttpsTransport&) = delete;
    HttpsTransport& operator=(const HttpsTransport&) = delete;

    HttpResponse send(const SignedRequest& request) override;
    void abort() override;

    // Connections opened so far (for tests and statistics: keep-alive reuse keeps it at 1).
    int connections_opened() const { return connections_; }

    // The call deadline's watcher (transport.cpp) and the session's connect: not for others.
    void expire(std::uint64_t call);  // call_timeout_ms passed for `call`
    void watch_socket(int fd);        // the session's socket, to shut down on abort/expiry
    bool cut() const;                 // aborted, or the current call expired

private:
    enum class Attempt { Done, StaleConnection };
    Attempt attempt(const SignedRequest& request, bool reused, HttpResponse& out);
    void reset();
    void unwatch_socket();

    Endpoint endpoint_;
    Poco::Net::Context::Ptr context_;
    TlsOptions options_;
    std::unique_ptr<Poco::Net::HTTPSClientSession> session_;
    int connections_ = 0;
    std::chrono::steady_clock::time_point last_used_{};

    mutable std::mutex cut_mu_;  // guards the three below: abort() and expire() run elsewhere
    int live_fd_ = -1;           // the session's socket while a call may use it
    bool aborted_ = false;
    std::uint64_t call_ = 0;  // the current call's number (odd while one is out)
    bool expired_ = false;    // the current call's deadline passed
};

}  // namespace qbi
