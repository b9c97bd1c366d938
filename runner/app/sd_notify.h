#pragma once
// systemd's notification protocol without libsystemd: one datagram per message to the
// AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract name starting with '@').
// Messages: "READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1", "RELOADING=1".
//
// Thread-safety: Notifier is safe to share; send() is one sendto() on a socket opened once.
#include <cstdint>
#include <optional>
#include <string>

namespace qbi::app {

class Notifier {
public:
    // `socket_path` is the value of $NOTIFY_SOCKET; empty → a no-op notifier (not under systemd).
    explicit Notifier(std::string socket_path);
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    bool enabled() const { return fd_ >= 0; }
    // Sends one message; returns false (and never throws) if it could not be delivered.
    bool send(const std::string& message) const;

private:
    std::string path_;
    int fd_ = -1;
};

// $WATCHDOG_USEC as microseconds if set, valid and meant for this process ($WATCHDOG_PID
// absent or equal to getpid()).
std::optional<std::int64_t> watchdog_usec(const std::optional<std::string>& usec,
                                          const std::optional<std::string>& pid);

}  // namespace qbi::app
