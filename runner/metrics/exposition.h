#pragma once
// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): families announced by
// `# HELP` and `# TYPE`, then their samples `name{label="value",...} number`, one per line,
// each line ending in '\n'.
//
// Contract: label values escape backslash, double quote and line feed (\\, \", \n); HELP text
// escapes backslash and line feed; numbers are written as integers when whole, else in the
// shortest form that reads back exactly, and +Inf, -Inf and NaN as the format spells them.
// Names are the caller's constants and are not checked.
// Thread-safety: a TextWriter is a plain value, for one thread.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace qbi::metrics {

// The Content-Type of the format, for an HTTP answer.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
std::string format_value(double v);

using Label = std::pair<std::string_view, std::string_view>;

class TextWriter {
public:
    // `type`: counter, gauge, histogram (or untyped).
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, std::initializer_list<Label> labels, double value);
    void sample(std::string_view name, std::initializer_list<Label> labels, std::int64_t value);
    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void labels(std::initializer_list<Label> labels);
    std::string out_;
};

}  // namespace qbi::metrics
