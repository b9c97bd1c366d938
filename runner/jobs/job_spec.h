#pragma once
// What a job file means once validated (design §3): a named job expanded into one TaskSpec
// per API call, plus the errors that reject a file. Plain values; thread-safety: none needed
// (no shared state), safe to copy between threads.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/params.h"

namespace qbi::jobs {

// The API actions a job file can ask for.
inline constexpr const char* kActionCancelCollection = "CancelCollection";
inline constexpr const char* kActionCancelReportShare = "CancelReportShare";

// One API call.
//   CancelCollection:  UserId, WorksId
//   CancelReportShare: ReportId, ShareToIds (one ID), ShareToType ("0" user, "1" group,
//                      "2" organization)
struct TaskSpec {
    std::string action;
    Params params;

    // Canonical, unique within a job: "<action> <Name>=<value>&<Name>=<value>" with the
    // parameters in name order, e.g. "CancelCollection UserId=1213444447901234&WorksId=d23e...".
    // IDs cannot contain '&', '=' or ' ', so the key is unambiguous.
    std::string key() const;
    bool operator==(const TaskSpec&) const = default;
};

// The call as a human reads it in a `submit --dry-run` listing:
// "CancelCollection UserId=1213444447901234 WorksId=d23e84a1-82a0-4292-bfdb-521306c31234".
std::string describe_call(const TaskSpec& task);

struct JobSpec {
    std::string name;                           // the idempotency key, [A-Za-z0-9._-]{1,128}
    std::string description;                    // may be empty
    std::optional<std::int64_t> not_before_ms;  // UTC epoch ms; absent: due at once
    std::optional<int> max_attempts;            // 1-100; absent: the configured default
    // Expanded in file order (cancel-share: report-major, then `to` in order); duplicates
    // removed, the first occurrence kept.
    std::vector<TaskSpec> tasks;
    // SHA-256 (lower-case hex) of the job's meaning: name, description, not_before (as epoch
    // ms), max_attempts and the sorted task keys. Independent of key order, task order,
    // formatting, comments and duplicates in the file. Same name + same hash: same job.
    std::string content_hash;
    std::string source_file;  // the name the file was read under (for display)
};

// One reason a file was rejected. line and column are 1-based, the column counted in
// characters (code points) as an editor shows it; both 0 when the problem concerns the file as
// a whole (cannot be read, too large, empty).
struct ValidationError {
    std::string file;
    int line = 0;
    int column = 0;
    std::string message;

    // "file:line:column: message", or "file: message" when line is 0.
    std::string to_string() const;
    bool operator==(const ValidationError&) const = default;
};

// Limits that keep a file from exhausting memory. Configured as jobs.max_file_bytes and
// jobs.max_tasks (config/runner.ini); the error names the key that raises the limit.
struct JobLimits {
    std::size_t max_file_bytes = 16 * 1024 * 1024;
    // Tasks one job may expand to, counted as written (before duplicates collapse).
    std::size_t max_tasks = 1'000'000;
    // Errors reported per file before giving up (one more line says so).
    std::size_t max_errors = 20;
};

// The content hash of a job from its fields (see JobSpec::content_hash). Exposed so callers
// can recompute it; parse_job_* already fill it in.
std::string compute_content_hash(const JobSpec& job);

}  // namespace qbi::jobs
