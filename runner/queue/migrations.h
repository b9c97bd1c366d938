#pragma once
// Schema migrations (design §4): migrations/NNNN_*.sql, embedded into the library at build
// time (runner/queue/CMakeLists.txt), applied in order, each in its own IMMEDIATE transaction
// that also sets PRAGMA user_version to the file's number. A database whose user_version is
// newer than the newest embedded migration is refused, never "fixed".
//
// Thread-safety: embedded_migrations() is safe from any thread; migrate() uses the given
// connection, which the caller must not share while it runs.
#include <SQLiteCpp/Database.h>

#include <string>
#include <string_view>
#include <vector>

#include "runner/core/result.h"

namespace qbi::queue {

struct Migration {
    int version;                 // 1, 2, 3, ... from the file name
    std::string_view file_name;  // e.g. "0001_jobs_and_tasks.sql"
    std::string_view sql;
};

// In version order, without gaps (the build checks).
const std::vector<Migration>& embedded_migrations();
int latest_schema_version();

// "qbiR": set by migration 1; any other non-zero application_id is a foreign file.
inline constexpr int kApplicationId = 0x71626952;

// Reads PRAGMA user_version.
int schema_version(SQLite::Database& db);

// Brings `db` to version `up_to` (default: the newest). `label` names the database in
// messages (its path). Errors: a newer database (exit 78: "database X has schema version N but
// this qbi-runner knows up to M; upgrade qbi-runner"), a file that is not a qbi-runner queue
// (78), a failing migration (74 for I/O, 70 otherwise; that migration is rolled back, earlier
// ones stay). Returns the version reached. Safe against a concurrent migrate() from another
// process: each step re-reads the version inside its transaction.
Result<int> migrate(SQLite::Database& db, const std::string& label, int up_to = -1);

// For a connection that may not write (a read-only open): checks, without writing, that `db`
// is a qbi-runner queue at exactly the newest version. Errors: newer (78, as migrate), not
// ours (78), older (74: "database X has schema version N but this qbi-runner needs M, and it
// can only be read here (the file or its folder is not writable); run qbi-runner once with
// write access to it to migrate"). Returns the version.
Result<int> check_current(SQLite::Database& db, const std::string& label);

}  // namespace qbi::queue
