#include "tests/support/canned_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/URI.h>

#include <istream>
#include <ostream>

#include "runner/sim/certgen.h"

namespace qbi::test {

namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(const std::map<std::string, std::string>& bodies) : bodies_(bodies) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& res) override {
        char buf[4096];
        while (req.stream().read(buf, sizeof buf)) {
        }
        std::string action = req.get("x-acs-action", "");
        if (action.empty())
            for (const auto& [k, v] : Poco::URI(req.getURI()).getQueryParameters())
                if (k == "Action") action = v;
        auto it = bodies_.find(action);
        res.setContentType("application/json;charset=utf-8");
        if (it == bodies_.end()) {
            res.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
            const std::string body = R"({"RequestId":"00000000-0000-0000-0000-000000000000",)"
                                     R"("Code":"InvalidAction.NotFound","Message":"canned"})";
            res.setContentLength(static_cast<std::streamsize>(body.size()));
            res.send() << body;
            return;
        }
        res.setContentLength(static_cast<std::streamsize>(it->second.size()));
        res.send() << it->second;
    }

private:
    const std::map<std::string, std::string>& bodies_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(const std::map<std::string, std::string>& bodies) : bodies_(bodies) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(bodies_);
    }

private:
    const std::map<std::string, std::string>& bodies_;
};

}  // namespace

CannedServer::CannedServer(std::map<std::string, std::string> bodies) : bodies_(std::move(bodies)) {
    Poco::Net::initializeSSL();
    sim::CertBundle certs = sim::generate_loopback_bundle(1);
    dir_.write("ca.pem", certs.ca_pem);
    const auto cert = dir_.write("cert.pem", certs.cert_pem);
    const auto key = dir_.write("key.pem", certs.key_pem);
    Poco::Net::Context::Params params;
    params.certificateFile = cert.string();
    params.privateKeyFile = key.string();
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    Poco::Net::SecureServerSocket socket(ctx);
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true, false);
    socket.listen(64);
    port_ = socket.address().port();
    auto* hp = new Poco::Net::HTTPServerParams;
    hp->setKeepAlive(true);
    hp->setMaxThreads(16);
    pool_ = std::make_unique<Poco::ThreadPool>(2, 18, 60);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(bodies_), *pool_, socket, hp);
    server_->start();
}

CannedServer::~CannedServer() {
    server_->stopAll(true);
    pool_->joinAll();
}

}  // namespace qbi::test
