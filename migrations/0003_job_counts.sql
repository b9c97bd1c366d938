-- qbi-runner queue schema, version 3: task counts per job, kept by triggers on every state
-- change (and by Store::submit for new tasks, see below), so `status` and the daemon's STATUS=
-- line read a handful of rows instead of aggregating millions of tasks (design §10: status
-- <= 200 ms over 1M tasks). Existing databases are backfilled.

CREATE TABLE job_counts (
    job_id         INTEGER PRIMARY KEY REFERENCES jobs(id),
    queued         INTEGER NOT NULL DEFAULT 0,
    running        INTEGER NOT NULL DEFAULT 0,
    done           INTEGER NOT NULL DEFAULT 0,   -- succeeded, outcome done
    already_absent INTEGER NOT NULL DEFAULT 0,   -- succeeded, outcome already_absent
    failed         INTEGER NOT NULL DEFAULT 0,
    cancelled      INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO job_counts (job_id, queued, running, done, already_absent, failed, cancelled)
SELECT j.id,
       coalesce(sum(t.state = 'queued'), 0),
       coalesce(sum(t.state = 'running'), 0),
       coalesce(sum(t.state = 'succeeded' AND t.outcome = 'done'), 0),
       coalesce(sum(t.state = 'succeeded' AND t.outcome = 'already_absent'), 0),
       coalesce(sum(t.state = 'failed'), 0),
       coalesce(sum(t.state = 'cancelled'), 0)
FROM jobs j LEFT JOIN tasks t ON t.job_id = j.id
GROUP BY j.id;

CREATE TRIGGER jobs_counts_row AFTER INSERT ON jobs
BEGIN
    INSERT INTO job_counts (job_id) VALUES (new.id);
END;

-- Inserts are not counted by a trigger: a per-row trigger costs a third of a 100k-task
-- submit. Tasks are inserted only by Store::submit, always queued, and it adds their number to
-- job_counts.queued in the same transaction.

CREATE TRIGGER tasks_count_update AFTER UPDATE OF state, outcome ON tasks
WHEN old.state IS NOT new.state OR old.outcome IS NOT new.outcome
BEGIN
    UPDATE job_counts SET
        queued         = queued + (new.state = 'queued') - (old.state = 'queued'),
        running        = running + (new.state = 'running') - (old.state = 'running'),
        done           = done + (new.state = 'succeeded' AND new.outcome = 'done')
                              - (old.state = 'succeeded' AND old.outcome = 'done'),
        already_absent = already_absent
                         + (new.state = 'succeeded' AND new.outcome = 'already_absent')
                         - (old.state = 'succeeded' AND old.outcome = 'already_absent'),
        failed         = failed + (new.state = 'failed') - (old.state = 'failed'),
        cancelled      = cancelled + (new.state = 'cancelled') - (old.state = 'cancelled')
    WHERE job_id = new.job_id;
END;

CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
BEGIN
    UPDATE job_counts SET
        queued         = queued - (old.state = 'queued'),
        running        = running - (old.state = 'running'),
        done           = done - (old.state = 'succeeded' AND old.outcome = 'done'),
        already_absent = already_absent - (old.state = 'succeeded' AND old.outcome = 'already_absent'),
        failed         = failed - (old.state = 'failed'),
        cancelled      = cancelled - (old.state = 'cancelled')
    WHERE job_id = old.job_id;
END;

-- The counts assume a task never moves to another job.
CREATE TRIGGER tasks_job_fixed BEFORE UPDATE OF job_id ON tasks
WHEN old.job_id IS NOT new.job_id
BEGIN
    SELECT RAISE(ABORT, 'a task cannot move to another job');
END;
