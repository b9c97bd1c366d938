#pragma once
// Plain values that cross the queue's API: what is submitted, what a claim hands out, what an
// attempt came to, and what the status queries return (design §4, §6).
//
// The queue depends on core only: the CLI converts a parsed job file (runner/jobs) into a
// NewJob, and the engine converts an api ApiResult into an AttemptRecord.
// Times are UTC epoch milliseconds. Thread-safety: plain values.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/outcome.h"
#include "runner/core/params.h"

namespace qbi::queue {

// ---- task and attempt vocabulary -------------------------------------------------------

enum class TaskState { Queued, Running, Succeeded, Failed, Cancelled };
// "queued", "running", "succeeded", "failed", "cancelled" (the database spelling).
std::string_view task_state_name(TaskState s);
std::optional<TaskState> parse_task_state(std::string_view name);

// What an attempt came to is qbi::Outcome (runner/core/outcome.h), stored by its name.
// API parameters of one task (one call) are qbi::Params, stored as canonical JSON (params.h).

// ---- submit ------------------------------------------------------------------------------

struct NewTask {
    std::string action;  // e.g. "CancelCollection"
    Params params;
    // Unique within the job. Empty: derived from action and params (see params.h), so two
    // identical tasks collide.
    std::string task_key;
    // What the runner needs to know about the task but never sends (a read's scope, where a
    // discovered cancel came from); opaque to the queue. May be empty.
    std::string context{};
};

// A validated job, ready to enqueue. The store re-checks only what the schema needs.
struct NewJob {
    std::string name;  // the idempotency key, 1-128 characters
    std::string description;
    std::string content_hash;  // hash of the job's meaning; same name + same hash = no-op
    std::string source_file;   // for display; may be empty
    std::optional<std::int64_t> not_before_ms;  // tasks are not due before this
    int max_attempts = 6;
    std::vector<NewTask> tasks;
};

struct SubmitResult {
    std::int64_t job_id = 0;
    bool already = false;    // true: the same job was submitted before; nothing changed
    std::int64_t tasks = 0;  // the job's task count
    bool resumed = false;    // submit_staged: an interrupted submit of this job was completed
    std::int64_t added = 0;  // tasks this call inserted
};

// ---- claim and results -------------------------------------------------------------------

struct ClaimedTask {
    std::int64_t task_id = 0;
    std::int64_t job_id = 0;
    std::string action;
    Params params;
    std::string params_json;  // canonical, as stored and audited
    std::string context;      // as submitted (NewTask::context)
    int attempt = 1;          // the number this attempt counts as (counted attempts + 1)
    int max_attempts = 1;
    std::int64_t lease_expires_at = 0;
    int attempt_rows = 0;        // attempt rows so far: this attempt's row is number + 1
    int interrupted_streak = 0;  // interrupted attempts in a row before this claim
};

// The facts of one attempt, for the audit row. The store adds job, task, attempt number,
// action, params, recorded_at and the hash chain.
struct AttemptRecord {
    Outcome outcome = Outcome::Permanent;
    std::int64_t started_at_ms = 0;
    std::int64_t latency_ms = 0;
    int http_status = 0;  // 0: no HTTP response
    std::string request_id;
    std::string code;
    std::string message;
    std::string endpoint;
    std::string signature;      // signature scheme: "v1" | "v3"
    std::string access_key_id;  // masked ("LTAI****abcd") or empty; never a full id
};

// One finished attempt of a claimed task. The task's new state follows from the outcome
// (design §5):
//   done | already_absent     -> succeeded (with that outcome)
//   retryable                 -> queued at retry_at, counted; failed once attempts reach
//                                max_attempts
//   permanent                 -> failed
//   halt_auth | halt_permission | interrupted
//                             -> queued at retry_at, NOT counted; but the
//                                kMaxInterruptedInARow-th interrupted attempt in a row (no
//                                answer, no rerun in between) fails the task with
//                                kCodeInterrupted and kInterruptedTooOftenMessage
// Every attempt row gets the task's next attempt number (ClaimedTask::attempt_rows + 1), whatever
// its outcome: no two rows of a task share a number.
// code, message and request_id become the task's last_* columns.
//
// Follow-up tasks (discovery.md §2): when the outcome is a success, `children` are inserted in
// the same transaction, due now, with parent_id = task_id and the job's max_attempts; children
// whose key the job already has are skipped (a read that runs again adds only what is missing).
// If the new ones would take the job above `max_job_tasks` (when > 0), none is inserted and the
// task fails instead with code Discovery.TooManyTasks and a message naming the limit. The attempt
// row's message records how many were created.
// What the claim said of a task, when the caller still has it: saves the store reading the row
// again (the hot path). It must be the ClaimedTask of this lease; a lost lease is still found.
struct ClaimFacts {
    std::int64_t job_id = 0;
    std::string action;
    std::string params_json;
    int attempts = 0;  // counted attempts when claimed (ClaimedTask::attempt - 1)
    int max_attempts = 1;
    int attempt_rows = 0;
    int interrupted_streak = 0;
};

struct TaskResult {
    std::int64_t task_id = 0;
    std::string owner;  // must still hold the lease
    AttemptRecord attempt;
    std::optional<std::int64_t> retry_at_ms;  // when requeued; absent: now
    std::vector<NewTask> children{};
    std::int64_t max_job_tasks = 0;
    std::optional<ClaimFacts> claim{};
};

enum class TaskEffect {
    Succeeded,
    Retried,  // retryable, attempts left: queued again at retry_at
    Failed,
    Requeued,   // halt or interrupted: back to queued, attempt not counted
    LeaseLost,  // the owner no longer held the lease: nothing written for this item
};
std::string_view task_effect_name(TaskEffect e);

// The code recorded (attempt row and the task's last_code) for an attempt found in flight
// when a runner took over after a crash.
inline constexpr const char* kCodeInterrupted = "Runner.Interrupted";
// The attempt row of a call that may have been sent when its runner died (crash recovery).
inline constexpr const char* kInterruptedMessage =
    "outcome unknown: the call may have been sent when the runner stopped";
// A task interrupted this many times in a row fails (code kCodeInterrupted) with this message.
inline constexpr int kMaxInterruptedInARow = 3;
inline constexpr const char* kInterruptedTooOftenMessage =
    "interrupted 3 times in a row (the runner stopped or crashed while this call was in flight); "
    "rerun it to try again";

// What a dead runner's in-flight journal says (runner/engine/inflight_journal.h): of the tasks
// leased to `owner`, only `task_ids` may have been sent.
struct SentCalls {
    std::string owner;
    std::vector<std::int64_t> task_ids;
};

// What recover_running did.
struct Recovery {
    std::int64_t interrupted = 0;  // in doubt: an interrupted attempt row each
    std::int64_t failed = 0;       // of those, failed (interrupted too often in a row)
    std::int64_t requeued = 0;     // never sent: back to queued without a row
    std::vector<std::string> interrupted_actions;  // the action of each interrupted row
};
// The code of a read whose follow-up tasks would exceed the job's task limit.
inline constexpr const char* kCodeTooManyTasks = "Discovery.TooManyTasks";

// What record_results did with one result.
struct Recorded {
    TaskEffect effect = TaskEffect::LeaseLost;
    std::int64_t children = 0;  // follow-up tasks inserted
};

// ---- rerun, cancel -----------------------------------------------------------------------

struct RerunRequest {
    std::optional<std::int64_t> job_id;                // absent: every job
    std::vector<TaskState> states{TaskState::Failed};  // Failed and/or Cancelled
    std::optional<std::string> code;                   // only tasks whose last_code is this
};

// ---- queries -----------------------------------------------------------------------------

struct TaskCounts {
    std::int64_t queued = 0;
    std::int64_t running = 0;
    std::int64_t done = 0;            // succeeded with outcome done
    std::int64_t already_absent = 0;  // succeeded with outcome already_absent
    std::int64_t failed = 0;
    std::int64_t cancelled = 0;

    std::int64_t succeeded() const { return done + already_absent; }
    std::int64_t total() const { return queued + running + succeeded() + failed + cancelled; }
    bool operator==(const TaskCounts&) const = default;
};

// The queue at a glance, for the metrics (Store::queue_stats).
struct QueueStats {
    TaskCounts counts;                             // over all jobs
    std::int64_t due = 0;                          // queued and due now, at most the cap
    std::optional<std::int64_t> oldest_due_at_ms;  // the earliest due task's next_run_at
    std::int64_t audit_rows = 0;                   // the audit log's last row id
};

// A job's state, derived from its counts: Running if any task runs, else Queued if any waits,
// else Failed if any failed, else Cancelled if any was cancelled, else Succeeded.
enum class JobState { Queued, Running, Succeeded, Failed, Cancelled };
JobState derive_job_state(const TaskCounts& c);
std::string_view job_state_name(JobState s);  // lower case, like task states

struct JobInfo {
    std::int64_t id = 0;
    std::string name;
    std::string description;
    std::string content_hash;
    std::string source_file;
    std::optional<std::int64_t> not_before_ms;
    int max_attempts = 1;
    std::int64_t submitted_at = 0;
    TaskCounts counts;
    JobState state() const { return derive_job_state(counts); }
};

struct TaskInfo {
    std::int64_t id = 0;
    std::int64_t job_id = 0;
    std::string task_key;
    std::string action;
    std::string params_json;
    TaskState state = TaskState::Queued;
    std::optional<Outcome> outcome;  // Done or AlreadyAbsent when succeeded
    int attempts = 0;
    int max_attempts = 1;
    std::int64_t next_run_at = 0;
    std::string lease_owner;  // empty unless running
    std::optional<std::int64_t> lease_expires_at;
    std::string last_code;
    std::string last_message;
    std::string last_request_id;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> parent_id;  // the read whose answer created this task
    std::string context{};
    int attempt_rows = 0;  // attempt rows written for it (every call recorded, reruns included)
};

// Tasks of one job, oldest first, keyset-paged: pass the last id seen as after_id.
struct TaskQuery {
    TaskQuery() = default;
    explicit TaskQuery(std::int64_t job) : job_id(job) {}
    std::int64_t job_id = 0;
    std::optional<TaskState> state;
    std::optional<std::string> code;        // last_code
    std::optional<std::int64_t> parent_id;  // only the children of this read
    std::optional<std::string> action;      // only this action
    std::int64_t after_id = 0;
    int limit = 100;
};

// One audit row as stored: the attempt's facts plus what the store adds.
struct AttemptRow {
    std::int64_t id = 0;
    std::int64_t job_id = 0;
    std::int64_t task_id = 0;
    int attempt = 1;
    std::string action;
    std::string params_json;
    AttemptRecord record;  // record.started_at_ms is the row's started_at
    std::int64_t recorded_at = 0;
    std::string prev_hash;
    std::string hash;
    bool keyed = false;  // hash is HMAC-SHA256 under the audit key (audit.h)
};

// The tasks of one job with one action, by state (status JOB).
struct ActionCounts {
    std::string action;
    TaskCounts counts;
};

struct AttemptFilter {
    std::optional<std::int64_t> job_id;
    std::optional<std::int64_t> since_ms;  // started_at >= since_ms
};

// The result of checking the hash chain from the first row to the last.
struct AuditVerdict {
    bool ok = true;
    std::int64_t rows = 0;          // rows checked (up to and including a broken one)
    std::int64_t first_bad_id = 0;  // when !ok
    std::string reason;             // when !ok, e.g. "hash does not match the row's content"
    std::string head_hash;          // hash of the last row (genesis when empty), for anchoring
    std::int64_t head_rows = 0;     // id of the last row checked good (0 when empty)
    std::int64_t keyed_rows = 0;    // rows checked good that are keyed
    std::int64_t first_keyed_id = 0;
    // !ok because a keyed row was met and no key was given (not evidence of tampering).
    bool needs_key = false;
};

// A head of the audit chain: the row with id `rows` has hash `hash` (rows 0: the empty log,
// with the genesis hash). The runners log it as "audit head: ROWS HASH"; `audit verify
// --anchor ROWS:HASH` checks that the log still extends it.
struct AuditHead {
    std::int64_t rows = 0;
    std::string hash;
};

}  // namespace qbi::queue
