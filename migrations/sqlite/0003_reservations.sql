-- Reservations, their payments, and the counter behind reservation numbers.

CREATE TABLE reservation_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE reservations (
    id                 TEXT PRIMARY KEY,
    reservation_number TEXT NOT NULL,
    -- No cascade: a car or client with reservations cannot be deleted (history stays intact).
    car_id             TEXT NOT NULL REFERENCES cars (id),
    client_id          TEXT NOT NULL REFERENCES clients (id),
    start_at           INTEGER NOT NULL,
    end_at             INTEGER NOT NULL,
    actual_pickup_at   INTEGER,
    actual_return_at   INTEGER,
    status             TEXT NOT NULL CHECK (status IN ('pending_confirmation', 'confirmed', 'active',
                           'completed', 'cancelled_by_client', 'cancelled_by_agency', 'no_show')),
    daily_rate         INTEGER NOT NULL CHECK (daily_rate > 0),
    estimated_total    INTEGER NOT NULL,
    final_total        INTEGER,
    additional_charges TEXT NOT NULL,
    notes              TEXT,
    reservation_date   INTEGER NOT NULL,
    created_by         TEXT,
    last_modified_at   INTEGER NOT NULL,
    last_modified_by   TEXT,
    CHECK (end_at > start_at)
);
CREATE UNIQUE INDEX reservations_number ON reservations (reservation_number);
-- Only reservations that hold their car are indexed for availability: the cost of a
-- check stays flat however long the history of completed rentals grows.
CREATE INDEX reservations_blocking ON reservations (car_id, end_at, start_at)
    WHERE status IN ('pending_confirmation', 'confirmed', 'active');
CREATE INDEX reservations_car ON reservations (car_id, start_at);
CREATE INDEX reservations_client ON reservations (client_id, reservation_date);
CREATE INDEX reservations_start ON reservations (start_at, id);
CREATE INDEX reservations_date ON reservations (reservation_date, id);
CREATE INDEX reservations_status_end ON reservations (status, end_at);

-- SQLite has no exclusion constraints: these triggers make the database itself refuse two
-- blocking reservations of one car that overlap in [start, end), whatever writes them.
CREATE TRIGGER reservations_no_overlap_insert
BEFORE INSERT ON reservations
WHEN NEW.status IN ('pending_confirmation', 'confirmed', 'active')
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM reservations r
        WHERE r.car_id = NEW.car_id
          AND r.status IN ('pending_confirmation', 'confirmed', 'active')
          AND r.start_at < NEW.end_at AND r.end_at > NEW.start_at
    );
END;

CREATE TRIGGER reservations_no_overlap_update
BEFORE UPDATE OF car_id, start_at, end_at, status ON reservations
WHEN NEW.status IN ('pending_confirmation', 'confirmed', 'active')
BEGIN
    SELECT RAISE(ABORT, 'reservations_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM reservations r
        WHERE r.car_id = NEW.car_id
          AND r.id <> NEW.id
          AND r.status IN ('pending_confirmation', 'confirmed', 'active')
          AND r.start_at < NEW.end_at AND r.end_at > NEW.start_at
    );
END;

CREATE TABLE payments (
    id             TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    amount         INTEGER NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('cash', 'card', 'transfer', 'cheque')),
    transaction_at INTEGER NOT NULL,
    recorded_by    TEXT,
    refund_due     INTEGER NOT NULL CHECK (refund_due IN (0, 1)),
    created_at     INTEGER NOT NULL
);
CREATE INDEX payments_reservation ON payments (reservation_id, transaction_at);
