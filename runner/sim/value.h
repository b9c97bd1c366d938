#pragma once
// A small ordered document (null, bool, integer, string, array, object) for the simulator's
// answers and state dumps. Objects keep insertion order, so bodies come out exactly in the
// order Quick BI uses ("RequestId" first). Rendered as compact JSON, or as XML for HMAC-SHA1
// requests that ask for Format=XML (the gateway's default).
//
// Thread-safety: a plain value; not synchronised.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace qbi::sim {

class Value {
public:
    using Array = std::vector<Value>;
    using Object = std::vector<std::pair<std::string, Value>>;

    Value() = default;  // null
    Value(bool b) : v_(b) {}                               // NOLINT: implicit by design
    Value(int i) : v_(static_cast<std::int64_t>(i)) {}     // NOLINT
    Value(std::int64_t i) : v_(i) {}                       // NOLINT
    Value(std::string s) : v_(std::move(s)) {}             // NOLINT
    Value(const char* s) : v_(std::string(s)) {}           // NOLINT
    static Value array() { Value v; v.v_ = Array{}; return v; }
    static Value object() { Value v; v.v_ = Object{}; return v; }

    bool is_null() const { return v_.index() == 0; }
    bool is_array() const { return std::holds_alternative<Array>(v_); }
    bool is_object() const { return std::holds_alternative<Object>(v_); }

    // Appends a member to an object (the caller keeps keys unique). Returns *this for chains.
    Value& set(std::string key, Value value);
    // Appends an element to an array.
    Value& push(Value value);
    // Object member lookup; nullptr if absent or not an object.
    const Value* find(const std::string& key) const;
    const Array& items() const { return std::get<Array>(v_); }

    std::string to_json() const;
    void write_json(std::string& out) const;
    // <name>...</name>; arrays repeat their elements as <name> children of <name>.
    void write_xml(std::string& out, const std::string& name) const;

private:
    std::variant<std::monostate, bool, std::int64_t, std::string, Array, Object> v_;
};

// The XML document the gateway returns for Format=XML: declaration plus <root>...</root>.
std::string to_xml_document(const Value& v, const std::string& root);

}  // namespace qbi::sim
