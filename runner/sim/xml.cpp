#include "runner/sim/xml.h"

#include "runner/core/strings.h"

namespace qbi::sim {

namespace {

void write_xml(const json::Value& v, std::string& out, const std::string& name) {
    using Kind = json::Value::Kind;
    out += '<' + name + '>';
    switch (v.kind()) {
        case Kind::Null:
            break;
        case Kind::Bool:
            out += v.as_bool() ? "true" : "false";
            break;
        case Kind::Int:
            out += std::to_string(v.as_int());
            break;
        case Kind::Number:
            out += json::number_text(v.as_number());
            break;
        case Kind::String:
            out += markup_escape(v.as_string());
            break;
        case Kind::Raw:
            out += markup_escape(v.raw_text());
            break;
        case Kind::Array:
            for (const auto& item : v.items()) write_xml(item, out, name);
            break;
        case Kind::Object:
            for (const auto& [k, m] : v.members()) write_xml(m, out, k);
            break;
    }
    out += "</" + name + '>';
}

}  // namespace

std::string to_xml_document(const json::Value& v, const std::string& root) {
    std::string out = "<?xml version='1.0' encoding='UTF-8'?>";
    write_xml(v, out, root);
    return out;
}

}  // namespace qbi::sim
