// discovery_bench: an offboarding of many users in one job, by discovery (discovery.md §2), with
// the real binaries: qbi-sim (zero latency) serves the world; `qbi-runner submit` and
// `qbi-runner run` (separate processes, so the runner's peak RSS is its own) do the work with a
// per-action rate limit on every action and the global limit above their sum.
//
// Each user has F favourites, P works shared to them personally and G works reaching them
// through their group (groups of 10 users). The minimum number of calls the API allows:
// per user one ListCollections and one QuerySharesToUserList, one QueryShareList per work shared
// to the user (P + G), one cancel per favourite and personal grant (F + P). The rate-limit bound
// is the largest, over actions, of that action's calls / its QPS.
//
// Printed: the calls made by action (from the simulator's counters) and their minimum, the wall
// time of the run against the bound, and the runner's peak RSS. Targets (the Discovery issue):
// calls = minimum (no call repeated except retries: none here, no faults), wall time within 5 %
// of the bound, peak RSS <= 64 MB.
//
// Usage: discovery_bench [--users N] [--favorites F] [--personal P] [--group G] [--seconds S]
//                        [--workers W]
//   --seconds S sets the per-action limits so that every action's bound is about S seconds.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "runner/api/transport.h"
#include "runner/core/strings.h"

namespace fs = std::filesystem;

namespace {

[[noreturn]] void die(const std::string& m) {
    std::fprintf(stderr, "discovery_bench: %s\n", m.c_str());
    std::exit(1);
}

struct Child {
    pid_t pid = -1;
    int status = 0;
    long peak_rss_kb = 0;
};

Child spawn(const std::vector<std::string>& args, const fs::path& log) {
    Child c;
    c.pid = ::fork();
    if (c.pid < 0) die("fork failed");
    if (c.pid == 0) {
        FILE* f = std::freopen(log.c_str(), "a", stdout);
        if (f) ::dup2(::fileno(stdout), 2);
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        std::_Exit(127);
    }
    return c;
}

void reap(Child& c) {
    rusage ru{};
    ::wait4(c.pid, &c.status, 0, &ru);
    c.peak_rss_kb = ru.ru_maxrss;
}

std::string id(const char* prefix, int a, int b = -1) {
    return std::string(prefix) + std::to_string(a) + (b >= 0 ? "-" + std::to_string(b) : "");
}

}  // namespace

int main(int argc, char** argv) {
    int users = 1000, favorites = 20, personal = 10, group = 30, workers = 64;
    double seconds = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--users")
            users = std::stoi(v);
        else if (k == "--favorites")
            favorites = std::stoi(v);
        else if (k == "--personal")
            personal = std::stoi(v);
        else if (k == "--group")
            group = std::stoi(v);
        else if (k == "--seconds")
            seconds = std::stod(v);
        else if (k == "--workers")
            workers = std::stoi(v);
        else
            die("unknown option " + k);
    }
    const fs::path dir =
        fs::temp_directory_path() / ("qbi-discovery-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);

    // The world: users, their groups of 10, favourites, personal grants, group grants.
    {
        std::ofstream w(dir / "world.yaml");
        w << "version: 1\norganization: {id: org-bench}\nimplicit: true\nusers:\n";
        for (int u = 0; u < users; ++u) w << "  - {id: " << id("u", u) << "}\n";
        w << "groups:\n";
        for (int g = 0; g * 10 < users; ++g) {
            w << "  - {id: " << id("g", g) << ", members: [";
            for (int u = g * 10; u < std::min(users, g * 10 + 10); ++u)
                w << (u > g * 10 ? ", " : "") << id("u", u);
            w << "]}\n";
        }
        w << "favorites:\n";
        for (int u = 0; u < users; ++u)
            for (int f = 0; f < favorites; ++f)
                w << "  - {user: " << id("u", u) << ", work: " << id("fav", u, f) << "}\n";
        w << "shares:\n";
        for (int u = 0; u < users; ++u)
            for (int p = 0; p < personal; ++p)
                w << "  - {report: " << id("own", u, p) << ", to_type: user, to: " << id("u", u)
                  << "}\n";
        for (int g = 0; g * 10 < users; ++g)
            for (int s = 0; s < group; ++s)
                w << "  - {report: " << id("team", g, s) << ", to_type: group, to: " << id("g", g)
                  << "}\n";
    }
    // The minimum calls and the per-action limits that make every action's bound ~seconds.
    const std::map<std::string, long> minimum = {
        {"ListCollections", users},
        {"QuerySharesToUserList", users},
        {"QueryShareList", static_cast<long>(users) * (personal + group)},
        {"CancelCollection", static_cast<long>(users) * favorites},
        {"CancelReportShare", static_cast<long>(users) * personal},
    };
    std::map<std::string, double> qps;
    double sum = 0;
    for (const auto& [action, n] : minimum) sum += qps[action] = std::ceil(n / seconds);
    {
        std::ofstream c(dir / "runner.ini");
        c << "[run]\nworkers = " << workers << "\n[rate]\nmax_qps = " << std::ceil(sum * 1.25)
          << "\n";
        for (const auto& [action, q] : qps) c << action << " = " << q << "\n";
        std::ofstream j(dir / "job.yaml");
        j << "version: 1\njob: offboard-" << users
          << "-users\ntasks:\n  - offboard-user:\n      user: [";
        for (int u = 0; u < users; ++u) j << (u ? ", " : "") << id("u", u);
        j << "]\n";
        std::ofstream k(dir / "alibaba-ak");
        k << "access_key_id = AKIDbenchdisc0001\naccess_key_secret = bench-secret\n";
    }
    fs::permissions(dir / "alibaba-ak", fs::perms::owner_read | fs::perms::owner_write);

    Child sim =
        spawn({QBI_BENCH_QBI_SIM_BIN, "--world", (dir / "world.yaml").string(), "--port", "0",
               "--port-file", (dir / "port").string(), "--ca-out", (dir / "ca.pem").string(),
               "--credentials", "AKIDbenchdisc0001:bench-secret", "--quiet"},
              dir / "sim.log");
    int port = 0;
    for (int i = 0; i < 600 && port == 0; ++i) {
        std::ifstream p(dir / "port");
        if (!(p >> port)) port = 0;
        if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port == 0) die("qbi-sim did not start; see " + (dir / "sim.log").string());
    const std::string endpoint = "https://127.0.0.1:" + std::to_string(port);
    const std::vector<std::string> common = {QBI_BENCH_QBI_RUNNER_BIN,
                                             "--config",
                                             (dir / "runner.ini").string(),
                                             "--db",
                                             (dir / "queue.db").string(),
                                             "--endpoint",
                                             endpoint,
                                             "--ca-file",
                                             (dir / "ca.pem").string(),
                                             "--credentials-file",
                                             (dir / "alibaba-ak").string(),
                                             "-q"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = common;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    Child submit = spawn(with({"submit", (dir / "job.yaml").string()}), dir / "runner.log");
    reap(submit);
    if (WEXITSTATUS(submit.status) != 0) die("submit failed; see " + (dir / "runner.log").string());
    const auto t0 = std::chrono::steady_clock::now();
    Child run = spawn(with({"run"}), dir / "runner.log");
    reap(run);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (WEXITSTATUS(run.status) != 0)
        die("run exited " + std::to_string(WEXITSTATUS(run.status)) + "; see " +
            (dir / "runner.log").string());

    // The simulator's own count of calls by action.
    qbi::TlsOptions tls;
    tls.ca_file = (dir / "ca.pem").string();
    auto ctx = qbi::make_client_context(tls);
    auto ep = qbi::parse_endpoint(endpoint);
    if (!ctx || !ep) die("cannot reach the simulator");
    qbi::HttpsTransport transport(*ep, *ctx, tls);
    qbi::SignedRequest get;
    get.method = "GET";
    get.host = ep->host_header();
    get.path = "/__sim/stats";
    auto stats = transport.send(get);
    ::kill(sim.pid, SIGTERM);
    reap(sim);
    Poco::JSON::Parser parser;
    auto by_action =
        parser.parse(stats.body).extract<Poco::JSON::Object::Ptr>()->getObject("by_action");
    long made = 0, least = 0;
    double bound = 0;
    std::printf(
        "discovery_bench: %d users x (%d favourites, %d personal grants, %d group works), "
        "%d workers\n",
        users, favorites, personal, group, workers);
    std::printf("  %-22s %8s %8s %8s %9s\n", "action", "calls", "minimum", "QPS", "bound s");
    for (const auto& [action, n] : minimum) {
        long calls = 0;
        if (auto a = by_action->getObject(action))
            for (const auto& [code, count] : *a) calls += count.convert<long>();
        made += calls;
        least += n;
        const double b = static_cast<double>(n) / qps[action];
        bound = std::max(bound, b);
        std::printf("  %-22s %8ld %8ld %8.0f %9.2f\n", action.c_str(), calls, n, qps[action], b);
    }
    std::printf("  total calls %ld, minimum %ld (%s)\n", made, least,
                made == least ? "equal" : "MORE than the minimum");
    std::printf("  wall time %.2f s, rate-limit bound %.2f s: %.1f %% over (target <= 5 %%: %s)\n",
                wall, bound, (wall / bound - 1) * 100, wall <= bound * 1.05 ? "met" : "MISSED");
    std::printf("  runner peak RSS %ld MB (target <= 64 MB: %s)\n", run.peak_rss_kb / 1024,
                run.peak_rss_kb / 1024 <= 64 ? "met" : "MISSED");
    if (std::getenv("QBI_BENCH_KEEP"))
        std::printf("  kept: %s\n", dir.c_str());
    else
        fs::remove_all(dir);
    return 0;
}
