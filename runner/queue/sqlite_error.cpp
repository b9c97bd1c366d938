#include "runner/queue/sqlite_error.h"

#include <sqlite3.h>

#include <filesystem>

namespace qbi::queue {

Error sqlite_error(const std::string& label, const SQLite::Exception& e) {
    int code = kExitSoftware;
    switch (e.getErrorCode()) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            code = kExitTempFail;
            break;
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_NOLFS:
        case SQLITE_AUTH:
            code = kExitIoErr;
            break;
        default:
            break;
    }
    return Error{code, "database " + label + ": " + e.what()};
}

Error other_error(const std::string& label, const std::exception& e) {
    int code =
        dynamic_cast<const std::filesystem::filesystem_error*>(&e) ? kExitIoErr : kExitSoftware;
    return Error{code, "database " + label + ": " + e.what()};
}

}  // namespace qbi::queue
