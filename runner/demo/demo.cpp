#include "runner/demo/demo.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <tuple>

#include "runner/app/plan.h"
#include "runner/app/report.h"
#include "runner/app/store_setup.h"
#include "runner/app/submit.h"
#include "runner/core/time_format.h"
#include "runner/demo/demo_world.h"
#include "runner/demo/sim_process.h"
#include "runner/jobs/job_file.h"

namespace qbi::demo {

namespace fs = std::filesystem;

namespace {

Status write_private(const fs::path& path, const std::string& text) {
    std::ofstream f(path, std::ios::trunc);
    f << text;
    f.close();
    if (!f || ::chmod(path.c_str(), 0600) != 0)
        return Error{kExitIoErr, "cannot write " + path.string()};
    return {};
}

// GET /__sim/state over the same strict TLS as the API calls.
Result<WorldView> fetch_world(const app::ApiSetup& api) {
    HttpsTransport transport(api.endpoint, api.context, api.tls);
    SignedRequest get;
    get.method = "GET";
    get.host = api.endpoint.host_header();
    get.path = "/__sim/state";
    HttpResponse r = transport.send(get);
    if (!r.complete() || r.status != 200)
        return Error{kExitUnavailable,
                     "cannot read the simulator's state: " +
                         (r.complete() ? "HTTP " + std::to_string(r.status) : r.error_message)};
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(r.body).extract<Poco::JSON::Object::Ptr>();
        WorldView w;
        auto users = root->getArray("users");
        for (std::size_t i = 0; users && i < users->size(); ++i) {
            auto u = users->getObject(static_cast<unsigned>(i));
            w.accounts.emplace_back(u->getValue<std::string>("account"),
                                    u->getValue<std::string>("id"));
        }
        auto favs = root->getArray("favorites");
        for (std::size_t i = 0; favs && i < favs->size(); ++i) {
            auto f = favs->getObject(static_cast<unsigned>(i));
            w.favorites.emplace(f->getValue<std::string>("user"), f->getValue<std::string>("work"));
        }
        auto shares = root->getArray("shares");
        for (std::size_t i = 0; shares && i < shares->size(); ++i) {
            auto s = shares->getObject(static_cast<unsigned>(i));
            w.shares.emplace(s->getValue<std::string>("report"),
                             s->getValue<std::string>("to_type"), s->getValue<std::string>("to"));
        }
        return w;
    } catch (const std::exception& e) {
        return Error{kExitUnavailable,
                     std::string("the simulator's state is unreadable: ") + e.what()};
    }
}

bool has_reads(const jobs::JobSpec& job) {
    return std::any_of(job.tasks.begin(), job.tasks.end(),
                       [](const auto& t) { return jobs::is_read_action(t.action); });
}

}  // namespace

std::string find_examples(const std::string& given) {
    if (!given.empty()) return given;
    // Installed: ../share/qbi-runner/examples from the binary, wherever the prefix (the Debian
    // package's /usr, make install's /usr/local); then the configured prefix; then the source
    // tree of a build.
    std::error_code self_ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", self_ec);
    const std::string beside =
        self_ec ? std::string()
                : (self.parent_path().parent_path() / "share/qbi-runner/examples").string();
    for (std::string dir : {beside, std::string(QBI_INSTALL_DATADIR) + "/qbi-runner/examples",
                            std::string(QBI_SOURCE_DIR) + "/jobs/examples"}) {
        if (dir.empty()) continue;
        std::error_code ec;
        if (fs::is_directory(dir, ec)) return dir;
    }
    return "";
}

int run_demo(const DemoOptions& o, app::Config config, const Env& env, Clock& clock,
             NonceSource& nonces, const std::atomic<bool>& stop, std::ostream& out,
             std::ostream& err, const DemoHooks& hooks) {
    auto fail = [&](const Error& e) {
        err << "qbi-runner: error: " << e.message << "\n";
        return e.code;
    };
    const std::string examples = find_examples(o.examples_dir);
    if (examples.empty() || !fs::is_directory(examples))
        return fail({kExitConfig, examples.empty()
                                      ? "cannot find the example jobs; pass --examples DIR"
                                      : "--examples " + examples + " is not a folder"});
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(examples))
        if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml")
            files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) return fail({kExitConfig, "no job files (*.yaml) in " + examples});
    std::vector<jobs::JobSpec> specs;
    for (const auto& f : files) {
        auto r = jobs::parse_job_file(f, app::job_limits(config));
        if (!r) {
            for (const auto& e : r.errors()) err << e.to_string() << "\n";
            return fail({kExitDataErr, "example job " + f + " is invalid"});
        }
        specs.push_back(r.job());
    }
    auto sim_binary = find_sim_binary(o.sim_binary, env);
    if (!sim_binary) return fail(sim_binary.error());

    // A work folder that outlives the demo, for inspection.
    std::string tmpl = (fs::temp_directory_path() / "qbi-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
        return fail({kExitIoErr, "cannot create a temporary folder"});
    const fs::path dir = tmpl;

    // A throwaway AccessKey, known to the simulator through a private file.
    Credentials creds;
    creds.access_key_id = "DEMO" + nonces.next().substr(0, 16);
    creds.access_key_secret = Secret(nonces.next());
    creds.source = "the demo (a throwaway key the simulator was started with)";
    if (auto st =
            write_private(dir / "sim-credentials",
                          creds.access_key_id + ":" + creds.access_key_secret.reveal() + "\n");
        !st)
        return fail(st.error());
    if (auto st =
            write_private(dir / "runner-credentials",
                          "access_key_id = " + creds.access_key_id +
                              "\naccess_key_secret = " + creds.access_key_secret.reveal() + "\n");
        !st)
        return fail(st.error());
    if (auto st = write_private(dir / "world.yaml", demo_world_yaml(specs)); !st)
        return fail(st.error());

    std::vector<std::string> args = {"--world",
                                     (dir / "world.yaml").string(),
                                     "--generate",
                                     "users=40,works=120,favorites=200,shares=200",
                                     "--seed",
                                     std::to_string(o.seed),
                                     "--port",
                                     "0",
                                     "--port-file",
                                     (dir / "sim.port").string(),
                                     "--ca-out",
                                     (dir / "ca.pem").string(),
                                     "--credentials-file",
                                     (dir / "sim-credentials").string(),
                                     "--log",
                                     (dir / "sim-requests.jsonl").string(),
                                     "--threads",
                                     "64",
                                     "--quiet"};
    if (o.faults) {
        for (std::string a : {"--fail", "Internal.System.Error=0.08", "--latency", "20:15"})
            args.push_back(a);
    }
    auto sim = SimProcess::start(*sim_binary, args, (dir / "sim.port").string(),
                                 (dir / "sim.log").string());
    if (!sim) return fail(sim.error());

    app::ApiSetup api;
    api.endpoint.host = "127.0.0.1";
    api.endpoint.port = static_cast<std::uint16_t>(sim->port());
    api.scheme = SignatureScheme::V3;
    api.credentials = creds;
    api.tls.ca_file = (dir / "ca.pem").string();
    auto context = make_client_context(api.tls);
    if (!context) return fail(context.error());
    api.context = *context;
    auto before = fetch_world(api);
    if (!before) return fail(before.error());

    out << "== qbi-runner demo\n"
        << "simulator: " << *sim_binary << " on " << api.endpoint.url() << " (loopback only"
        << (o.faults ? "; 8% Internal.System.Error, 20±15 ms latency" : "; no faults") << "), "
        << before->favorites.size() << " favourites and " << before->shares.size()
        << " shares in its world\n"
        << "work folder: " << dir.string() << "\n\n";

    // The runner, pointed at it: strict TLS against the throwaway CA, the throwaway key from a
    // private file, as an administrator's configuration would.
    config.endpoint = api.endpoint.url();
    config.ca_file = api.tls.ca_file;
    config.database = (dir / "queue.db").string();
    config.backoff_base_ms = 200;
    config.backoff_cap_ms = 2000;
    config.max_qps = 200;
    config.workers = o.workers;
    CredentialOptions credentials;
    credentials.credentials_file = (dir / "runner-credentials").string();
    credentials.env = env;

    // Discovery first shown as a plan: its reads now, nothing queued or cancelled.
    for (std::size_t i = 0; i < files.size(); ++i) {
        const bool discovers =
            std::any_of(specs[i].tasks.begin(), specs[i].tasks.end(),
                        [](const auto& t) { return jobs::is_read_action(t.action); });
        if (!discovers) continue;
        out << "== plan " << files[i] << " (its read calls now; nothing is queued or cancelled)\n";
        app::PlanContext pc{config, env, credentials, clock, nonces, stop, {}};
        auto plans = app::make_plans({files[i]}, pc);
        if (!plans) return fail(plans.error());
        out << plans->front().yaml << "\n" << std::flush;
    }

    app::RunnerSession session(clock, nonces);
    if (auto st = session.open(config, env, credentials); !st) return fail(st.error());

    out << "== submit " << examples << "\n";
    for (const auto& f : files)
        out << app::describe(app::submit_file(session.store(), f, config)) << "\n";

    out << "\n== run\n" << std::flush;
    int rc = hooks.run(session, session.engine_options(config), stop);

    out << "\n== status\n";
    hooks.status(session.store());

    out << "\n== audit (the first rows, the discovery reads, and every retried attempt)\n";
    int shown = 0;
    session.store().for_each_attempt({}, [&](const queue::AttemptRow& r) {
        const queue::AttemptRecord& a = r.record;
        const bool read = jobs::is_read_action(r.action);
        if (shown < 3 || ((read || !is_success(a.outcome)) && shown < 20)) {
            out << "#" << r.id << " " << format_rfc3339_ms(a.started_at_ms) << " " << r.action
                << " " << r.params_json << " -> " << outcome_name(a.outcome)
                << (a.code.empty() ? "" : " " + a.code) << " (HTTP " << a.http_status << ", "
                << a.latency_ms << " ms, RequestId " << a.request_id << ", key " << a.access_key_id
                << ")" << (a.message.empty() || !read ? "" : ": " + a.message) << "\n";
            ++shown;
        }
        return true;
    });
    auto verdict = session.store().verify_audit_chain();
    if (verdict && verdict->ok)
        out << "audit chain verified: " << verdict->rows << " rows, head " << verdict->head_hash
            << "\n";
    else
        out << "audit chain NOT verified\n";

    out << "\n== what the simulator's world still holds of what the example jobs remove\n";
    auto after = fetch_world(api);
    if (!after) return fail(after.error());
    for (const auto& job : specs) {
        JobView v = view_of(job, *before, *after);
        out << job.name << ": " << v.present << " of " << v.aimed << " still present";
        if (v.guarded > 0)
            out << "; " << v.kept << " of " << v.guarded
                << " grants through groups or the organisation kept, as they must be";
        if (job.not_before_ms && *job.not_before_ms > clock.wall_ms())
            out << " (scheduled: not before " << format_rfc3339_ms(*job.not_before_ms)
                << ", so left for a later run)";
        out << "\n";
    }
    // The evidence report of the offboarding that discovered its work (else the first due job).
    const jobs::JobSpec* shown_job = nullptr;
    for (const auto& job : specs) {
        if (job.not_before_ms && *job.not_before_ms > clock.wall_ms()) continue;
        if (shown_job == nullptr || (has_reads(job) && !has_reads(*shown_job))) shown_job = &job;
    }
    std::string report_path;
    if (shown_job != nullptr) {
        auto info = app::lookup_job(session.store(), shown_job->name);
        if (!info) return fail(info.error());
        report_path = (dir / ("report-" + shown_job->name + ".html")).string();
        auto written = app::write_report_file(session.store(), *info, app::ReportFormat::Html,
                                              app::report_origin(config.database, clock.wall_ms()),
                                              report_path);
        if (!written) return fail(written.error());
    }
    out << "\nsimulator request log: " << (dir / "sim-requests.jsonl").string()
        << "\nqueue database:        " << config.database << "\n";
    if (!report_path.empty()) out << "evidence report:       " << report_path << "\n";
    out << "try: qbi-runner --db " << config.database << " tasks " << specs.front().name << "\n";
    sim->stop();
    return rc;
}

}  // namespace qbi::demo
