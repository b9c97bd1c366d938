#include "runner/jobs/job_values.h"

#include <cstdio>
#include <unordered_map>

#include "runner/core/strings.h"

namespace qbi::jobs::detail {

namespace {

bool all_of(std::string_view s, std::size_t from, bool (*pred)(char)) {
    if (from >= s.size()) return false;
    for (std::size_t i = from; i < s.size(); ++i)
        if (!pred(s[i])) return false;
    return true;
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_octal(char c) {
    return c >= '0' && c <= '7';
}
bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_int(std::string_view s) {
    if (s.size() > 2 && s[0] == '0' && s[1] == 'o') return all_of(s, 2, is_octal);
    if (s.size() > 2 && s[0] == '0' && s[1] == 'x') return all_of(s, 2, is_hex);
    std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    return all_of(s, i, is_digit);
}

// [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?  and the infinities/NaN.
bool is_float(std::string_view s) {
    std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    std::string_view body = s.substr(i);
    if (body == ".inf" || body == ".Inf" || body == ".INF") return true;
    if (i == 0 && (s == ".nan" || s == ".NaN" || s == ".NAN")) return true;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
        if (int_digits == 0 && frac_digits == 0) return false;
    } else if (int_digits == 0) {
        return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        std::size_t exp_digits = 0;
        while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
        if (exp_digits == 0) return false;
    }
    return i == s.size();
}

bool id_char(char c, bool is_job_name) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c)) return true;
    if (c == '.' || c == '_' || c == '-') return true;
    return !is_job_name && (c == ':' || c == '@');
}

bool valid_id(std::string_view text, bool is_job_name) {
    if (text.empty() || text.size() > kMaxIdLength) return false;
    for (char c : text)
        if (!id_char(c, is_job_name)) return false;
    return true;
}

// The character starting at byte i of valid UTF-8 text, for "(' ' is not allowed)".
std::string show_char(std::string_view s, std::size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    unsigned cp = c;
    std::size_t n = 0;
    if ((c & 0xE0) == 0xC0)
        cp = c & 0x1Fu, n = 1;
    else if ((c & 0xF0) == 0xE0)
        cp = c & 0x0Fu, n = 2;
    else if ((c & 0xF8) == 0xF0)
        cp = c & 0x07u, n = 3;
    for (std::size_t k = 1; k <= n && i + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", cp);
    return buf;
}

std::string cut(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return json_escape(text);
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return json_escape(text.substr(0, end)) + "...";
}

// Whether the character at byte i of valid UTF-8 text may be part of an account name; sets
// `len` to its length in bytes. Refused: C0 controls, DEL, C1 controls, the Unicode
// White_Space characters and the zero-width spaces U+200B and U+FEFF.
bool account_char(std::string_view s, std::size_t i, std::size_t& len) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    unsigned cp = c;
    len = 1;
    if ((c & 0xE0) == 0xC0)
        cp = c & 0x1Fu, len = 2;
    else if ((c & 0xF0) == 0xE0)
        cp = c & 0x0Fu, len = 3;
    else if ((c & 0xF8) == 0xF0)
        cp = c & 0x07u, len = 4;
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    if (cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0)) return false;
    if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF)
        return false;
    return true;
}

}  // namespace

ValueType plain_scalar_type(std::string_view s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ValueType::Null;
    static const std::string_view bools[] = {
        "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No",
        "NO",   "on",   "On",   "ON",    "off",   "Off",   "OFF", "y",   "Y",   "n",  "N"};
    for (auto b : bools)
        if (s == b) return ValueType::Bool;
    if (is_int(s)) return ValueType::Int;
    if (is_float(s)) return ValueType::Float;
    return ValueType::Text;
}

std::optional<bool> boolean_word(std::string_view s) {
    static const std::string_view yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                           "on",   "On",   "ON",   "y",   "Y"};
    static const std::string_view no[] = {"false", "False", "FALSE", "no", "No", "NO",
                                          "off",   "Off",   "OFF",   "n",  "N"};
    for (auto w : yes)
        if (s == w) return true;
    for (auto w : no)
        if (s == w) return false;
    return std::nullopt;
}

std::string quoted(std::string_view text) {
    return "\"" + cut(text, 40) + "\"";
}

ValueType ValueReader::type(int index) const {
    const YamlNode& n = t_.node(index);
    switch (n.kind) {
        case NodeKind::Null:
        case NodeKind::Alias:
            return ValueType::Null;
        case NodeKind::Sequence:
            return ValueType::Sequence;
        case NodeKind::Map:
            return ValueType::Map;
        case NodeKind::Scalar:
            break;
    }
    switch (n.tag) {
        case ScalarTag::Plain:
            return plain_scalar_type(t_.text(n));
        case ScalarTag::NonPlain:
        case ScalarTag::Str:
            return ValueType::Text;
        case ScalarTag::Int:
            return ValueType::Int;
        case ScalarTag::Float:
            return ValueType::Float;
        case ScalarTag::Bool:
            return ValueType::Bool;
        case ScalarTag::Null:
            return ValueType::Null;
        case ScalarTag::Other:
            return ValueType::OtherTag;
    }
    return ValueType::Text;
}

std::string ValueReader::describe(int index) const {
    const YamlNode& n = t_.node(index);
    std::string_view text = t_.text(n);
    switch (type(index)) {
        case ValueType::Null:
            return "an empty value";
        case ValueType::Map:
            return n.count == 0 ? "an empty map" : "a map";
        case ValueType::Sequence:
            return n.count == 0 ? "an empty list" : "a list";
        case ValueType::Bool:
            return "the boolean " + cut(text, 40);
        case ValueType::Int:
        case ValueType::Float:
            return "the number " + cut(text, 40);
        case ValueType::Text:
            return text.empty() ? "an empty string" : quoted(text);
        case ValueType::OtherTag:
            return "a value tagged " + cut(t_.tag_text(index), 40);
    }
    return "a value";
}

std::size_t ValueReader::value_pos(const MapEntry& e) const {
    return t_.node(e.value).kind == NodeKind::Null ? e.key_pos : pos(e.value);
}

std::optional<std::string_view> ValueReader::scalar_text(int index) const {
    const YamlNode& n = t_.node(index);
    if (n.kind != NodeKind::Scalar) return std::nullopt;
    return t_.text(n);
}

std::vector<MapEntry> ValueReader::entries(int map_index) {
    std::vector<MapEntry> out;
    const YamlNode& m = t_.node(map_index);
    out.reserve(m.count / 2);
    // Small maps (every map of a valid job file) are searched linearly; a hash index is built
    // only for a map with many keys, so a huge map cannot make this quadratic.
    std::unordered_map<std::string_view, std::size_t> index;
    constexpr std::size_t kLinear = 16;
    for (int k = m.first; k >= 0;) {
        int v = t_.next_sibling(k);
        if (v < 0) break;
        const YamlNode& kn = t_.node(k);
        if (kn.kind != NodeKind::Scalar) {
            d_.at(kn.pos, "expected a key name, got " + describe(k));
        } else {
            std::string_view key = t_.text(kn);
            const MapEntry* first = nullptr;
            if (out.size() < kLinear) {
                for (const auto& e : out)
                    if (e.key == key) first = &e;
            } else {
                if (index.empty())
                    for (std::size_t i = 0; i < out.size(); ++i) index.emplace(out[i].key, i);
                auto it = index.find(key);
                if (it != index.end()) first = &out[it->second];
            }
            if (first != nullptr) {
                auto [line, column] = d_.locate(first->key_pos);
                d_.at(kn.pos, "duplicate key '" + cut(key, 40) + "' (first at line " +
                                  std::to_string(line) + ", column " + std::to_string(column) +
                                  ")");
            } else {
                if (out.size() >= kLinear) index.emplace(key, out.size());
                out.push_back({key, kn.pos, v});
            }
        }
        k = t_.next_sibling(v);
    }
    return out;
}

std::optional<std::string_view> ValueReader::identifier(int index, std::string_view what,
                                                        std::size_t at, std::string_view hint,
                                                        Word word) {
    const char* expected = word == Word::Id        ? kExpectId
                           : word == Word::JobName ? kExpectJobName
                                                   : kExpectAccount;
    auto fail = [&](const std::string& got) -> std::optional<std::string_view> {
        d_.at(at, std::string(what) + ": expected " + expected + ", got " + got);
        return std::nullopt;
    };
    ValueType ty = type(index);
    if (ty == ValueType::Bool || ty == ValueType::Float)
        return fail(describe(index) + "; quote it to use it as text");
    if (ty == ValueType::Sequence) return fail(describe(index) + std::string(hint));
    if (ty != ValueType::Int && ty != ValueType::Text) return fail(describe(index));
    std::string_view text = t_.text(t_.node(index));
    if (text.empty()) return fail("an empty string");
    if (word == Word::Account) {
        std::size_t chars = 0;
        for (std::size_t i = 0; i < text.size(); ++chars) {
            std::size_t len = 1;
            if (!account_char(text, i, len))
                return fail(quoted(text) + " (" + show_char(text, i) + " is not allowed)");
            i += len;
        }
        if (chars > kMaxAccountLength)
            return fail("a string of " + std::to_string(chars) + " characters");
        return text;
    }
    for (std::size_t i = 0; i < text.size(); ++i)
        if (!id_char(text[i], word == Word::JobName))
            return fail(quoted(text) + " (" + show_char(text, i) + " is not allowed)");
    if (text.size() > kMaxIdLength)
        return fail("a string of " + std::to_string(text.size()) + " characters");
    return text;
}

std::optional<std::string_view> ValueReader::id(int index, std::string_view what, std::size_t at,
                                                std::string_view hint) {
    return identifier(index, what, at, hint, Word::Id);
}

std::optional<std::string_view> ValueReader::job_name(int index, std::string_view what,
                                                      std::size_t at) {
    return identifier(index, what, at, {}, Word::JobName);
}

bool ValueReader::id_list(int index, std::string_view what, std::size_t at,
                          std::vector<std::string_view>& out) {
    return word_list(index, what, at, Word::Id, out);
}

bool ValueReader::account_list(int index, std::string_view what, std::size_t at,
                               std::vector<std::string_view>& out) {
    return word_list(index, what, at, Word::Account, out);
}

bool ValueReader::word_list(int index, std::string_view what, std::size_t at, Word word,
                            std::vector<std::string_view>& out) {
    ValueType ty = type(index);
    if (ty == ValueType::Null || ty == ValueType::Map ||
        (ty == ValueType::Sequence && t_.node(index).count == 0)) {
        d_.at(at, std::string(what) +
                      (word == Word::Account
                           ? ": expected an account name or a list of account names, got "
                           : ": expected an ID or a list of IDs, got ") +
                      describe(index));
        return false;
    }
    if (ty != ValueType::Sequence) {
        auto v = identifier(index, what, at, {}, word);
        if (v) out.push_back(*v);
        return v.has_value();
    }
    bool ok = true;
    std::size_t i = 0;
    for (int c = t_.first_child(index); c >= 0; c = t_.next_sibling(c), ++i) {
        // The element name is built only when needed: lists can hold a million IDs.
        const YamlNode& n = t_.node(c);
        ValueType et = type(c);
        if (word == Word::Id && (et == ValueType::Text || et == ValueType::Int) &&
            valid_id(t_.text(n), false)) {
            out.push_back(t_.text(n));
            continue;
        }
        auto v = identifier(c, std::string(what) + "[" + std::to_string(i) + "]", n.pos, {}, word);
        if (v)
            out.push_back(*v);
        else
            ok = false;
    }
    return ok;
}

std::optional<bool> ValueReader::boolean(int index, std::string_view what, std::size_t at) {
    ValueType ty = type(index);
    auto text = scalar_text(index);
    if (ty == ValueType::Bool && text) {
        if (auto b = boolean_word(*text)) return b;
    }
    std::string msg = std::string(what) + ": expected true or false, got " + describe(index);
    if (ty == ValueType::Text && text && boolean_word(*text)) msg += "; write it without quotes";
    d_.at(at, msg);
    return std::nullopt;
}

bool ValueReader::is_plain(int index) const {
    const YamlNode& n = t_.node(index);
    return n.kind == NodeKind::Scalar && n.tag == ScalarTag::Plain;
}

}  // namespace qbi::jobs::detail
