#pragma once
// A small leveled logger writing single lines to a sink (stderr by default).
//
// Contract: callers never pass secrets. Credentials are carried in qbi::Secret (api/), which
// has no stream operator, so a secret cannot be formatted into a log line by accident.
// Thread-safety: all functions are safe to call from any thread; lines are never interleaved.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace qbi::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

void set_level(Level level);
Level level();
// Replaces the sink (for tests and for the daemon's journal output). nullptr restores stderr.
void set_sink(std::function<void(Level, std::string_view)> sink);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) {
    write(Level::Debug, m);
}
inline void info(std::string_view m) {
    write(Level::Info, m);
}
inline void warn(std::string_view m) {
    write(Level::Warn, m);
}
inline void error(std::string_view m) {
    write(Level::Error, m);
}

// Parses "debug", "info", "warn" (or "warning"), "error", "off"; nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);

}  // namespace qbi::log
