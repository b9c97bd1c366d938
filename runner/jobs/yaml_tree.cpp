#include "runner/jobs/yaml_tree.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <streambuf>

namespace qbi::jobs::detail {

int YamlTree::resolve(int index) const {
    // Aliases name nodes that were complete or open when the alias was read; following at
    // most nodes_.size() links guards against a malformed chain.
    for (std::size_t guard = 0; guard <= nodes_.size(); ++guard) {
        const YamlNode& n = nodes_[static_cast<std::size_t>(index)];
        if (n.kind != NodeKind::Alias) return index;
        index = n.first;
    }
    return index;
}

std::string YamlTree::tag_text(int index) const {
    auto it = other_tags_.find(resolve(index));
    return it == other_tags_.end() ? std::string() : it->second;
}

namespace {

// An istream over a string_view without copying it.
class ViewBuf : public std::streambuf {
public:
    explicit ViewBuf(std::string_view text) {
        char* b = const_cast<char*>(text.data());
        setg(b, b, b + text.size());
    }
};

struct SecondDocument {
    std::size_t pos;
};

ScalarTag classify_tag(const std::string& tag) {
    if (tag == "?" || tag.empty()) return ScalarTag::Plain;
    if (tag == "!") return ScalarTag::NonPlain;
    static const std::string core = "tag:yaml.org,2002:";
    if (tag.compare(0, core.size(), core) == 0) {
        std::string_view t = std::string_view(tag).substr(core.size());
        if (t == "str") return ScalarTag::Str;
        if (t == "int") return ScalarTag::Int;
        if (t == "float") return ScalarTag::Float;
        if (t == "bool") return ScalarTag::Bool;
        if (t == "null") return ScalarTag::Null;
    }
    return ScalarTag::Other;
}

std::uint32_t pos_of(const YAML::Mark& m) {
    return m.pos < 0 ? 0u : static_cast<std::uint32_t>(m.pos);
}

}  // namespace

// Turns parser events into YamlTree nodes.
class TreeBuilder : public YAML::EventHandler {
public:
    TreeBuilder(YamlTree& tree, std::string_view source, const ItemHook* hook)
        : t_(tree), hook_(hook) {
        t_.source_ = source;
    }

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (documents_++ > 0) throw SecondDocument{pos_of(mark)};
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        add(make(mark, NodeKind::Null), anchor);
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        YamlNode n = make(mark, NodeKind::Alias);
        n.first = anchor < anchors_.size() ? anchors_[anchor] : -1;
        if (n.first < 0) n.kind = NodeKind::Null;  // yaml-cpp rejects unknown anchors first
        add(n, YAML::NullAnchor);
    }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        YamlNode n = make(mark, NodeKind::Scalar);
        n.tag = classify_tag(tag);
        n.text_len = static_cast<std::uint32_t>(value.size());
        // A plain scalar is its source text: point there instead of copying (a million IDs
        // would otherwise cost their size twice).
        if (n.pos + value.size() <= t_.source_.size() &&
            t_.source_.compare(n.pos, value.size(), value) == 0) {
            n.in_source = true;
            n.text_off = n.pos;
        } else {
            n.text_off = static_cast<std::uint32_t>(t_.pool_.size());
            t_.pool_ += value;
        }
        int index = add(n, anchor);
        if (n.tag == ScalarTag::Other) t_.other_tags_[index] = tag;
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        const bool hooked = is_hooked_list();
        int index = add(make(mark, NodeKind::Sequence), anchor);
        open(index);
        if (hooked) hooked_list_ = index;
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(add(make(mark, NodeKind::Map), anchor));
    }
    void OnMapEnd() override { close(); }

private:
    static YamlNode make(const YAML::Mark& mark, NodeKind kind) {
        YamlNode n;
        n.pos = pos_of(mark);
        n.kind = kind;
        return n;
    }

    int add(const YamlNode& n, YAML::anchor_t anchor) {
        int index = static_cast<int>(t_.nodes_.size());
        t_.nodes_.push_back(n);
        if (anchor != YAML::NullAnchor) {
            ++anchors_defined_;
            if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, -1);
            anchors_[anchor] = index;
        }
        if (open_.empty()) {
            if (t_.root_ < 0) t_.root_ = index;
        } else {
            int parent = open_.back();
            int& last = last_child_.back();
            if (last < 0)
                t_.nodes_[static_cast<std::size_t>(parent)].first = index;
            else
                t_.nodes_[static_cast<std::size_t>(last)].next = index;
            last = index;
            ++t_.nodes_[static_cast<std::size_t>(parent)].count;
        }
        return index;
    }
    void open(int index) {
        if (hooked_list_ >= 0 && !open_.empty() && open_.back() == hooked_list_) {
            item_ = index;
            item_anchors_ = anchors_defined_;
            item_pool_ = t_.pool_.size();
        }
        open_.push_back(index);
        last_child_.push_back(-1);
    }
    void close() {
        if (open_.empty()) return;
        const int index = open_.back();
        open_.pop_back();
        last_child_.pop_back();
        if (index == item_) finish_item();
    }

    // The sequence being opened is the value of the root map's hooked key.
    bool is_hooked_list() const {
        if (hook_ == nullptr || hooked_list_ >= 0 || open_.size() != 1) return false;
        const YamlNode& root = t_.nodes_[static_cast<std::size_t>(open_.front())];
        if (root.kind != NodeKind::Map || root.count % 2 == 0) return false;  // not a value
        const YamlNode& key = t_.nodes_[static_cast<std::size_t>(last_child_.front())];
        return key.kind == NodeKind::Scalar && t_.text(key) == hook_->key;
    }

    void finish_item() {
        const int index = item_;
        item_ = -1;
        if (!hook_->fn(t_, index, ordinal_++)) return;
        if (anchors_defined_ != item_anchors_) return;  // a later alias may name a node in it
        const std::size_t keep = static_cast<std::size_t>(index) + 1;
        for (auto it = t_.other_tags_.begin(); it != t_.other_tags_.end();)
            it = static_cast<std::size_t>(it->first) >= keep ? t_.other_tags_.erase(it) : ++it;
        t_.nodes_.resize(keep);
        t_.pool_.resize(item_pool_);
        YamlNode& item = t_.nodes_.back();
        item.first = -1;
        item.count = 0;
        item.consumed = true;
    }

    YamlTree& t_;
    std::vector<int> open_;        // containers being filled, innermost last
    std::vector<int> last_child_;  // the last child added to each open container
    std::vector<int> anchors_;     // anchor id -> node
    int documents_ = 0;
    const ItemHook* hook_ = nullptr;
    int hooked_list_ = -1;  // the hooked sequence, once opened
    int item_ = -1;         // the hooked sequence's container item being filled
    std::size_t ordinal_ = 0;
    std::size_t anchors_defined_ = 0;
    std::size_t item_anchors_ = 0;  // anchors_defined_ when item_ opened
    std::size_t item_pool_ = 0;     // pool size when item_ opened
};

namespace {

std::variant<YamlTree, YamlParseError> parse_stream(std::istream& in, std::string_view source,
                                                    const ItemHook* hook) {
    YamlTree tree;
    try {
        YAML::Parser parser(in);
        TreeBuilder builder(tree, source, hook);
        while (parser.HandleNextDocument(builder)) {
        }
    } catch (const SecondDocument& e) {
        return YamlParseError{e.pos,
                              "a second YAML document starts here; a job file holds one document"};
    } catch (const YAML::DeepRecursion& e) {
        // yaml-cpp's own text here is "bad file"; a job file needs five levels at most.
        return YamlParseError{pos_of(e.mark), "YAML syntax error: nesting too deep"};
    } catch (const YAML::Exception& e) {
        return YamlParseError{pos_of(e.mark), "YAML syntax error: " + e.msg};
    }
    return tree;
}

}  // namespace

std::variant<YamlTree, YamlParseError> parse_yaml(std::string_view text, const ItemHook* hook) {
    ViewBuf buf(text);
    std::istream in(&buf);
    return parse_stream(in, text, hook);
}

std::variant<YamlTree, YamlParseError> parse_yaml(std::istream& in, const ItemHook* hook) {
    return parse_stream(in, {}, hook);
}

}  // namespace qbi::jobs::detail
