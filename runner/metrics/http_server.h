#pragma once
// The metrics endpoint of `serve` (serve.metrics_listen): plain HTTP, `GET /metrics` (or HEAD)
// answers 200 with the Prometheus text format (exposition.h) that `render` returns, any other
// path 404, any other method on /metrics 405. No keep-alive; at most two requests are answered
// at a time, a third waits (up to 16 queued), each connection timing out after 5 s.
//
// Addresses (parse_listen_address): "HOST:PORT" with HOST an IPv4 address, "localhost" or an
// IPv6 address in brackets ("[::1]:9469"); a bare "PORT" means 127.0.0.1:PORT. Port 0 picks a
// free port (tests; port() tells which). Host names other than localhost are refused: the
// operator names the exact address the endpoint is reachable on.
//
// Thread-safety: start/stop from the owning thread; `render` runs on the server's threads,
// possibly two at once, and must be safe for that.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runner/core/result.h"

namespace qbi::metrics {

struct ListenAddress {
    std::string host;  // numeric: 127.0.0.1, ::1, 0.0.0.0, ...
    int port = 0;
    bool loopback = true;      // 127.0.0.0/8 or ::1
    std::string text() const;  // host:port, IPv6 in brackets
};

// Error 78 naming `key` and what was expected.
Result<ListenAddress> parse_listen_address(std::string_view text, std::string_view key);

class MetricsServer {
public:
    using Render = std::function<std::string()>;
    // Binds and starts serving. Error 78: "KEY: cannot listen on ADDR: <reason>" (address in
    // use, not an address of this machine, ...).
    static Result<std::unique_ptr<MetricsServer>> start(const ListenAddress& address, Render render,
                                                        std::string_view key);
    ~MetricsServer();  // stop()
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    int port() const;  // the bound port (the one picked for port 0)
    void stop();       // stops accepting and waits for requests being answered

    struct Impl;

private:
    explicit MetricsServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace qbi::metrics
