#pragma once
// The one JSON writer: a small ordered document (null, bool, integer, number, string, array,
// object, and pre-rendered JSON text) rendered as compact JSON. Objects keep insertion order,
// so every --json document, the simulator's answers and the metrics and reports come out with
// their fields in the documented order ("schema" first, "RequestId" first).
//
// Strings are escaped with qbi::json_escape (", \, control characters as \uXXXX; other bytes
// as they are). Raw text is written verbatim: the caller guarantees it is valid JSON (the
// queue's canonical params, a server's body that parsed).
//
// Thread-safety: a plain value; not synchronised.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace qbi::json {

class Value {
public:
    using Array = std::vector<Value>;
    using Object = std::vector<std::pair<std::string, Value>>;
    struct Raw {
        std::string text;
    };
    enum class Kind { Null, Bool, Int, Number, String, Array, Object, Raw };

    Value() = default;                                            // null
    Value(bool b) : v_(b) {}                                      // NOLINT: implicit by design
    Value(int i) : v_(static_cast<std::int64_t>(i)) {}            // NOLINT
    Value(long i) : v_(static_cast<std::int64_t>(i)) {}           // NOLINT
    Value(long long i) : v_(static_cast<std::int64_t>(i)) {}      // NOLINT
    Value(unsigned i) : v_(static_cast<std::int64_t>(i)) {}       // NOLINT
    Value(unsigned long i) : v_(static_cast<std::int64_t>(i)) {}  // NOLINT
    Value(double d) : v_(d) {}                                    // NOLINT
    Value(std::string s) : v_(std::move(s)) {}                    // NOLINT
    Value(std::string_view s) : v_(std::string(s)) {}             // NOLINT
    Value(const char* s) : v_(std::string(s)) {}                  // NOLINT
    static Value array() { return Value(Array{}); }
    static Value object() { return Value(Object{}); }
    // `text` must be one valid JSON value; it is written as it is.
    static Value raw(std::string text) { return Value(Raw{std::move(text)}); }
    // Text, or null when `present` is false.
    static Value string_or_null(bool present, std::string text) {
        return present ? Value(std::move(text)) : Value();
    }

    Kind kind() const { return static_cast<Kind>(v_.index()); }
    bool is_null() const { return kind() == Kind::Null; }
    bool is_array() const { return kind() == Kind::Array; }
    bool is_object() const { return kind() == Kind::Object; }

    // Appends a member to an object (the caller keeps keys unique). Returns *this for chains.
    Value& set(std::string key, Value value);
    // Appends an element to an array.
    Value& push(Value value);
    // Object member lookup; nullptr if absent or not an object.
    const Value* find(const std::string& key) const;

    bool as_bool() const { return std::get<bool>(v_); }
    std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
    double as_number() const { return std::get<double>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }
    const Array& items() const { return std::get<Array>(v_); }
    const Object& members() const { return std::get<Object>(v_); }
    const std::string& raw_text() const { return std::get<Raw>(v_).text; }

    std::string to_json() const;
    void write_json(std::string& out) const;

private:
    explicit Value(Array a) : v_(std::move(a)) {}
    explicit Value(Object o) : v_(std::move(o)) {}
    explicit Value(Raw r) : v_(std::move(r)) {}
    std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object, Raw> v_;
};

// A finite number as JSON: integers without a fraction, others with up to 6 significant
// decimals ("0.5", "12.25"); non-finite values as null (JSON has no NaN).
std::string number_text(double d);

}  // namespace qbi::json
