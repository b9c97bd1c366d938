#include "runner/sim/value.h"

#include "runner/core/strings.h"

namespace qbi::sim {

namespace {

std::string xml_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

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

void Value::write_json(std::string& out) const {
    switch (v_.index()) {
        case 0: out += "null"; break;
        case 1: out += std::get<bool>(v_) ? "true" : "false"; break;
        case 2: out += std::to_string(std::get<std::int64_t>(v_)); break;
        case 3:
            out += '"';
            out += json_escape(std::get<std::string>(v_));
            out += '"';
            break;
        case 4: {
            out += '[';
            bool first = true;
            for (const auto& item : std::get<Array>(v_)) {
                if (!first) out += ',';
                first = false;
                item.write_json(out);
            }
            out += ']';
            break;
        }
        default: {
            out += '{';
            bool first = true;
            for (const auto& [k, v] : std::get<Object>(v_)) {
                if (!first) out += ',';
                first = false;
                out += '"';
                out += json_escape(k);
                out += "\":";
                v.write_json(out);
            }
            out += '}';
        }
    }
}

void Value::write_xml(std::string& out, const std::string& name) const {
    out += '<' + name + '>';
    switch (v_.index()) {
        case 0: break;
        case 1: out += std::get<bool>(v_) ? "true" : "false"; break;
        case 2: out += std::to_string(std::get<std::int64_t>(v_)); break;
        case 3: out += xml_escape(std::get<std::string>(v_)); break;
        case 4:
            for (const auto& item : std::get<Array>(v_)) item.write_xml(out, name);
            break;
        default:
            for (const auto& [k, v] : std::get<Object>(v_)) v.write_xml(out, k);
    }
    out += "</" + name + '>';
}

std::string to_xml_document(const Value& v, const std::string& root) {
    std::string out = "<?xml version='1.0' encoding='UTF-8'?>";
    v.write_xml(out, root);
    return out;
}

}  // namespace qbi::sim
