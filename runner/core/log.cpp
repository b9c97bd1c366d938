#include "runner/core/log.h"

#include <sys/stat.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <mutex>

#include "runner/core/strings.h"

namespace qbi::log {

namespace {
std::atomic<Level> g_level{Level::Info};
std::atomic<bool> g_priorities{false};
std::mutex g_mutex;
std::function<void(Level, std::string_view)> g_sink;  // guarded by g_mutex

const char* name(Level l) {
    switch (l) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warning";
        case Level::Error:
            return "error";
        case Level::Off:
            break;
    }
    return "";
}
}  // namespace

void set_level(Level l) {
    g_level = l;
}
Level level() {
    return g_level;
}

void set_sink(std::function<void(Level, std::string_view)> sink) {
    std::lock_guard lock(g_mutex);
    g_sink = std::move(sink);
}

void write(Level l, std::string_view message) {
    if (l < g_level.load() || l == Level::Off) return;
    const std::string text = printable(message);
    std::lock_guard lock(g_mutex);
    if (g_sink) {
        g_sink(l, text);
        return;
    }
    const std::string_view prefix = priority_prefix(l);
    std::fprintf(stderr, "%.*sqbi-runner: %s: %.*s\n", static_cast<int>(prefix.size()),
                 prefix.data(), name(l), static_cast<int>(text.size()), text.data());
    std::fflush(stderr);
}

bool stream_is_journal(std::string_view value, int fd) {
    auto colon = value.find(':');
    if (colon == std::string_view::npos) return false;
    unsigned long long dev = 0, ino = 0;
    auto number = [](std::string_view t, unsigned long long& v) {
        auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        return !t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size();
    };
    if (!number(value.substr(0, colon), dev) || !number(value.substr(colon + 1), ino)) return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

void set_journal_priorities(bool on) {
    g_priorities = on;
}

std::string_view priority_prefix(Level l) {
    if (!g_priorities.load()) return "";
    switch (l) {
        case Level::Debug:
            return "<7>";
        case Level::Info:
            return "<6>";
        case Level::Warn:
            return "<4>";
        case Level::Error:
        case Level::Off:
            break;
    }
    return "<3>";
}

std::optional<Level> parse_level(std::string_view t) {
    if (t == "debug") return Level::Debug;
    if (t == "info") return Level::Info;
    if (t == "warn" || t == "warning") return Level::Warn;
    if (t == "error") return Level::Error;
    if (t == "off") return Level::Off;
    return std::nullopt;
}

}  // namespace qbi::log
