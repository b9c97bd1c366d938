#include "runner/metrics/http_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <exception>

#include "runner/core/exit_codes.h"
#include "runner/metrics/exposition.h"

namespace qbi::metrics {

namespace {

using Poco::Net::HTTPResponse;

class Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(const MetricsServer::Render& render) : render_(render) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& resp) override {
        std::string path = req.getURI();
        if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
        resp.setKeepAlive(false);
        if (path != "/metrics") {
            answer(resp, HTTPResponse::HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                   "not found: the metrics are at /metrics\n", true);
            return;
        }
        const bool head = req.getMethod() == "HEAD";
        if (req.getMethod() != "GET" && !head) {
            resp.set("Allow", "GET, HEAD");
            answer(resp, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                   "method not allowed: GET /metrics\n", true);
            return;
        }
        std::string body;
        try {
            body = render_();
        } catch (const std::exception& e) {
            answer(resp, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                   std::string("metrics unavailable: ") + e.what() + "\n", true);
            return;
        }
        answer(resp, HTTPResponse::HTTP_OK, kContentType, body, !head);
    }

private:
    static void answer(Poco::Net::HTTPServerResponse& resp, HTTPResponse::HTTPStatus status,
                       const std::string& type, const std::string& body, bool send_body) {
        resp.setStatus(status);
        resp.setContentType(type);
        resp.setContentLength(static_cast<std::streamsize>(body.size()));
        std::ostream& out = resp.send();
        if (send_body) out << body;
    }
    const MetricsServer::Render& render_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(const MetricsServer::Render& render) : render_(render) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(render_);
    }

private:
    const MetricsServer::Render& render_;
};

Error bad_address(std::string_view key, std::string_view text, const std::string& why) {
    return Error{kExitConfig, std::string(key) + ": expected HOST:PORT (e.g. 127.0.0.1:9469) or " +
                                  "a port, got '" + std::string(text) + "': " + why};
}

}  // namespace

std::string ListenAddress::text() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> parse_listen_address(std::string_view text, std::string_view key) {
    std::string host = "127.0.0.1";
    std::string_view port_text = text;
    if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
        std::string_view h = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
            h = h.substr(1, h.size() - 2);
            if (h.find(':') == std::string_view::npos)
                return bad_address(key, text, "brackets are for IPv6 addresses");
        } else if (h.find(':') != std::string_view::npos) {
            return bad_address(key, text, "put an IPv6 address in brackets, e.g. [::1]:9469");
        }
        if (h.empty()) return bad_address(key, text, "the host is missing");
        host = h == "localhost" ? "127.0.0.1" : std::string(h);
    }
    ListenAddress a;
    Poco::Net::IPAddress ip;
    if (!Poco::Net::IPAddress::tryParse(host, ip))
        return bad_address(key, text,
                           "'" + host + "' is not an IP address (name the address to listen on)");
    a.host = ip.toString();
    a.loopback = ip.isLoopback();
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos)
        return bad_address(key, text, "the port must be a number from 0 to 65535");
    a.port = std::stoi(std::string(port_text));
    if (a.port > 65535) return bad_address(key, text, "the port must be a number from 0 to 65535");
    return a;
}

struct MetricsServer::Impl {
    Render render;
    Poco::ThreadPool pool{1, 2};
    std::unique_ptr<Poco::Net::HTTPServer> server;
    int port = 0;
    bool stopped = false;
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
    stop();
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& address,
                                                            Render render, std::string_view key) {
    auto impl = std::make_unique<Impl>();
    impl->render = std::move(render);
    try {
        Poco::Net::ServerSocket socket;
        // SO_REUSEADDR (a restart finds the port in TIME_WAIT) but not SO_REUSEPORT: a second
        // listener on the same port is an error, not a silent share.
        socket.bind(Poco::Net::SocketAddress(address.host, static_cast<Poco::UInt16>(address.port)),
                    true, false);
        socket.listen(16);
        impl->port = socket.address().port();
        auto params = new Poco::Net::HTTPServerParams;
        params->setKeepAlive(false);
        params->setMaxQueued(16);
        params->setMaxThreads(2);
        params->setTimeout(Poco::Timespan(5, 0));
        impl->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(impl->render),
                                                               impl->pool, socket, params);
        impl->server->start();
    } catch (const Poco::Exception& e) {
        return Error{kExitConfig, std::string(key) + ": cannot listen on " + address.text() + ": " +
                                      e.displayText()};
    }
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

int MetricsServer::port() const {
    return impl_->port;
}

void MetricsServer::stop() {
    if (!impl_ || impl_->stopped) return;
    impl_->stopped = true;
    impl_->server->stopAll(true);
    impl_->pool.joinAll();
}

}  // namespace qbi::metrics
