#pragma once
// The persistent queue (design §4, §6): one SQLite file holding jobs, tasks and the
// append-only audit log of attempts.
//
// Contract:
// - open() creates the file (0600) and its folder (0700) if missing, whatever the umask (SQLite
//   gives the -wal and -shm files the database's mode), sets WAL, synchronous, a busy timeout
//   and foreign keys, and migrates the schema (runner/queue/migrations.h). With
//   StoreOptions::access it can instead refuse a missing file (66: "database X does not
//   exist; ...") or open read-only: no migration (a database that needs one is refused, 74),
//   and every write fails with 74.
// - Every write is one short IMMEDIATE transaction: a submit, a claim, a batch of results
//   (group commit), a recovery, a rerun, a cancel. Either all of it is written or none.
// - Task states move only as design §4 says, through this API: queued -> running (claim) ->
//   succeeded | failed | queued (record_results, recover_running, release); queued ->
//   cancelled (cancel_job); failed | cancelled -> queued (rerun). CHECK constraints keep the
//   columns coherent whatever writes them.
// - Times come from the injected Clock (UTC epoch ms); the store never reads the system clock.
// - Errors are typed: 65 refused submit, 64 bad request, 74 I/O, 75 busy beyond the timeout,
//   78 newer or foreign database, 70 a bug. No exception leaves this class.
// - Several processes may open the same file (e.g. `submit` beside a running `run`): SQLite's
//   locking plus the busy timeout serialise them. Only the holder of the RunnerLock
//   (runner_lock.h) may claim, record results or recover.
//
// Thread-safety: a Store is one SQLite connection and must be used by one thread at a time
// (the engine's writer thread owns one); it is not safe to share without external locking.
// Separate Stores on the same file may live in different threads or processes.
#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/core/clock.h"
#include "runner/core/result.h"
#include "runner/queue/audit.h"
#include "runner/queue/types.h"

namespace qbi::queue {

enum class Synchronous { Full, Normal };

// How open() treats the file.
enum class Access {
    Create,    // read-write; a missing file (and folder) is created, 0600 (0700)
    Existing,  // read-write; a missing file is an error (66), nothing is created
    ReadOnly,  // SQLITE_OPEN_READONLY: no migration, nothing written (66 if missing)
    // Read-only and immutable (no locks, no -shm): for a database in a folder this process
    // cannot write, where SQLite could not create the -shm a WAL reader needs. Only safe while
    // nobody writes the file, which a read-only folder without a -wal file suggests.
    ReadOnlyImmutable,
};

struct StoreOptions {
    // FULL: an attempt shown as finished survives power loss. NORMAL: faster commits; the last
    // transactions may be lost on power loss (never on a process crash).
    Synchronous synchronous = Synchronous::Full;
    int busy_timeout_ms = 5000;
    // Testing and tools only: stop migrating at this version (-1: the newest). A Store opened
    // below the newest version supports raw_connection() and nothing else reliably.
    int migrate_up_to = -1;
    Access access = Access::Create;
};

class Store {
public:
    static Result<Store> open(const std::filesystem::path& path, Clock& clock,
                              StoreOptions options = {});
    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;
    ~Store();

    const std::filesystem::path& path() const;
    int schema_version() const;

    // ---- submit ------------------------------------------------------------------------
    // Enqueues the job and all its tasks in one transaction. Each task is due at
    // max(now, not_before). The same name with the same content_hash returns the existing job
    // with already = true and writes nothing; the same name with another hash is refused (65):
    // "job 'X' was already submitted as job N with different content; give the changed job a
    // new name". Two tasks with the same key are refused (65) and nothing is written.
    Result<SubmitResult> submit(const NewJob& job);

    // ---- pipelined submit: the tasks inserted while the file is still being read ---------
    // submit() in three steps, one transaction from the first to the last, so that a job's
    // tasks go in while its file is still parsed (another thread; the Store itself stays with
    // one thread at a time). begin_job_insert() takes the write lock and writes a provisional
    // job row nobody else can see; add_job_task() inserts a task due now; commit_job_insert()
    // names the job from `header` (its tasks are not used; `tasks` counts the ones added) and
    // commits, or, when the name is taken, rolls back and answers as submit() would (the same
    // content: the existing job, already = true; other content: refused, 65). Any error leaves
    // the insert to abort_job_insert(), which rolls everything back (also safe with nothing
    // open); nothing is ever visible before the commit.
    Status begin_job_insert(int max_attempts, const std::string& source_file);
    Status add_job_task(const NewTask& task);
    Result<SubmitResult> commit_job_insert(const NewJob& header, std::int64_t tasks);
    void abort_job_insert();

    // ---- streamed submit: a job too large to hold in memory (store_stage.cpp) -----------
    // The tasks are staged first in a temporary table private to this connection (a file, not
    // memory; no lock on the queue): begin_staging() starts afresh, stage() adds a task unless
    // one with the same `dedup_key` is staged (the first stays), staged_keys() walks the
    // distinct dedup keys in ascending byte order (for the content hash). submit_staged()
    // then enqueues them as `job` (its `tasks` ignored), at most `chunk` tasks per transaction
    // so that no write lock is held long (the engine's commits and the service's watchdog wait
    // at most one chunk):
    //  - a new name: the job row with the first chunk, then the others in order. A job of at
    //    most `chunk` tasks is one transaction, exactly as submit().
    //  - the same name and content hash, every staged task present: already = true.
    //  - the same name and hash, some staged tasks missing (a streamed submit interrupted
    //    between chunks): the missing ones are inserted; resumed = true.
    //  - the same name, another hash: refused (65), as submit().
    // Between chunks other connections see the job partly enqueued and a runner may start on
    // it; after a crash it stays partial until the same file is submitted again. The staging
    // is dropped at the end whatever the outcome (and by drop_staging()).
    Status begin_staging();
    Status stage(const NewTask& task, std::string_view dedup_key);
    Result<std::int64_t> staged_keys(const std::function<void(std::string_view)>& each);
    // `cancelled`, if given, is asked between chunks: true stops there with exit 75 ("submit
    // of job 'X' interrupted after N of M tasks; submit it again to complete it").
    // `pause_ms` of the store's clock pass between two chunks, so that another connection
    // waiting for the write lock (the engine's writer, whose busy handler polls) gets it:
    // back-to-back transactions would starve it.
    Result<SubmitResult> submit_staged(const NewJob& job, std::int64_t chunk = 20000,
                                       const std::function<bool()>& cancelled = {},
                                       std::int64_t pause_ms = 0);
    void drop_staging();

    // ---- the runner's side (hold the RunnerLock) ---------------------------------------
    // Leases up to max_tasks due tasks (next_run_at <= now, earliest first) to `owner` until
    // now + lease_ms; only tasks of job_id, and only tasks of `action`, when given (each in
    // O(log n) through a partial index). The expiry is recorded for display and diagnostics;
    // the store never takes a task back by itself: recover_running() does, under the
    // RunnerLock.
    Result<std::vector<ClaimedTask>> claim(const std::string& owner, int max_tasks,
                                           std::int64_t lease_ms,
                                           std::optional<std::int64_t> job_id = std::nullopt,
                                           std::optional<std::string> action = std::nullopt);
    // Claims of up to `max` tasks of one action each, in order, in one transaction (one fsync),
    // together at most `total`: the engine keeps a few tasks of every action at hand, so a
    // rate-limited action's backlog never stands in front of the others.
    Result<std::vector<ClaimedTask>> claim_each(
        const std::string& owner, std::int64_t lease_ms, std::optional<std::int64_t> job_id,
        const std::vector<std::pair<std::string, int>>& per_action, int total);
    // Writes every result with its audit row (and a success's follow-up tasks) in one
    // transaction (see TaskResult for the state each outcome leads to). Items whose lease
    // `owner` no longer holds are skipped and reported as LeaseLost. Returns one Recorded per
    // item, in order. An invalid item (an unmasked access key id, a negative latency, ...) fails
    // the whole batch with 70 and writes nothing.
    Result<std::vector<Recorded>> record_results(const std::vector<TaskResult>& batch);
    // Crash recovery: every running task (of any owner: the caller holds the RunnerLock, so
    // their owners are gone) returns to queued. A task that may have been sent gets an
    // `interrupted` attempt row (kInterruptedMessage: outcome unknown) that is not counted, and
    // is due now; the kMaxInterruptedInARow-th in a row fails the task instead (kCodeInterrupted,
    // kInterruptedTooOftenMessage). A task is in doubt unless `journals` has an entry for its
    // lease owner that does not list it: those were never sent and return without a row, their
    // next_run_at unchanged (as release() does). No journals: every running task is in doubt.
    Result<Recovery> recover_running(const std::vector<SentCalls>& journals = {});
    // One commit (one fsync) for several of the runner's writes: between begin_batch() and
    // commit_batch(), claim(), claim_each(), record_results() and release() write into the
    // batch's transaction instead of committing one each (the engine records a pass's answers
    // and claims the next tasks together). Until commit_batch() succeeds nothing of it is
    // durable, so a claimed task must not be sent, nor a recorded call's journal slot freed,
    // before then. After any error inside a batch, or when the batch is not to be kept, call
    // rollback_batch() (nothing of it stays). begin_batch() may find the database busy
    // (kExitTempFail, nothing begun); a batch is never nested and no other write may run
    // while one is open.
    Status begin_batch();
    Status commit_batch();
    void rollback_batch();
    bool batch_open() const;
    // Graceful stop: returns claimed tasks that were never started to queued, without an
    // attempt row; next_run_at is unchanged. Tasks not held by `owner` are ignored. Returns
    // how many were released.
    Result<std::int64_t> release(const std::string& owner, const std::vector<std::int64_t>& ids);
    // When the earliest queued task is due (nullopt: none queued), for sleeping until then.
    Result<std::optional<std::int64_t>> next_due_at(
        std::optional<std::int64_t> job_id = std::nullopt);
    // When the earliest queued task of a job that is already due (not_before absent or past)
    // becomes due: the retries `run` must wait for. Tasks of jobs whose not_before lies ahead
    // are left out (nullopt when nothing else is queued), so `run` can finish without them.
    // With `actions`, only tasks of those actions count (the runner claims no others).
    Result<std::optional<std::int64_t>> next_retry_at(
        std::optional<std::int64_t> job_id = std::nullopt,
        const std::vector<std::string>& actions = {});

    // ---- operator actions --------------------------------------------------------------
    // Failed (and/or cancelled) tasks back to queued, due now (not before their job's
    // not_before), attempts reset to 0; their attempt rows stay. Only the states Failed and
    // Cancelled may be rerun (64 otherwise). Returns how many tasks were requeued.
    Result<std::int64_t> rerun(const RerunRequest& request);
    // Queued tasks of the job become cancelled; running ones finish. Returns how many.
    Result<std::int64_t> cancel_job(std::int64_t job_id);

    // ---- queries (status, tasks, STATUS=) ----------------------------------------------
    // By name first, then (if the text is a number) by id.
    Result<std::optional<JobInfo>> find_job(std::string_view name_or_id);
    Result<std::optional<JobInfo>> job(std::int64_t job_id);
    Result<std::vector<JobInfo>> jobs();  // every job, oldest first, with counts
    Result<std::vector<TaskInfo>> tasks(const TaskQuery& query);
    // The job's tasks by action and state, actions in name order (reads the job's tasks).
    Result<std::vector<ActionCounts>> action_counts(std::int64_t job_id);
    Result<TaskCounts> totals();  // over all jobs
    // For the metrics, in one read transaction and cheap whatever the queue's size: totals(),
    // the tasks due now, the earliest due time (one index probe) and the audit log's last row
    // id. The due tasks are counted through the tasks_due index, at most `due_cap` entries on
    // each side of now: exact while either the due or the not-yet-due tasks number under the
    // cap (due = queued - not yet due), else `due_cap` (a lower bound).
    Result<QueueStats> queue_stats(std::int64_t due_cap);
    // When the last success (done or already_absent) in the audit log was recorded; nullopt
    // when there is none. Walks the log back from its end until it finds one: call it once
    // (at start), not on every scrape.
    Result<std::optional<std::int64_t>> last_success_at();
    Result<std::vector<AttemptRow>> task_attempts(std::int64_t task_id);

    // ---- audit -------------------------------------------------------------------------
    // Calls fn for each attempt row matching the filter, in id order, inside one read
    // transaction (a consistent snapshot); fn returns false to stop. Returns rows visited.
    Result<std::int64_t> for_each_attempt(const AttemptFilter& filter,
                                          const std::function<bool(const AttemptRow&)>& fn);
    // Recomputes the hash chain over every row (see audit.h); with an anchor, also checks that
    // the log still extends it (its row exists and has its hash).
    // Keyed rows are checked under the key set_audit_key gave (see audit.h).
    Result<AuditVerdict> verify_audit_chain(std::optional<AuditHead> anchor = std::nullopt);
    // From now on, attempt rows this Store writes are keyed with `key`, and verify_audit_chain
    // checks keyed rows with it. One key for the life of a database: rows keyed under another
    // key do not verify.
    void set_audit_key(AuditKeyRef key);
    // The id of the last attempt row if it is keyed, else 0 (a writer without the key must not
    // append to such a log: its rows would break the chain; see app::open_store).
    Result<std::int64_t> last_keyed_row();
    // The last row's id and hash (0 and the genesis hash when empty), read without checking.
    Result<AuditHead> audit_head();
    // Checks every task's state against its attempt rows, in one snapshot; returns the first
    // inconsistency by task id (then by row id), or "" when they agree. The rules, which
    // reruns (attempts reset, rows kept) and uncounted rows (halts, interruptions) respect:
    // - every row belongs to an existing task of the same job, action and params;
    // - a succeeded task's last row is a success with the task's outcome, and only a
    //   succeeded task's last row is a success;
    // - a failed task has a last row: permanent, retryable with the attempts used up, or
    //   interrupted with code Runner.Interrupted (too many interruptions);
    // - a task's counted attempts never exceed its counted rows (done, already_absent,
    //   retryable, permanent).
    Result<std::string> check_task_states();

    // The underlying connection, for tests and diagnostics. Writing through it bypasses every
    // guarantee above.
    SQLite::Database& raw_connection();

    struct Impl;

private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace qbi::queue
