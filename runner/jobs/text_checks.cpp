#include "runner/jobs/text_checks.h"

#include <cstdio>
#include <string>

namespace qbi::jobs::detail {

std::size_t first_invalid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t n;
        unsigned cp;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return i;
        }
        if (i + n >= s.size()) return i;  // truncated sequence
        for (std::size_t k = 1; k <= n; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return i;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n + 1;
    }
    return std::string_view::npos;
}

namespace {

bool forbidden_control(unsigned char c) {
    return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F;
}

// Bytes at the end of `s` that start a UTF-8 sequence the text does not complete (0 to 3).
std::size_t cut_sequence(std::string_view s) {
    for (std::size_t back = 1; back <= 3 && back <= s.size(); ++back) {
        unsigned char c = static_cast<unsigned char>(s[s.size() - back]);
        if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
        std::size_t need = (c & 0xE0) == 0xC0   ? 2
                           : (c & 0xF0) == 0xE0 ? 3
                           : (c & 0xF8) == 0xF0 ? 4
                                                : 1;
        return need > back ? back : 0;
    }
    return 0;
}

std::string hex_byte(unsigned char b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", b);
    return buf;
}

std::string code_point(unsigned char b) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "U+%04X", b);
    return buf;
}

}  // namespace

bool check_text(std::string_view text, Diagnostics& diag) {
    std::size_t bad = first_invalid_utf8(text);
    if (bad != std::string_view::npos) {
        diag.at(bad, "invalid UTF-8 (byte " + hex_byte(static_cast<unsigned char>(text[bad])) +
                         "); job files must be UTF-8");
        return false;
    }
    bool clean = true;
    bool at_line_start = true;  // still inside the line's leading spaces and tabs
    std::size_t first_tab = std::string_view::npos;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (at_line_start) {
            if (c == '\t') {
                if (first_tab == std::string_view::npos) first_tab = i;
                continue;
            }
            if (c != ' ') {
                at_line_start = false;
                // yaml-cpp refuses a tab anywhere in a line's leading whitespace, even on a
                // blank or comment-only line; say so in plain words, at the tab.
                if (first_tab != std::string_view::npos) {
                    diag.at(first_tab, "tab in indentation; YAML indents with spaces only");
                    clean = false;
                }
                first_tab = std::string_view::npos;
            }
        }
        if (c == '\n') {
            at_line_start = true;
            first_tab = std::string_view::npos;
        } else if (forbidden_control(c)) {
            diag.at(i, "control character " + code_point(c) + " is not allowed in a job file");
            clean = false;
        }
    }
    return clean;
}

bool TextScreen::feed(std::string_view piece) {
    if (!clean_) return false;
    std::string joined;
    if (!pending_.empty()) {
        joined = pending_ + std::string(piece);
        piece = joined;
    }
    const std::size_t cut = cut_sequence(piece);
    std::string_view whole = piece.substr(0, piece.size() - cut);
    if (first_invalid_utf8(whole) != std::string_view::npos) return clean_ = false;
    for (char ch : whole) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (at_line_start_) {
            if (c == '\t') {
                tab_in_indent_ = true;
                continue;
            }
            if (c != ' ') {
                at_line_start_ = false;
                if (tab_in_indent_) return clean_ = false;
            }
        }
        if (c == '\n') {
            at_line_start_ = true;
            tab_in_indent_ = false;
        } else if (forbidden_control(c)) {
            return clean_ = false;
        }
    }
    pending_ = std::string(piece.substr(piece.size() - cut));
    return true;
}

}  // namespace qbi::jobs::detail
