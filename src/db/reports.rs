//! What the reports read, summed by the database: closed reservations' totals over a
//! window (a range scan of `reservations_closed`), and each car's rented and blocked time.

use std::collections::HashMap;

use super::query::{query_as, row_struct};
use super::Conn;
use crate::domain::dashboard::Window;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::report::Sums;
use crate::domain::tax::Taxed;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

fn corrupt() -> AppError {
    AppError::Internal(anyhow::anyhow!("corrupt row in a report"))
}

row_struct! {
    struct SumRow {
        key: Option<String>,
        label: Option<String>,
        reservations: i64,
        net: i64,
        tax: i64,
        gross: i64,
    }
}

impl SumRow {
    fn sums(&self) -> Sums {
        Sums {
            reservations: self.reservations,
            total: Taxed {
                net: Money::from_cents(self.net),
                tax: Money::from_cents(self.tax),
                gross: Money::from_cents(self.gross),
            },
        }
    }
}

const SUMS: &str = "COUNT(*) AS reservations, \
     CAST(COALESCE(SUM(r.net_total), 0) AS BIGINT) AS net, \
     CAST(COALESCE(SUM(r.tax_total), 0) AS BIGINT) AS tax, \
     CAST(COALESCE(SUM(COALESCE(r.final_total, 0)), 0) AS BIGINT) AS gross";

/// The sums of the reservations closed in `window`.
pub async fn closed_sums(conn: &mut Conn, window: Window) -> AppResult<Sums> {
    let row: SumRow = query_as(&format!(
        "SELECT NULL AS key, NULL AS label, {SUMS} FROM reservations r \
         WHERE r.closed_at >= $1 AND r.closed_at < $2"
    ))
    .bind(window.start.millis())
    .bind(window.end.millis())
    .fetch_one(conn)
    .await?;
    Ok(row.sums())
}

/// The sums of the reservations closed in `window` per car (`by_car`) or per pick-up
/// branch, with a label; a rental without a branch has key and label `None`.
pub async fn closed_sums_by(
    conn: &mut Conn,
    window: Window,
    by_car: bool,
) -> AppResult<Vec<(Option<String>, String, Sums)>> {
    // Sum first (from the covering index alone), then label the few groups.
    let (key, label, join) = if by_car {
        (
            "car_id",
            "c.make || ' ' || c.model || ' ' || c.license_plate",
            "JOIN cars c ON c.id = s.key",
        )
    } else {
        (
            "pickup_branch_id",
            "b.name",
            "LEFT JOIN branches b ON b.id = s.key",
        )
    };
    let rows: Vec<SumRow> = query_as(&format!(
        "SELECT s.key, {label} AS label, s.reservations, s.net, s.tax, s.gross FROM \
         (SELECT r.{key} AS key, {SUMS} FROM reservations r \
          WHERE r.closed_at >= $1 AND r.closed_at < $2 GROUP BY r.{key}) s {join}"
    ))
    .bind(window.start.millis())
    .bind(window.end.millis())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.key.clone(), r.label.clone().unwrap_or_default(), r.sums()))
        .collect())
}

/// Every car with its label, by make, model and plate.
pub async fn cars(conn: &mut Conn) -> AppResult<Vec<(Id, String)>> {
    let rows: Vec<(String, String, String, String)> = query_as(
        "SELECT id, make, model, license_plate FROM cars ORDER BY make_key, model, plate_key",
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, make, model, plate)| {
            Ok((
                id.parse().map_err(|_| corrupt())?,
                format!("{make} {model} {plate}"),
            ))
        })
        .collect()
}

/// `[start, end)` cut to the window `[$1, $2)`, in SQL both engines read the same way.
fn overlap(start: &str, end: &str) -> String {
    format!(
        "(CASE WHEN {end} < $2 THEN {end} ELSE $2 END) - (CASE WHEN {start} > $1 THEN {start} ELSE $1 END)"
    )
}

/// Runs a `car_id, milliseconds` query with `binds` as `$1, $2, …`.
async fn per_car(conn: &mut Conn, sql: &str, binds: &[i64]) -> AppResult<HashMap<Id, i64>> {
    let mut query = query_as(sql);
    for value in binds {
        query = query.bind(*value);
    }
    let rows: Vec<(String, i64)> = query.fetch_all(conn).await?;
    rows.into_iter()
        .map(|(id, ms)| Ok((id.parse().map_err(|_| corrupt())?, ms)))
        .collect()
}

/// Each car's time out on rentals within `window` (for the reports and the dashboard's
/// month): returned ones from pick-up to return, those still out from pick-up to `now`.
pub async fn rented_ms(
    conn: &mut Conn,
    window: Window,
    now: Timestamp,
) -> AppResult<HashMap<Id, i64>> {
    let pickup = "COALESCE(actual_pickup_at, start_at)";
    let back = "(CASE WHEN status = 'active' THEN $3 ELSE actual_return_at END)";
    let sql = format!(
        "SELECT car_id, CAST(SUM({}) AS BIGINT) FROM reservations \
         WHERE ((status = 'completed' AND actual_return_at > $1) OR status = 'active') \
         AND {pickup} < $2 AND {back} > $1 AND {back} > {pickup} GROUP BY car_id",
        overlap(pickup, back)
    );
    let binds = [window.start.millis(), window.end.millis(), now.millis()];
    per_car(conn, &sql, &binds).await
}

/// Each car's blocked time within `window` (an open block runs to the window's end).
pub async fn blocked_ms(conn: &mut Conn, window: Window) -> AppResult<HashMap<Id, i64>> {
    let end = "COALESCE(end_at, $2)";
    let sql = format!(
        "SELECT car_id, CAST(SUM({}) AS BIGINT) FROM car_blocks \
         WHERE start_at < $2 AND {end} > $1 GROUP BY car_id",
        overlap("start_at", end)
    );
    per_car(conn, &sql, &[window.start.millis(), window.end.millis()]).await
}
