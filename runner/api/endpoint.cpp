#include "runner/api/endpoint.h"

#include <cctype>

#include "runner/core/strings.h"

namespace qbi {

namespace {

Error endpoint_error(const std::string& url, const std::string& what) {
    return Error{kExitConfig, "endpoint '" + url + "' " + what};
}

bool valid_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string Endpoint::host_header() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != 443) h += ":" + std::to_string(port);
    return h;
}

std::string Endpoint::url() const {
    return "https://" + host_header();
}

Result<Endpoint> parse_endpoint(const std::string& url) {
    const std::string expected = ": expected https://host[:port]";
    if (trim(url).empty()) return Error{kExitConfig, "endpoint is empty" + expected};
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return endpoint_error(url, "has no scheme" + expected);
    std::string scheme = to_lower(url.substr(0, scheme_end));
    if (scheme == "http") return endpoint_error(url, "uses http: only https:// is supported");
    if (scheme != "https")
        return endpoint_error(url, "uses scheme '" + url.substr(0, scheme_end) + "'" + expected);

    std::string rest = url.substr(scheme_end + 3);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.find_first_of("?#") != std::string::npos)
        return endpoint_error(url, "has a query or fragment" + expected);
    if (rest.find('/') != std::string::npos) return endpoint_error(url, "has a path" + expected);
    if (rest.find('@') != std::string::npos)
        return endpoint_error(url, "has user information" + expected);

    Endpoint ep;
    std::string port_text;
    if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
        auto close = rest.find(']');
        if (close == std::string::npos) return endpoint_error(url, "has an unclosed '['");
        ep.host = rest.substr(1, close - 1);
        std::string after = rest.substr(close + 1);
        if (!after.empty() && after[0] != ':')
            return endpoint_error(url, "has text after ']'" + expected);
        if (!after.empty()) port_text = after.substr(1);
        for (char c : ep.host)
            if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
                return endpoint_error(url, "has an invalid IPv6 address");
        if (!after.empty() && port_text.empty()) return endpoint_error(url, "has an empty port");
    } else {
        auto colon = rest.find(':');
        ep.host = rest.substr(0, colon);
        if (colon != std::string::npos) {
            port_text = rest.substr(colon + 1);
            if (port_text.empty()) return endpoint_error(url, "has an empty port");
        }
        for (char c : ep.host)
            if (!valid_host_char(c))
                return endpoint_error(url, "has an invalid character in its host name");
    }
    if (ep.host.empty()) return endpoint_error(url, "has no host");
    if (!port_text.empty()) {
        unsigned long port = 0;
        bool digits = port_text.size() <= 5;
        for (char c : port_text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
        if (digits) port = std::stoul(port_text);
        if (!digits || port == 0 || port > 65535)
            return endpoint_error(url, "has an invalid port '" + port_text + "' (1-65535)");
        ep.port = static_cast<std::uint16_t>(port);
    }
    return ep;
}

std::string region_endpoint(const std::string& region) {
    return "quickbi-public." + region + ".aliyuncs.com";
}

}  // namespace qbi
