-- Belgian geography: reference data loaded by `radix import geography`.
CREATE TABLE reference_dataset (
    name TEXT PRIMARY KEY NOT NULL,
    version TEXT NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE geo_admin_unit (
    code TEXT PRIMARY KEY NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('region', 'province', 'arrondissement')),
    region TEXT NOT NULL,
    parent_code TEXT,
    name_nl TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_de TEXT NOT NULL
);

CREATE TABLE geo_municipality (
    nis TEXT PRIMARY KEY NOT NULL,
    name_nl TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_de TEXT NOT NULL,
    arrondissement_nis TEXT NOT NULL REFERENCES geo_admin_unit (code),
    province_nis TEXT REFERENCES geo_admin_unit (code),
    region TEXT NOT NULL CHECK (region IN ('VLG', 'WAL', 'BRU')),
    language_area TEXT NOT NULL CHECK (language_area IN ('nl', 'fr', 'de', 'nl-fr')),
    language_facilities TEXT,
    population BIGINT NOT NULL,
    population_date DATE NOT NULL,
    centroid_lat DOUBLE PRECISION NOT NULL,
    centroid_lon DOUBLE PRECISION NOT NULL,
    label_lat DOUBLE PRECISION NOT NULL,
    label_lon DOUBLE PRECISION NOT NULL,
    area_km2 DOUBLE PRECISION NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE
);
CREATE INDEX idx_geo_municipality_validity ON geo_municipality (valid_from, valid_to);

CREATE TABLE geo_merger (
    former_nis TEXT PRIMARY KEY NOT NULL REFERENCES geo_municipality (nis),
    successor_nis TEXT NOT NULL REFERENCES geo_municipality (nis),
    effective_date DATE NOT NULL
);
CREATE INDEX idx_geo_merger_successor ON geo_merger (successor_nis);

CREATE TABLE geo_police_zone (
    zone_key TEXT PRIMARY KEY NOT NULL,
    zone_code TEXT,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    code_verified BOOLEAN NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    formed_from TEXT
);

CREATE TABLE geo_police_zone_member (
    zone_key TEXT NOT NULL REFERENCES geo_police_zone (zone_key),
    nis TEXT NOT NULL REFERENCES geo_municipality (nis),
    valid_from DATE NOT NULL,
    valid_to DATE,
    PRIMARY KEY (zone_key, nis, valid_from)
);
CREATE INDEX idx_geo_police_zone_member_nis ON geo_police_zone_member (nis);

CREATE TABLE geo_boundary (
    nis TEXT PRIMARY KEY NOT NULL REFERENCES geo_municipality (nis),
    geometry TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);
