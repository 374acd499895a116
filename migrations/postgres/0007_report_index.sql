-- Reports sum closed reservations over a window, per car or branch: a covering index
-- lets the database answer from the index alone, without reading the (wide) rows.
DROP INDEX reservations_closed;
CREATE INDEX reservations_closed_totals
    ON reservations (closed_at, car_id, pickup_branch_id, net_total, tax_total, final_total);
