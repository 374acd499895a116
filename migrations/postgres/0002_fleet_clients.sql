-- The fleet, its photos, and the clients.
-- *_key columns hold the normalised forms that uniqueness and search compare,
-- computed by the server so that both engines compare the same text.

CREATE TABLE cars (
    id            TEXT PRIMARY KEY,
    make          TEXT NOT NULL,
    model         TEXT NOT NULL,
    year          BIGINT NOT NULL,
    license_plate TEXT NOT NULL,
    plate_key     TEXT NOT NULL,
    vin           TEXT NOT NULL,
    color         TEXT,
    status        TEXT NOT NULL CHECK (status IN ('available', 'rented', 'maintenance', 'out_of_service')),
    daily_rate    BIGINT NOT NULL CHECK (daily_rate > 0),
    description   TEXT,
    image_etag    TEXT,
    make_key      TEXT NOT NULL,
    search_key    TEXT NOT NULL,
    added_at      BIGINT NOT NULL,
    added_by      TEXT,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT
);
CREATE UNIQUE INDEX cars_plate_key ON cars (plate_key);
CREATE UNIQUE INDEX cars_vin ON cars (vin);
CREATE INDEX cars_status ON cars (status, id);
CREATE INDEX cars_make ON cars (make_key, id);
CREATE INDEX cars_year ON cars (year, id);
CREATE INDEX cars_daily_rate ON cars (daily_rate, id);
CREATE INDEX cars_added_at ON cars (added_at, id);

CREATE TABLE car_images (
    car_id             TEXT PRIMARY KEY REFERENCES cars (id) ON DELETE CASCADE,
    content_type       TEXT NOT NULL,
    data               BYTEA NOT NULL,
    etag               TEXT NOT NULL,
    thumb_content_type TEXT NOT NULL,
    thumb              BYTEA NOT NULL,
    thumb_etag         TEXT NOT NULL,
    uploaded_at        BIGINT NOT NULL
);

CREATE TABLE clients (
    id                    TEXT PRIMARY KEY,
    first_name            TEXT NOT NULL,
    last_name             TEXT NOT NULL,
    phone                 TEXT NOT NULL,
    phone_key             TEXT NOT NULL,
    email                 TEXT,
    email_key             TEXT,
    driver_license_number TEXT,
    cin                   TEXT,
    notes                 TEXT,
    last_name_key         TEXT NOT NULL,
    search_key            TEXT NOT NULL,
    registered_at         BIGINT NOT NULL,
    registered_by         TEXT,
    updated_at            BIGINT NOT NULL,
    updated_by            TEXT
);
-- NULLs never collide in a unique index, on either engine: email and CIN are unique when given.
CREATE UNIQUE INDEX clients_phone_key ON clients (phone_key);
CREATE UNIQUE INDEX clients_email_key ON clients (email_key);
CREATE UNIQUE INDEX clients_cin ON clients (cin);
CREATE INDEX clients_last_name ON clients (last_name_key, id);
CREATE INDEX clients_registered_at ON clients (registered_at, id);
