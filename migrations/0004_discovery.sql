-- qbi-runner queue schema, version 4: discovery (discovery.md §2). A read task's answer inserts
-- follow-up tasks in the transaction that records the read; each knows the read that created it
-- (parent_id) and carries the context the runner needs but never sends (what the read looks for,
-- where a cancel came from). Keys stay unique per job (UNIQUE (job_id, task_key) of version 1),
-- so a read that runs again inserts only the children that do not exist yet.

ALTER TABLE tasks ADD COLUMN parent_id INTEGER REFERENCES tasks(id);
ALTER TABLE tasks ADD COLUMN context TEXT NOT NULL DEFAULT '';

-- `tasks JOB --parent ID`: the children of one read.
CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL;
-- The next due task of one action in O(log n): claims per action keep a rate-limited action's
-- backlog from standing in front of the others.
CREATE INDEX tasks_action_due ON tasks (action, next_run_at, id) WHERE state = 'queued';
