#pragma once
// Internal to runner/jobs: a compact read-only tree of one YAML document, built from yaml-cpp's
// event parser. yaml-cpp's own YAML::Node costs ~3.5 KB per task of a typical job file (measured
// 380 MB for 100k tasks), far over the design's 300 MB budget; this tree costs ~28 bytes per
// node plus the scalar text. It keeps what validation needs and YAML::Node hides or drops:
// whether a scalar was plain or quoted, the exact scalar text, every key of a map in order
// (duplicates included) and the byte offset of each node.
// Not thread-safe to build; immutable (and shareable) once built.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace qbi::jobs::detail {

enum class NodeKind : std::uint8_t { Null, Scalar, Sequence, Map, Alias };

// How a scalar was written. Plain scalars are typed by their text (see job_values.h); the
// others by their tag.
enum class ScalarTag : std::uint8_t {
    Plain,     // no quotes, no tag ("?")
    NonPlain,  // quoted, a block scalar, or the non-specific tag "!": always text
    Str,       // !!str
    Int,       // !!int
    Float,     // !!float
    Bool,      // !!bool
    Null,      // !!null
    Other,     // any other tag (kept in YamlTree::tag_text)
};

struct YamlNode {
    std::uint32_t pos = 0;       // byte offset where the node starts
    std::uint32_t text_off = 0;  // scalar text, in the source (in_source) or the tree's pool
    std::uint32_t text_len = 0;
    std::int32_t first = -1;  // containers: first child; aliases: the anchored node
    std::int32_t next = -1;   // next sibling in the parent container
    std::uint32_t count = 0;  // containers: children (maps: key, value, key, value, ...)
    NodeKind kind = NodeKind::Null;
    ScalarTag tag = ScalarTag::Plain;
    bool in_source = false;  // the scalar is the source text at text_off, verbatim (no copy)
    bool consumed = false;   // an item an ItemHook took: its children are gone (first = -1)
};

class YamlTree {
public:
    bool empty() const { return root_ < 0; }
    // Nodes held (consumed items count one each).
    std::size_t node_count() const { return nodes_.size(); }
    int root() const { return root_; }
    // Follows aliases to the node they name.
    int resolve(int index) const;
    const YamlNode& node(int index) const {
        return nodes_[static_cast<std::size_t>(resolve(index))];
    }
    std::string_view text(const YamlNode& n) const {
        return (n.in_source ? source_ : std::string_view(pool_)).substr(n.text_off, n.text_len);
    }
    // The tag of a ScalarTag::Other scalar, as written (e.g. "!secret").
    std::string tag_text(int index) const;

    // Children of a container node, in document order: for (int c = first_child(i); c >= 0;
    // c = next_sibling(c)). Indices are unresolved (call node() or resolve()).
    int first_child(int index) const { return node(index).first; }
    int next_sibling(int index) const { return nodes_[static_cast<std::size_t>(index)].next; }

private:
    friend class TreeBuilder;
    // A deque: growing never copies (a vector's doubling would briefly hold the nodes twice,
    // ~60 MB at a million scalars).
    std::deque<YamlNode> nodes_;
    std::string_view source_;  // the parsed text: must outlive the tree
    std::string pool_;         // scalars that differ from their source text (quoted, escaped)
    std::unordered_map<int, std::string> other_tags_;
    int root_ = -1;
};

struct YamlParseError {
    std::size_t pos = 0;  // byte offset of the problem
    std::string message;  // complete, e.g. "YAML syntax error: illegal map value"
};

// Sees each item of one top-level list while the document is still being parsed, so that a
// long list never has to be held whole. `fn` is called once per item that is a map or a list,
// as soon as the item is complete, for the sequence that is the value of the root map's key
// `key`; `ordinal` is the item's 0-based place in the list. The tree passed is the one being
// built: the item's nodes, the root map's earlier entries and the path to them are complete.
// Returning true consumes the item: its descendants are dropped and the item node stays with
// `consumed` set and no children. An item that defines an anchor is never dropped (a later
// alias may name it). `fn` may throw; the exception leaves parse_yaml.
struct ItemHook {
    std::string_view key;
    std::function<bool(const YamlTree& tree, int item, std::size_t ordinal)> fn;
};

// Parses `text` (UTF-8, byte order mark already removed) as at most one YAML document. The
// tree refers to `text` for scalars written verbatim (most IDs): `text` must outlive it. An
// empty text or one of only comments gives an empty tree. A second document is an error:
// "a second YAML document starts here; a job file holds one document".
// Never throws for bad input (a hook's own exceptions pass through).
std::variant<YamlTree, YamlParseError> parse_yaml(std::string_view text,
                                                  const ItemHook* hook = nullptr);

// The same over a stream (positions count from its start): no scalar refers to a source text,
// each is copied into the tree, so the tree is the whole cost (with a hook, one item of the
// hooked list at a time).
std::variant<YamlTree, YamlParseError> parse_yaml(std::istream& in, const ItemHook* hook);

}  // namespace qbi::jobs::detail
