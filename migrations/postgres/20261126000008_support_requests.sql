-- Requests for support from municipalities (help to set up an LIVC-R, awareness day,
-- project support, question), their handling by the Radix Team, and the conversation
-- about each request (messages shared with the requester and internal notes).

CREATE TABLE support_request (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('livcr-setup', 'awareness-day', 'project-support', 'question')),
    state TEXT NOT NULL CHECK (state IN ('unconfirmed', 'new', 'assigned', 'scheduled', 'delivered', 'closed', 'declined', 'withdrawn')),
    language TEXT NOT NULL CHECK (language IN ('nl', 'fr', 'de', 'en')),
    municipalities TEXT NOT NULL,
    payload TEXT NOT NULL,
    requester_user_id BIGINT REFERENCES identity_user (id),
    requester_name TEXT NOT NULL,
    requester_email TEXT NOT NULL,
    requester_organisation TEXT NOT NULL,
    created_ip TEXT NOT NULL,
    follow_token_hash TEXT,
    confirm_token_hash TEXT,
    assigned_to BIGINT REFERENCES identity_user (id),
    planned_on DATE,
    outcome TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    confirmed_at TIMESTAMPTZ,
    first_answer_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX idx_support_request_reference ON support_request (reference);
CREATE UNIQUE INDEX idx_support_request_follow ON support_request (follow_token_hash);
CREATE UNIQUE INDEX idx_support_request_confirm ON support_request (confirm_token_hash);
CREATE INDEX idx_support_request_state ON support_request (state, created_at);
CREATE INDEX idx_support_request_assigned ON support_request (assigned_to, state);
CREATE INDEX idx_support_request_ip ON support_request (created_ip, created_at);

CREATE TABLE support_message (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES support_request (id),
    internal BOOLEAN NOT NULL,
    from_staff BOOLEAN NOT NULL,
    author_user_id BIGINT REFERENCES identity_user (id),
    author_label TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_support_message_request ON support_message (request_id);

-- A text attachment per email (iCalendar invitations).
ALTER TABLE email_outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE email_outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE email_outbox ADD COLUMN attachment_body TEXT;
