#include "runner/sim/server.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/ThreadPool.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <csignal>
#include <istream>
#include <iterator>

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

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(Simulator& sim, bool plain) : sim_(sim), plain_(plain) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new ApiHandler(sim_, plain_);
    }

private:
    Simulator& sim_;
    const bool plain_;
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
        pool_ = std::make_unique<Poco::ThreadPool>(2, options_.max_threads + 2, 60);
        server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(sim_, options_.plain), *pool_,
                                                          socket, hp);
        server_->start();
    } catch (const Poco::Exception& e) {
        server_.reset();
        pool_.reset();
        return Error{kExitUnavailable, std::string("cannot start the ") +
                                           (options_.plain ? "HTTP" : "HTTPS") + " server on " +
                                           options_.bind + ":" + std::to_string(options_.port) +
                                           ": " + e.displayText()};
    } catch (const std::exception& e) {
        server_.reset();
        pool_.reset();
        return Error{kExitConfig, std::string("cannot start the HTTPS server: ") + e.what()};
    }
    return {};
}

void SimServer::stop() {
    if (!server_) return;
    sim_.shutdown();
    server_->stopAll(false);
    pool_->joinAll();
    server_.reset();
    pool_.reset();
}

std::string SimServer::endpoint() const {
    const bool v6 = options_.bind.find(':') != std::string::npos;
    return (options_.plain ? "http://" : "https://") +
           (v6 ? "[" + options_.bind + "]" : options_.bind) + ":" + std::to_string(port_);
}

}  // namespace qbi::sim
