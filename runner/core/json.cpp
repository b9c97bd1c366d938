#include "runner/core/json.h"

#include <cmath>
#include <cstdio>

#include "runner/core/strings.h"

namespace qbi::json {

Value& Value::set(std::string key, Value value) {
    std::get<Object>(v_).emplace_back(std::move(key), std::move(value));
    return *this;
}

Value& Value::push(Value value) {
    std::get<Array>(v_).push_back(std::move(value));
    return *this;
}

const Value* Value::find(const std::string& key) const {
    if (!is_object()) return nullptr;
    for (const auto& [k, v] : std::get<Object>(v_))
        if (k == key) return &v;
    return nullptr;
}

std::string Value::to_json() const {
    std::string out;
    write_json(out);
    return out;
}

std::string number_text(double d) {
    if (!std::isfinite(d)) return "null";
    if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", d);
    return buf;
}

void Value::write_json(std::string& out) const {
    switch (kind()) {
        case Kind::Null:
            out += "null";
            break;
        case Kind::Bool:
            out += as_bool() ? "true" : "false";
            break;
        case Kind::Int:
            out += std::to_string(as_int());
            break;
        case Kind::Number:
            out += number_text(as_number());
            break;
        case Kind::String:
            out += '"';
            out += json_escape(as_string());
            out += '"';
            break;
        case Kind::Array: {
            out += '[';
            bool first = true;
            for (const auto& item : items()) {
                if (!first) out += ',';
                first = false;
                item.write_json(out);
            }
            out += ']';
            break;
        }
        case Kind::Object: {
            out += '{';
            bool first = true;
            for (const auto& [k, v] : members()) {
                if (!first) out += ',';
                first = false;
                out += '"';
                out += json_escape(k);
                out += "\":";
                v.write_json(out);
            }
            out += '}';
            break;
        }
        case Kind::Raw:
            out += raw_text();
            break;
    }
}

}  // namespace qbi::json
