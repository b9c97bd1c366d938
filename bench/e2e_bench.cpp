// End-to-end figures for design §10: the real Engine (writer thread with group commit, worker
// pool, HttpsCallers with one keep-alive TLS session each) against the in-process simulator
// over real TLS on 127.0.0.1, with the queue in a real SQLite file (synchronous=FULL). The
// simulator runs in the same process, so it shares the same cores with the runner.
//
//   zero     zero latency, 20k tasks, 8 workers, FULL    target >= 3,000 tasks/s
//   latency  50 ms latency, 64 workers, 10k tasks        target >= 95 % of 1,280 tasks/s
//   rate     simulator throttles above 50/s per action,  target >= 97 % of 50/s and
//            engine max_qps 50, 1,000 tasks              zero throttling answers
//
// Each figure is the median of --runs runs (3 by default), each on a fresh database and a
// fresh simulator world. tasks/s counts from the start of Engine::run to its return (the
// submit is not timed).
//
// Usage: e2e_bench [--only zero|latency|rate] [--runs N] [--tasks N] [--workers N]
//                  [--dir DIR]
//   --tasks and --workers override the scenario's own values (for exploring).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "runner/api/credentials.h"
#include "runner/api/endpoint.h"
#include "runner/api/transport.h"
#include "runner/core/clock.h"
#include "runner/core/random.h"
#include "runner/engine/caller.h"
#include "runner/engine/engine.h"
#include "runner/queue/store.h"
#include "runner/sim/certgen.h"
#include "runner/sim/server.h"
#include "runner/sim/simulator.h"

using namespace qbi;
using bench::die;
using bench::must;

const char* const qbi::bench::kName = "e2e_bench";

namespace {

struct Scenario {
    std::string name;
    int tasks = 0;
    int workers = 8;
    std::int64_t latency_ms = 0;
    int sim_qps_limit = 0;
    double max_qps = 1e9;  // unlimited in effect
    double ideal = 0;      // tasks/s the scenario could reach at best (0: none defined)
    double target = 0;     // tasks/s design §10 asks for
};

struct Figures {
    double tasks_per_s = 0;
    std::int64_t throttled = 0;  // Throttling answers the engine saw
    std::int64_t succeeded = 0;
    std::int64_t attempts = 0;
    bool finished = false;
};

Credentials bench_credentials() {
    Credentials c;
    c.access_key_id = "LTAI_bench_0key";
    c.access_key_secret = Secret("bench-secret");
    c.source = "bench";
    return c;
}

// A leaver with `n` favourites; the job cancels each of them.
sim::WorldData world_of(int n) {
    sim::WorldData w;
    w.users.push_back(
        sim::User{"u-leaver", "u-leaver", "u-leaver", "u-leaver", "", 1, false, false, ""});
    w.works.reserve(static_cast<std::size_t>(n));
    w.favorites.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const std::string id = "w" + std::to_string(i);
        w.works.push_back(sim::Work{id, id, "PAGE", "", ""});
        w.favorites.push_back(sim::Favorite{0, "u-leaver", id});
    }
    return w;
}

Figures run_once(const Scenario& s, const std::filesystem::path& dir, std::uint64_t seed) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    Clock& clock = SystemClock::instance();

    // The simulator: a fresh world and certificate, served on a free loopback port.
    const sim::CertBundle certs = sim::generate_loopback_bundle();
    const std::filesystem::path ca = dir / "ca.pem";
    std::ofstream(ca) << certs.ca_pem;
    sim::SimOptions so;
    so.credentials = {bench_credentials()};
    so.world = world_of(s.tasks);
    so.faults.latency_ms = s.latency_ms;
    so.faults.qps_limit = s.sim_qps_limit;
    so.seed = seed;
    sim::Simulator simulator(std::move(so), clock);
    sim::ServerOptions server_options;
    server_options.cert_pem = certs.cert_pem;
    server_options.key_pem = certs.key_pem;
    sim::SimServer server(simulator, server_options);
    must(server.start(), "starting the simulator");

    queue::Store store = must(queue::Store::open(dir / "queue.db", clock), "opening the queue");
    must(store.submit(bench::leaver_job(s.tasks)), "submitting the job");

    TlsOptions tls;
    tls.ca_file = ca.string();
    Poco::Net::Context::Ptr context = must(make_client_context(tls), "TLS context");
    const Endpoint endpoint = must(parse_endpoint(server.endpoint()), "endpoint");
    const auto credentials = std::make_shared<StaticCredentialProvider>(bench_credentials());
    RandomNonceSource nonces;
    engine::CallerFactory factory = [&]() -> std::unique_ptr<engine::Caller> {
        return std::make_unique<engine::HttpsCaller>(endpoint, credentials, SignatureScheme::V3,
                                                     context, tls, clock, nonces);
    };
    engine::EngineOptions opt;
    opt.owner = "e2e-bench";
    opt.workers = s.workers;
    opt.max_qps = s.max_qps;
    opt.backoff = {100, 2000};
    // As `qbi-runner run` does (runner/app/session.cpp): claims per action, over every action a
    // job file can produce.
    opt.actions = {"QueryUserInfoByAccount",   "ListCollections", "QuerySharesToUserList",
                   "QueryWorksByOrganization", "QueryShareList",  "CancelCollection",
                   "CancelReportShare"};
    opt.endpoint = endpoint.url();
    opt.signature = "v3";
    opt.access_key_id = mask_access_key_id(bench_credentials().access_key_id);
    SeededRandom random(seed);
    engine::Engine engine(store, factory, opt, clock, random);
    std::atomic<bool> stop{false};

    const auto t0 = std::chrono::steady_clock::now();
    engine::RunReport report = engine.run(stop);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    server.stop();

    Figures f;
    const engine::Progress& p = engine.progress();
    f.succeeded = p.done + p.already_absent;
    f.tasks_per_s = static_cast<double>(f.succeeded) / secs;
    f.throttled = p.throttled;
    f.attempts = p.attempts;
    f.finished = report.reason == engine::StopReason::Finished && f.succeeded == s.tasks &&
                 simulator.world().favorite_count() == 0;
    return f;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::string> only;
    std::optional<int> tasks, workers;
    int runs = 3;
    std::filesystem::path base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--only")
            only = value();
        else if (a == "--runs")
            runs = std::max(1, std::atoi(value().c_str()));
        else if (a == "--tasks")
            tasks = std::atoi(value().c_str());
        else if (a == "--workers")
            workers = std::atoi(value().c_str());
        else if (a == "--dir")
            base = value();
        else
            die("unknown option " + a + " (see the comment at the top of bench/e2e_bench.cpp)");
    }

    std::vector<Scenario> scenarios = {
        {"zero", 20000, 8, 0, 0, 1e9, 0, 3000},  // 8 workers: the default of run.workers
        {"latency", 10000, 64, 50, 0, 1e9, 64 / 0.050, 0.95 * 64 / 0.050},
        {"rate", 1000, 8, 0, 50, 50, 50, 0.97 * 50},
    };
    const std::filesystem::path dir = base / ("qbi-e2e-bench-" + std::to_string(::getpid()));
    int missed = 0;
    for (Scenario s : scenarios) {
        if (only && *only != s.name) continue;
        if (tasks) s.tasks = *tasks;
        if (workers) s.workers = *workers;
        std::vector<double> rates;
        std::int64_t throttled = 0, attempts = 0;
        bool all_finished = true;
        for (int r = 0; r < runs; ++r) {
            Figures f = run_once(s, dir, 1000 + static_cast<std::uint64_t>(r));
            rates.push_back(f.tasks_per_s);
            throttled += f.throttled;
            attempts += f.attempts;
            all_finished &= f.finished;
            std::printf("  %-8s run %d: %8.1f tasks/s, %lld attempts, %lld throttled%s\n",
                        s.name.c_str(), r + 1, f.tasks_per_s, static_cast<long long>(f.attempts),
                        static_cast<long long>(f.throttled), f.finished ? "" : "  NOT FINISHED");
            std::fflush(stdout);
        }
        const double m = median(rates);
        std::printf("%-8s %d tasks, %d workers, latency %lld ms%s: median %.1f tasks/s",
                    s.name.c_str(), s.tasks, s.workers, static_cast<long long>(s.latency_ms),
                    s.sim_qps_limit ? (", sim limit " + std::to_string(s.sim_qps_limit) +
                                       "/s, max_qps " + std::to_string(static_cast<int>(s.max_qps)))
                                          .c_str()
                                    : "",
                    m);
        if (s.ideal > 0)
            std::printf(", %.1f %% of the ideal %.0f/s", 100.0 * m / s.ideal, s.ideal);
        else
            std::printf(" (no ideal: %.2f x the target)", m / s.target);
        std::printf("; target %.0f/s %s", s.target, m >= s.target ? "met" : "MISSED");
        if (s.name == "rate")
            std::printf("; throttled answers %lld (target 0)", static_cast<long long>(throttled));
        std::printf("\n");
        std::fflush(stdout);
        if (m < s.target || !all_finished || (s.name == "rate" && throttled > 0)) ++missed;
    }
    std::filesystem::remove_all(dir);
    return missed == 0 ? 0 : 1;
}
