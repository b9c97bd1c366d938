#pragma once
// Internal to runner/jobs: schema v1 (design §3) over a parsed YamlTree. Not thread-safe; one
// call per file.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "runner/jobs/job_spec.h"
#include "runner/jobs/job_values.h"

namespace qbi::jobs::detail {

// Validates a job document and expands its tasks. Returns the JobSpec (without source_file and
// content_hash) when nothing was reported, nullopt otherwise. May throw TooManyErrors.
std::optional<JobSpec> validate_job(const YamlTree& tree, Diagnostics& diag,
                                    const JobLimits& limits);

// The `tasks:` list: validation of each item and expansion into TaskSpecs (job_tasks.cpp).
class TaskExpander {
public:
    explicit TaskExpander(ValueReader& reader) : r_(reader) {}

    // Tasks the list asks for as written (fan-out products, duplicates included), computed
    // from the list shapes alone so an oversized job is refused before any work is done on it.
    // Saturates at SIZE_MAX.
    std::size_t raw_count(int tasks_list) const;

    // Validates every item of a non-empty tasks list and appends the tasks it expands to, in
    // file order, skipping duplicates. Nothing is appended once an error has been reported.
    void expand(int tasks_list, std::vector<TaskSpec>& out);

private:
    void item(int node, std::size_t index, std::vector<TaskSpec>& out);
    void cancel_collection(const MapEntry& action, std::vector<TaskSpec>& out);
    void cancel_share(const MapEntry& action, std::vector<TaskSpec>& out);
    void emit(TaskSpec task, std::vector<TaskSpec>& out);
    std::size_t fan_out(int node) const;

    ValueReader& r_;
    std::unordered_set<std::string> seen_;  // keys of the tasks emitted so far
};

}  // namespace qbi::jobs::detail
