#include "runner/sim/server.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <istream>
#include <iterator>
#include <mutex>
#include <set>

namespace qbi::sim {

namespace {

constexpr std::size_t kMaxBody = 1 << 20;  // RPC bodies are small; refuse more than 1 MiB

class ApiHandler final : public Poco::Net::HTTPRequestHandler {
public:
    ApiHandler(Simulator& sim, bool plain) : sim_(sim), plain_(plain) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        SimReply reply;
        try {
            SimRequest req;
            req.method = request.getMethod();
            const std::string& uri = request.getURI();
            const auto q = uri.find('?');
            req.path = uri.substr(0, q);
            if (q != std::string::npos) req.query = uri.substr(q + 1);
            for (const auto& [name, value] : request) req.headers.emplace_back(name, value);
            // A request without Content-Length or chunked encoding has no body (RFC 9112
            // §6.3); Poco would otherwise read a POST until the connection closes.
            const bool has_body =
                request.hasContentLength() || request.getChunkedTransferEncoding();
            std::istream& in = request.stream();
            char buf[8192];
            while (has_body && in && req.body.size() <= kMaxBody) {
                in.read(buf, sizeof buf);
                req.body.append(buf, static_cast<std::size_t>(in.gcount()));
            }
            if (req.body.size() > kMaxBody) {
                response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
                response.setKeepAlive(false);
                response.setContentLength(0);
                response.send();
                return;
            }
            reply = plain_ ? sim_.handle_metadata(req) : sim_.handle(req);
        } catch (const std::exception& e) {
            reply.status = 500;
            reply.body = "{\"Code\":\"InternalError\",\"Message\":\"qbi-sim: internal error\"}";
        }
        sim_.wait(reply.delay_ms);
        if (reply.drop) {
            // Close the TCP connection under TLS's feet: no answer, no close_notify.
            auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(request);
            ::shutdown(impl.socket().impl()->sockfd(), SHUT_RDWR);
            response.setKeepAlive(false);
            return;
        }
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
        response.setContentType(reply.content_type);
        if (!reply.request_id.empty()) response.set("x-acs-request-id", reply.request_id);
        response.sendBuffer(reply.body.data(), reply.body.size());
    }

private:
    Simulator& sim_;
    const bool plain_;
};

// An HTTP session that can tell whether the next request has already been read.
class Session final : public Poco::Net::HTTPServerSession {
public:
    Session(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
            bool tls)
        : HTTPServerSession(socket, params), tls_(tls) {}
    // Bytes read and not yet parsed: in the session's buffer, or decrypted by TLS. (A plain
    // socket's unread bytes are in the kernel, where poll sees them.)
    bool input_buffered() { return buffered() > 0 || (tls_ && socket().impl()->available() > 0); }

private:
    const bool tls_;
};

class Connection;

}  // namespace

// The connections being served, so that stop() can end the kept-alive ones.
class Connections {
public:
    bool add(Connection* c) {  // false once stopped: the connection is not served
        std::lock_guard lock(mu_);
        if (stopped_) return false;
        live_.insert(c);
        return true;
    }
    void remove(Connection* c) {
        std::lock_guard lock(mu_);
        live_.erase(c);
    }
    // No connection is served after this; each live one ends once the request it is
    // answering has been answered.
    void stop_all();

private:
    std::mutex mu_;
    std::set<Connection*> live_;  // guarded by mu_
    bool stopped_ = false;        // guarded by mu_
};

namespace {

// One client connection, its requests answered in turn while it is kept alive, as Poco's
// HTTPServerConnection does, except how it waits for the next request: Poco 1.11 polls
// through a new epoll instance per request (epoll_create, epoll_ctl, epoll_wait, close), four
// system calls and a file allocated and freed per request, where one poll(2) does.
class Connection final : public Poco::Net::TCPServerConnection {
public:
    Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
               Simulator& sim, bool plain, Connections& all)
        : TCPServerConnection(socket),
          params_(params),
          handler_(sim, plain),
          plain_(plain),
          all_(all) {}

    void run() override {
        if (!all_.add(this)) return;
        struct Leave {
            Connections& all;
            Connection* self;
            ~Leave() { all.remove(self); }
        } leave{all_, this};
        try {
            serve();
        } catch (const Poco::Exception&) {
            // The client went away, timed out or broke TLS: the connection ends, as with Poco's
            // own server (whose error handler says nothing either).
        }
    }

    // From Connections::stop_all. Shutting the reading side first ends at once a wait for the
    // next request, or for the rest of one (a client that connected and sent nothing, or half a
    // request), while an answer being written still goes out; once it has (mu_), the socket is
    // shut: TLS's close_notify where it can be sent, and TCP in any case (Poco's TLS shutdown
    // throws before it shuts TCP when the handshake has not completed).
    void stop() {
        stopped_ = true;
        const int fd = socket().impl()->sockfd();
        ::shutdown(fd, SHUT_RD);
        std::lock_guard lock(mu_);
        try {
            socket().shutdown();
        } catch (...) {
        }
        ::shutdown(fd, SHUT_RDWR);
    }

private:
    void serve() {
        Session session(socket(), params_, !plain_);
        bool first = true;
        while (!stopped_ && next_request(session, first)) {
            std::lock_guard lock(mu_);
            if (stopped_) break;
            try {
                Poco::Net::HTTPServerResponseImpl response(session);
                Poco::Net::HTTPServerRequestImpl request(response, session, params_);
                response.setDate(Poco::Timestamp());
                response.setVersion(request.getVersion());
                const bool keep = params_->getKeepAlive() && session.canKeepAlive();
                response.setKeepAlive(keep && request.getKeepAlive());
                handler_.handleRequest(request, response);
                session.setKeepAlive(keep && response.getKeepAlive());
            } catch (const Poco::Net::NoMessageException&) {
                break;  // the client closed the connection between requests
            } catch (const Poco::Net::MessageException&) {
                Poco::Net::HTTPServerResponseImpl bad(session);
                bad.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
                bad.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
                bad.setKeepAlive(false);
                bad.send();
                break;
            }
        }
    }

    // Whether another request arrives: the first within the I/O timeout (Poco's own wait,
    // which also lets the session keep the connection alive without a request limit), the
    // next ones within the keep-alive timeout while the connection is kept alive.
    bool next_request(Session& session, bool& first) {
        if (first) {
            first = false;
            return session.hasMoreRequests();
        }
        if (!session.getKeepAlive() || !session.canKeepAlive()) return false;
        if (session.input_buffered()) return true;
        const auto timeout =
            std::chrono::milliseconds(params_->getKeepAliveTimeout().totalMilliseconds());
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        pollfd p{socket().impl()->sockfd(), POLLIN, 0};
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            const int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
            if (rc >= 0) return rc > 0;  // readable, closed or in error: the read will tell
            if (errno != EINTR) return false;
        }
    }

    Poco::Net::HTTPServerParams::Ptr params_;
    ApiHandler handler_;
    const bool plain_;
    Connections& all_;
    std::mutex mu_;  // held while a request is answered
    std::atomic<bool> stopped_{false};
};

class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Simulator& sim, bool plain,
                      Connections& all)
        : params_(params), sim_(sim), plain_(plain), all_(all) {}
    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override {
        return new Connection(socket, params_, sim_, plain_, all_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Simulator& sim_;
    const bool plain_;
    Connections& all_;
};

// A server context holding the certificate and key from memory.
void use_pem(Poco::Net::Context& ctx, const std::string& cert_pem, const std::string& key_pem) {
    SSL_CTX* ssl = ctx.sslContext();
    BIO* cbio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cbio, nullptr, nullptr, nullptr);
    BIO_free(cbio);
    BIO* kbio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kbio, nullptr, nullptr, nullptr);
    BIO_free(kbio);
    const bool ok = cert && key && SSL_CTX_use_certificate(ssl, cert) == 1 &&
                    SSL_CTX_use_PrivateKey(ssl, key) == 1 && SSL_CTX_check_private_key(ssl) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok) throw std::runtime_error("the certificate or key PEM is invalid or they do not match");
}

}  // namespace

void Connections::stop_all() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (Connection* c : live_) c->stop();
}

SimServer::SimServer(Simulator& sim, ServerOptions options)
    : sim_(sim), options_(std::move(options)) {}

SimServer::~SimServer() {
    stop();
}

Status SimServer::start() {
    std::signal(SIGPIPE, SIG_IGN);
    try {
        Poco::Net::ServerSocket socket;
        if (!options_.plain) {
            Poco::Net::initializeSSL();
            Poco::Net::Context::Params params;
            params.privateKeyFile = options_.key_file;
            params.certificateFile = options_.cert_file;
            params.verificationMode = Poco::Net::Context::VERIFY_NONE;
            params.loadDefaultCAs = false;
            params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
            Poco::Net::Context::Ptr ctx =
                new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
            ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
            ctx->enableSessionCache(true, "qbi-sim");
            if (options_.cert_file.empty()) use_pem(*ctx, options_.cert_pem, options_.key_pem);

            // SO_REUSEADDR (a restart may rebind at once) but never SO_REUSEPORT, which Poco's
            // address constructor sets: a second simulator must fail on a port in use, not share
            // it.
            socket = Poco::Net::SecureServerSocket(ctx);
        }
        const Poco::Net::SocketAddress address(options_.bind,
                                               static_cast<Poco::UInt16>(options_.port));
        if (address.family() == Poco::Net::SocketAddress::IPv6)
            socket.bind6(address, true, false, true);
        else
            socket.bind(address, true, false);
        socket.listen(1024);
        port_ = socket.address().port();

        auto* hp = new Poco::Net::HTTPServerParams;
        hp->setMaxThreads(options_.max_threads);
        hp->setMaxQueued(options_.max_queued);
        hp->setKeepAlive(true);
        hp->setMaxKeepAliveRequests(0);  // unlimited
        hp->setKeepAliveTimeout(Poco::Timespan(options_.keep_alive_timeout_s, 0));
        hp->setTimeout(Poco::Timespan(options_.io_timeout_s, 0));
        hp->setServerName("qbi-sim");
        hp->setSoftwareVersion("");
        const Poco::Net::HTTPServerParams::Ptr params(hp);
        pool_ = std::make_unique<Poco::ThreadPool>(2, options_.max_threads + 2, 60);
        connections_ = std::make_unique<Connections>();
        server_ = std::make_unique<Poco::Net::TCPServer>(
            new ConnectionFactory(params, sim_, options_.plain, *connections_), *pool_, socket,
            params);
        server_->start();
    } catch (const Poco::Exception& e) {
        server_.reset();
        pool_.reset();
        connections_.reset();
        return Error{kExitUnavailable, std::string("cannot start the ") +
                                           (options_.plain ? "HTTP" : "HTTPS") + " server on " +
                                           options_.bind + ":" + std::to_string(options_.port) +
                                           ": " + e.displayText()};
    } catch (const std::exception& e) {
        server_.reset();
        pool_.reset();
        connections_.reset();
        return Error{kExitConfig, std::string("cannot start the HTTPS server: ") + e.what()};
    }
    return {};
}

void SimServer::stop() {
    if (!server_) return;
    sim_.shutdown();
    server_->stop();  // accepts no more connections
    connections_->stop_all();
    pool_->joinAll();
    server_.reset();
    pool_.reset();
    connections_.reset();
}

std::string SimServer::endpoint() const {
    const bool v6 = options_.bind.find(':') != std::string::npos;
    return (options_.plain ? "http://" : "https://") +
           (v6 ? "[" + options_.bind + "]" : options_.bind) + ":" + std::to_string(port_);
}

}  // namespace qbi::sim
