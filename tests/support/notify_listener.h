#pragma once
// A fake systemd NOTIFY_SOCKET: an AF_UNIX datagram socket bound to a path, collecting the
// messages a process under test sends. Not thread-safe; one reader.
#include <string>
#include <vector>

namespace qbi::test {

class NotifyListener {
public:
    explicit NotifyListener(std::string path);
    ~NotifyListener();
    const std::string& path() const { return path_; }
    // Waits up to timeout_ms for the next datagram; returns "" on timeout.
    std::string receive(int timeout_ms);
    // Receives until a message containing `needle` arrives (or timeout); returns all seen.
    std::vector<std::string> receive_until(const std::string& needle, int timeout_ms);

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace qbi::test
