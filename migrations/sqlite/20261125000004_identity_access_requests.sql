-- Requests for an account sent through the public form, reviewed by the Back-Office.
CREATE TABLE identity_access_request (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('nl', 'fr', 'de', 'en')),
    job_title TEXT NOT NULL,
    municipalities TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
    decision_reason TEXT,
    decided_by BIGINT REFERENCES identity_user (id),
    created_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX idx_identity_access_request_status ON identity_access_request (status, created_at);
