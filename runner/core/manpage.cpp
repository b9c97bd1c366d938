#include "runner/core/manpage.h"

#include <cctype>
#include <vector>

namespace qbi::man {

namespace {

// Code: every character literal, `-` as the minus sign (so it can be copied), quotes upright.
std::string escape_code(std::string_view text) {
    std::string r;
    for (char c : text) {
        switch (c) {
            case '\\':
                r += "\\e";
                break;
            case '-':
                r += "\\-";
                break;
            case '\'':
                r += "\\(aq";
                break;
            case '`':
                r += "\\(ga";
                break;
            case '^':
                r += "\\(ha";
                break;
            case '~':
                r += "\\(ti";
                break;
            default:
                r += c;
        }
    }
    return r;
}

bool italic_word(std::string_view w) {
    if (w.empty() || w[0] == '.') return false;
    for (char c : w)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
            return false;
    return true;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> r;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        r.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    if (!r.empty() && r.back().empty()) r.pop_back();
    return r;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// A roff input line must not start with a control character.
std::string safe_line(std::string line) {
    if (!line.empty() && (line[0] == '.' || line[0] == '\'')) line.insert(0, "\\&");
    return line;
}

std::string upper(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return r;
}

}  // namespace

std::string escape(std::string_view text) {
    std::string r;
    for (char c : text) r += (c == '\\') ? std::string("\\e") : std::string(1, c);
    return r;
}

std::string markup(std::string_view text) {
    std::string r;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '`') {
            std::size_t end = text.find('`', i + 1);
            if (end != std::string_view::npos) {
                r += "\\fB" + escape_code(text.substr(i + 1, end - i - 1)) + "\\fR";
                i = end;
                continue;
            }
        } else if (c == '*') {
            std::size_t end = text.find('*', i + 1);
            if (end != std::string_view::npos && italic_word(text.substr(i + 1, end - i - 1))) {
                r += "\\fI" + escape(text.substr(i + 1, end - i - 1)) + "\\fR";
                i = end;
                continue;
            }
        }
        r += (c == '\\') ? std::string("\\e") : std::string(1, c);
    }
    return r;
}

ManPage::ManPage(std::string_view name, int section, std::string_view version,
                 std::string_view manual) {
    out_ = ".TH " + upper(name) + " " + std::to_string(section) + " \"\" \"qbi-runner " +
           std::string(version) + "\" \"" + std::string(manual) + "\"\n";
}

void ManPage::name(std::string_view name, std::string_view description) {
    out_ += ".SH NAME\n" + escape(name) + " \\- " + escape(description) + "\n";
}

void ManPage::section(std::string_view heading) {
    out_ += ".SH " + upper(heading) + "\n";
}

void ManPage::subsection(std::string_view heading) {
    out_ += ".SS " + escape(heading) + "\n";
}

void ManPage::text_lines(std::string_view text) {
    for (auto line : lines_of(text)) {
        line = trim(line);
        if (!line.empty()) out_ += safe_line(markup(line)) + "\n";
    }
}

void ManPage::paragraph(std::string_view text) {
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find("\n\n", start);
        if (end == std::string_view::npos) end = text.size();
        auto part = text.substr(start, end - start);
        if (!trim(part).empty()) {
            out_ += ".PP\n";
            text_lines(part);
        }
        start = end + 2;
    }
}

void ManPage::tagged(std::string_view tag, std::string_view arg, std::string_view text) {
    out_ += ".TP\n" + safe_line("\\fB" + escape_code(tag) + "\\fR");
    if (!arg.empty()) out_ += " \\fI" + escape_code(arg) + "\\fR";
    out_ += "\n";
    text_lines(text);
}

void ManPage::tagged_roff(std::string_view roff_tag, std::string_view text) {
    out_ += ".TP\n" + safe_line(std::string(roff_tag)) + "\n";
    text_lines(text);
}

void ManPage::bullet(std::string_view text) {
    out_ += ".IP \\(bu 2\n";
    text_lines(text);
}

void ManPage::literal(std::string_view lines) {
    out_ += ".PP\n.RS 4\n.nf\n";
    for (auto line : lines_of(lines)) out_ += safe_line(escape_code(line)) + "\n";
    out_ += ".fi\n.RE\n";
}

void help_listing(ManPage& page, std::string_view listing) {
    auto lines = lines_of(listing);
    std::string prose, tag, text;
    auto flush = [&] {
        if (!tag.empty()) {
            // "--cert FILE --key FILE", "-q, --quiet": options bold, arguments italic.
            std::string t;
            std::size_t i = 0;
            while (i < tag.size()) {
                std::size_t sp = tag.find(' ', i);
                if (sp == std::string::npos) sp = tag.size();
                std::string word = tag.substr(i, sp - i);
                if (!t.empty()) t += " ";
                t += word[0] == '-' ? "\\fB" + escape_code(word) + "\\fR"
                                    : "\\fI" + escape_code(word) + "\\fR";
                i = sp + 1;
            }
            page.tagged_roff(t, text);
        }
        tag.clear();
        text.clear();
        if (!prose.empty()) page.paragraph(prose);
        prose.clear();
    };
    for (std::size_t n = 0; n < lines.size(); ++n) {
        std::string_view line = lines[n];
        if (trim(line).empty()) {
            flush();
        } else if (line.substr(0, 3) == "  -") {
            flush();
            std::string_view body = line.substr(2);
            std::size_t gap = body.find("  ");
            tag = std::string(trim(body.substr(0, gap)));
            if (gap != std::string_view::npos) text = std::string(trim(body.substr(gap)));
        } else if (line[0] == ' ' && !tag.empty()) {
            text += "\n" + std::string(trim(line));
        } else if (line[0] != ' ' && n + 1 < lines.size() && lines[n + 1].substr(0, 3) == "  -") {
            flush();
            page.subsection(trim(line));
        } else {
            if (!tag.empty()) flush();
            prose += std::string(trim(line)) + "\n";
        }
    }
    flush();
}

void markdown(ManPage& page, std::string_view text) {
    std::string para, code;
    bool in_code = false, in_item = false;
    auto flush = [&] {
        if (in_item) {
            page.bullet(para);
        } else if (!para.empty()) {
            page.paragraph(para);
        }
        para.clear();
        in_item = false;
    };
    for (auto line : lines_of(text)) {
        if (line.substr(0, 3) == "```") {
            if (in_code) {
                page.literal(code);
                code.clear();
            } else {
                flush();
            }
            in_code = !in_code;
        } else if (in_code) {
            code += std::string(line) + "\n";
        } else if (line.substr(0, 2) == "# ") {
            flush();
        } else if (line.substr(0, 3) == "## ") {
            flush();
            page.section(line.substr(3));
        } else if (line.substr(0, 4) == "### ") {
            flush();
            page.subsection(line.substr(4));
        } else if (line.substr(0, 2) == "- ") {
            flush();
            in_item = true;
            para = std::string(line.substr(2)) + "\n";
        } else if (trim(line).empty()) {
            flush();
        } else {
            para += std::string(line) + "\n";
        }
    }
    flush();
}

}  // namespace qbi::man
