#include "tests/support/prometheus_text.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <limits>

namespace qbi::test {

std::vector<Sample> parse_exposition(const TempDir& dir, const std::string& text) {
    const auto file = dir.write("parse-" + std::to_string(text.size()) + ".prom", text);
    auto r = run_process(
        {"/usr/bin/python3", std::string(QBI_TEST_SOURCE_DIR) + "/tests/support/parse_metrics.py",
         file.string()},
        std::nullopt, dir.path().string());
    std::vector<Sample> out;
    if (r.exit_code != 0) {
        ADD_FAILURE() << "the Prometheus parser refused the text: " << r.err << "\n" << text;
        return out;
    }
    Poco::JSON::Parser parser;
    auto arr = parser.parse(r.out).extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < arr->size(); ++i) {
        auto o = arr->getObject(static_cast<unsigned>(i));
        Sample s;
        s.name = o->getValue<std::string>("name");
        auto labels = o->getObject("labels");
        for (const auto& k : labels->getNames()) s.labels[k] = labels->getValue<std::string>(k);
        auto v = o->get("value");
        s.value = v.isString() ? std::numeric_limits<double>::infinity() : v.convert<double>();
        out.push_back(std::move(s));
    }
    return out;
}

double value_of(const std::vector<Sample>& samples, const std::string& name,
                const std::map<std::string, std::string>& labels) {
    double sum = 0;
    for (const auto& s : samples) {
        if (s.name != name) continue;
        bool match = true;
        for (const auto& [k, v] : labels)
            if (!s.labels.count(k) || s.labels.at(k) != v) match = false;
        if (match) sum += s.value;
    }
    return sum;
}

ProcessResult promtool_check_metrics(const TempDir& dir, const std::string& text) {
    const auto file = dir.write("lint.prom", text);
    return run_process({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + file.string()},
                       std::nullopt, dir.path().string());
}

HttpAnswer http_request(int port, const std::string& method, const std::string& path) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(5, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    HttpAnswer a;
    a.status = static_cast<int>(resp.getStatus());
    a.content_type = resp.getContentType();
    Poco::StreamCopier::copyToString(in, a.body);
    return a;
}

}  // namespace qbi::test
