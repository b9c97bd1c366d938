// sim_bench: how many signed HTTPS requests per second the simulator answers with zero
// latency, on this machine, with the client on the same cores (issue 3: >= 5,000 req/s).
//
// Starts qbi-sim in process (library API) on 127.0.0.1 with a generated world and drives it
// with N client threads, each with its own keep-alive HttpsTransport and QuickBiClient (so TLS
// handshakes happen once per thread), for a fixed time. Every request is a CancelCollection of
// a distinct generated favourite (a real change; once they run out, the answers are
// Favorite.NotCancel.Permission, which costs the same).
//
//   sim_bench [--threads N[,N...]] [--seconds S] [--scheme v1|v3]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "runner/api/client.h"
#include "runner/api/endpoint.h"
#include "runner/api/transport.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/core/strings.h"
#include "runner/sim/certgen.h"
#include "runner/sim/server.h"
#include "runner/sim/simulator.h"
#include "runner/sim/world_io.h"

namespace {

struct Figures {
    long requests = 0, failures = 0, connections = 0;
    double seconds = 0;
};

Figures run(int threads, double seconds, qbi::SignatureScheme scheme) {
    using namespace qbi;
    const sim::CertBundle certs = sim::generate_loopback_bundle(1);
    char ca_path[] = "/tmp/sim-bench-ca-XXXXXX";
    const int fd = ::mkstemp(ca_path);
    if (fd < 0 || ::write(fd, certs.ca_pem.data(), certs.ca_pem.size()) < 0) std::abort();
    ::close(fd);

    Credentials creds;
    creds.access_key_id = "benchid";
    creds.access_key_secret = Secret("benchsecret");
    sim::SimOptions so;
    so.credentials = {creds};
    so.seed = 1;
    so.world = sim::generate_world({2000, 2000, 200000, 0, -1, -1}, 1);
    std::vector<std::pair<std::string, std::string>> favorites;
    for (const auto& f : so.world.favorites) favorites.emplace_back(f.user, f.work);
    sim::Simulator simulator(std::move(so), SystemClock::instance());
    sim::ServerOptions server_options;
    server_options.cert_pem = certs.cert_pem;
    server_options.key_pem = certs.key_pem;
    server_options.max_threads = std::max(512, threads + 16);
    sim::SimServer server(simulator, server_options);
    if (auto started = server.start(); !started) {
        std::fprintf(stderr, "sim_bench: %s\n", started.error().message.c_str());
        std::exit(1);
    }

    TlsOptions tls;
    tls.ca_file = ca_path;
    auto context = make_client_context(tls);
    if (!context) std::abort();
    const Endpoint endpoint = *parse_endpoint(server.endpoint());

    std::atomic<bool> go{false}, stop{false};
    std::atomic<long> requests{0}, failures{0}, connections{0};
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            RandomNonceSource nonces;
            HttpsTransport transport(endpoint, *context, tls);
            QuickBiClient client(endpoint, creds, scheme, SystemClock::instance(), nonces,
                                 transport);
            while (!go.load()) std::this_thread::yield();
            long mine = 0, bad = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                const auto& [user, work] = favorites[next++ % favorites.size()];
                ApiResult r =
                    client.call("CancelCollection", {{"UserId", user}, {"WorksId", work}});
                ++mine;
                if (!is_success(r.outcome)) ++bad;
            }
            requests += mine;
            failures += bad;
            connections += transport.connections_opened();
        });
    const auto start = std::chrono::steady_clock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    server.stop();
    ::unlink(ca_path);
    return Figures{requests.load(), failures.load(), connections.load(), elapsed};
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> thread_counts = {8, 64, 256};
    double seconds = 5;
    qbi::SignatureScheme scheme = qbi::SignatureScheme::V3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--threads" && i + 1 < argc) {
            thread_counts.clear();
            for (const auto& n : qbi::split(argv[++i], ',')) thread_counts.push_back(std::stoi(n));
        } else if (a == "--seconds" && i + 1 < argc) {
            seconds = std::stod(argv[++i]);
        } else if (a == "--scheme" && i + 1 < argc) {
            scheme = std::strcmp(argv[++i], "v1") == 0 ? qbi::SignatureScheme::V1
                                                       : qbi::SignatureScheme::V3;
        } else {
            std::fprintf(stderr,
                         "usage: sim_bench [--threads N[,N...]] [--seconds S] [--scheme v1|v3]\n");
            return 64;
        }
    }
    std::printf("sim_bench: qbi-sim in process, zero latency, client on the same %u cores, %s\n",
                std::thread::hardware_concurrency(),
                scheme == qbi::SignatureScheme::V1 ? "HMAC-SHA1 (v1)" : "ACS3-HMAC-SHA256 (v3)");
    int rc = 0;
    for (int threads : thread_counts) {
        const Figures f = run(threads, seconds, scheme);
        const double rate = static_cast<double>(f.requests) / f.seconds;
        std::printf(
            "  %4d keep-alive clients: %8ld requests in %.2f s = %7.0f req/s "
            "(%ld failed, %ld TLS connections)  target >= 5000: %s\n",
            threads, f.requests, f.seconds, rate, f.failures, f.connections,
            rate >= 5000 ? "ok" : "MISSED");
        if (f.failures > 0) rc = 1;
    }
    return rc;
}
