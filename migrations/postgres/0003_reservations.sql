-- Reservations, their payments, and the counter behind reservation numbers.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE reservation_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE reservations (
    id                 TEXT PRIMARY KEY,
    reservation_number TEXT NOT NULL,
    -- No cascade: a car or client with reservations cannot be deleted (history stays intact).
    car_id             TEXT NOT NULL REFERENCES cars (id),
    client_id          TEXT NOT NULL REFERENCES clients (id),
    start_at           BIGINT NOT NULL,
    end_at             BIGINT NOT NULL,
    actual_pickup_at   BIGINT,
    actual_return_at   BIGINT,
    status             TEXT NOT NULL CHECK (status IN ('pending_confirmation', 'confirmed', 'active',
                           'completed', 'cancelled_by_client', 'cancelled_by_agency', 'no_show')),
    daily_rate         BIGINT NOT NULL CHECK (daily_rate > 0),
    estimated_total    BIGINT NOT NULL,
    final_total        BIGINT,
    additional_charges TEXT NOT NULL,
    notes              TEXT,
    reservation_date   BIGINT NOT NULL,
    created_by         TEXT,
    last_modified_at   BIGINT NOT NULL,
    last_modified_by   TEXT,
    CHECK (end_at > start_at),
    -- Two blocking reservations of one car never overlap in [start, end): the database refuses it.
    CONSTRAINT reservations_no_overlap EXCLUDE USING gist (
        car_id WITH =,
        int8range(start_at, end_at) WITH &&
    ) WHERE (status IN ('pending_confirmation', 'confirmed', 'active'))
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

CREATE TABLE payments (
    id             TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    amount         BIGINT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('cash', 'card', 'transfer', 'cheque')),
    transaction_at BIGINT NOT NULL,
    recorded_by    TEXT,
    refund_due     SMALLINT NOT NULL CHECK (refund_due IN (0, 1)),
    created_at     BIGINT NOT NULL
);
CREATE INDEX payments_reservation ON payments (reservation_id, transaction_at);
