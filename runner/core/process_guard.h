#pragma once
// Keeps the AccessKey secret out of core dumps and away from debuggers of the same user.
//
// Contract: protect_process_memory() makes the process non-dumpable (prctl PR_SET_DUMPABLE 0:
// no core file, no ptrace attach by the same user, /proc/PID/mem and environ closed to others)
// and sets RLIMIT_CORE to 0 (soft and hard, so a child cannot raise it back). It returns ""
// on success, else what failed (for a warning; the process carries on). qbi-runner's
// main_entry calls it before anything reads a credential.
// Thread-safety: call once, early, from the main thread (process-wide settings).
#include <string>

namespace qbi {

std::string protect_process_memory();

}  // namespace qbi
