#pragma once
// Process exit codes (sysexits), design §7. Every command returns one of these.
namespace qbi {

enum ExitCode : int {
    kExitOk = 0,
    kExitTasksFailed = 1,   // some tasks failed permanently
    kExitUsage = 64,        // EX_USAGE: bad command line
    kExitDataErr = 65,      // EX_DATAERR: bad job file, broken audit chain, refused submit
    kExitNoInput = 66,      // EX_NOINPUT: the database (or another input) does not exist
    kExitUnavailable = 69,  // EX_UNAVAILABLE: endpoint unreachable
    kExitSoftware = 70,     // EX_SOFTWARE: internal error (a bug)
    kExitIoErr = 74,        // EX_IOERR: I/O error (database, files)
    kExitTempFail = 75,     // EX_TEMPFAIL: lock held, time limit hit with work left, retryable
    kExitNoPerm = 77,       // EX_NOPERM: permission denied by Quick BI
    kExitConfig = 78,       // EX_CONFIG: configuration or credentials
};

}  // namespace qbi
