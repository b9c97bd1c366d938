#pragma once
// The simulator's HTTPS server: HTTP/1.1 over TLS (Poco's TCPServer, HTTP messages and
// sessions) in front of a Simulator.
//
// Contract: start() binds (loopback by default; port 0 picks a free port), and serves until
// stop(). Connections are kept alive (no request limit per connection); each connection is
// served by one thread of a pool of up to `max_threads`, so that many concurrent keep-alive
// clients are served at once. TLS 1.2 or newer; the server does not ask for client
// certificates. A dropped request (--drop) closes the TCP connection without a TLS
// close_notify and without an answer. stop() ends waits in progress (Simulator::shutdown),
// closes every connection and joins every server thread before it returns, so the Simulator
// may be destroyed afterwards. start() ignores SIGPIPE process-wide (a client that hangs up
// must not kill the server).
// Thread-safety: start() and stop() from one controlling thread; port() from any thread.
#include <memory>
#include <string>

#include "runner/core/result.h"
#include "runner/sim/simulator.h"

namespace Poco::Net {
class TCPServer;
}
namespace Poco {
class ThreadPool;
}

namespace qbi::sim {

class Connections;

struct ServerOptions {
    std::string bind = "127.0.0.1";
    int port = 0;  // 0: a free port
    // The certificate and key, as PEM text; or as files (cert_file may hold the chain).
    std::string cert_pem, key_pem;
    std::string cert_file, key_file;
    int max_threads = 512;          // connection threads (>= concurrent keep-alive clients)
    int max_queued = 1024;          // accepted connections waiting for a thread
    int keep_alive_timeout_s = 30;  // idle time before a kept-alive connection is closed
    int io_timeout_s = 60;          // receive timeout while reading a request
    // Plain HTTP serving the metadata service (Simulator::handle_metadata) instead of the API.
    bool plain = false;
};

class SimServer {
public:
    SimServer(Simulator& sim, ServerOptions options);
    ~SimServer();  // stops if running
    SimServer(const SimServer&) = delete;
    SimServer& operator=(const SimServer&) = delete;

    // Binds and starts serving. Errors (bad certificate, address in use) as Result.
    Status start();
    void stop();
    int port() const { return port_; }
    // "https://127.0.0.1:PORT" (the bind address; IPv6 in brackets; http:// when plain).
    std::string endpoint() const;

private:
    Simulator& sim_;
    ServerOptions options_;
    int port_ = 0;
    std::unique_ptr<Connections> connections_;  // outlives the server and its threads
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::TCPServer> server_;
};

}  // namespace qbi::sim
