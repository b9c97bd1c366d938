#pragma once
// A test HTTPS server on 127.0.0.1 that answers every API request with a fixed body chosen by
// the request's action (x-acs-action, or Action in the query), HTTP 200, no signature check:
// for answers the real simulator never gives (malformed data). Its certificate is made at
// start; ca_file() is what a client trusts.
//
// Thread-safety: construct and destroy on one thread; it serves any number of clients.
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <map>
#include <memory>
#include <string>

#include "tests/support/temp_dir.h"

namespace qbi::test {

class CannedServer {
public:
    // `bodies`: action -> response body. An action not in the map answers an error body
    // (InvalidAction.NotFound, HTTP 404).
    // `trickle_ms` > 0: every body is sent one byte every trickle_ms (after the headers, which
    // announce its full length): a server that never stops answering, for call deadlines.
    explicit CannedServer(std::map<std::string, std::string> bodies, int trickle_ms = 0);
    ~CannedServer();
    CannedServer(const CannedServer&) = delete;
    CannedServer& operator=(const CannedServer&) = delete;

    std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(port_); }
    std::string ca_file() const { return (dir_ / "ca.pem").string(); }

private:
    TempDir dir_;
    std::map<std::string, std::string> bodies_;
    int trickle_ms_ = 0;
    int port_ = 0;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace qbi::test
