#include "runner/api/transport.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <chrono>
#include <istream>
#include <ostream>

#include "runner/api/outcome.h"
#include "runner/core/strings.h"

namespace qbi {

// Poco 1.11 runs the client handshake once under the connect timeout and, if the server has
// not finished by then, lets OpenSSL finish it implicitly inside the first write -- after
// its host-name check has already passed for want of a certificate. This session completes
// the handshake and checks the host name before any request byte is sent.
class VerifiedHttpsSession final : public Poco::Net::HTTPSClientSession {
public:
    using HTTPSClientSession::HTTPSClientSession;

protected:
    void connect(const Poco::Net::SocketAddress& address) override {
        HTTPSClientSession::connect(address);
        Poco::Net::SecureStreamSocket secure(socket());
        if (secure.completeHandshake() != 1)
            throw Poco::Net::SSLException("the TLS handshake did not complete");
        secure.verifyPeerCertificate(getHost());
    }
};

namespace {

enum class Stage { Request, Headers, Body };

bool is_certificate_failure(const Poco::Exception& e) {
    if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) ||
        dynamic_cast<const Poco::Net::InvalidCertificateException*>(&e))
        return true;
    return dynamic_cast<const Poco::Net::SSLException*>(&e) &&
           to_lower(e.displayText()).find("certificate verify failed") != std::string::npos;
}

// The server closed a kept-alive connection while it was idle: nothing was processed yet
// that the caller could see, so one fresh attempt is safe.
bool is_stale_connection(const Poco::Exception& e) {
    return dynamic_cast<const Poco::Net::NoMessageException*>(&e) ||
           dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) ||
           dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) ||
           dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(&e);
}

void fail(HttpResponse& out, const char* code, const std::string& message) {
    out.error_code = code;
    out.error_message = message;
}

}  // namespace

HttpsTransport::HttpsTransport(Endpoint endpoint, Poco::Net::Context::Ptr context,
                               TlsOptions options)
    : endpoint_(std::move(endpoint)), context_(std::move(context)), options_(std::move(options)) {}

HttpsTransport::~HttpsTransport() = default;

void HttpsTransport::reset() {
    if (session_) {
        try {
            session_->reset();
        } catch (...) {
            // Closing a broken socket may fail again; the session is discarded anyway.
        }
        session_.reset();
    }
}

HttpResponse HttpsTransport::send(const SignedRequest& request) {
    HttpResponse out;
    // Idle expiry is ours (Poco's own is set later than ours), so connections_ counts exactly.
    const auto now = std::chrono::steady_clock::now();
    if (session_ && now - last_used_ > std::chrono::milliseconds(options_.keep_alive_idle_ms))
        reset();
    bool reused = session_ && session_->connected();
    if (attempt(request, reused, out) == Attempt::StaleConnection) {
        out = HttpResponse{};
        attempt(request, false, out);
    }
    last_used_ = std::chrono::steady_clock::now();
    return out;
}

HttpsTransport::Attempt HttpsTransport::attempt(const SignedRequest& request, bool reused,
                                                HttpResponse& out) {
    Stage stage = Stage::Request;
    try {
        if (!session_) {
            session_ =
                std::make_unique<VerifiedHttpsSession>(endpoint_.host, endpoint_.port, context_);
            // A Poco 1.11 TLS read waits out the socket timeout once in recv and once more in
            // poll before it gives up: half of read_timeout_ms each makes the whole wait it.
            const auto ms = [](long long v) {
                return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(v) * 1000);
            };
            session_->setTimeout(ms(options_.connect_timeout_ms), ms(options_.read_timeout_ms),
                                 ms(std::max(1, options_.read_timeout_ms / 2)));
            session_->setKeepAlive(true);
            session_->setKeepAliveTimeout(Poco::Timespan(
                static_cast<Poco::Timespan::TimeDiff>(options_.keep_alive_idle_ms + 60000) * 1000));
        }
        if (!session_->connected()) ++connections_;

        Poco::Net::HTTPRequest http(
            request.method, request.path + (request.query.empty() ? "" : "?" + request.query),
            Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [name, value] : request.headers)
            http.set(name == "host" ? "Host" : name, value);
        if (!http.has("Host")) http.setHost(endpoint_.host_header());
        http.set("User-Agent", std::string("qbi-runner/") + QBI_VERSION);
        http.set("Accept", "application/json");
        http.setContentLength(static_cast<std::streamsize>(request.body.size()));
        http.setKeepAlive(true);
        std::ostream& body_out = session_->sendRequest(http);
        body_out << request.body;

        stage = Stage::Headers;
        Poco::Net::HTTPResponse response;
        std::istream& in = session_->receiveResponse(response);
        out.status = static_cast<int>(response.getStatus());

        stage = Stage::Body;
        char buf[8192];
        while (in) {
            in.read(buf, sizeof buf);
            out.body.append(buf, static_cast<std::size_t>(in.gcount()));
            if (out.body.size() > options_.max_body_bytes) {
                reset();
                fail(out, kCodeProtocol,
                     "HTTP " + std::to_string(out.status) + ": response body larger than " +
                         std::to_string(options_.max_body_bytes) + " bytes");
                return Attempt::Done;
            }
        }
        if (in.bad()) {
            reset();
            fail(out, kCodeTruncated, "the response body could not be read to its end");
            return Attempt::Done;
        }
        if (response.hasContentLength() &&
            static_cast<std::uint64_t>(out.body.size()) !=
                static_cast<std::uint64_t>(response.getContentLength64())) {
            reset();
            fail(out, kCodeTruncated,
                 "HTTP " + std::to_string(out.status) + ": body of " +
                     std::to_string(out.body.size()) + " bytes, Content-Length " +
                     std::to_string(response.getContentLength64()));
            return Attempt::Done;
        }
        if (!response.getKeepAlive()) reset();
        return Attempt::Done;
    } catch (const Poco::Exception& e) {
        reset();
        if (reused && stage != Stage::Body && is_stale_connection(e))
            return Attempt::StaleConnection;
        const std::string where = endpoint_.url() + ": ";
        if (is_certificate_failure(e))
            fail(out, kCodeTls, where + "certificate rejected: " + e.displayText());
        else if (dynamic_cast<const Poco::TimeoutException*>(&e))
            fail(out, kCodeTimeout,
                 where + (stage == Stage::Request ? "timed out connecting or sending"
                                                  : "timed out waiting for the response"));
        else if (stage == Stage::Body)
            fail(out, kCodeTruncated, where + "response cut off: " + e.displayText());
        else
            fail(out, kCodeConnection, where + e.displayText());
        return Attempt::Done;
    } catch (const std::exception& e) {
        reset();
        fail(out, kCodeConnection, endpoint_.url() + ": " + e.what());
        return Attempt::Done;
    }
}

}  // namespace qbi
