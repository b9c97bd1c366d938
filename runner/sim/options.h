#pragma once
// qbi-sim's command line (documented in usage() and README.md, "qbi-sim").
//
// Contract: parse_args() accepts "--flag VALUE" and "--flag=VALUE"; an unknown flag, a
// missing value or a malformed value is an Error with code kExitUsage (64) and a message that
// names the flag (unknown flags get a "did you mean" hint). Nothing is read from disk here
// except by load_credentials_file() and build_world().
// Thread-safety: pure functions; safe from any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/api/credentials.h"
#include "runner/core/result.h"
#include "runner/sim/server.h"
#include "runner/sim/simulator.h"
#include "runner/sim/world_io.h"

namespace qbi::sim {

struct CliOptions {
    SimOptions sim;
    ServerOptions server;
    std::vector<std::string> world_files;      // --world (repeatable, merged in order)
    std::optional<GenerateSpec> generate;      // --generate
    bool seed_given = false;                   // --seed (else a random seed, printed)
    std::string credentials_file;              // --credentials-file
    std::string port_file, ca_out, state_out;  // --port-file, --ca-out, --state-out
    std::string oidc_token_file;               // --oidc-token-file
    int metadata_port = -1;                    // --metadata-port; -1: no metadata service
    std::string metadata_port_file;            // --metadata-port-file
    bool help = false, version = false, quiet = false;
    bool man = false;  // --man: print qbi-sim(1) in roff (the build writes the page so)
};

Result<CliOptions> parse_args(const std::vector<std::string>& args);
std::string usage();
// qbi-sim(1): written from usage(), so the page cannot drift from --help.
std::string man_page();

// "id:secret[:sts-token],..." (the default when neither --credentials nor --credentials-file
// is given: "testid:testsecret").
Result<std::vector<Credentials>> parse_credentials(std::string_view list, std::string_view source);
// One "id:secret[:sts-token]" per line; blank lines and lines starting with '#' are skipped.
Result<std::vector<Credentials>> load_credentials_file(const std::string& path);

// The world: --world files merged in order, plus --generate (seeded), plus implicit entities
// when a file asked for them.
Result<WorldData> build_world(const CliOptions& options);

}  // namespace qbi::sim
