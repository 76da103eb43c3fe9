-- Editorial pages (home, offers, LIVC-R information, contact, privacy, accessibility) per language.
-- Seeded from content/pages at start-up; a page edited through the platform keeps its edit.
CREATE TABLE content_page (
    slug TEXT NOT NULL,
    lang TEXT NOT NULL CHECK (lang IN ('nl', 'fr', 'de', 'en')),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    edited BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (slug, lang)
);

-- Marks a database into which the demonstration data set was loaded.
CREATE TABLE demo_dataset (
    name TEXT PRIMARY KEY NOT NULL,
    loaded_at TEXT NOT NULL
);
