-- Accounts, sessions, one-time tokens, throttling, the audit trail and the email outbox.

-- A random key shared by all instances (HMAC of CSRF tokens for anonymous visitors).
CREATE TABLE app_secret (
    name TEXT PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE identity_user (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('nl', 'fr', 'de', 'en')),
    role TEXT NOT NULL CHECK (role IN ('municipal', 'advisor', 'backoffice', 'admin')),
    status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'deactivated', 'anonymised')),
    password_hash TEXT,
    password_changed_at TIMESTAMPTZ,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    last_sign_in_at TIMESTAMPTZ,
    deactivated_at TIMESTAMPTZ,
    deletion_requested_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX idx_identity_user_email_key ON identity_user (email_key);

-- The municipalities a municipal member works for.
CREATE TABLE identity_user_municipality (
    user_id BIGINT NOT NULL REFERENCES identity_user (id),
    nis TEXT NOT NULL REFERENCES geo_municipality (nis),
    PRIMARY KEY (user_id, nis)
);

-- An advisor's portfolio: whole regions or provinces.
CREATE TABLE identity_user_portfolio (
    user_id BIGINT NOT NULL REFERENCES identity_user (id),
    area_code TEXT NOT NULL,
    PRIMARY KEY (user_id, area_code)
);

CREATE TABLE identity_session (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES identity_user (id),
    csrf_token TEXT NOT NULL,
    second_factor_done BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    authenticated_at TIMESTAMPTZ NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX idx_identity_session_user ON identity_session (user_id);

-- Single-use tokens sent by email (invitation, password reset); only their hash is stored.
CREATE TABLE identity_token (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES identity_user (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX idx_identity_token_user ON identity_token (user_id);

CREATE TABLE identity_recovery_code (
    user_id BIGINT NOT NULL REFERENCES identity_user (id),
    code_hash TEXT NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- Failed sign-in counters per account and per address.
CREATE TABLE identity_throttle (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    failures BIGINT NOT NULL,
    last_failure_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);

-- Append-only, hash-chained record of security events and changes.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    ip TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    details TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL
);
CREATE INDEX idx_audit_log_occurred_at ON audit_log (occurred_at);

-- Every email passes through here before a worker delivers it.
CREATE TABLE email_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ,
    sent_at TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_email_outbox_due ON email_outbox (status, next_attempt_at);
