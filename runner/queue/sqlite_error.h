#pragma once
// Turns exceptions from SQLiteCpp (and the standard library) into typed errors at the queue's
// edge (style practice 3). Pure; thread-safe.
#include <SQLiteCpp/Exception.h>

#include <exception>
#include <string>

#include "runner/core/result.h"

namespace qbi::queue {

// "database <label>: <SQLite's message>". Exit class: 75 for busy/locked (temporary), 74 for
// I/O, full disk, permissions, read-only, corrupt or not-a-database, 70 for anything else (a
// constraint violation the API should have prevented is a bug).
Error sqlite_error(const std::string& label, const SQLite::Exception& e);
Error other_error(const std::string& label, const std::exception& e);

// Runs f() (returning Result<T>) and converts any exception it throws.
template <class F>
auto guarded(const std::string& label, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const SQLite::Exception& e) {
        return sqlite_error(label, e);
    } catch (const std::exception& e) {
        return other_error(label, e);
    }
}

}  // namespace qbi::queue
