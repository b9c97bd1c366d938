-- qbi-runner queue schema, version 5: exact crash accounting.
--   attempt_rows        the attempt rows written for the task so far, so its highest attempt
--                       number: every row gets the next one (interrupted and halted attempts
--                       included; a rerun keeps counting).
--   interrupted_streak  interrupted attempts in a row since the last answer or rerun; the
--                       third fails the task with Runner.Interrupted (a task whose call kills
--                       the runner must not loop for ever).
ALTER TABLE tasks ADD COLUMN attempt_rows INTEGER NOT NULL DEFAULT 0 CHECK (attempt_rows >= 0);
ALTER TABLE tasks ADD COLUMN interrupted_streak INTEGER NOT NULL DEFAULT 0
    CHECK (interrupted_streak >= 0);
UPDATE tasks SET attempt_rows = coalesce(
    (SELECT max(a.attempt) FROM attempts a WHERE a.task_id = tasks.id), 0);
