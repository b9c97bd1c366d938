#pragma once
// Configuration: defaults < INI file < command line (design §7). Every key is documented in
// config/runner.ini; an unknown key is an error with a "did you mean" hint, so a typo never
// silently falls back to a default.
//
// Thread-safety: Config is a plain value; load once, then share read-only.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runner/core/env.h"
#include "runner/core/result.h"

namespace qbi::app {

struct Config {
    // [api]
    std::string endpoint;      // https://host[:port]; empty → from region
    std::string region;        // e.g. cn-hangzhou
    std::string ca_file;       // PEM bundle; empty → system bundle
    std::string sts_endpoint;  // https://host[:port] of STS; empty → sts[.region].aliyuncs.com
    std::string signature = "v3";  // v1 | v3
    std::int64_t connect_timeout_ms = 5000;
    std::int64_t read_timeout_ms = 15000;
    std::int64_t call_timeout_ms = 30000;  // the whole call; 0: none
    // [queue]
    std::string database;              // empty → $STATE_DIRECTORY/queue.db, $XDG_STATE_HOME/...
    std::string synchronous = "full";  // full | normal
    std::int64_t busy_timeout_ms = 5000;
    // [jobs]
    std::int64_t max_file_bytes = 16 * 1024 * 1024;
    std::int64_t max_tasks = 1000000;
    std::int64_t default_max_attempts = 6;
    // [run]
    std::int64_t workers = 8;
    std::int64_t backoff_base_ms = 1000;
    std::int64_t backoff_cap_ms = 300000;
    std::int64_t claim_batch = 128;
    std::int64_t lease_ms = 120000;
    // [rate]
    double max_qps = 20;
    std::map<std::string, double> action_qps;  // rate.<Action> = Q
    // [serve]
    std::string inbox;  // empty → $STATE_DIRECTORY/inbox
    std::int64_t grace_ms = 20000;
    std::int64_t halt_probe_ms = 300000;
    // HOST:PORT of the metrics endpoint (runner/metrics/http_server.h); empty: none.
    std::string metrics_listen;
    // [log]
    std::string log_level = "info";
    // [audit]
    // The audit key's file (README "Audit log"); empty → $CREDENTIALS_DIRECTORY/audit-key when
    // the service has that credential, else no key (plain SHA-256 chain).
    std::string audit_key_file;

    std::string source;  // the file it was read from, or "defaults"
};

// What the command line sets over the file (empty: not given).
struct ConfigOverrides {
    std::string config_file;  // --config
    std::string db;           // --db: queue.database
    std::string endpoint;     // --endpoint: api.endpoint
    std::string region;       // --region: api.region
    std::string ca_file;      // --ca-file: api.ca_file
    std::string signature;    // --signature: api.signature
    std::string log_level;    // -v (debug): log.level
};

// The configuration of design §7: defaults, then the file found by find_config_file, then the
// overrides. Errors: the file's (78), or a bad command-line value (64).
Result<Config> load_configuration(const ConfigOverrides& overrides, const Env& env);

// Finds the configuration file: the explicit path if given (must exist), else
// $QBI_RUNNER_CONFIG, $CONFIGURATION_DIRECTORY/runner.ini, /etc/qbi-runner/runner.ini (the
// first that exists). Returns "" when none exists (defaults apply).
Result<std::string> find_config_file(const std::string& explicit_path, const Env& env);

// Parses an INI file into `cfg`, validating every key and value. Errors name file:line.
Result<Config> load_config_file(const std::string& path);
Result<Config> parse_config_text(const std::string& text, const std::string& display_name);

// Applies `key = value` (as in the file, e.g. "rate.max_qps", "20") to cfg; used by the file
// parser and by command-line overrides. Error text names the key.
Status apply_setting(Config& cfg, const std::string& key, const std::string& value);

// All known keys, for hints and documentation tests.
const std::vector<std::string>& known_keys();

// Database location (design §7): explicit, config, $STATE_DIRECTORY/queue.db,
// $XDG_STATE_HOME/qbi-runner/queue.db, ~/.local/state/qbi-runner/queue.db.
Result<std::string> resolve_database(const std::string& explicit_path, const Config& cfg,
                                     const Env& env);

}  // namespace qbi::app
