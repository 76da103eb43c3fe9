-- One counter per kind of cached data, raised in the transaction that changes that data
-- (geography, LIVC-R registry, content, support, demonstration marker). Every instance reads
-- the counters (one small table) before serving a request and reloads only what moved, so
-- caches and cached pages stay exact with several instances on one database.
CREATE TABLE core_revision (
    name TEXT PRIMARY KEY NOT NULL,
    revision BIGINT NOT NULL
);
INSERT INTO core_revision (name, revision) SELECT 'support', revision FROM support_revision;
INSERT INTO core_revision (name, revision) VALUES ('geo', 1), ('registry', 1), ('content', 1), ('demo', 1);
DROP TABLE support_revision;
