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
// What an account name looks like (offboard-user's account: an Alibaba Cloud account name, a
// UID, or a RAM user such as name@parent.onaliyun.com). Length counted in characters.
inline constexpr const char* kExpectAccount =
    "an account name (1–128 characters, no spaces or control characters)";
inline constexpr std::size_t kMaxAccountLength = 128;

// The YAML type of a node. Plain scalars are typed by their text (YAML 1.2 core schema numbers,
// and the YAML 1.1 booleans yes/no/on/off/y/n that yaml-cpp also reads as booleans); quoted
// and block scalars are always Text.
enum class ValueType { Null, Bool, Int, Float, Text, OtherTag, Sequence, Map };

ValueType plain_scalar_type(std::string_view text);

// The value of a plain scalar that plain_scalar_type calls Bool (true/false, yes/no, on/off,
// y/n, each also Capitalised or UPPER); nullopt for any other text.
std::optional<bool> boolean_word(std::string_view text);

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
    // An account name or a non-empty list of them, like id_list. An account name is text (or
    // a plain integer, as written) of 1-128 characters (code points) without control
    // characters (C0, DEL, C1), whitespace (Unicode White_Space) or zero-width spaces (U+200B,
    // U+FEFF); anything else reports "<what>: expected an account name (...), got ..." as id()
    // does. (Unlike IDs, names may hold any other printable character, '&' and '=' included.)
    bool account_list(int index, std::string_view what, std::size_t at,
                      std::vector<std::string_view>& out);
    // A boolean: the plain scalars that YAML 1.2 and yaml-cpp's YAML 1.1 reading both call
    // booleans (true/false, yes/no, on/off, y/n, each also Capitalised or UPPER), or a !!bool
    // tagged one. Anything else reports "<what>: expected true or false, got ..."; a quoted
    // boolean word (text, not a boolean) adds "; write it without quotes".
    std::optional<bool> boolean(int index, std::string_view what, std::size_t at);
    // True for a plain scalar (no quotes, no tag): the form a keyword is written in.
    bool is_plain(int index) const;
    // Text of a scalar of any type (numbers and booleans as written); nullopt for
    // containers and null.
    std::optional<std::string_view> scalar_text(int index) const;

private:
    enum class Word { Id, JobName, Account };
    std::optional<std::string_view> identifier(int index, std::string_view what, std::size_t at,
                                               std::string_view hint, Word word);
    bool word_list(int index, std::string_view what, std::size_t at, Word word,
                   std::vector<std::string_view>& out);

    const YamlTree& t_;
    Diagnostics& d_;
};

}  // namespace qbi::jobs::detail
