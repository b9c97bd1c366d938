#include "runner/app/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runner/core/ini.h"
#include "runner/core/strings.h"
#include "runner/core/time_format.h"
#include "runner/jobs/job_spec.h"
#include "runner/metrics/http_server.h"

namespace qbi::app {

namespace fs = std::filesystem;

namespace {

Status int_value(const std::string& key, const std::string& v, std::int64_t lo, std::int64_t hi,
                 std::int64_t& out) {
    try {
        std::size_t pos = 0;
        long long n = std::stoll(v, &pos);
        if (pos == v.size() && n >= lo && n <= hi) {
            out = n;
            return {};
        }
    } catch (const std::exception&) {
    }
    return Error{kExitConfig, key + ": expected a whole number from " + std::to_string(lo) +
                                  " to " + std::to_string(hi) + ", got '" + v + "'"};
}

Status duration_value(const std::string& key, const std::string& v, std::int64_t lo,
                      std::int64_t& out) {
    auto ms = parse_duration_ms(v);
    if (ms && *ms >= lo) {
        out = *ms;
        return {};
    }
    return Error{kExitConfig,
                 key + ": expected a duration such as 500ms, 20s, 5m or 1h, got '" + v + "'"};
}

Status qps_value(const std::string& key, const std::string& v, double& out) {
    try {
        std::size_t pos = 0;
        double q = std::stod(v, &pos);
        if (pos == v.size() && q > 0 && q <= 100000) {
            out = q;
            return {};
        }
    } catch (const std::exception&) {
    }
    return Error{kExitConfig,
                 key + ": expected calls per second, a number above 0, got '" + v + "'"};
}

Status choice(const std::string& key, const std::string& v, const std::vector<std::string>& allowed,
              std::string& out) {
    for (const auto& a : allowed) {
        if (v == a) {
            out = v;
            return {};
        }
    }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return Error{kExitConfig, key + ": expected one of " + list + ", got '" + v + "'"};
}

}  // namespace

const std::vector<std::string>& known_keys() {
    static const std::vector<std::string> keys = {
        "api.endpoint",    "api.region",          "api.ca_file",        "api.sts_endpoint",
        "api.signature",   "api.connect_timeout", "api.read_timeout",   "api.call_timeout",
        "queue.database",  "queue.synchronous",   "queue.busy_timeout", "jobs.max_file_bytes",
        "jobs.max_tasks",  "jobs.max_attempts",   "run.workers",        "run.backoff_base",
        "run.backoff_cap", "run.claim_batch",     "run.lease",          "rate.max_qps",
        "serve.inbox",     "serve.grace",         "serve.halt_probe",   "serve.metrics_listen",
        "log.level",       "audit.key_file"};
    return keys;
}

Status apply_setting(Config& c, const std::string& key, const std::string& v) {
    if (key == "api.endpoint") return c.endpoint = v, Status();
    if (key == "api.region") return c.region = v, Status();
    if (key == "api.ca_file") return c.ca_file = v, Status();
    if (key == "api.sts_endpoint") return c.sts_endpoint = v, Status();
    if (key == "api.signature") return choice(key, v, {"v1", "v3"}, c.signature);
    if (key == "api.connect_timeout") return duration_value(key, v, 100, c.connect_timeout_ms);
    if (key == "api.read_timeout") return duration_value(key, v, 100, c.read_timeout_ms);
    if (key == "api.call_timeout") return duration_value(key, v, 0, c.call_timeout_ms);
    if (key == "queue.database") return c.database = v, Status();
    if (key == "audit.key_file") return c.audit_key_file = v, Status();
    if (key == "queue.synchronous") return choice(key, v, {"full", "normal"}, c.synchronous);
    if (key == "queue.busy_timeout") return duration_value(key, v, 0, c.busy_timeout_ms);
    if (key == "jobs.max_file_bytes") return int_value(key, v, 1024, 1LL << 32, c.max_file_bytes);
    if (key == "jobs.max_tasks") return int_value(key, v, 1, 100000000, c.max_tasks);
    if (key == "jobs.max_attempts") return int_value(key, v, 1, 100, c.default_max_attempts);
    if (key == "run.workers") return int_value(key, v, 1, 512, c.workers);
    if (key == "run.backoff_base") return duration_value(key, v, 1, c.backoff_base_ms);
    if (key == "run.backoff_cap") return duration_value(key, v, 1, c.backoff_cap_ms);
    if (key == "run.claim_batch") return int_value(key, v, 1, 10000, c.claim_batch);
    if (key == "run.lease") return duration_value(key, v, 1000, c.lease_ms);
    if (key == "rate.max_qps") return qps_value(key, v, c.max_qps);
    if (starts_with(key, "rate.") && key.size() > 5) {
        // A limit for an action the runner never calls would be a typo that limits nothing.
        const std::string action = key.substr(5);
        const auto& actions = jobs::api_actions();
        if (std::find(actions.begin(), actions.end(), action) == actions.end()) {
            std::vector<std::string> names = actions;
            names.emplace_back("max_qps");
            const std::string hint = nearest(action, names);
            std::string list;
            for (const auto& a : actions) list += (list.empty() ? "" : ", ") + a;
            return Error{kExitConfig,
                         "unknown setting '" + key + "': '" + action +
                             "' is not an API action the runner calls" +
                             (hint.empty() ? " (" + list + ")" : "; did you mean '" + hint + "'?")};
        }
        double q = 0;
        if (auto st = qps_value(key, v, q); !st) return st;
        c.action_qps[action] = q;
        return {};
    }
    if (key == "serve.inbox") return c.inbox = v, Status();
    if (key == "serve.grace") return duration_value(key, v, 0, c.grace_ms);
    if (key == "serve.halt_probe") return duration_value(key, v, 1000, c.halt_probe_ms);
    if (key == "serve.metrics_listen") {
        // Checked here, so a bad address fails at load (and on reload), not at first scrape.
        if (!v.empty())
            if (auto a = metrics::parse_listen_address(v, key); !a) return a.error();
        return c.metrics_listen = v, Status();
    }
    if (key == "log.level") return choice(key, v, {"debug", "info", "warn", "error"}, c.log_level);
    std::string hint = nearest(key, known_keys());
    return Error{kExitConfig, "unknown setting '" + key + "'" +
                                  (hint.empty() ? "" : "; did you mean '" + hint + "'?")};
}

Result<Config> parse_config_text(const std::string& text, const std::string& name) {
    Config cfg;
    cfg.source = name;
    IniOptions o;
    o.case_insensitive_keys = true;
    auto doc = parse_ini(text, name, o);
    if (!doc) return doc.error();
    // parse_ini refuses a key twice in one section; [Run] and [run] are the same section here.
    std::map<std::string, int> first_line;
    for (const IniEntry& e : doc->entries) {
        const std::string where = name + ":" + std::to_string(e.line) + ": ";
        if (e.section.empty())
            return Error{kExitConfig, where + "'" + e.key + "' is outside any [section]"};
        std::string full = e.section + "." + e.key;
        // rate.<Action> keys keep the action's case; every other key is lower-case.
        if (to_lower(e.section) != "rate")
            full = to_lower(full);
        else
            full = to_lower(e.key) == "max_qps" ? "rate.max_qps" : "rate." + e.key;
        if (auto [it, fresh] = first_line.emplace(full, e.line); !fresh)
            return Error{kExitConfig, where + "duplicate setting '" + full + "' (first at line " +
                                          std::to_string(it->second) + ")"};
        if (auto st = apply_setting(cfg, full, e.value); !st)
            return Error{kExitConfig, where + st.error().message};
    }
    return cfg;
}

Result<Config> load_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{kExitConfig, "cannot read configuration file " + path};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_config_text(ss.str(), path);
}

Result<std::string> find_config_file(const std::string& explicit_path, const Env& env) {
    if (!explicit_path.empty()) {
        std::error_code ec;
        if (!fs::is_regular_file(explicit_path, ec))
            return Error{kExitConfig, "configuration file " + explicit_path + " does not exist"};
        return explicit_path;
    }
    if (auto v = env("QBI_RUNNER_CONFIG")) {
        std::error_code ec;
        if (!fs::is_regular_file(*v, ec))
            return Error{kExitConfig, "QBI_RUNNER_CONFIG names " + *v + ", which does not exist"};
        return *v;
    }
    std::vector<std::string> candidates;
    if (auto d = env("CONFIGURATION_DIRECTORY")) candidates.push_back(*d + "/runner.ini");
    candidates.push_back("/etc/qbi-runner/runner.ini");
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(c, ec)) return c;
    }
    return std::string();
}

Result<std::string> resolve_database(const std::string& explicit_path, const Config& cfg,
                                     const Env& env) {
    if (!explicit_path.empty()) return explicit_path;
    if (!cfg.database.empty()) return cfg.database;
    // systemd may list several state directories separated by :; the first is ours.
    if (auto d = env("STATE_DIRECTORY")) return split(*d, ':')[0] + "/queue.db";
    if (auto x = env("XDG_STATE_HOME")) return *x + "/qbi-runner/queue.db";
    if (auto h = env("HOME")) return *h + "/.local/state/qbi-runner/queue.db";
    return Error{kExitConfig,
                 "no database location: pass --db PATH or set queue.database in the configuration"};
}

Result<Config> load_configuration(const ConfigOverrides& o, const Env& env) {
    auto path = find_config_file(o.config_file, env);
    if (!path) return path.error();
    Config cfg;
    cfg.source = "defaults";
    if (!path->empty()) {
        auto loaded = load_config_file(*path);
        if (!loaded) return loaded.error();
        cfg = *loaded;
    }
    const std::pair<const char*, const std::string*> overrides[] = {
        {"api.endpoint", &o.endpoint},   {"api.region", &o.region}, {"api.ca_file", &o.ca_file},
        {"api.signature", &o.signature}, {"queue.database", &o.db}, {"log.level", &o.log_level}};
    for (const auto& [key, value] : overrides) {
        if (value->empty()) continue;
        if (auto st = apply_setting(cfg, key, *value); !st)
            return Error{kExitUsage, st.error().message};
    }
    if (cfg.audit_key_file.empty()) {
        // The service's credential (LoadCredential=audit-key:...), when it has one.
        if (auto dir = env("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
            std::error_code ec;
            const std::string candidate = *dir + "/audit-key";
            if (std::filesystem::exists(candidate, ec)) cfg.audit_key_file = candidate;
        }
    }
    return cfg;
}

}  // namespace qbi::app
