#include "runner/jobs/read_scope.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "runner/core/hash.h"
#include "runner/core/strings.h"

namespace qbi::jobs {

namespace {

constexpr const char* kOffboard = "offboard-user";
constexpr const char* kRevoke = "revoke-shares";

std::string str(std::string_view s) {
    return "\"" + json_escape(s) + "\"";
}

// ---- a strict reader for the few JSON shapes a scope holds -----------------------------------

// A scope's values: a string, a boolean, or an array of strings. (A plain struct: GCC 12
// reports a std::variant of these inside std::optional as maybe-uninitialized under
// -fsanitize.)
struct Value {
    enum class Type { Text, Bool, Array } type = Type::Text;
    std::string text;
    bool boolean = false;
    std::vector<std::string> items;
};

class Reader {
public:
    explicit Reader(std::string_view text) : s_(text) {}

    // The members of one object spanning the whole text; nullopt on any syntax error, a
    // repeated key or a value of another shape (number, null, object, array of non-strings).
    std::optional<std::map<std::string, Value>> object() {
        std::map<std::string, Value> out;
        if (!eat('{')) return std::nullopt;
        if (!eat('}')) {
            do {
                auto key = string();
                if (!key || !eat(':')) return std::nullopt;
                Value v;
                if (!value(v) || !out.emplace(std::move(*key), std::move(v)).second)
                    return std::nullopt;
            } while (eat(','));
            if (!eat('}')) return std::nullopt;
        }
        ws();
        if (i_ != s_.size()) return std::nullopt;
        return out;
    }

private:
    void ws() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }
    bool eat(char c) {
        ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool word(std::string_view w) {
        if (s_.substr(i_, w.size()) != w) return false;
        i_ += w.size();
        return true;
    }

    // Returns false on a syntax error or a value of another shape.
    bool value(Value& v) {
        ws();
        for (bool b : {true, false}) {
            if (word(b ? "true" : "false")) {
                v.type = Value::Type::Bool;
                v.boolean = b;
                return true;
            }
        }
        if (eat('[')) {
            v.type = Value::Type::Array;
            if (eat(']')) return true;
            do {
                auto s = string();
                if (!s) return false;
                v.items.push_back(std::move(*s));
            } while (eat(','));
            return eat(']');
        }
        auto s = string();
        if (!s) return false;
        v.type = Value::Type::Text;
        v.text = std::move(*s);
        return true;
    }

    std::optional<unsigned> hex4() {
        if (s_.size() - i_ < 4) return std::nullopt;
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            char c = s_[i_++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<unsigned>(c - 'A' + 10);
            else
                return std::nullopt;
        }
        return v;
    }

    static void utf8(unsigned cp, std::string& out) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    std::optional<std::string> string() {
        if (!eat('"')) return std::nullopt;
        std::string out;
        while (i_ < s_.size()) {
            char c = s_[i_++];
            if (c == '"') {
                if (!valid_utf8(out)) return std::nullopt;
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) return std::nullopt;
            switch (s_[i_++]) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    auto cp = hex4();
                    if (!cp || (*cp >= 0xDC00 && *cp <= 0xDFFF)) return std::nullopt;
                    if (*cp >= 0xD800 && *cp <= 0xDBFF) {  // a surrogate pair
                        if (!word("\\u")) return std::nullopt;
                        auto low = hex4();
                        if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
                        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
                    }
                    utf8(*cp, out);
                    break;
                }
                default:
                    return std::nullopt;
            }
        }
        return std::nullopt;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

// ---- the scope key ---------------------------------------------------------------------------

bool key_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == ':' || c == '@';
}

void append_encoded(std::string& out, std::string_view value) {
    for (char c : value) {
        if (key_char(c)) {
            out += c;
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X",
                          static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += buf;
        }
    }
}

const char* type_name(std::string_view digit) {
    if (digit == "0") return "user";
    if (digit == "1") return "group";
    if (digit == "2") return "organization";
    return "type";
}

}  // namespace

std::string ReadScope::to_json() const {
    std::string out = "{\"kind\":";
    if (kind == Kind::Offboard) {
        out += str(kOffboard);
        out += ",\"account\":" + str(account);
        out += ",\"user\":" + str(user);
        out += std::string(",\"favorites\":") + (favorites ? "true" : "false");
        out += std::string(",\"shares\":") + (direct_shares ? "\"direct\"" : "\"none\"");
        out += std::string(",\"missing\":") + (missing_ok ? "\"ok\"" : "\"fail\"");
    } else {
        out += str(kRevoke);
        out += ",\"to-type\":" + str(to_type);
        out += ",\"to\":[";
        for (std::size_t i = 0; i < to.size(); ++i) out += (i ? "," : "") + str(to[i]);
        out += "]";
    }
    return out + "}";
}

std::optional<ReadScope> ReadScope::from_json(std::string_view text) {
    auto members = Reader(text).object();
    if (!members) return std::nullopt;
    const auto& m = *members;
    auto find = [&m](const char* key, Value::Type type) -> const Value* {
        auto it = m.find(key);
        return it == m.end() || it->second.type != type ? nullptr : &it->second;
    };
    auto text_of = [&find](const char* key) -> const std::string* {
        const Value* v = find(key, Value::Type::Text);
        return v == nullptr ? nullptr : &v->text;
    };
    const std::string* kind = text_of("kind");
    if (kind == nullptr) return std::nullopt;
    ReadScope s;
    if (*kind == kOffboard) {
        s.kind = Kind::Offboard;
        const std::string* account = text_of("account");
        const std::string* user = text_of("user");
        const std::string* shares = text_of("shares");
        const std::string* missing = text_of("missing");
        const Value* fav = find("favorites", Value::Type::Bool);
        if (m.size() != 6 || !account || !user || !shares || !missing || !fav) return std::nullopt;
        if (account->empty() && user->empty()) return std::nullopt;
        if ((*shares != "direct" && *shares != "none") || (*missing != "fail" && *missing != "ok"))
            return std::nullopt;
        s.account = *account;
        s.user = *user;
        s.favorites = fav->boolean;
        s.direct_shares = *shares == "direct";
        s.missing_ok = *missing == "ok";
        return s;
    }
    if (*kind == kRevoke) {
        s.kind = Kind::Revoke;
        const std::string* type = text_of("to-type");
        const Value* to = find("to", Value::Type::Array);
        if (m.size() != 3 || !type || !to) return std::nullopt;
        const std::vector<std::string>* ids = &to->items;
        if (*type != "0" && *type != "1" && *type != "2") return std::nullopt;
        if (ids->empty()) return std::nullopt;
        for (std::size_t i = 0; i < ids->size(); ++i)
            if ((*ids)[i].empty() || (i > 0 && !((*ids)[i - 1] < (*ids)[i]))) return std::nullopt;
        s.to_type = *type;
        s.to = *ids;
        return s;
    }
    return std::nullopt;
}

std::string ReadScope::key() const {
    std::string out;
    if (kind == Kind::Offboard) {
        out = kOffboard;
        char sep = ' ';
        if (!account.empty()) {
            out += " account=";
            append_encoded(out, account);
            sep = '&';
        }
        if (!user.empty()) {
            out += sep;
            out += "user=";
            append_encoded(out, user);
            sep = '&';
        }
        out += sep;
        out += std::string("favorites=") + (favorites ? "true" : "false");
        out += std::string("&shares=") + (direct_shares ? "direct" : "none");
        out += std::string("&missing=") + (missing_ok ? "ok" : "fail");
    } else {
        out = kRevoke;
        out += " to-type=";
        append_encoded(out, to_type);
        out += "&to=";
        for (std::size_t i = 0; i < to.size(); ++i) {
            if (i) out += ',';
            append_encoded(out, to[i]);
        }
    }
    if (out.size() <= kMaxPlainKey) return out;
    return std::string(kind == Kind::Offboard ? kOffboard : kRevoke) +
           " sha256=" + sha256_hex(out).substr(0, 32);
}

std::string ReadScope::describe() const {
    if (kind == Kind::Revoke) {
        std::string out = std::string("revoking shares to ") + type_name(to_type) + " ";
        constexpr std::size_t kShown = 3;
        for (std::size_t i = 0; i < to.size() && i < kShown; ++i) out += (i ? ", " : "") + to[i];
        if (to.size() > kShown) out += " and " + std::to_string(to.size() - kShown) + " more";
        return out;
    }
    std::string out = "offboarding";
    if (!account.empty()) out += " account " + account;
    if (!user.empty()) out += std::string(account.empty() ? "" : ",") + " user " + user;
    if (favorites && direct_shares)
        out += ": favourites and direct shares";
    else if (favorites)
        out += ": favourites";
    else if (direct_shares)
        out += ": direct shares";
    else
        out += ": nothing";
    if (missing_ok) out += "; missing ok";
    return out;
}

}  // namespace qbi::jobs
