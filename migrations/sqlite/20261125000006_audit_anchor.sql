-- When old audit entries are pruned, the hash of the last pruned entry is kept here so that
-- the remaining chain can still be verified from its first entry.
CREATE TABLE audit_anchor (
    name TEXT PRIMARY KEY NOT NULL,
    last_pruned_id BIGINT NOT NULL,
    last_pruned_hash TEXT NOT NULL
);
