#include "runner/queue/migrations.h"

#include <SQLiteCpp/Transaction.h>

#include "runner/queue/sqlite_error.h"

namespace qbi::queue {

int latest_schema_version() {
    return embedded_migrations().back().version;
}

int schema_version(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

namespace {

Error newer_error(const std::string& label, int found, int latest) {
    return Error{kExitConfig, "database " + label + " has schema version " + std::to_string(found) +
                                  " but this qbi-runner knows up to " + std::to_string(latest) +
                                  "; upgrade qbi-runner"};
}

// A file at version 0 must be empty (a new database); otherwise it is someone else's.
Status check_ours(SQLite::Database& db, const std::string& label, int version) {
    int app = db.execAndGet("PRAGMA application_id").getInt();
    if (app != 0 && app != kApplicationId)
        return Error{kExitConfig, "database " + label +
                                      " is not a qbi-runner queue (application_id " +
                                      std::to_string(app) + ")"};
    if (version == 0 && db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() > 0)
        return Error{kExitConfig, "database " + label +
                                      " is not a qbi-runner queue (it has tables but no schema "
                                      "version)"};
    return {};
}

}  // namespace

Result<int> migrate(SQLite::Database& db, const std::string& label, int up_to) {
    return guarded(label, [&]() -> Result<int> {
        const int latest = latest_schema_version();
        if (up_to < 0 || up_to > latest) up_to = latest;
        int current = 0;
        {
            // One read snapshot: another process may be migrating this very file, and a
            // version read before its commit with tables read after would look foreign.
            SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
            current = schema_version(db);
            if (current > latest) return newer_error(label, current, latest);
            if (auto st = check_ours(db, label, current); !st) return st.error();
            snapshot.commit();
        }
        for (const Migration& m : embedded_migrations()) {
            if (m.version <= current) continue;
            if (m.version > up_to) break;
            SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
            // Another process may have migrated while we waited for the write lock.
            current = schema_version(db);
            if (current > latest) return newer_error(label, current, latest);
            if (current >= m.version) continue;  // tx rolls back: nothing was written
            if (auto st = check_ours(db, label, current); !st) return st.error();
            try {
                db.exec(std::string(m.sql));
            } catch (const SQLite::Exception& e) {
                Error err = sqlite_error(label, e);
                err.message = "database " + label + ": migration " + std::string(m.file_name) +
                              " failed: " + e.what();
                return err;
            }
            db.exec("PRAGMA user_version = " + std::to_string(m.version));
            tx.commit();
            current = m.version;
        }
        return current;
    });
}

Result<int> check_current(SQLite::Database& db, const std::string& label) {
    return guarded(label, [&]() -> Result<int> {
        const int latest = latest_schema_version();
        SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
        const int current = schema_version(db);
        if (current > latest) return newer_error(label, current, latest);
        if (auto st = check_ours(db, label, current); !st) return st.error();
        if (current < latest)
            return Error{kExitIoErr,
                         "database " + label + " has schema version " + std::to_string(current) +
                             " but this qbi-runner needs " + std::to_string(latest) +
                             ", and it can only be read here (the file or its folder is not "
                             "writable); run qbi-runner once with write access to it to migrate"};
        snapshot.commit();
        return current;
    });
}

}  // namespace qbi::queue
