#pragma once
// Internal to runner/jobs: reading typed values out of a YamlTree, with every failure reported
// to Diagnostics as "<what>: expected <X>, got <Y>". Not thread-safe; one per file.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/jobs/diagnostics.h"
#include "runner/jobs/yaml_tree.h"

namespace qbi::jobs::detail {

// What an ID looks like (Quick BI user, work, report, group and organisation IDs).
inline constexpr const char* kExpectId = "an ID (a string of A-Za-z0-9._:@-, 1–128 characters)";
inline constexpr const char* kExpectJobName =
    "a job name (a string of A-Za-z0-9._-, 1–128 characters)";
inline constexpr std::size_t kMaxIdLength = 128;

// The YAML type of a node. Plain scalars are typed by their text (YAML 1.2 core schema numbers,
// and the YAML 1.1 booleans yes/no/on/off/y/n that yaml-cpp also reads as booleans); quoted
// and block scalars are always Text.
enum class ValueType { Null, Bool, Int, Float, Text, OtherTag, Sequence, Map };

ValueType plain_scalar_type(std::string_view text);

// A string shown in a message: double-quoted, escaped, cut after 40 bytes with "...".
std::string quoted(std::string_view text);

// One key/value pair of a map.
struct MapEntry {
    std::string_view key;
    std::size_t key_pos = 0;
    int value = -1;  // node index (unresolved)
};

class ValueReader {
public:
    ValueReader(const YamlTree& tree, Diagnostics& diag) : t_(tree), d_(diag) {}

    const YamlTree& tree() const { return t_; }
    Diagnostics& diag() { return d_; }
    std::size_t pos(int index) const { return t_.node(index).pos; }
    ValueType type(int index) const;
    // "an empty value", "a map", "an empty list", "the boolean yes", "the number 1.5",
    // "the number 7", "an empty string", "\"text\"", "a value tagged !x".
    std::string describe(int index) const;

    // Where to report a problem with a map value: the value itself, or its key when the value
    // is empty (yaml-cpp places an empty value at the next token, often on the next line).
    std::size_t value_pos(const MapEntry& e) const;

    // The pairs of a map in document order. Reports keys that are not scalars
    // ("expected a key name, got a list") and repeated keys ("duplicate key 'job' (first at
    // line 2, column 1)"); neither is returned.
    std::vector<MapEntry> entries(int map_index);

    // An ID: plain integers count as their text exactly as written; quoted text as written.
    // Reports "<what>: expected an ID (...), got ..." at `at` and returns nullopt otherwise.
    // `hint` is appended when a list was given (e.g. "; write one cancel-collection per user").
    std::optional<std::string_view> id(int index, std::string_view what, std::size_t at,
                                       std::string_view hint = {});
    // A job name: like an ID without ':' and '@'.
    std::optional<std::string_view> job_name(int index, std::string_view what, std::size_t at);
    // An ID or a non-empty list of IDs, appended to `out` in order. Returns false if anything
    // was reported. List elements are named "<what>[i]" (0-based).
    bool id_list(int index, std::string_view what, std::size_t at,
                 std::vector<std::string_view>& out);
    // Text of a scalar of any type (numbers and booleans as written); nullopt for
    // containers and null.
    std::optional<std::string_view> scalar_text(int index) const;

private:
    std::optional<std::string_view> identifier(int index, std::string_view what, std::size_t at,
                                               std::string_view hint, bool is_job_name);

    const YamlTree& t_;
    Diagnostics& d_;
};

}  // namespace qbi::jobs::detail
