#pragma once
// Internal to runner/jobs: schema v1 (design §3) over a parsed YamlTree. Not thread-safe; one
// call per file.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/jobs/job_spec.h"
#include "runner/jobs/job_values.h"

namespace qbi::jobs::detail {

// Validates a job document and expands its tasks. Returns the JobSpec (all but source_file)
// when nothing was reported, nullopt otherwise. May throw TooManyErrors.
// With a `sink`, every task goes to it as it is reached instead (see parse_job_text_streamed):
// the JobSpec then has no tasks and no content hash.
// `streamed`: the items already taken during the parse (see StreamedTasks).
class StreamedTasks;
std::optional<JobSpec> validate_job(const YamlTree& tree, Diagnostics& diag,
                                    const JobLimits& limits, const TaskSink* sink = nullptr,
                                    const StreamedTasks* streamed = nullptr);

// The content hash of `job` given its task keys sorted and unique (see JobSpec::content_hash).
std::string content_hash_of(const JobSpec& job, const std::vector<std::string>& sorted_keys);

// ---- helpers shared by the task kinds (defined in job_tasks.cpp)
// -------------------------------------

// What to-type takes.
inline constexpr const char* kExpectToType = "one of user, group, organization (or 0, 1, 2)";

// A key of the file as a message shows it: JSON-escaped, cut after 60 bytes.
std::string key_name(std::string_view key);

// "unknown key 'K' in <action>; did you mean 'X'?" with the nearest of `known`, or
// "unknown key 'K' in <action>; expected <expected>" when none is near.
std::string unknown_in(std::string_view key, std::string_view action,
                       const std::vector<std::string>& known, const std::string& expected);

// The value of `key` in a map node (its first occurrence), or -1. No diagnostics.
int find_value(const YamlTree& t, int map, std::string_view key);

// ShareToType of a to-type word, case-insensitive: "user" | "0" -> "0", "group" | "1" -> "1",
// "organization" | "organisation" | "2" -> "2"; nullopt for anything else.
std::optional<std::string> share_to_type(std::string_view text);

// a + b and a * b, saturating at SIZE_MAX.
std::size_t saturating_add(std::size_t a, std::size_t b);
std::size_t saturating_mul(std::size_t a, std::size_t b);

// The `tasks:` list: validation of each item and expansion into TaskSpecs. The explicit kinds
// are in job_tasks.cpp, the discovery kinds (discovery.md §1) in job_discovery.cpp.
class TaskExpander {
public:
    // With a sink, tasks go to it (in file order, duplicates included) instead of `out`.
    explicit TaskExpander(ValueReader& reader, const TaskSink* sink = nullptr)
        : r_(reader), sink_(sink) {}

    // Tasks the list asks for as written (fan-out products, duplicates included), computed
    // from the list shapes alone so an oversized job is refused before any work is done on it.
    // Saturates at SIZE_MAX.
    std::size_t raw_count(int tasks_list) const;

    // raw_count of one item of the list (0 for an item that is not a map).
    std::size_t item_count(int item) const;

    // Validates every item of a non-empty tasks list and appends the tasks it expands to, in
    // file order (duplicates included until collapse()). Nothing is appended once an error has
    // been reported. `expected` (raw_count) sizes the buffers. Items a StreamedTasks consumed
    // are skipped (raw_count skips them too).
    void expand(int tasks_list, std::size_t expected, std::vector<TaskSpec>& out);
    // Validates and expands one item; `index` is its place in the list (for messages).
    void item(int node, std::size_t index, std::vector<TaskSpec>& out);

    // Removes from `out` every task whose key an earlier task has, keeping file order, and
    // returns the keys of the remaining tasks sorted (for the content hash).
    std::vector<std::string> collapse(std::vector<TaskSpec>& out);

private:
    void cancel_collection(const MapEntry& action, std::vector<TaskSpec>& out);
    void cancel_share(const MapEntry& action, std::vector<TaskSpec>& out);
    // offboard-user -> QueryUserInfoByAccount per account, or ListCollections and/or
    // QuerySharesToUserList per user; revoke-shares -> QueryShareList per work, or one
    // QueryWorksByOrganization for `works: all`. Each read carries its ReadScope.
    void offboard_user(const MapEntry& action, std::vector<TaskSpec>& out);
    void revoke_shares(const MapEntry& action, std::vector<TaskSpec>& out);
    // The reads a discovery task item expands to, from its shape alone (0 for other items).
    std::size_t discovery_count(int item) const;
    // revoke-shares' works: `all` (sets `all`), an ID or a non-empty list of IDs (appended to
    // `works`). Returns false if anything was reported.
    bool works_value(const MapEntry& e, std::vector<std::string_view>& works, bool& all);
    // A keyword value: text (any case) that is one of `words`, returned in lower case; else
    // reports "<what>: expected <expected>, got ...".
    std::optional<std::string> keyword(const MapEntry& e, std::string_view what,
                                       const std::vector<std::string>& words,
                                       std::string_view expected);
    void emit(TaskSpec task, std::vector<TaskSpec>& out);
    std::size_t fan_out(int node) const;

    ValueReader& r_;
    // (key, index in out) of every task emitted. Sorting these finds duplicates and gives the
    // sorted keys the content hash needs, without a hash set beside them.
    std::vector<std::pair<std::string, std::uint32_t>> keys_;
    const TaskSink* sink_ = nullptr;
};

// Expands the items of `tasks:` while the file is still being parsed (parse_yaml's ItemHook),
// so that the tree of a large job never holds all its items at once: a streamed parse's memory
// is the text plus one item. Used only with a sink, and only when the root map has shown
// `version: 1` before `tasks` (a file of another version is never read as version 1; such a
// file, or one with `tasks` first, is validated whole as before). Items are validated with the
// same rules and messages as validate_job's; once the raw count passes jobs.max_tasks the rest
// are only counted, and validate_job reports the total.
class StreamedTasks {
public:
    StreamedTasks(Diagnostics& diag, const JobLimits& limits, const TaskSink& sink);
    const ItemHook& hook() const { return hook_; }
    // The raw count (TaskExpander::raw_count) of the items taken so far.
    std::size_t raw() const { return raw_; }

private:
    bool take(const YamlTree& tree, int item, std::size_t ordinal);
    bool version_first(const YamlTree& tree);

    Diagnostics& diag_;
    const JobLimits& limits_;
    const TaskSink& sink_;
    ItemHook hook_;
    std::optional<bool> version_first_;  // decided at the first item
    std::size_t raw_ = 0;
};

}  // namespace qbi::jobs::detail
