// qbi-runner demo: the whole product on one machine. Starts the Quick BI simulator on a free
// loopback port (in process, with a throwaway certificate and AccessKey, a generated world that
// also holds every favourite and share the example jobs name, a little Internal.System.Error
// and latency), submits jobs/examples/, runs them with progress, prints the summary and a few
// audit rows, verifies the audit chain and shows what the simulator's world still holds.
// Nothing leaves the machine; the files are kept in a temporary folder for inspection.
#include <filesystem>
#include <fstream>
#include <ostream>

#include "runner/cli/commands.h"
#include "runner/cli/runner_session.h"
#include "runner/cli/signals.h"
#include "runner/cli/submit_files.h"
#include "runner/core/time_format.h"
#include "runner/sim/certgen.h"
#include "runner/sim/server.h"
#include "runner/sim/simulator.h"
#include "runner/sim/world_io.h"

namespace qbi::cli {

namespace fs = std::filesystem;

namespace {

std::string find_examples(const std::string& given) {
    if (!given.empty()) return given;
    for (std::string dir : {std::string(QBI_SOURCE_DIR) + "/jobs/examples",
                            std::string(QBI_INSTALL_DATADIR) + "/qbi-runner/examples"}) {
        std::error_code ec;
        if (fs::is_directory(dir, ec)) return dir;
    }
    return "";
}

// Every favourite and share the valid example jobs name, on top of a generated world.
sim::WorldData demo_world(const std::vector<jobs::JobSpec>& specs, std::uint64_t seed) {
    sim::WorldData w = sim::generate_world({40, 120, 200, 200, -1, -1}, seed);
    sim::WorldFile extra;
    for (const auto& job : specs) {
        for (const auto& t : job.tasks) {
            if (t.action == jobs::kActionCancelCollection) {
                extra.data.favorites.push_back({0, t.params.at("UserId"), t.params.at("WorksId")});
            } else {
                sim::Share s;
                s.id = "demo-share-" + std::to_string(extra.data.shares.size() + 1);
                s.report = t.params.at("ReportId");
                s.to_type = static_cast<sim::ShareTo>(std::stoi(t.params.at("ShareToType")));
                s.to = t.params.at("ShareToIds");
                if (s.to_type == sim::ShareTo::Organization) s.to = w.organization.id;
                extra.data.shares.push_back(s);
            }
        }
    }
    sim::WorldFile base;
    base.data = std::move(w);
    base.has_organization = true;
    sim::merge_world(base, std::move(extra));
    sim::add_implicit_entities(base.data);
    return base.data;
}

}  // namespace

int cmd_demo(Context& ctx, const std::vector<std::string>& args) {
    ParsedArgs a;
    if (auto e = parse_args(args, {"--no-faults"}, {"--examples", "--workers", "--seed"}, a);
        !e.empty())
        return ctx.fail(kExitUsage, e);
    std::string examples = find_examples(a.get("--examples"));
    if (examples.empty())
        return ctx.fail(kExitConfig, "cannot find the example jobs; pass --examples DIR");
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(examples))
        if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml")
            files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    std::vector<jobs::JobSpec> specs;
    for (const auto& f : files) {
        auto r = jobs::parse_job_file(f, job_limits(ctx.config));
        if (!r) {
            for (const auto& e : r.errors()) ctx.err << e.to_string() << "\n";
            return ctx.fail(kExitDataErr, "example job " + f + " is invalid");
        }
        specs.push_back(r.job());
    }
    std::uint64_t seed = a.has("--seed") ? std::stoull(a.get("--seed")) : 2026;

    block_signals();
    SignalWatcher signals;

    // A work folder that outlives the demo, for inspection.
    std::string tmpl = (fs::temp_directory_path() / "qbi-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return ctx.fail(kExitIoErr, "cannot create a temporary folder");
    fs::path dir = tmpl;

    // The simulator, with a throwaway certificate and AccessKey made now.
    RandomNonceSource nonces;
    Credentials creds;
    creds.access_key_id = "DEMO" + nonces.next().substr(0, 16);
    creds.access_key_secret = Secret(nonces.next());
    creds.source = "the demo (a throwaway key the simulator was started with)";
    sim::CertBundle certs = sim::generate_loopback_bundle(1);
    std::ofstream(dir / "ca.pem") << certs.ca_pem;
    sim::SimOptions so;
    so.credentials = {creds};
    so.world = demo_world(specs, seed);
    so.seed = seed;
    so.log_path = (dir / "sim-requests.jsonl").string();
    if (!a.has("--no-faults")) {
        so.faults.fail.push_back(*sim::parse_fail_rule("Internal.System.Error=0.08"));
        so.faults.latency_ms = 20;
        so.faults.jitter_ms = 15;
    }
    sim::Simulator simulator(std::move(so), SystemClock::instance());
    sim::ServerOptions server_opt;
    server_opt.cert_pem = certs.cert_pem;
    server_opt.key_pem = certs.key_pem;
    server_opt.max_threads = 64;
    sim::SimServer server(simulator, server_opt);
    if (auto started = server.start(); !started)
        return ctx.fail(kExitUnavailable, "cannot start the simulator: " + started.error().message);
    ctx.out << "== qbi-runner demo\n"
            << "simulator: " << server.endpoint() << " (loopback only; 8% Internal.System.Error, "
            << "20±15 ms latency), " << simulator.world().favorite_count() << " favourites and "
            << simulator.world().share_count() << " shares in its world\n"
            << "work folder: " << dir.string() << "\n\n";

    // The runner, pointed at it: strict TLS against the throwaway CA.
    ctx.global.db = (dir / "queue.db").string();
    ctx.config.backoff_base_ms = 200;
    ctx.config.backoff_cap_ms = 2000;
    ctx.config.max_qps = 200;
    ctx.config.workers = a.has("--workers") ? std::stoll(a.get("--workers")) : 8;
    ApiSetup api;
    api.endpoint = *parse_endpoint(server.endpoint());
    api.scheme = SignatureScheme::V3;
    api.credentials = creds;
    api.tls.ca_file = (dir / "ca.pem").string();
    auto context = make_client_context(api.tls);
    if (!context) return ctx.fail(context.error().code, context.error().message);
    api.context = *context;
    RunnerSession session;
    if (int rc = session.open(ctx, &api); rc != kExitOk) return rc;

    ctx.out << "== submit " << examples << "\n";
    for (const auto& f : files) ctx.out << describe(submit_file(*session.store, f, ctx.config)) << "\n";

    ctx.out << "\n== run\n" << std::flush;
    int rc = session.run_to_end(ctx, session.engine_options(ctx), signals.stop_flag());
    Clock& clock = SystemClock::instance();

    ctx.out << "\n== status\n";
    std::vector<std::string> none;
    cmd_status(ctx, none);

    ctx.out << "\n== audit (the first rows, and every retried attempt)\n";
    int shown = 0;
    session.store->for_each_attempt({}, [&](const queue::AttemptRow& r) {
        bool retry = !is_success(r.record.outcome);
        if (shown < 3 || (retry && shown < 12)) {
            const queue::AttemptRecord& rec = r.record;
            ctx.out << "#" << r.id << " " << format_rfc3339_ms(rec.started_at_ms) << " " << r.action
                    << " " << r.params_json << " -> " << outcome_name(rec.outcome)
                    << (rec.code.empty() ? "" : " " + rec.code) << " (HTTP " << rec.http_status << ", "
                    << rec.latency_ms << " ms, RequestId " << rec.request_id << ", key "
                    << rec.access_key_id << ")\n";
            ++shown;
        }
        return true;
    });
    auto verdict = session.store->verify_audit_chain();
    if (verdict && verdict->ok)
        ctx.out << "audit chain verified: " << verdict->rows << " rows, head " << verdict->head_hash << "\n";
    else
        ctx.out << "audit chain NOT verified\n";

    ctx.out << "\n== what the simulator's world still holds of the example jobs\n";
    for (const auto& job : specs) {
        std::size_t left = 0;
        for (const auto& t : job.tasks) {
            bool present = t.action == jobs::kActionCancelCollection
                               ? simulator.world().has_favorite(t.params.at("UserId"), t.params.at("WorksId"))
                               : simulator.world().has_share(
                                     t.params.at("ReportId"),
                                     static_cast<sim::ShareTo>(std::stoi(t.params.at("ShareToType"))),
                                     t.params.at("ShareToIds"));
            left += present ? 1 : 0;
        }
        ctx.out << job.name << ": " << left << " of " << job.tasks.size() << " still present";
        if (job.not_before_ms && *job.not_before_ms > clock.wall_ms())
            ctx.out << " (scheduled: not before " << format_rfc3339_ms(*job.not_before_ms)
                    << ", so left for a later run)";
        ctx.out << "\n";
    }
    ctx.out << "\nsimulator request log: " << (dir / "sim-requests.jsonl").string()
            << "\nqueue database:        " << ctx.global.db << "\n"
            << "try: qbi-runner --db " << ctx.global.db << " tasks offboard-jdoe-2026-11-30\n";
    server.stop();
    return rc;
}

}  // namespace qbi::cli
