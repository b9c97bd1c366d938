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

#include "runner/app/submit.h"
#include "runner/core/time_format.h"
#include "runner/demo/sim_process.h"
#include "runner/jobs/job_file.h"

namespace qbi::demo {

namespace fs = std::filesystem;

namespace {

using FavoriteKey = std::pair<std::string, std::string>;                // user, work
using ShareKey = std::tuple<std::string, std::string, std::string>;     // report, type, to

const char* share_type_name(const std::string& digit) {
    if (digit == "1") return "group";
    if (digit == "2") return "organization";
    return "user";
}

// The world file: implicit entities for every ID the example jobs name, their favourites and
// shares, and the organisation an organisation-wide share names (the first one).
std::string demo_world_yaml(const std::vector<jobs::JobSpec>& specs) {
    std::string org, favorites, shares;
    for (const auto& job : specs) {
        for (const auto& t : job.tasks) {
            if (t.action == jobs::kActionCancelCollection) {
                favorites += "  - {user: \"" + t.params.at("UserId") + "\", work: \"" +
                             t.params.at("WorksId") + "\"}\n";
            } else if (t.action == jobs::kActionCancelReportShare) {
                const std::string& type = t.params.at("ShareToType");
                if (type == "2" && org.empty()) org = t.params.at("ShareToIds");
                shares += "  - {report: \"" + t.params.at("ReportId") + "\", to_type: " +
                          share_type_name(type) + ", to: \"" + t.params.at("ShareToIds") + "\"}\n";
            }
        }
    }
    std::string yaml = "version: 1\nimplicit: true\n";
    if (!org.empty()) yaml += "organization: {id: \"" + org + "\", name: Demo Corp}\n";
    yaml += "favorites:\n" + (favorites.empty() ? "  []\n" : favorites);
    yaml += "shares:\n" + (shares.empty() ? "  []\n" : shares);
    return yaml;
}

Status write_private(const fs::path& path, const std::string& text) {
    std::ofstream f(path, std::ios::trunc);
    f << text;
    f.close();
    if (!f || ::chmod(path.c_str(), 0600) != 0)
        return Error{kExitIoErr, "cannot write " + path.string()};
    return {};
}

struct WorldState {
    std::set<FavoriteKey> favorites;
    std::set<ShareKey> shares;
};

// GET /__sim/state over the same strict TLS as the API calls.
Result<WorldState> fetch_world(const app::ApiSetup& api) {
    HttpsTransport transport(api.endpoint, api.context, api.tls);
    SignedRequest get;
    get.method = "GET";
    get.host = api.endpoint.host_header();
    get.path = "/__sim/state";
    HttpResponse r = transport.send(get);
    if (!r.complete() || r.status != 200)
        return Error{kExitUnavailable, "cannot read the simulator's state: " +
                                           (r.complete() ? "HTTP " + std::to_string(r.status)
                                                         : r.error_message)};
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(r.body).extract<Poco::JSON::Object::Ptr>();
        WorldState w;
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
        return Error{kExitUnavailable, std::string("the simulator's state is unreadable: ") + e.what()};
    }
}

bool still_present(const WorldState& w, const jobs::TaskSpec& t) {
    if (t.action == jobs::kActionCancelCollection)
        return w.favorites.count({t.params.at("UserId"), t.params.at("WorksId")}) > 0;
    return w.shares.count({t.params.at("ReportId"), share_type_name(t.params.at("ShareToType")),
                           t.params.at("ShareToIds")}) > 0;
}

}  // namespace

std::string find_examples(const std::string& given) {
    if (!given.empty()) return given;
    for (std::string dir : {std::string(QBI_SOURCE_DIR) + "/jobs/examples",
                            std::string(QBI_INSTALL_DATADIR) + "/qbi-runner/examples"}) {
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
    if (auto st = write_private(dir / "sim-credentials",
                                creds.access_key_id + ":" + creds.access_key_secret.reveal() + "\n");
        !st)
        return fail(st.error());
    if (auto st = write_private(dir / "world.yaml", demo_world_yaml(specs)); !st)
        return fail(st.error());

    std::vector<std::string> args = {
        "--world", (dir / "world.yaml").string(), "--generate",
        "users=40,works=120,favorites=200,shares=200", "--seed", std::to_string(o.seed),
        "--port", "0", "--port-file", (dir / "sim.port").string(), "--ca-out",
        (dir / "ca.pem").string(), "--credentials-file", (dir / "sim-credentials").string(),
        "--log", (dir / "sim-requests.jsonl").string(), "--threads", "64", "--quiet"};
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

    // The runner, pointed at it: strict TLS against the throwaway CA.
    config.database = (dir / "queue.db").string();
    config.backoff_base_ms = 200;
    config.backoff_cap_ms = 2000;
    config.max_qps = 200;
    config.workers = o.workers;
    app::RunnerSession session(clock, nonces);
    if (auto st = session.open(config, env, {}, &api); !st) return fail(st.error());

    out << "== submit " << examples << "\n";
    for (const auto& f : files)
        out << app::describe(app::submit_file(session.store(), f, config)) << "\n";

    out << "\n== run\n" << std::flush;
    int rc = hooks.run(session, session.engine_options(config), stop);

    out << "\n== status\n";
    hooks.status(session.store());

    out << "\n== audit (the first rows, and every retried attempt)\n";
    int shown = 0;
    session.store().for_each_attempt({}, [&](const queue::AttemptRow& r) {
        const queue::AttemptRecord& a = r.record;
        if (shown < 3 || (!is_success(a.outcome) && shown < 12)) {
            out << "#" << r.id << " " << format_rfc3339_ms(a.started_at_ms) << " " << r.action
                << " " << r.params_json << " -> " << outcome_name(a.outcome)
                << (a.code.empty() ? "" : " " + a.code) << " (HTTP " << a.http_status << ", "
                << a.latency_ms << " ms, RequestId " << a.request_id << ", key "
                << a.access_key_id << ")\n";
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

    out << "\n== what the simulator's world still holds of the example jobs\n";
    auto after = fetch_world(api);
    if (!after) return fail(after.error());
    for (const auto& job : specs) {
        std::size_t left = 0;
        for (const auto& t : job.tasks) left += still_present(*after, t) ? 1 : 0;
        out << job.name << ": " << left << " of " << job.tasks.size() << " still present";
        if (job.not_before_ms && *job.not_before_ms > clock.wall_ms())
            out << " (scheduled: not before " << format_rfc3339_ms(*job.not_before_ms)
                << ", so left for a later run)";
        out << "\n";
    }
    out << "\nsimulator request log: " << (dir / "sim-requests.jsonl").string()
        << "\nqueue database:        " << config.database << "\n"
        << "try: qbi-runner --db " << config.database << " tasks " << specs.front().name << "\n";
    sim->stop();
    return rc;
}

}  // namespace qbi::demo
