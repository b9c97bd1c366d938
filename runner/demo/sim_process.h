#pragma once
// qbi-sim as a child process, for the demo: found next to the running qbi-runner (or given
// explicitly, or on PATH), started with its output in a log file, waited for until it writes
// its port file, and stopped with SIGTERM (then SIGKILL after a grace period).
//
// Thread-safety: a SimProcess is owned by one thread.
#include <sys/types.h>

#include <string>
#include <vector>

#include "runner/core/env.h"
#include "runner/core/result.h"

namespace qbi::demo {

// The qbi-sim binary: `explicit_path` if given (must be executable), else "qbi-sim" in the
// folder of the running executable, else on $PATH. Error 69 names every place looked at and how
// to get it (the qbi-sim package, or --sim PATH).
Result<std::string> find_sim_binary(const std::string& explicit_path, const Env& env);

class SimProcess {
public:
    // Starts `binary` with `args` (which must include --port-file `port_file`), stdout and stderr
    // appended to `log_path`, and waits up to `timeout_ms` for the port file. Errors (69) quote
    // the end of the log when the simulator exits or does not come up.
    static Result<SimProcess> start(const std::string& binary, const std::vector<std::string>& args,
                                    const std::string& port_file, const std::string& log_path,
                                    int timeout_ms = 15000);
    SimProcess(SimProcess&& other) noexcept;
    SimProcess& operator=(SimProcess&&) = delete;
    SimProcess(const SimProcess&) = delete;
    ~SimProcess();  // stops it if still running

    int port() const { return port_; }
    // SIGTERM, then waits up to `grace_ms` (SIGKILL after that). Returns its exit status, or -1
    // if it had to be killed.
    int stop(int grace_ms = 5000);

private:
    SimProcess(pid_t pid, int port) : pid_(pid), port_(port) {}
    pid_t pid_ = -1;
    int port_ = 0;
};

}  // namespace qbi::demo
