#pragma once
// The metrics tests' view of the Prometheus text format through the real tools: the reference
// parser (Prometheus's Python client, Debian's python3-prometheus-client, driven by
// tests/support/parse_metrics.py) and `promtool check metrics` (Debian's prometheus), plus a
// plain HTTP request to an endpoint on 127.0.0.1.
// Not thread-safe; one call at a time per thread.
#include <map>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace qbi::test {

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

// The samples of `text` as the reference parser reads them; a text it refuses fails the test
// (ADD_FAILURE with the parser's complaint) and gives no samples.
std::vector<Sample> parse_exposition(const TempDir& dir, const std::string& text);

// The sum of the samples named `name` whose labels include `labels`.
double value_of(const std::vector<Sample>& samples, const std::string& name,
                const std::map<std::string, std::string>& labels = {});

// `promtool check metrics` on `text`: its exit code and output.
ProcessResult promtool_check_metrics(const TempDir& dir, const std::string& text);

struct HttpAnswer {
    int status = 0;
    std::string content_type, body;
};
// One request to http://127.0.0.1:PORT/PATH (5 s timeout).
HttpAnswer http_request(int port, const std::string& method, const std::string& path);

}  // namespace qbi::test
