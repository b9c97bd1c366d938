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
std::optional<JobSpec> validate_job(const YamlTree& tree, Diagnostics& diag,
                                    const JobLimits& limits);

// The content hash of `job` given its task keys sorted and unique (see JobSpec::content_hash).
std::string content_hash_of(const JobSpec& job, const std::vector<std::string>& sorted_keys);

// The `tasks:` list: validation of each item and expansion into TaskSpecs (job_tasks.cpp).
class TaskExpander {
public:
    explicit TaskExpander(ValueReader& reader) : r_(reader) {}

    // Tasks the list asks for as written (fan-out products, duplicates included), computed
    // from the list shapes alone so an oversized job is refused before any work is done on it.
    // Saturates at SIZE_MAX.
    std::size_t raw_count(int tasks_list) const;

    // Validates every item of a non-empty tasks list and appends the tasks it expands to, in
    // file order (duplicates included until collapse()). Nothing is appended once an error has
    // been reported. `expected` (raw_count) sizes the buffers.
    void expand(int tasks_list, std::size_t expected, std::vector<TaskSpec>& out);

    // Removes from `out` every task whose key an earlier task has, keeping file order, and
    // returns the keys of the remaining tasks sorted (for the content hash).
    std::vector<std::string> collapse(std::vector<TaskSpec>& out);

private:
    void item(int node, std::size_t index, std::vector<TaskSpec>& out);
    void cancel_collection(const MapEntry& action, std::vector<TaskSpec>& out);
    void cancel_share(const MapEntry& action, std::vector<TaskSpec>& out);
    void emit(TaskSpec task, std::vector<TaskSpec>& out);
    std::size_t fan_out(int node) const;

    ValueReader& r_;
    // (key, index in out) of every task emitted. Sorting these finds duplicates and gives the
    // sorted keys the content hash needs, without a hash set beside them.
    std::vector<std::pair<std::string, std::uint32_t>> keys_;
};

}  // namespace qbi::jobs::detail
