#pragma once
// A small leveled logger writing single lines to a sink (stderr by default).
// Every message is passed through printable() (core/strings.h) first: a newline or a terminal
// escape in a file name or a server's message cannot forge or split a line.
// Under systemd, when JOURNAL_STREAM names stderr (see stream_is_journal), each stderr line
// starts with its syslog priority, "<3>" error, "<4>" warning, "<6>" info, "<7>" debug (the
// sd-daemon convention the journal reads, so `journalctl -p err` works).
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

// True when `journal_stream` (the value of $JOURNAL_STREAM, "DEVICE:INODE" in decimal) names
// the file open on `fd`: systemd connected that stream to the journal.
bool stream_is_journal(std::string_view journal_stream, int fd);
// Turns the "<N>" priority prefix of stderr lines on or off (off at start).
void set_journal_priorities(bool on);
// "<3>", "<4>", "<6>" or "<7>" when priorities are on, else "": for the few lines written to
// stderr without the logger (the command line's error and warning lines).
std::string_view priority_prefix(Level level);

// Parses "debug", "info", "warn" (or "warning"), "error", "off"; nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);

}  // namespace qbi::log
