//! What the reports read: closed rentals with their totals, and the cars.

use sqlx::FromRow;

use super::Conn;
use crate::domain::dashboard::Window;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::report::ClosedRental;
use crate::domain::tax::Taxed;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

#[derive(FromRow)]
struct ClosedRow {
    closed_at: i64,
    car_id: String,
    make: String,
    model: String,
    license_plate: String,
    branch_id: Option<String>,
    branch_name: Option<String>,
    net_total: i64,
    tax_total: i64,
    gross_total: i64,
}

fn corrupt() -> AppError {
    AppError::Internal(anyhow::anyhow!("corrupt reservation row in a report"))
}

/// The reservations closed in `window` (returned, cancelled or no-show), with what they
/// came to; the index on `closed_at` keeps this a range scan.
pub async fn closed_in(conn: &mut Conn, window: Window) -> AppResult<Vec<ClosedRental>> {
    let rows: Vec<ClosedRow> = sqlx::query_as(
        "SELECT r.closed_at, r.car_id, c.make, c.model, c.license_plate, \
         r.pickup_branch_id AS branch_id, b.name AS branch_name, r.net_total, r.tax_total, \
         COALESCE(r.final_total, 0) AS gross_total \
         FROM reservations r JOIN cars c ON c.id = r.car_id \
         LEFT JOIN branches b ON b.id = r.pickup_branch_id \
         WHERE r.closed_at >= $1 AND r.closed_at < $2",
    )
    .bind(window.start.millis())
    .bind(window.end.millis())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ClosedRental {
                closed_at: Timestamp::from_millis(r.closed_at),
                car: r.car_id.parse().map_err(|_| corrupt())?,
                car_label: format!("{} {} {}", r.make, r.model, r.license_plate),
                branch: r
                    .branch_id
                    .map(|b| b.parse().map_err(|_| corrupt()))
                    .transpose()?,
                branch_label: r.branch_name,
                total: Taxed {
                    net: Money::from_cents(r.net_total),
                    tax: Money::from_cents(r.tax_total),
                    gross: Money::from_cents(r.gross_total),
                },
            })
        })
        .collect()
}

/// Every car with its label, by make, model and plate.
pub async fn cars(conn: &mut Conn) -> AppResult<Vec<(Id, String)>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
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
