-- qbi-runner queue schema, version 2: the append-only audit log of attempts (design §6).
-- One row per attempt. Rows are never updated or deleted (the triggers below refuse it), and
-- each row carries a SHA-256 hash chain: hash = sha256_hex(prev_hash || '\n' || canonical row
-- text), computed by the store in the transaction that inserts the row. The canonical text is
-- documented in runner/queue/audit.h.

CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    job_id        INTEGER NOT NULL REFERENCES jobs(id),
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    attempt       INTEGER NOT NULL CHECK (attempt >= 1),  -- the task's attempt number
    action        TEXT    NOT NULL,
    params        TEXT    NOT NULL,          -- canonical JSON, as in tasks.params
    started_at    INTEGER NOT NULL,
    latency_ms    INTEGER NOT NULL CHECK (latency_ms >= 0),
    http_status   INTEGER NOT NULL DEFAULT 0, -- 0: no HTTP response
    request_id    TEXT    NOT NULL DEFAULT '',
    code          TEXT    NOT NULL DEFAULT '',
    message       TEXT    NOT NULL DEFAULT '',
    outcome       TEXT    NOT NULL CHECK (outcome IN ('done', 'already_absent', 'retryable',
                      'permanent', 'halt_auth', 'halt_permission', 'interrupted')),
    endpoint      TEXT    NOT NULL DEFAULT '',
    signature     TEXT    NOT NULL DEFAULT '', -- signature scheme: v1 | v3
    access_key_id TEXT    NOT NULL DEFAULT '', -- masked: LTAI****abcd
    recorded_at   INTEGER NOT NULL,
    prev_hash     TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash          TEXT    NOT NULL CHECK (length(hash) = 64)
) STRICT;

CREATE INDEX attempts_job ON attempts (job_id, id);
CREATE INDEX attempts_task ON attempts (task_id, id);

CREATE TRIGGER attempts_no_update BEFORE UPDATE ON attempts
BEGIN
    SELECT RAISE(ABORT, 'attempts are append-only');
END;

CREATE TRIGGER attempts_no_delete BEFORE DELETE ON attempts
BEGIN
    SELECT RAISE(ABORT, 'attempts are append-only');
END;
