#include "runner/app/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace qbi::app {

Notifier::Notifier(std::string socket_path) : path_(std::move(socket_path)) {
    if (path_.empty() || (path_[0] != '/' && path_[0] != '@')) return;
    if (path_.size() >= sizeof(sockaddr_un::sun_path)) return;
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

Notifier::~Notifier() {
    if (fd_ >= 0) ::close(fd_);
}

bool Notifier::send(const std::string& message) const {
    if (fd_ < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    if (path_[0] == '@')
        addr.sun_path[0] = '\0';  // abstract namespace
    else
        len += 1;  // include the terminating NUL
    ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr*>(&addr), len);
    return n == static_cast<ssize_t>(message.size());
}

std::optional<std::int64_t> watchdog_usec(const std::optional<std::string>& usec,
                                          const std::optional<std::string>& pid) {
    if (!usec) return std::nullopt;
    if (pid && *pid != std::to_string(::getpid())) return std::nullopt;
    try {
        std::size_t pos = 0;
        long long v = std::stoll(*usec, &pos);
        if (pos != usec->size() || v <= 0) return std::nullopt;
        return v;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace qbi::app
