#pragma once
// qbi-sim's main program, as a library function so tests can read its behaviour in one place.
//
// Contract: sim_main() blocks SIGINT, SIGTERM and SIGHUP before any thread starts, starts the
// simulator, writes --ca-out and --port-file (each atomically: a reader never sees half a
// file), serves until SIGTERM or SIGINT (SIGHUP is ignored), then stops gracefully: in-flight
// delays are cut short, connections closed, the request log flushed and --state-out written.
// Exit codes: 0 after a graceful stop or --help/--version; 64 bad command line; 65 bad world;
// 69 cannot listen; 74 cannot write an output file; 78 bad credentials file or certificate.
// Messages go to stderr as "qbi-sim: ...".
// Thread-safety: call once, from the main thread.
#include <string>

#include "runner/core/result.h"

namespace qbi::sim {

int sim_main(int argc, char** argv);

// Writes `content` to `path` through a temporary file and rename(2).
Status write_file_atomic(const std::string& path, const std::string& content);

}  // namespace qbi::sim
