#include "runner/api/transport.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Timespan.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <istream>
#include <map>
#include <ostream>
#include <thread>

#include "runner/api/outcome.h"
#include "runner/core/strings.h"

namespace qbi {

// Poco 1.11 runs the client handshake once under the connect timeout and, if the server has
// not finished by then, lets OpenSSL finish it implicitly inside the first write -- after
// its host-name check has already passed for want of a certificate. This session completes
// the handshake and checks the host name before any request byte is sent.
// It also hands its socket to the transport as soon as it exists, so abort() and the call
// deadline can shut it down.
class VerifiedHttpsSession final : public Poco::Net::HTTPSClientSession {
public:
    VerifiedHttpsSession(const std::string& host, Poco::UInt16 port,
                         Poco::Net::Context::Ptr context, HttpsTransport& owner)
        : HTTPSClientSession(host, port, std::move(context)), owner_(owner) {}

protected:
    void connect(const Poco::Net::SocketAddress& address) override {
        HTTPSClientSession::connect(address);
        owner_.watch_socket(socket().impl()->sockfd());
        Poco::Net::SecureStreamSocket secure(socket());
        if (secure.completeHandshake() != 1)
            throw Poco::Net::SSLException("the TLS handshake did not complete");
        secure.verifyPeerCertificate(getHost());
    }

private:
    HttpsTransport& owner_;
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

// One thread for the whole process ends the calls that passed their call_timeout_ms: it shuts
// their sockets down (HttpsTransport::expire). Created on first use and never destroyed (its
// thread may outlive static destruction); it holds no resource but the thread.
class DeadlineWatch {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    static DeadlineWatch& instance() {
        static DeadlineWatch* watch = new DeadlineWatch();
        return *watch;
    }
    std::uint64_t add(TimePoint at, HttpsTransport& t, std::uint64_t call) {
        std::lock_guard lock(mu_);
        if (!started_) {
            std::thread([this] { loop(); }).detach();
            started_ = true;
        }
        const std::uint64_t id = ++next_id_;
        entries_.emplace(id, Entry{at, &t, call});
        // Woken only for a deadline before the one it sleeps to (calls share one timeout, so
        // almost never): one wake-up per call would cost a context switch per call.
        if (at < wake_at_) cv_.notify_one();
        return id;
    }
    // After remove() returns, the transport is not touched for that entry any more.
    void remove(std::uint64_t id) {
        std::lock_guard lock(mu_);
        entries_.erase(id);
    }

private:
    struct Entry {
        TimePoint at;
        HttpsTransport* transport;
        std::uint64_t call;
    };
    void loop() {
        std::unique_lock lock(mu_);
        for (;;) {
            const TimePoint now = std::chrono::steady_clock::now();
            TimePoint next = TimePoint::max();
            for (auto it = entries_.begin(); it != entries_.end();) {
                if (it->second.at <= now) {
                    it->second.transport->expire(it->second.call);
                    it = entries_.erase(it);
                } else {
                    next = std::min(next, it->second.at);
                    ++it;
                }
            }
            wake_at_ = next;
            if (next == TimePoint::max())
                cv_.wait(lock);
            else
                cv_.wait_until(lock, next);
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    bool started_ = false;
    // When the sleeping loop wakes by itself; min() until its first scan (add() sees it only
    // while the loop waits, or before it has scanned once).
    TimePoint wake_at_ = TimePoint::min();
    std::uint64_t next_id_ = 0;
    std::map<std::uint64_t, Entry> entries_;
};

}  // namespace

void HttpsTransport::abort() {
    std::lock_guard lock(cut_mu_);
    aborted_ = true;
    if (live_fd_ >= 0) ::shutdown(live_fd_, SHUT_RDWR);
}

void HttpsTransport::expire(std::uint64_t call) {
    std::lock_guard lock(cut_mu_);
    if (call != call_) return;
    expired_ = true;
    if (live_fd_ >= 0) ::shutdown(live_fd_, SHUT_RDWR);
}

void HttpsTransport::watch_socket(int fd) {
    std::lock_guard lock(cut_mu_);
    live_fd_ = fd;
    // Cut while connecting: the socket goes at once.
    if (aborted_ || expired_) ::shutdown(fd, SHUT_RDWR);
}

void HttpsTransport::unwatch_socket() {
    std::lock_guard lock(cut_mu_);
    live_fd_ = -1;
}

bool HttpsTransport::cut() const {
    std::lock_guard lock(cut_mu_);
    return aborted_ || expired_;
}

HttpsTransport::HttpsTransport(Endpoint endpoint, Poco::Net::Context::Ptr context,
                               TlsOptions options)
    : endpoint_(std::move(endpoint)), context_(std::move(context)), options_(std::move(options)) {}

HttpsTransport::~HttpsTransport() = default;

void HttpsTransport::reset() {
    unwatch_socket();  // before the socket closes: its number may be reused at once
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
    std::uint64_t call = 0;
    {
        std::lock_guard lock(cut_mu_);
        call = ++call_;
        expired_ = false;
        if (aborted_) {
            fail(out, kCodeAborted, endpoint_.url() + ": not sent: the runner is stopping");
            return out;
        }
    }
    // Idle expiry is ours (Poco's own is set later than ours), so connections_ counts exactly.
    const auto now = std::chrono::steady_clock::now();
    std::uint64_t watch = 0;
    if (options_.call_timeout_ms > 0)
        watch = DeadlineWatch::instance().add(
            now + std::chrono::milliseconds(options_.call_timeout_ms), *this, call);
    if (session_ && now - last_used_ > std::chrono::milliseconds(options_.keep_alive_idle_ms))
        reset();
    bool reused = session_ && session_->connected();
    if (attempt(request, reused, out) == Attempt::StaleConnection) {
        out = HttpResponse{};
        if (cut())
            fail(out, kCodeConnection, "cut");  // replaced below
        else
            attempt(request, false, out);
    }
    if (watch != 0) DeadlineWatch::instance().remove(watch);
    last_used_ = std::chrono::steady_clock::now();
    if (!out.complete()) {
        // What ended the call is the cut, whatever error the dead socket raised.
        std::lock_guard lock(cut_mu_);
        if (aborted_) {
            out.status = 0;
            fail(out, kCodeAborted,
                 endpoint_.url() +
                     ": cut off: the runner is stopping (the call may have been "
                     "sent)");
        } else if (expired_) {
            out.status = 0;
            fail(out, kCodeTimeout,
                 endpoint_.url() + ": no complete answer within api.call_timeout (" +
                     std::to_string(options_.call_timeout_ms) + " ms)");
        }
    }
    return out;
}

HttpsTransport::Attempt HttpsTransport::attempt(const SignedRequest& request, bool reused,
                                                HttpResponse& out) {
    Stage stage = Stage::Request;
    try {
        if (!session_) {
            session_ = std::make_unique<VerifiedHttpsSession>(endpoint_.host, endpoint_.port,
                                                              context_, *this);
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
        if (!session_->connected())
            ++connections_;
        else
            watch_socket(session_->socket().impl()->sockfd());  // a kept-alive connection

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
        if (!response.hasContentLength() && cut()) {
            // A body that ends with the connection: the cut ended it, not the server.
            reset();
            fail(out, kCodeTruncated, "the response body was cut off");
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
