-- Imports of data from the Flask/MongoDB version: which files were imported, when, and
-- what came of them, so that running the same import again is recognised.
CREATE TABLE imports (
    fingerprint TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    summary     TEXT NOT NULL
);
