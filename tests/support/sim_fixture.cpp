#include "tests/support/sim_fixture.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "runner/api/endpoint.h"
#include "runner/sim/world_io.h"

extern char** environ;

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer runs with this (tests that use the simulator link this file). Poco's shared
// libraries are not instrumented, so TSan cannot see the atomic reference counts that order a
// connection's Delegate teardown (~HTTPServerConnection) after HTTPServer::stopAll's
// serverStopped notification (the canned test server is a Poco HTTPServer), and reports the
// Delegate's mutex destruction as a race. Only that Poco-internal pair is suppressed; races in
// our code are still reported.
// Likewise OpenSSL's own session bookkeeping inside libcrypto (ASN1_STRING_cmp during
// Poco's HTTPClientSession::reconnect, with each worker on its own session): uninstrumented
// library code whose locking TSan cannot see through.
extern "C" const char* __tsan_default_suppressions() {
    return "race:Poco::Delegate<Poco::Net::HTTPServerConnection\n"
           "race:ASN1_STRING_cmp\n";
}
#endif

namespace qbi::test {

Credentials sim_credentials(const std::string& id, const std::string& secret,
                            const std::string& sts_token) {
    Credentials c;
    c.access_key_id = id;
    c.access_key_secret = Secret(secret);
    c.security_token = Secret(sts_token);
    c.source = "test";
    return c;
}

SimFixture::SimFixture(SimFixtureOptions o) {
    clock_ = o.clock ? o.clock : &SystemClock::instance();
    certs_ = o.certs ? *o.certs : sim::generate_loopback_bundle();
    dir_.write("ca.pem", certs_.ca_pem);

    sim::SimOptions so;
    so.credentials =
        o.credentials.empty() ? std::vector<Credentials>{sim_credentials()} : o.credentials;
    if (!o.world_yaml.empty()) {
        auto file = sim::parse_world(o.world_yaml, "world.yaml");
        if (!file) throw std::runtime_error(file.error().message);
        if (file->implicit) sim::add_implicit_entities(file->data);
        so.world = std::move(file->data);
    } else {
        so.world = std::move(o.world);
    }
    so.absent_share = o.absent_share;
    so.absent_share_code = o.absent_share_code;
    so.faults = o.faults;
    so.seed = o.seed;
    so.gateway = o.gateway;
    so.sts = o.sts;
    so.host_id = o.host_id;
    so.virtual_delays = o.virtual_delays;
    if (o.log) so.log_path = log_file();
    sim_ = std::make_unique<sim::Simulator>(std::move(so), *clock_);

    sim::ServerOptions server;
    server.cert_pem = certs_.cert_pem;
    server.key_pem = certs_.key_pem;
    server.max_threads = o.max_threads;
    server.keep_alive_timeout_s = o.keep_alive_timeout_s;
    server_ = std::make_unique<sim::SimServer>(*sim_, server);
    if (auto started = server_->start(); !started)
        throw std::runtime_error(started.error().message);
    if (o.metadata) {
        sim::ServerOptions plain;
        plain.plain = true;
        plain.max_threads = 16;
        metadata_ = std::make_unique<sim::SimServer>(*sim_, plain);
        if (auto started = metadata_->start(); !started)
            throw std::runtime_error(started.error().message);
    }
}

SimFixture::~SimFixture() {
    stop();
}

void SimFixture::stop() {
    if (metadata_) metadata_->stop();
    if (server_) server_->stop();
}

std::string SimFixture::metadata_url() const {
    return metadata_ ? metadata_->endpoint() : "";
}

std::string SimFixture::endpoint() const {
    return server_->endpoint();
}
int SimFixture::port() const {
    return server_->port();
}
std::string SimFixture::ca_file() const {
    return (dir_ / "ca.pem").string();
}
std::string SimFixture::state_json() const {
    return sim_->state_json();
}
std::string SimFixture::stats_json() const {
    return sim_->stats_json();
}
std::string SimFixture::log_file() const {
    return (dir_ / "requests.jsonl").string();
}

SimClient::SimClient(const SimFixture& sim, SignatureScheme scheme, Credentials credentials,
                     Clock* clock, TlsOptions tls) {
    init(sim.endpoint(), sim.ca_file(), scheme, std::move(credentials), clock, std::move(tls));
}

SimClient::SimClient(const std::string& endpoint, const std::string& ca_file,
                     SignatureScheme scheme, Credentials credentials, Clock* clock,
                     TlsOptions tls) {
    init(endpoint, ca_file, scheme, std::move(credentials), clock, std::move(tls));
}

SimClient::~SimClient() = default;

void SimClient::init(const std::string& endpoint, const std::string& ca_file,
                     SignatureScheme scheme, Credentials credentials, Clock* clock,
                     TlsOptions tls) {
    auto ep = parse_endpoint(endpoint);
    if (!ep) throw std::runtime_error(ep.error().message);
    tls.ca_file = ca_file;
    auto ctx = make_client_context(tls);
    if (!ctx) throw std::runtime_error(ctx.error().message);
    transport_ = std::make_unique<HttpsTransport>(*ep, *ctx, tls);
    client_ = std::make_unique<QuickBiClient>(*ep, std::move(credentials), scheme,
                                              clock ? *clock : SystemClock::instance(), nonces_,
                                              *transport_);
}

ApiResult SimClient::call(const std::string& action, const Params& params) {
    return client_->call(action, params);
}

bool is_request_id(const std::string& id) {
    static const std::string shape = "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX";
    if (id.size() != shape.size()) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        const bool hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
        if (shape[i] == '-' ? c != '-' : !hex) return false;
    }
    return true;
}

std::pair<int, std::string> sim_get(const std::string& endpoint, const std::string& ca_file,
                                    const std::string& path) {
    auto ep = parse_endpoint(endpoint);
    if (!ep) throw std::runtime_error(ep.error().message);
    TlsOptions tls;
    tls.ca_file = ca_file;
    auto ctx = make_client_context(tls);
    if (!ctx) throw std::runtime_error(ctx.error().message);
    Poco::Net::HTTPSClientSession session(ep->host, ep->port, *ctx);
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    std::string body;
    Poco::StreamCopier::copyToString(in, body);
    return {static_cast<int>(resp.getStatus()), body};
}

namespace {

#ifdef QBI_SIM_BIN
constexpr const char* kSimBin = QBI_SIM_BIN;
#else
constexpr const char* kSimBin = "";
#endif

std::vector<std::string> sim_argv(const std::vector<std::string>& args) {
    if (std::string(kSimBin).empty()) throw std::runtime_error("QBI_SIM_BIN is not defined");
    std::vector<std::string> argv{kSimBin};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

}  // namespace

SimProcess::SimProcess(std::vector<std::string> args, bool ca_out) {
    std::vector<std::string> all = {"--port", "0", "--port-file", (dir_ / "port").string()};
    if (ca_out) {
        all.emplace_back("--ca-out");
        all.push_back((dir_ / "ca.pem").string());
    }
    all.insert(all.end(), args.begin(), args.end());
    proc_ = std::make_unique<Process>(sim_argv(all), std::nullopt, dir_.path().string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = read_file(dir_ / "port");
        if (!text.empty() && text.back() == '\n') {
            port_ = std::stoi(text);
            return;
        }
        if (!proc_->running()) return;  // exited before listening
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

SimProcess::~SimProcess() = default;  // Process kills and reaps a child still running

int SimProcess::terminate(int sig) {
    proc_->signal(sig);
    return wait();
}

int SimProcess::wait() {
    return proc_->wait(120000).exit_code;
}

std::string SimProcess::out() const {
    return proc_->out();
}
std::string SimProcess::err() const {
    return proc_->err();
}

ProcessResult run_sim(const std::vector<std::string>& args) {
    TempDir dir;
    return run_process(sim_argv(args), std::nullopt, dir.path().string());
}

}  // namespace qbi::test
