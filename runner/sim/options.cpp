#include "runner/sim/options.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "runner/core/manpage.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"

namespace qbi::sim {

namespace {

Error usage_error(std::string message) {
    return Error{kExitUsage, std::move(message)};
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
    if (text.empty() || text.size() > 20) return false;
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        const std::uint64_t next = v * 10 + static_cast<std::uint64_t>(c - '0');
        if (next / 10 != v) return false;  // overflow
        v = next;
    }
    out = v;
    return true;
}

Result<std::int64_t> parse_count(std::string_view flag, std::string_view text, std::int64_t lo,
                                 std::int64_t hi) {
    std::uint64_t v = 0;
    if (!parse_u64(text, v) || static_cast<std::int64_t>(v) < lo ||
        static_cast<std::int64_t>(v) > hi)
        return usage_error(std::string(flag) + ": expected a whole number from " +
                           std::to_string(lo) + " to " + std::to_string(hi) + ", got '" +
                           std::string(text) + "'");
    return static_cast<std::int64_t>(v);
}

Result<std::int64_t> parse_duration(std::string_view flag, std::string_view text) {
    auto ms = parse_duration_ms(text);
    if (!ms || *ms < 0)
        return usage_error(std::string(flag) +
                           ": expected a duration such as 15m, 90s or 500ms, "
                           "got '" +
                           std::string(text) + "'");
    return *ms;
}

}  // namespace

std::string usage() {
    return R"(Usage: qbi-sim [OPTIONS]

A local Quick BI OpenAPI simulator over HTTPS (see README.md, "qbi-sim").

Listening
  --bind ADDR              address to listen on (default 127.0.0.1: loopback only)
  --port N                 port (default 0: a free port)
  --port-file FILE         write the port chosen to FILE once listening
  --cert FILE --key FILE   serve this certificate (PEM, may hold the chain) and key
  --ca-out FILE            without --cert: write the CA certificate (PEM) of the throwaway
                           certificate generated at start for 127.0.0.1 and localhost
  --threads N              connection threads, i.e. concurrent keep-alive clients (512)

Credentials and signatures
  --credentials ID:SECRET[:TOKEN],...
                           accepted AccessKey pairs; with TOKEN an STS credential whose
                           requests must carry that SecurityToken (default testid:testsecret)
  --credentials-file FILE  the same, one ID:SECRET[:TOKEN] per line
  --max-skew DUR           timestamp tolerance (default 15m)
  --nonce-window DUR       how long a SignatureNonce stays used (default 15m)

STS and ECS metadata (for the ram_role_arn, oidc_role_arn and ecs_ram_role credentials)
  STS answers on the API port (Version 2015-04-01): AssumeRole signed by an accepted
  AccessKey, AssumeRoleWithOIDC with the expected token; the temporary credentials issued
  are accepted until they expire, then refused with InvalidSecurityToken.Expired.
  --sts-duration DUR       lifetime of issued credentials (default: DurationSeconds asked)
  --sts-fail-after N       after N credentials issued, STS answers ServiceUnavailable and
                           the metadata service HTTP 500
  --oidc-token-file FILE   the OIDC token AssumeRoleWithOIDC accepts (without: none)
  --metadata-port N        serve the ECS metadata service on plain HTTP (0: a free port)
  --metadata-port-file F   write the metadata port chosen to F once listening
  --metadata-role NAME     the instance's RAM role name (default qbi-sim-role)

World
  --world FILE             world file (YAML or JSON; repeatable, merged in order)
  --generate SPEC          generated world: users=N,works=M,favorites=K,shares=S
                           [,groups=G,workspaces=W]
  --seed N                 seed for --generate, faults and RequestIds (default: random,
                           printed at start)
  --absent-share MODE      CancelReportShare on grants that do not exist: ok (success,
                           the default), result-false (HTTP 200, Result false) or an error
                           code such as Report.NotExist.Error

Faults (deterministic under --seed)
  --fail CODE[@STATUS]=P   answer CODE with probability P per request (repeatable)
  --qps-limit N            per action; above it answer Throttling.User
  --latency MS[:JITTER]    delay every answer MS (+/- JITTER) milliseconds
  --drop P                 close the connection without an answer with probability P
  --slow-success P         apply the change, answer after --slow-delay (probability P)
  --slow-delay MS          how late a slow success answers (default 30000)
  --halt-after N CODE      from the N-th request on, answer CODE

Observability
  --log FILE               JSONL request log
  --state-out FILE         write the final world (JSON) here on SIGTERM/SIGINT
  --host-id NAME           HostId of error bodies (default: the request's Host)
  -q, --quiet              no start and stop lines on stderr
  --help, --version        this help; the version
  --man                    this help as the man page qbi-sim(1), in roff

GET /__sim/state answers the world, GET /__sim/stats the counters by action and code.
)";
}

std::string man_page() {
    const std::string text = usage();
    // usage(): "Usage: ..." line, the description paragraph, then the option groups.
    const std::size_t description = text.find("\n\n") + 2;
    const std::size_t groups = text.find("\n\n", description) + 2;
    man::ManPage page("qbi-sim", 1, QBI_VERSION, "qbi-runner manual");
    page.name("qbi-sim", "a local Quick BI OpenAPI simulator over HTTPS");
    page.section("Synopsis");
    page.literal("qbi-sim [OPTIONS]");
    page.section("Description");
    page.paragraph(std::string_view(text).substr(description, groups - description));
    page.paragraph(
        "It answers the API actions qbi-runner calls, checks V1 and V3 signatures, keeps a world "
        "of users, works, favourites and shares that the calls change, and injects faults "
        "deterministically. `qbi-runner demo` starts it on loopback. Test use only: it is not "
        "Quick BI.");
    page.section("Options");
    man::help_listing(page, std::string_view(text).substr(groups));
    page.section("Exit status");
    page.tagged("0", "", "stopped by SIGTERM or SIGINT, or --help, --version, --man");
    page.tagged("64", "", "usage error (the message names the flag)");
    page.tagged("65", "", "a malformed world file");
    page.tagged("70", "", "internal error");
    page.tagged("74", "", "a file cannot be read or written, or the port cannot be bound");
    page.section("See also");
    page.paragraph("qbi-runner(1), qbi-runner-jobs(5); /usr/share/doc/qbi-sim/README.md");
    return page.str();
}

Result<std::vector<Credentials>> parse_credentials(std::string_view list, std::string_view source) {
    std::vector<Credentials> out;
    for (const auto& item : split(list, ',')) {
        const std::string entry = trim(item);
        if (entry.empty()) continue;
        const auto parts = split(entry, ':');
        if ((parts.size() != 2 && parts.size() != 3) || parts[0].empty() || parts[1].empty())
            return usage_error(std::string(source) +
                               ": expected ID:SECRET or ID:SECRET:TOKEN, "
                               "got an entry with " +
                               std::to_string(parts.size()) + " part(s)");
        Credentials c;
        c.access_key_id = parts[0];
        c.access_key_secret = Secret(parts[1]);
        if (parts.size() == 3) c.security_token = Secret(parts[2]);
        c.source = std::string(source);
        out.push_back(std::move(c));
    }
    if (out.empty()) return usage_error(std::string(source) + ": no credentials given");
    return out;
}

Result<std::vector<Credentials>> load_credentials_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error{kExitConfig, path + ": cannot read the credentials file"};
    std::string line, joined;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        if (t.find(',') != std::string::npos)
            return Error{kExitConfig,
                         path + ":" + std::to_string(n) + ": one ID:SECRET[:TOKEN] per line"};
        joined += t + ",";
    }
    auto creds = parse_credentials(joined, path);
    if (!creds) return Error{kExitConfig, creds.error().message};
    return creds;
}

Result<CliOptions> parse_args(const std::vector<std::string>& args) {
    CliOptions o;
    std::string credentials_list;
    using Setter = std::function<std::optional<Error>(const std::string&)>;
    auto ok = [] { return std::optional<Error>(); };
    auto err = [](const Error& e) { return std::optional<Error>(e); };
    auto prob = [&](double& out, const char* flag) -> Setter {
        return [&out, flag, err, ok](const std::string& v) {
            auto p = parse_probability(v, flag);
            if (!p) return err(p.error());
            out = *p;
            return ok();
        };
    };
    auto text = [ok](std::string& out) -> Setter {
        return [&out, ok](const std::string& v) {
            out = v;
            return ok();
        };
    };
    auto count = [&](auto& out, const char* flag, std::int64_t lo, std::int64_t hi) -> Setter {
        return [&out, flag, lo, hi, err, ok](const std::string& v) {
            auto n = parse_count(flag, v, lo, hi);
            if (!n) return err(n.error());
            out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
            return ok();
        };
    };
    auto duration = [&](std::int64_t& out, const char* flag) -> Setter {
        return [&out, flag, err, ok](const std::string& v) {
            auto d = parse_duration(flag, v);
            if (!d) return err(d.error());
            out = *d;
            return ok();
        };
    };
    FaultOptions& f = o.sim.faults;
    const std::map<std::string, Setter> valued = {
        {"--bind", text(o.server.bind)},
        {"--port", count(o.server.port, "--port", 0, 65535)},
        {"--port-file", text(o.port_file)},
        {"--cert", text(o.server.cert_file)},
        {"--key", text(o.server.key_file)},
        {"--ca-out", text(o.ca_out)},
        {"--threads", count(o.server.max_threads, "--threads", 4, 4096)},
        {"--credentials",
         [&](const std::string& v) {
             credentials_list += (credentials_list.empty() ? "" : ",") + v;
             return ok();
         }},
        {"--credentials-file", text(o.credentials_file)},
        {"--sts-duration", duration(o.sim.sts.duration_ms, "--sts-duration")},
        {"--sts-fail-after", count(o.sim.sts.fail_after, "--sts-fail-after", 1, 1000000000)},
        {"--oidc-token-file", text(o.oidc_token_file)},
        {"--metadata-port", count(o.metadata_port, "--metadata-port", 0, 65535)},
        {"--metadata-port-file", text(o.metadata_port_file)},
        {"--metadata-role", text(o.sim.sts.role_name)},
        {"--max-skew", duration(o.sim.gateway.max_skew_ms, "--max-skew")},
        {"--nonce-window", duration(o.sim.gateway.nonce_window_ms, "--nonce-window")},
        {"--world",
         [&](const std::string& v) {
             o.world_files.push_back(v);
             return ok();
         }},
        {"--generate",
         [&](const std::string& v) {
             auto spec = parse_generate_spec(v);
             if (!spec) return err(spec.error());
             o.generate = *spec;
             return ok();
         }},
        {"--seed",
         [&](const std::string& v) {
             if (!parse_u64(v, o.sim.seed))
                 return err(usage_error("--seed: expected a whole number, got '" + v + "'"));
             o.seed_given = true;
             return ok();
         }},
        {"--absent-share",
         [&](const std::string& v) {
             if (v == "ok")
                 o.sim.absent_share = AbsentShare::Ok;
             else if (v == "result-false")
                 o.sim.absent_share = AbsentShare::ResultFalse;
             else if (!v.empty() && v.find_first_of(" =:,") == std::string::npos) {
                 o.sim.absent_share = AbsentShare::Error;
                 o.sim.absent_share_code = v;
             } else {
                 return err(
                     usage_error("--absent-share: expected ok, result-false or an error "
                                 "code, got '" +
                                 v + "'"));
             }
             return ok();
         }},
        {"--fail",
         [&](const std::string& v) {
             auto rule = parse_fail_rule(v);
             if (!rule) return err(rule.error());
             f.fail.push_back(*rule);
             return ok();
         }},
        {"--qps-limit", count(f.qps_limit, "--qps-limit", 1, 1000000)},
        {"--latency",
         [&](const std::string& v) {
             auto l = parse_latency(v);
             if (!l) return err(l.error());
             f.latency_ms = l->first;
             f.jitter_ms = l->second;
             return ok();
         }},
        {"--drop", prob(f.drop, "--drop")},
        {"--slow-success", prob(f.slow_success, "--slow-success")},
        {"--slow-delay", count(f.slow_delay_ms, "--slow-delay", 0, 3600000)},
        {"--log", text(o.sim.log_path)},
        {"--state-out", text(o.state_out)},
        {"--host-id", text(o.sim.host_id)},
    };
    std::vector<std::string> names = {"--halt-after", "--help", "--version",
                                      "--quiet",      "-q",     "--man"};
    for (const auto& [name, setter] : valued) names.push_back(name);

    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i], value;
        bool inline_value = false;
        if (starts_with(flag, "--")) {
            if (auto eq = flag.find('='); eq != std::string::npos) {
                value = flag.substr(eq + 1);
                flag = flag.substr(0, eq);
                inline_value = true;
            }
        }
        if (flag == "--help" || flag == "-h") {
            o.help = true;
        } else if (flag == "--version") {
            o.version = true;
        } else if (flag == "--man") {
            o.man = true;
        } else if (flag == "--quiet" || flag == "-q") {
            o.quiet = true;
        } else if (flag == "--halt-after") {
            // Two values: N and CODE.
            const Error shape = usage_error(
                "--halt-after: expected N CODE, e.g. --halt-after "
                "100 InvalidAccessKeyId.NotFound");
            std::string n = value;
            if (!inline_value) {
                if (i + 1 >= args.size()) return shape;
                n = args[++i];
            }
            if (i + 1 >= args.size() || starts_with(args[i + 1], "-")) return shape;
            auto count_value = parse_count("--halt-after", n, 1, 1000000000000LL);
            if (!count_value) return count_value.error();
            f.halt_after = *count_value;
            f.halt_code = args[++i];
        } else if (auto it = valued.find(flag); it != valued.end()) {
            if (!inline_value) {
                if (i + 1 >= args.size()) return usage_error(flag + ": a value is required");
                value = args[++i];
            }
            if (auto e = it->second(value)) return *e;
        } else {
            std::string msg = starts_with(flag, "-") ? "unknown option '" + flag + "'"
                                                     : "unexpected argument '" + flag + "'";
            if (auto near = nearest(flag, names); !near.empty() && starts_with(flag, "-"))
                msg += " (did you mean '" + near + "'?)";
            return usage_error(msg);
        }
    }
    if (o.server.cert_file.empty() != o.server.key_file.empty())
        return usage_error("--cert and --key go together");
    if (!o.server.cert_file.empty() && !o.ca_out.empty())
        return usage_error("--ca-out only applies to the generated certificate (without --cert)");
    if (!credentials_list.empty() && !o.credentials_file.empty())
        return usage_error("give --credentials or --credentials-file, not both");
    if (!credentials_list.empty()) {
        auto c = parse_credentials(credentials_list, "--credentials");
        if (!c) return c.error();
        o.sim.credentials = std::move(*c);
    }
    return o;
}

Result<WorldData> build_world(const CliOptions& options) {
    WorldFile merged;
    for (const auto& path : options.world_files) {
        auto file = load_world_file(path);
        if (!file) return file.error();
        merge_world(merged, std::move(*file));
    }
    if (options.generate) {
        WorldFile generated;
        generated.data = generate_world(*options.generate, options.sim.seed);
        // A world file's organisation wins over the generated one.
        generated.has_organization = !merged.has_organization;
        if (merged.has_organization) {
            for (auto& share : generated.data.shares)
                if (share.to_type == ShareTo::Organization) share.to = merged.data.organization.id;
            generated.data.organization = merged.data.organization;
        }
        merge_world(merged, std::move(generated));
    }
    if (merged.implicit) add_implicit_entities(merged.data);
    return merged.data;
}

}  // namespace qbi::sim
