#pragma once
// Internal to runner/jobs: positions in the source text and the error list of one file.
// Not thread-safe; one instance per file being read.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/jobs/job_spec.h"

namespace qbi::jobs::detail {

// Maps byte offsets of a text to 1-based (line, column). Lines end at '\n'; the column counts
// Unicode code points (UTF-8 continuation bytes are skipped), as an editor shows it.
// The text must outlive the map.
class SourceMap {
public:
    explicit SourceMap(std::string_view text) : text_(text) {}
    // For a text not held in memory (a streamed parse): `load` gives it on the first locate(),
    // that is, only when there is an error to place.
    explicit SourceMap(std::function<std::string()> load) : load_(std::move(load)) {}
    std::pair<int, int> locate(std::size_t pos) const;

private:
    mutable std::string_view text_;
    mutable std::function<std::string()> load_;
    mutable std::string loaded_;
    mutable std::vector<std::size_t> line_starts_;  // built on first use
};

// Thrown by Diagnostics once the cap is exceeded; caught by the parser's driver.
struct TooManyErrors {};

// Collects the errors of one file, up to `max_errors`. The error after the cap is replaced by
// "too many errors; stopped after N" and TooManyErrors is thrown to end validation.
class Diagnostics {
public:
    Diagnostics(std::string file, const SourceMap& map, std::size_t max_errors)
        : file_(std::move(file)), map_(map), max_errors_(max_errors == 0 ? 1 : max_errors) {}

    // An error at byte offset `pos` of the text.
    void at(std::size_t pos, std::string message);
    // An error about the file as a whole (line 0).
    void whole_file(std::string message);

    // 1-based line and column of a byte offset (for messages that mention another place).
    std::pair<int, int> locate(std::size_t pos) const { return map_.locate(pos); }

    bool empty() const { return errors_.empty(); }
    std::size_t size() const { return errors_.size(); }
    // The errors sorted by position (whole-file errors first, the cap notice last).
    std::vector<ValidationError> take();

private:
    void add(int line, int column, std::string message);

    std::string file_;
    const SourceMap& map_;
    std::size_t max_errors_;
    std::vector<ValidationError> errors_;
    bool capped_ = false;
};

}  // namespace qbi::jobs::detail
