#pragma once
// Where the API lives: https://host[:port] (design §1; quickbi-api.md §1).
// Thread-safety: plain values and pure functions.
#include <cstdint>
#include <string>

#include "runner/core/result.h"

namespace qbi {

struct Endpoint {
    std::string host;  // DNS name or IP address; IPv6 without brackets
    std::uint16_t port = 443;

    // The Host header and the host that V3 signs: "host", or "host:port" when the port is not
    // 443 (IPv6 in brackets).
    std::string host_header() const;
    // "https://" + host_header().
    std::string url() const;
};

// Accepts exactly https://host[:port] with an optional trailing "/". The scheme is
// case-insensitive. Errors (kExitConfig) quote the text and say what is wrong:
//   "endpoint 'http://x' uses http: only https:// is supported"
//   "endpoint 'x' has no scheme: expected https://host[:port]"
//   "endpoint 'https://' has no host", "endpoint 'https://x/api' has a path: ...", ...
Result<Endpoint> parse_endpoint(const std::string& url);

// The public endpoint host of a region: "quickbi-public.<region>.aliyuncs.com".
std::string region_endpoint(const std::string& region);

}  // namespace qbi
