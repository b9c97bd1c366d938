#pragma once
// Internal to runner/jobs: checks on the raw bytes of a job file, made before YAML parsing so
// their errors point at the exact byte instead of at whatever the YAML scanner trips over.
// Pure functions; thread-safe.
#include <cstddef>
#include <string>
#include <string_view>

#include "runner/jobs/diagnostics.h"

namespace qbi::jobs::detail {

// Offset of the first byte that does not belong to valid UTF-8 (overlongs, surrogates and
// code points above U+10FFFF are invalid), or npos if the whole text is valid.
std::size_t first_invalid_utf8(std::string_view text);

// Reports, in order:
//   - the first invalid UTF-8 byte: "invalid UTF-8 (byte 0xFF); job files must be UTF-8"
//     (only this one error: positions after it would be guesses);
//   - otherwise every line whose leading whitespace holds a tab, at the first such tab:
//     "tab in indentation; YAML indents with spaces only" (yaml-cpp rejects these even on
//     blank and comment-only lines; tabs after the first non-blank character are left to YAML);
//   - and every control character other than tab, LF, CR:
//     "control character U+0007 is not allowed in a job file".
// Returns true if nothing was reported. May throw TooManyErrors (from Diagnostics).
bool check_text(std::string_view text, Diagnostics& diag);

// check_text's verdict without its messages, for a text read in pieces: feed() each piece in
// order (a UTF-8 sequence may be split between pieces) and finish() at the end. Once either
// returns false the text is one check_text would report on (and the pieces need not go on).
class TextScreen {
public:
    bool feed(std::string_view piece);
    bool finish() { return clean_ && pending_.empty(); }

private:
    bool clean_ = true;
    bool at_line_start_ = true;
    bool tab_in_indent_ = false;
    std::string pending_;  // the start of a UTF-8 sequence cut at the end of the last piece
};

}  // namespace qbi::jobs::detail
