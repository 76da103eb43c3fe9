-- Background work of every instance: one row per job. Recurring jobs (housekeeping,
-- retention, reminders, digests, email delivery) keep one row each, keyed 'recurring', whose
-- run_at moves forward after every run; one-off jobs get a key of their own. A job is run
-- by the instance that claims it (claimed_until in the future), so several instances on one
-- database run each job once.
CREATE TABLE job (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    job_key TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    run_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    claimed_until TEXT,
    claimed_by TEXT,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_outcome TEXT,
    last_error TEXT,
    runs BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (kind, job_key)
);
CREATE INDEX idx_job_due ON job (status, run_at);
