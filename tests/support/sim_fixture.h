#pragma once
// The Quick BI simulator for tests: in process (SimFixture, through the qbi_sim library) or as
// the real qbi-sim binary (SimProcess), both on 127.0.0.1 with a throwaway certificate whose
// CA is written to a TempDir, so clients verify strictly.
//
//   qbi::test::SimFixtureOptions opt;
//   opt.world_yaml = "favorites: [{user: u1, work: w1}]\nimplicit: true\n";
//   qbi::test::SimFixture sim(opt);
//   qbi::test::SimClient client(sim);                 // V3, testid/testsecret
//   qbi::ApiResult r = client.call("CancelCollection", {{"UserId", "u1"}, {"WorksId", "w1"}});
//
// Thread-safety: SimFixture is used from the test thread (the simulator inside serves any
// number of clients). SimClient is one connection: one per thread. SimProcess: one thread.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runner/api/client.h"
#include "runner/api/credentials.h"
#include "runner/api/transport.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/sim/certgen.h"
#include "runner/sim/server.h"
#include "runner/sim/simulator.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace qbi::test {

// An AccessKey pair the simulator accepts by default: testid / testsecret.
Credentials sim_credentials(const std::string& id = "testid",
                            const std::string& secret = "testsecret",
                            const std::string& sts_token = "");

struct SimFixtureOptions {
    std::vector<Credentials> credentials;  // empty: {sim_credentials()}
    sim::WorldData world;                  // used when world_yaml is empty
    std::string world_yaml;                // a world file's text (see README.md, "qbi-sim")
    sim::FaultOptions faults;
    std::uint64_t seed = 42;
    Clock* clock = nullptr;       // null: SystemClock::instance()
    bool virtual_delays = false;  // delays advance `clock` instead of sleeping
    sim::AbsentShare absent_share = sim::AbsentShare::Ok;
    std::string absent_share_code = "Report.NotExist.Error";
    sim::GatewayOptions gateway;
    sim::StsOptions sts;    // the simulated STS (on the API port) and metadata service
    bool metadata = false;  // also serve the metadata service on plain HTTP (metadata_url())
    std::string host_id;
    bool log = false;  // JSONL request log at log_file()
    int max_threads = 512;
    int keep_alive_timeout_s = 30;  // an idle kept-alive connection is closed after this
    // Serve this leaf instead of a fresh loopback bundle (e.g. sign_leaf(..., {"other"})).
    std::optional<sim::CertBundle> certs;
};

class SimFixture {
public:
    // Starts the simulator; throws std::runtime_error if it cannot.
    explicit SimFixture(SimFixtureOptions options = {});
    ~SimFixture();
    SimFixture(const SimFixture&) = delete;
    SimFixture& operator=(const SimFixture&) = delete;

    std::string endpoint() const;  // "https://127.0.0.1:PORT"
    int port() const;
    std::string ca_file() const;  // PEM of the CA that signed the served certificate
    std::string state_json() const;
    std::string stats_json() const;
    std::string log_file() const;      // meaningful with options.log
    std::string metadata_url() const;  // "http://127.0.0.1:PORT", with options.metadata
    const sim::CertBundle& certs() const { return certs_; }
    sim::Simulator& simulator() { return *sim_; }
    sim::World& world() { return sim_->world(); }
    Clock& clock() { return *clock_; }
    const TempDir& dir() const { return dir_; }
    // Stops serving now (the destructor does it otherwise).
    void stop();

private:
    TempDir dir_;
    sim::CertBundle certs_;
    Clock* clock_;
    std::unique_ptr<sim::Simulator> sim_;
    std::unique_ptr<sim::SimServer> server_;
    std::unique_ptr<sim::SimServer> metadata_;
};

// The project's client, ready for a simulator: its own TLS context (trusting only `ca_file`),
// one keep-alive HttpsTransport, a nonce source and a QuickBiClient.
class SimClient {
public:
    explicit SimClient(const SimFixture& sim, SignatureScheme scheme = SignatureScheme::V3,
                       Credentials credentials = sim_credentials(), Clock* clock = nullptr,
                       TlsOptions tls = {});
    // Any endpoint and CA (for process tests and TLS refusals).
    SimClient(const std::string& endpoint, const std::string& ca_file, SignatureScheme scheme,
              Credentials credentials, Clock* clock = nullptr, TlsOptions tls = {});
    ~SimClient();

    ApiResult call(const std::string& action, const Params& params);
    QuickBiClient& client() { return *client_; }
    HttpsTransport& transport() { return *transport_; }

private:
    void init(const std::string& endpoint, const std::string& ca_file, SignatureScheme scheme,
              Credentials credentials, Clock* clock, TlsOptions tls);
    RandomNonceSource nonces_;
    std::unique_ptr<HttpsTransport> transport_;
    std::unique_ptr<QuickBiClient> client_;
};

// True if `id` has the simulator's RequestId shape: 8-4-4-4-12 upper-case hex digits.
bool is_request_id(const std::string& id);

// GET https://127.0.0.1:PORT/<path> (e.g. "/__sim/state") trusting `ca_file`: status and body.
std::pair<int, std::string> sim_get(const std::string& endpoint, const std::string& ca_file,
                                    const std::string& path);

// The real qbi-sim binary (QBI_SIM_BIN) as a child process. `args` are passed after
// "--port 0 --port-file DIR/port" and, with ca_out (for the generated certificate),
// "--ca-out DIR/ca.pem". The constructor waits (up to 15 s) for the port file; stdout and
// stderr go to files in DIR.
class SimProcess {
public:
    explicit SimProcess(std::vector<std::string> args, bool ca_out = true);
    ~SimProcess();  // SIGKILL and reap if still running
    SimProcess(const SimProcess&) = delete;
    SimProcess& operator=(const SimProcess&) = delete;

    bool started() const { return port_ > 0; }
    int port() const { return port_; }
    std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(port_); }
    std::string ca_file() const { return (dir_ / "ca.pem").string(); }
    pid_t pid() const { return proc_ ? proc_->pid() : -1; }
    const TempDir& dir() const { return dir_; }
    // Sends `sig` and waits for the exit: the exit code, or 128 + signal if killed.
    int terminate(int sig);
    // Waits for the exit (e.g. after a usage error).
    int wait();
    std::string out() const;
    std::string err() const;

private:
    TempDir dir_;
    std::unique_ptr<Process> proc_;
    int port_ = 0;
};

// Runs qbi-sim to completion with `args` (e.g. {"--help"}): exit code, stdout, stderr.
// Runs qbi-sim to completion (e.g. --help, a usage error).
ProcessResult run_sim(const std::vector<std::string>& args);

}  // namespace qbi::test
