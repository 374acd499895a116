-- Money as agencies handle it: rate plans, extras, taxes, deposits, fees and invoices.

-- A car's rate plan beyond its daily rate: cheaper day rates from 7 and 28 days, seasons
-- (JSON, checked for overlaps by the code that writes them) and the security deposit.
ALTER TABLE cars ADD COLUMN weekly_rate INTEGER CHECK (weekly_rate > 0);
ALTER TABLE cars ADD COLUMN monthly_rate INTEGER CHECK (monthly_rate > 0);
ALTER TABLE cars ADD COLUMN deposit_amount INTEGER NOT NULL DEFAULT 0 CHECK (deposit_amount >= 0);
ALTER TABLE cars ADD COLUMN rate_seasons TEXT NOT NULL DEFAULT '[]';

CREATE TABLE extras (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    pricing    TEXT NOT NULL CHECK (pricing IN ('perDay', 'perRental')),
    price      INTEGER NOT NULL CHECK (price >= 0),
    cap        INTEGER CHECK (cap >= 0),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    created_by TEXT,
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
CREATE UNIQUE INDEX extras_name_key ON extras (name_key);

-- What a booking was priced with, frozen at booking so that a later change of the plan,
-- the catalogue or the tax setting never changes it; and the lines it is priced at now.
ALTER TABLE reservations ADD COLUMN rate_plan TEXT;
ALTER TABLE reservations ADD COLUMN extras TEXT NOT NULL DEFAULT '[]';
ALTER TABLE reservations ADD COLUMN price_lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE reservations ADD COLUMN price_basis TEXT NOT NULL DEFAULT 'inclusive'
    CHECK (price_basis IN ('inclusive', 'exclusive'));
ALTER TABLE reservations ADD COLUMN vat_rate_bp INTEGER NOT NULL DEFAULT 0
    CHECK (vat_rate_bp BETWEEN 0 AND 10000);
ALTER TABLE reservations ADD COLUMN net_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN tax_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN deposit_amount INTEGER NOT NULL DEFAULT 0 CHECK (deposit_amount >= 0);
ALTER TABLE reservations ADD COLUMN fee TEXT;
ALTER TABLE reservations ADD COLUMN closed_at INTEGER;
UPDATE reservations SET net_total = COALESCE(final_total, estimated_total);
UPDATE reservations SET closed_at = last_modified_at
    WHERE status IN ('completed', 'cancelled_by_client', 'cancelled_by_agency', 'no_show');
CREATE INDEX reservations_closed ON reservations (closed_at);

-- A refund is a negative payment and says why.
ALTER TABLE payments ADD COLUMN reason TEXT;

-- The security deposit's ledger, apart from payments: held, then captured or released.
CREATE TABLE deposit_movements (
    id             TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('hold', 'capture', 'release')),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    reason         TEXT,
    at             INTEGER NOT NULL,
    recorded_by    TEXT,
    created_at     INTEGER NOT NULL
);
CREATE INDEX deposit_movements_reservation ON deposit_movements (reservation_id, at);

-- Invoices and credit notes: numbered per kind and year without gaps or reuse, frozen
-- once issued. A reservation with documents cannot be deleted (no cascade).
CREATE TABLE invoice_counters (
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE invoices (
    id             TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    kind           TEXT NOT NULL CHECK (kind IN ('invoice', 'creditNote')),
    number         TEXT NOT NULL UNIQUE,
    credits_id     TEXT UNIQUE REFERENCES invoices (id),
    issued_at      INTEGER NOT NULL,
    issued_by      TEXT,
    gross_total    INTEGER NOT NULL,
    document       TEXT NOT NULL,
    CHECK ((kind = 'creditNote') = (credits_id IS NOT NULL))
);
CREATE INDEX invoices_reservation ON invoices (reservation_id, issued_at);

CREATE TRIGGER invoices_frozen_update BEFORE UPDATE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoices_frozen');
END;
CREATE TRIGGER invoices_frozen_delete BEFORE DELETE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoices_frozen');
END;
