#include "runner/metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace qbi::metrics {

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15)
        return std::to_string(static_cast<std::int64_t>(v));
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += escape_help(help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
}

void TextWriter::labels(std::initializer_list<Label> labels) {
    if (labels.size() == 0) return;
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        out_ += escape_label_value(v);
        out_ += '"';
    }
    out_ += '}';
}

void TextWriter::sample(std::string_view name, std::initializer_list<Label> l, double value) {
    out_ += name;
    labels(l);
    out_ += ' ';
    out_ += format_value(value);
    out_ += '\n';
}

void TextWriter::sample(std::string_view name, std::initializer_list<Label> l, std::int64_t value) {
    out_ += name;
    labels(l);
    out_ += ' ';
    out_ += std::to_string(value);
    out_ += '\n';
}

}  // namespace qbi::metrics
