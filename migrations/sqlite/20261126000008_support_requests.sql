-- Requests for support from municipalities (help to set up an LIVC-R, awareness day,
-- project support, question), their handling by the Radix Team, and the conversation
-- about each request (messages shared with the requester and internal notes).

CREATE TABLE support_request (
    id INTEGER PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('livcr-setup', 'awareness-day', 'project-support', 'question')),
    state TEXT NOT NULL CHECK (state IN ('unconfirmed', 'new', 'assigned', 'scheduled', 'delivered', 'closed', 'declined', 'withdrawn')),
    language TEXT NOT NULL CHECK (language IN ('nl', 'fr', 'de', 'en')),
    municipalities TEXT NOT NULL,
    -- The region of the (first) municipality, for the team's counts.
    region TEXT NOT NULL,
    payload TEXT NOT NULL,
    requester_user_id BIGINT REFERENCES identity_user (id),
    requester_name TEXT NOT NULL,
    requester_email TEXT NOT NULL,
    requester_organisation TEXT NOT NULL,
    created_ip TEXT NOT NULL,
    follow_token_hash TEXT,
    confirm_token_hash TEXT,
    assigned_to BIGINT REFERENCES identity_user (id),
    planned_on TEXT,
    outcome TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    first_answer_at TEXT,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE UNIQUE INDEX idx_support_request_reference ON support_request (reference);
CREATE UNIQUE INDEX idx_support_request_follow ON support_request (follow_token_hash);
CREATE UNIQUE INDEX idx_support_request_confirm ON support_request (confirm_token_hash);
CREATE INDEX idx_support_request_state ON support_request (state, created_at);
CREATE INDEX idx_support_request_assigned ON support_request (assigned_to, state);
CREATE INDEX idx_support_request_ip ON support_request (created_ip, created_at);

-- The municipalities a request is about (the municipality file looks them up).
CREATE TABLE support_request_municipality (
    request_id BIGINT NOT NULL REFERENCES support_request (id),
    nis TEXT NOT NULL,
    PRIMARY KEY (request_id, nis)
);
CREATE INDEX idx_support_request_municipality_nis ON support_request_municipality (nis);

CREATE TABLE support_message (
    id INTEGER PRIMARY KEY NOT NULL,
    request_id BIGINT NOT NULL REFERENCES support_request (id),
    internal BOOLEAN NOT NULL,
    from_staff BOOLEAN NOT NULL,
    author_user_id BIGINT REFERENCES identity_user (id),
    author_label TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_support_message_request ON support_message (request_id);

-- A text attachment per email (iCalendar invitations).
ALTER TABLE email_outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE email_outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE email_outbox ADD COLUMN attachment_body TEXT;

-- A meeting or field visit of the Radix Team, answering one or more requests.
CREATE TABLE support_meeting (
    id INTEGER PRIMARY KEY NOT NULL,
    uid TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('livcr-setup', 'follow-up', 'awareness-day', 'project-support', 'other')),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place_kind TEXT NOT NULL CHECK (place_kind IN ('municipality', 'police-zone', 'online')),
    place_code TEXT NOT NULL,
    place_detail TEXT NOT NULL,
    participants TEXT NOT NULL,
    topics TEXT NOT NULL,
    handed_over TEXT NOT NULL,
    report TEXT NOT NULL,
    created_by BIGINT REFERENCES identity_user (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_support_meeting_uid ON support_meeting (uid);
CREATE INDEX idx_support_meeting_start ON support_meeting (starts_at);
CREATE INDEX idx_support_meeting_place ON support_meeting (place_code);

CREATE TABLE support_meeting_request (
    meeting_id BIGINT NOT NULL REFERENCES support_meeting (id),
    request_id BIGINT NOT NULL REFERENCES support_request (id),
    PRIMARY KEY (meeting_id, request_id)
);
CREATE INDEX idx_support_meeting_request_request ON support_meeting_request (request_id);

CREATE TABLE support_meeting_staff (
    meeting_id BIGINT NOT NULL REFERENCES support_meeting (id),
    user_id BIGINT NOT NULL REFERENCES identity_user (id),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX idx_support_meeting_staff_user ON support_meeting_staff (user_id);

-- A follow-up action agreed in a meeting.
CREATE TABLE support_action (
    id INTEGER PRIMARY KEY NOT NULL,
    meeting_id BIGINT NOT NULL REFERENCES support_meeting (id),
    description TEXT NOT NULL,
    owner_user_id BIGINT REFERENCES identity_user (id),
    due_on TEXT NOT NULL,
    done_at TEXT,
    reminded_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_support_action_due ON support_action (done_at, due_on);
CREATE INDEX idx_support_action_meeting ON support_action (meeting_id);

-- Secret addresses of calendar feeds (only their hash is stored).
CREATE TABLE support_calendar (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES identity_user (id),
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_support_calendar_token ON support_calendar (token_hash);

-- Weekly digests already sent (one per person and ISO week, whatever the instance).
CREATE TABLE support_digest (
    user_id BIGINT NOT NULL REFERENCES identity_user (id),
    week TEXT NOT NULL,
    PRIMARY KEY (user_id, week)
);
