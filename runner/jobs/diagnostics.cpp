#include "runner/jobs/diagnostics.h"

#include <algorithm>

namespace qbi::jobs::detail {

std::pair<int, int> SourceMap::locate(std::size_t pos) const {
    if (load_) {
        loaded_ = load_();
        text_ = loaded_;
        load_ = nullptr;
    }
    if (line_starts_.empty()) {
        line_starts_.push_back(0);
        for (std::size_t i = 0; i < text_.size(); ++i)
            if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
    pos = std::min(pos, text_.size());
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    std::size_t line_index = static_cast<std::size_t>(it - line_starts_.begin()) - 1;
    int column = 1;
    for (std::size_t i = line_starts_[line_index]; i < pos; ++i)
        if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    return {static_cast<int>(line_index) + 1, column};
}

void Diagnostics::at(std::size_t pos, std::string message) {
    auto [line, column] = map_.locate(pos);
    add(line, column, std::move(message));
}

void Diagnostics::whole_file(std::string message) {
    add(0, 0, std::move(message));
}

void Diagnostics::add(int line, int column, std::string message) {
    if (capped_) throw TooManyErrors{};
    if (errors_.size() >= max_errors_) {
        capped_ = true;
        errors_.push_back(
            {file_, line, column, "too many errors; stopped after " + std::to_string(max_errors_)});
        throw TooManyErrors{};
    }
    errors_.push_back({file_, line, column, std::move(message)});
}

std::vector<ValidationError> Diagnostics::take() {
    auto end = capped_ ? errors_.end() - 1 : errors_.end();
    std::stable_sort(errors_.begin(), end, [](const ValidationError& a, const ValidationError& b) {
        return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return std::move(errors_);
}

}  // namespace qbi::jobs::detail
