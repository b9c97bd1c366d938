#include "runner/sim/app.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "runner/core/clock.h"
#include "runner/core/exit_codes.h"
#include "runner/core/files.h"
#include "runner/core/random.h"
#include "runner/core/strings.h"
#include "runner/sim/certgen.h"
#include "runner/sim/options.h"
#include "runner/sim/server.h"
#include "runner/sim/simulator.h"

namespace qbi::sim {

namespace {

int fail(int code, const std::string& message) {
    std::cerr << "qbi-sim: error: " << message << "\n";
    if (code == kExitUsage) std::cerr << "Try 'qbi-sim --help'.\n";
    return code;
}

std::string world_summary(const WorldData& d) {
    return std::to_string(d.users.size()) + " users, " + std::to_string(d.groups.size()) +
           " groups, " + std::to_string(d.works.size()) + " works, " +
           std::to_string(d.favorites.size()) + " favourites, " + std::to_string(d.shares.size()) +
           " shares";
}

}  // namespace

Status write_file_atomic(const std::string& path, const std::string& content) {
    auto st = replace_file(path, 0644, content);
    if (!st) return Error{kExitIoErr, path + ": " + st.error().message};
    return {};
}

int sim_main(int argc, char** argv) {
    SystemClock clock;  // the process's one clock, handed to the simulator
    // Signals before threads (style.md §12): every thread inherits the mask, and the main
    // thread receives them with sigwait.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    auto parsed = parse_args(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed) return fail(parsed.error().code, parsed.error().message);
    CliOptions& o = *parsed;
    if (o.help) {
        std::cout << usage();
        return kExitOk;
    }
    if (o.man) {
        std::cout << man_page();
        return kExitOk;
    }
    if (o.version) {
        std::cout << "qbi-sim " << QBI_VERSION << "\n";
        return kExitOk;
    }
    if (!o.seed_given) o.sim.seed = os_random_seed();
    if (!o.credentials_file.empty()) {
        auto c = load_credentials_file(o.credentials_file);
        if (!c) return fail(c.error().code, c.error().message);
        o.sim.credentials = std::move(*c);
    }
    if (o.sim.credentials.empty()) {
        auto c = parse_credentials("testid:testsecret", "default");
        o.sim.credentials = std::move(*c);
    }
    if (!o.oidc_token_file.empty()) {
        std::ifstream in(o.oidc_token_file);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) return fail(kExitConfig, o.oidc_token_file + ": cannot read the OIDC token file");
        o.sim.sts.oidc_token = trim(text.str());
    }
    auto world = build_world(o);
    if (!world) return fail(world.error().code, world.error().message);
    const std::string summary = world_summary(*world);
    o.sim.world = std::move(*world);
    std::unique_ptr<Simulator> sim;
    try {
        sim = std::make_unique<Simulator>(std::move(o.sim), clock);
    } catch (const std::invalid_argument& e) {
        return fail(kExitDataErr, std::string("world: ") + e.what());
    } catch (const std::exception& e) {
        return fail(kExitIoErr, e.what());
    }

    if (o.server.cert_file.empty()) {
        std::vector<std::string> ips = {"127.0.0.1"};
        if (o.server.bind != "127.0.0.1" && o.server.bind != "0.0.0.0" && o.server.bind != "::" &&
            o.server.bind.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos)
            ips.push_back(o.server.bind);
        CertBundle bundle;
        try {
            bundle = generate_cert_bundle({"localhost"}, ips, 30);
        } catch (const std::exception& e) {
            return fail(kExitSoftware, e.what());
        }
        o.server.cert_pem = bundle.cert_pem;
        o.server.key_pem = bundle.key_pem;
        if (!o.ca_out.empty()) {
            if (auto w = write_file_atomic(o.ca_out, bundle.ca_pem); !w)
                return fail(w.error().code, "--ca-out " + w.error().message);
        } else if (!o.quiet) {
            std::cerr << "qbi-sim: warning: no --ca-out: clients cannot verify the generated "
                         "certificate\n";
        }
    }

    SimServer server(*sim, o.server);
    if (auto started = server.start(); !started)
        return fail(started.error().code, started.error().message);
    std::unique_ptr<SimServer> metadata;
    if (o.metadata_port >= 0) {
        ServerOptions mo;
        mo.bind = o.server.bind;
        mo.port = o.metadata_port;
        mo.plain = true;
        mo.max_threads = 16;
        metadata = std::make_unique<SimServer>(*sim, mo);
        if (auto started = metadata->start(); !started) {
            server.stop();
            return fail(started.error().code, started.error().message);
        }
        if (!o.metadata_port_file.empty())
            if (auto w = write_file_atomic(o.metadata_port_file,
                                           std::to_string(metadata->port()) + "\n");
                !w) {
                metadata->stop();
                server.stop();
                return fail(w.error().code, "--metadata-port-file " + w.error().message);
            }
        if (!o.quiet) std::cerr << "qbi-sim: metadata service on " << metadata->endpoint() << "\n";
    }
    // Last: a client waiting for the port file finds every service up.
    if (!o.port_file.empty()) {
        if (auto w = write_file_atomic(o.port_file, std::to_string(server.port()) + "\n"); !w) {
            if (metadata) metadata->stop();
            server.stop();
            return fail(w.error().code, "--port-file " + w.error().message);
        }
    }
    if (!o.quiet)
        std::cerr << "qbi-sim: listening on " << server.endpoint() << " (seed " << sim->seed()
                  << "; world: " << summary << ")\n";

    int sig = 0;
    for (;;) {
        if (sigwait(&set, &sig) != 0) continue;
        if (sig == SIGTERM || sig == SIGINT) break;
    }
    if (metadata) metadata->stop();
    server.stop();
    sim->close_log();
    int rc = kExitOk;
    if (!o.state_out.empty()) {
        if (auto w = write_file_atomic(o.state_out, sim->state_json() + "\n"); !w)
            rc = fail(w.error().code, "--state-out " + w.error().message);
    }
    if (!o.quiet)
        std::cerr << "qbi-sim: stopped on " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << " after "
                  << sim->stats().requests() << " requests\n";
    return rc;
}

}  // namespace qbi::sim
