-- The rental desk: branches, maintenance blocks, turnaround, inspections, additional drivers.

CREATE TABLE branches (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    address       TEXT NOT NULL,
    phone         TEXT,
    opening_hours TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    created_by    TEXT,
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT
);
CREATE UNIQUE INDEX branches_name_key ON branches (name_key);

ALTER TABLE cars ADD COLUMN home_branch_id TEXT REFERENCES branches (id);
ALTER TABLE cars ADD COLUMN current_branch_id TEXT REFERENCES branches (id);
ALTER TABLE cars ADD COLUMN odometer_km INTEGER NOT NULL DEFAULT 0 CHECK (odometer_km >= 0);
ALTER TABLE cars ADD COLUMN included_km_per_day INTEGER CHECK (included_km_per_day > 0);
ALTER TABLE cars ADD COLUMN extra_km_rate INTEGER NOT NULL DEFAULT 0 CHECK (extra_km_rate >= 0);
CREATE INDEX cars_current_branch ON cars (current_branch_id, id);
CREATE INDEX cars_home_branch ON cars (home_branch_id);

-- The turnaround (cleaning, inspection) a booking was made with: its car stays held until
-- end_at + turnaround_ms. Recorded per reservation so that the rule stays what it was when
-- the booking was accepted, whatever the setting becomes later.
ALTER TABLE reservations ADD COLUMN turnaround_ms INTEGER NOT NULL DEFAULT 0 CHECK (turnaround_ms >= 0);
ALTER TABLE reservations ADD COLUMN pickup_branch_id TEXT REFERENCES branches (id);
ALTER TABLE reservations ADD COLUMN return_branch_id TEXT REFERENCES branches (id);
-- The mileage terms copied from the car at booking, like the daily rate.
ALTER TABLE reservations ADD COLUMN included_km_per_day INTEGER CHECK (included_km_per_day > 0);
ALTER TABLE reservations ADD COLUMN extra_km_rate INTEGER NOT NULL DEFAULT 0 CHECK (extra_km_rate >= 0);
-- New damage noted at return: someone has to look at it.
ALTER TABLE reservations ADD COLUMN review_required INTEGER NOT NULL DEFAULT 0 CHECK (review_required IN (0, 1));
CREATE INDEX reservations_pickup_branch ON reservations (pickup_branch_id, start_at);
CREATE INDEX reservations_return_branch ON reservations (return_branch_id, end_at);
-- The month's figures on the dashboard read rentals by when they came back.
CREATE INDEX reservations_returned ON reservations (status, actual_return_at);

CREATE TABLE reservation_drivers (
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    -- No cascade: a client who drove under a reservation cannot be deleted.
    client_id      TEXT NOT NULL REFERENCES clients (id),
    position       INTEGER NOT NULL,
    PRIMARY KEY (reservation_id, client_id)
);
CREATE INDEX reservation_drivers_client ON reservation_drivers (client_id);

CREATE TABLE car_blocks (
    id         TEXT PRIMARY KEY,
    car_id     TEXT NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    start_at   INTEGER NOT NULL,
    -- NULL: until the block is ended.
    end_at     INTEGER,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT,
    updated_at INTEGER NOT NULL,
    updated_by TEXT,
    CHECK (end_at IS NULL OR end_at > start_at)
);
CREATE INDEX car_blocks_car ON car_blocks (car_id, start_at);

-- Every period in which a car is held, by a blocking reservation (plus its turnaround) or
-- by a block. The rows are written by the triggers below, never by the application, and
-- the exclusion constraint makes the database itself refuse two holds of one car that
-- overlap, however many servers write at once.
CREATE TABLE car_holds (
    car_id         TEXT NOT NULL,
    reservation_id TEXT UNIQUE REFERENCES reservations (id) ON DELETE CASCADE,
    block_id       TEXT UNIQUE REFERENCES car_blocks (id) ON DELETE CASCADE,
    start_at       INTEGER NOT NULL,
    until_at       INTEGER NOT NULL,
    CHECK ((reservation_id IS NULL) <> (block_id IS NULL)),
    CHECK (until_at > start_at)
);
CREATE INDEX car_holds_car ON car_holds (car_id, until_at, start_at);

-- SQLite has no exclusion constraints: this trigger makes the database itself refuse two
-- holds of one car that overlap, whatever writes them. (SQLite has one writer at a time.)
CREATE TRIGGER car_holds_no_overlap
BEFORE INSERT ON car_holds
BEGIN
    SELECT RAISE(ABORT, 'car_holds_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM car_holds h
        WHERE h.car_id = NEW.car_id AND h.start_at < NEW.until_at AND h.until_at > NEW.start_at
    );
END;

-- Holds are only inserted and deleted, so that the trigger above sees every one.
CREATE TRIGGER car_holds_no_update
BEFORE UPDATE ON car_holds
BEGIN
    SELECT RAISE(ABORT, 'car_holds are replaced, never updated');
END;

CREATE TRIGGER reservations_hold_insert
AFTER INSERT ON reservations
WHEN NEW.status IN ('pending_confirmation', 'confirmed', 'active')
BEGIN
    INSERT INTO car_holds (car_id, reservation_id, start_at, until_at)
    VALUES (NEW.car_id, NEW.id, NEW.start_at, NEW.end_at + NEW.turnaround_ms);
END;

CREATE TRIGGER reservations_hold_update
AFTER UPDATE OF car_id, start_at, end_at, turnaround_ms, status ON reservations
BEGIN
    DELETE FROM car_holds WHERE reservation_id = NEW.id;
    INSERT INTO car_holds (car_id, reservation_id, start_at, until_at)
    SELECT NEW.car_id, NEW.id, NEW.start_at, NEW.end_at + NEW.turnaround_ms
    WHERE NEW.status IN ('pending_confirmation', 'confirmed', 'active');
END;

CREATE TRIGGER car_blocks_hold_insert
AFTER INSERT ON car_blocks
BEGIN
    INSERT INTO car_holds (car_id, block_id, start_at, until_at)
    VALUES (NEW.car_id, NEW.id, NEW.start_at, COALESCE(NEW.end_at, 9223372036854775807));
END;

CREATE TRIGGER car_blocks_hold_update
AFTER UPDATE OF car_id, start_at, end_at ON car_blocks
BEGIN
    DELETE FROM car_holds WHERE block_id = NEW.id;
    INSERT INTO car_holds (car_id, block_id, start_at, until_at)
    VALUES (NEW.car_id, NEW.id, NEW.start_at, COALESCE(NEW.end_at, 9223372036854775807));
END;

-- The holds table replaces the reservations' own triggers.
INSERT INTO car_holds (car_id, reservation_id, start_at, until_at)
SELECT car_id, id, start_at, end_at FROM reservations
WHERE status IN ('pending_confirmation', 'confirmed', 'active');
DROP TRIGGER reservations_no_overlap_insert;
DROP TRIGGER reservations_no_overlap_update;

CREATE TABLE inspections (
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('checkout', 'checkin')),
    odometer_km    INTEGER NOT NULL CHECK (odometer_km >= 0),
    fuel_eighths   INTEGER NOT NULL CHECK (fuel_eighths BETWEEN 0 AND 8),
    damage         TEXT NOT NULL,
    signed_by      TEXT NOT NULL,
    recorded_at    INTEGER NOT NULL,
    recorded_by    TEXT,
    PRIMARY KEY (reservation_id, kind)
);

CREATE TABLE inspection_photos (
    id                 TEXT PRIMARY KEY,
    reservation_id     TEXT NOT NULL,
    kind               TEXT NOT NULL,
    content_type       TEXT NOT NULL,
    data               BLOB NOT NULL,
    etag               TEXT NOT NULL,
    thumb_content_type TEXT NOT NULL,
    thumb              BLOB NOT NULL,
    thumb_etag         TEXT NOT NULL,
    uploaded_at        INTEGER NOT NULL,
    uploaded_by        TEXT,
    FOREIGN KEY (reservation_id, kind) REFERENCES inspections (reservation_id, kind) ON DELETE CASCADE
);
CREATE INDEX inspection_photos_inspection ON inspection_photos (reservation_id, kind, uploaded_at);
