-- qbi-runner queue schema, version 1: jobs and their tasks (design §4).
-- Applied by runner/queue/migrations.cpp in one IMMEDIATE transaction, which then sets
-- PRAGMA user_version = 1. Never edit a released migration: add the next numbered file.
-- Times are UTC epoch milliseconds.

-- Marks the file as a qbi-runner queue ("qbiR"), so a foreign SQLite file is refused.
PRAGMA application_id = 1902274898;

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
    description   TEXT    NOT NULL DEFAULT '',
    content_hash  TEXT    NOT NULL CHECK (length(content_hash) > 0),  -- the idempotency check
    source_file   TEXT    NOT NULL DEFAULT '',
    not_before    INTEGER,                                -- NULL: due at once
    max_attempts  INTEGER NOT NULL CHECK (max_attempts >= 1),
    submitted_at  INTEGER NOT NULL
) STRICT;

-- One task is exactly one API call. State machine (enforced by the store's API; the CHECKs
-- keep the columns coherent whatever writes them):
--   queued -> running -> succeeded | failed | queued (retry at next_run_at, or halt/interrupt)
--   queued -> cancelled;  failed | cancelled -> queued (rerun)
CREATE TABLE tasks (
    id               INTEGER PRIMARY KEY,
    job_id           INTEGER NOT NULL REFERENCES jobs(id),
    task_key         TEXT    NOT NULL,          -- unique within the job
    action           TEXT    NOT NULL CHECK (length(action) > 0),
    params           TEXT    NOT NULL,          -- canonical JSON object, sorted keys
    state            TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    outcome          TEXT    CHECK (outcome IN ('done', 'already_absent')),
    attempts         INTEGER NOT NULL DEFAULT 0,  -- counted attempts since submit or rerun
    max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
    next_run_at      INTEGER NOT NULL,           -- not due before this
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    last_code        TEXT,
    last_message     TEXT,
    last_request_id  TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (job_id, task_key),
    CHECK (attempts BETWEEN 0 AND max_attempts),
    CHECK ((state = 'succeeded') = (outcome IS NOT NULL)),
    CHECK ((state = 'running') = (lease_owner IS NOT NULL)),
    CHECK ((state = 'running') = (lease_expires_at IS NOT NULL))
) STRICT;

-- The next due task in O(log n): the first entry of a partial index over queued tasks. Claims
-- name it (INDEXED BY) and filter with the literal state = 'queued'.
CREATE INDEX tasks_due ON tasks (next_run_at, id) WHERE state = 'queued';
-- The same for `run --job NAME`.
CREATE INDEX tasks_job_due ON tasks (job_id, next_run_at, id) WHERE state = 'queued';
-- Running tasks, for lease recovery and release.
CREATE INDEX tasks_running ON tasks (lease_owner) WHERE state = 'running';
-- Failed tasks by job and code, for `rerun` and `tasks JOB --state failed --code C`. Partial,
-- so submits and claims (the hot paths) never touch it while nothing fails.
CREATE INDEX tasks_failed ON tasks (job_id, last_code) WHERE state = 'failed';
