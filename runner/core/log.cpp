#include "runner/core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace qbi::log {

namespace {
std::atomic<Level> g_level{Level::Info};
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
    std::lock_guard lock(g_mutex);
    if (g_sink) {
        g_sink(l, message);
        return;
    }
    std::fprintf(stderr, "qbi-runner: %s: %.*s\n", name(l), static_cast<int>(message.size()),
                 message.data());
    std::fflush(stderr);
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
