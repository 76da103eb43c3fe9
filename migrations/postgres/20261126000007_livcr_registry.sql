-- The LIVC-R registry: cells, the append-only history of observations per municipality,
-- declarations by municipalities with their review, survey campaigns and published
-- cartography snapshots.

-- One local integrated security cell (LIVC-R / CSIL-R / LIVS-R), covering one municipality
-- or several (a joint cell). Which municipalities it covers, and since when, is history:
-- see livcr_observation.
CREATE TABLE livcr_cell (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    founded_on DATE,
    rules_adopted BOOLEAN NOT NULL DEFAULT FALSE,
    rules_adopted_on DATE,
    meeting_frequency TEXT NOT NULL CHECK (meeting_frequency IN ('unknown', 'monthly', 'bimonthly', 'quarterly', 'half-yearly', 'yearly', 'when-needed')),
    services TEXT NOT NULL,
    coordinator_contact TEXT NOT NULL,
    information_officer_contact TEXT NOT NULL,
    -- The contact roles may be held by platform accounts (municipal members who agreed).
    coordinator_user_id BIGINT REFERENCES identity_user (id),
    information_officer_user_id BIGINT REFERENCES identity_user (id),
    remarks TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- What was known about a municipality's LIVC-R from a date on, and from which source.
-- Rows are never updated or deleted; the status on a date is the latest row effective on
-- or before it (for the same date, the most recently recorded).
CREATE TABLE livcr_observation (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nis TEXT NOT NULL REFERENCES geo_municipality (nis),
    effective_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'dormant', 'preparation', 'none', 'unknown')),
    cell_id BIGINT REFERENCES livcr_cell (id),
    source_type TEXT NOT NULL CHECK (source_type IN ('declaration', 'survey', 'advisor', 'partner', 'public-decision', 'merger')),
    source_reference TEXT NOT NULL,
    declaration_id BIGINT,
    recorded_by BIGINT REFERENCES identity_user (id),
    recorded_by_label TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    CHECK (status NOT IN ('active', 'dormant') OR cell_id IS NOT NULL)
);
CREATE INDEX idx_livcr_observation_nis ON livcr_observation (nis, effective_on);
CREATE INDEX idx_livcr_observation_cell ON livcr_observation (cell_id);

-- A survey of LIVC-R status sent to a set of municipalities.
CREATE TABLE livcr_survey (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title TEXT NOT NULL,
    scope TEXT NOT NULL,
    closes_on DATE NOT NULL,
    closed_at TIMESTAMPTZ,
    created_by BIGINT REFERENCES identity_user (id),
    created_at TIMESTAMPTZ NOT NULL
);

-- One personal link of a survey: only the hash of its token is stored.
CREATE TABLE livcr_survey_invitation (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES livcr_survey (id),
    nis TEXT NOT NULL REFERENCES geo_municipality (nis),
    email TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('nl', 'fr', 'de', 'en')),
    token_hash TEXT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    reminded_at TIMESTAMPTZ,
    answered_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX idx_livcr_survey_invitation_token ON livcr_survey_invitation (token_hash);
CREATE INDEX idx_livcr_survey_invitation_survey ON livcr_survey_invitation (survey_id);

-- A municipality's own report about its LIVC-R. It changes nothing public until Radix
-- staff accept it; then it becomes observations with source "declaration" or "survey".
CREATE TABLE livcr_declaration (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nis TEXT NOT NULL REFERENCES geo_municipality (nis),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'info-requested', 'accepted', 'rejected')),
    payload TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('nl', 'fr', 'de', 'en')),
    author_user_id BIGINT REFERENCES identity_user (id),
    author_label TEXT NOT NULL,
    author_email TEXT NOT NULL,
    survey_invitation_id BIGINT REFERENCES livcr_survey_invitation (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    decided_at TIMESTAMPTZ,
    decided_by BIGINT REFERENCES identity_user (id),
    decision_reason TEXT NOT NULL,
    cell_id BIGINT REFERENCES livcr_cell (id)
);
CREATE INDEX idx_livcr_declaration_state ON livcr_declaration (state, submitted_at);
CREATE INDEX idx_livcr_declaration_nis ON livcr_declaration (nis);

-- The conversation about a declaration (questions from staff, answers of the municipality).
CREATE TABLE livcr_declaration_message (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    declaration_id BIGINT NOT NULL REFERENCES livcr_declaration (id),
    from_staff BOOLEAN NOT NULL,
    author_label TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_livcr_declaration_message ON livcr_declaration_message (declaration_id);

-- A published "state of play": frozen at publication, never updated.
CREATE TABLE cartography_snapshot (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference_date DATE NOT NULL,
    title TEXT NOT NULL,
    method TEXT NOT NULL,
    summary TEXT NOT NULL,
    statuses TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by BIGINT REFERENCES identity_user (id),
    published_by_label TEXT NOT NULL
);
CREATE INDEX idx_cartography_snapshot_date ON cartography_snapshot (reference_date);
