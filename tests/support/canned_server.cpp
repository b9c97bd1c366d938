#include "tests/support/canned_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/URI.h>

#include <chrono>
#include <istream>
#include <ostream>
#include <thread>

#include "runner/sim/certgen.h"

namespace qbi::test {

namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    Handler(const std::map<std::string, std::string>& bodies, int trickle_ms)
        : bodies_(bodies), trickle_ms_(trickle_ms) {}
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
        std::ostream& out = res.send();
        if (trickle_ms_ <= 0) {
            out << it->second;
            return;
        }
        out.flush();
        for (char c : it->second) {  // ends when the client goes away (the write fails)
            std::this_thread::sleep_for(std::chrono::milliseconds(trickle_ms_));
            if (!out.put(c).flush()) return;
        }
    }

private:
    const std::map<std::string, std::string>& bodies_;
    int trickle_ms_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(const std::map<std::string, std::string>& bodies, int trickle_ms)
        : bodies_(bodies), trickle_ms_(trickle_ms) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(bodies_, trickle_ms_);
    }

private:
    const std::map<std::string, std::string>& bodies_;
    int trickle_ms_;
};

}  // namespace

CannedServer::CannedServer(std::map<std::string, std::string> bodies, int trickle_ms)
    : bodies_(std::move(bodies)), trickle_ms_(trickle_ms) {
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
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(bodies_, trickle_ms_), *pool_,
                                                      socket, hp);
    server_->start();
}

CannedServer::~CannedServer() {
    server_->stopAll(true);
    pool_->joinAll();
}

}  // namespace qbi::test
