#pragma once
// What a job file means once validated (design §3): a named job expanded into one TaskSpec
// per API call, plus the errors that reject a file. Plain values; thread-safety: none needed
// (no shared state), safe to copy between threads.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/params.h"

namespace qbi::jobs {

// The API actions a job file can ask for: the cancel calls (explicit tasks, and the children
// discovery inserts) ...
inline constexpr const char* kActionCancelCollection = "CancelCollection";
inline constexpr const char* kActionCancelReportShare = "CancelReportShare";
// ... and the read calls of discovery (discovery.md §1-2, quickbi-api.md §5). A job file's
// offboard-user and revoke-shares tasks expand into the first reads of their chains; the
// runner inserts the other reads and the cancel calls from the answers.
inline constexpr const char* kActionQueryUserInfoByAccount = "QueryUserInfoByAccount";
inline constexpr const char* kActionListCollections = "ListCollections";
inline constexpr const char* kActionQuerySharesToUserList = "QuerySharesToUserList";
inline constexpr const char* kActionQueryShareList = "QueryShareList";
inline constexpr const char* kActionQueryWorksByOrganization = "QueryWorksByOrganization";

// True for the five read actions above (calls that change nothing and may be repeated).
bool is_read_action(std::string_view action);

// Every action above, the reads first (the engine claims per action in this order; [rate]
// accepts limits for these names only).
const std::vector<std::string>& api_actions();

// One API call.
//   CancelCollection:         UserId, WorksId
//   CancelReportShare:        ReportId, ShareToIds (one ID), ShareToType ("0" user, "1" group,
//                             "2" organization)
//   QueryUserInfoByAccount:   Account (an account name, not an ID: may hold any printable
//                             character but whitespace)
//   ListCollections:          UserId
//   QuerySharesToUserList:    UserId
//   QueryShareList:           ReportId
//   QueryWorksByOrganization: PageNum, PageSize (decimal text)
struct TaskSpec {
    std::string action;
    Params params;
    // Empty for cancel calls (so two discovery chains that reach the same cancel call give one
    // task). For a read call, ReadScope::to_json() of the discovery task it serves
    // (read_scope.h): what its answer is filtered by and which follow-up tasks it inserts.
    // (Default-initialised so that {action, params} initialisers stay warning-free.)
    std::string scope = {};

    // Canonical, unique within a job. With an empty scope (every cancel call):
    //   "<action> <Name>=<value>&<Name>=<value>" with the parameters in name order, e.g.
    //   "CancelCollection UserId=1213444447901234&WorksId=d23e...".
    // IDs cannot contain '&', '=' or ' ', so the key is unambiguous. With a scope:
    //   "<action> <Name>=<value>&... | <ReadScope::key()>", e.g.
    //   "QueryShareList ReportId=r1 | revoke-shares to-type=1&to=g1,g2".
    // The only parameter that is not an ID, Account, is its call's only parameter and holds
    // no space, so " | " still ends it. A scope that ReadScope::from_json refuses (never one
    // that to_json wrote) ends the key as " | invalid-scope sha256=<32 hex digits>".
    std::string key() const;
    bool operator==(const TaskSpec&) const = default;
};

// The call as a human reads it in a `submit --dry-run` listing:
// "CancelCollection UserId=1213444447901234 WorksId=d23e84a1-82a0-4292-bfdb-521306c31234";
// a read adds its scope in parentheses (ReadScope::describe()):
// "QueryShareList ReportId=r1 (revoking shares to group g1, g2)".
std::string describe_call(const TaskSpec& task);

struct JobSpec {
    std::string name;                           // the idempotency key, [A-Za-z0-9._-]{1,128}
    std::string description;                    // may be empty
    std::optional<std::int64_t> not_before_ms;  // UTC epoch ms; absent: due at once
    std::optional<int> max_attempts;            // 1-100; absent: the configured default
    // Expanded in file order (cancel-share: report-major, then `to` in order; offboard-user:
    // per account or user in order, ListCollections before QuerySharesToUserList;
    // revoke-shares: one QueryShareList per work in order, or one QueryWorksByOrganization);
    // duplicates removed, the first occurrence kept. Discovery tasks appear here as the first
    // reads of their chains only: the tasks the runner inserts later are not part of the spec.
    std::vector<TaskSpec> tasks;
    // SHA-256 (lower-case hex) of the job's meaning: name, description, not_before (as epoch
    // ms), max_attempts and the sorted task keys. Independent of key order, task order,
    // formatting, comments and duplicates in the file. Same name + same hash: same job.
    // Discovery tasks count through their keys like any other task, and their keys hold their
    // scopes: an offboard-user that changes `shares:` is another job. Jobs without discovery
    // tasks hash exactly as before.
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
    // Tasks one job may expand to, counted as written (before duplicates collapse). At
    // submit the discovery tasks count as their first reads; the runner holds the tasks their
    // answers insert to the same limit (discovery.md §2).
    std::size_t max_tasks = 1'000'000;
    // Errors reported per file before giving up (one more line says so).
    std::size_t max_errors = 20;
};

// The content hash of a job from its fields (see JobSpec::content_hash). Exposed so callers
// can recompute it; parse_job_* already fill it in.
std::string compute_content_hash(const JobSpec& job);

// Receives the tasks of a streamed parse (parse_job_text_streamed), one at a time.
using TaskSink = std::function<void(TaskSpec&&)>;

// JobSpec::content_hash computed incrementally, for jobs whose tasks are never all in memory:
// feed the distinct task keys (TaskSpec::key()) in ascending byte order, then take hex().
// ContentHash(job) + add_key(k) for each sorted distinct key == compute_content_hash(job).
class ContentHash {
public:
    explicit ContentHash(const JobSpec& job);  // name, description, not_before, max_attempts
    ~ContentHash();
    ContentHash(const ContentHash&) = delete;
    ContentHash& operator=(const ContentHash&) = delete;
    void add_key(std::string_view key);
    std::string hex();  // once, after the last key

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace qbi::jobs
