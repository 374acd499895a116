//! The extras catalogue in the `extras` table.

use super::query::{query, query_as, row_struct};
use super::{unique_violation, Conn};
use crate::domain::extras::{Extra, ExtraPricing};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

const COLUMNS: &str =
    "id, name, pricing, price, cap, active, created_at, created_by, updated_at, updated_by";

row_struct! {
    struct ExtraRow {
        id: String,
        name: String,
        pricing: String,
        price: i64,
        cap: Option<i64>,
        active: i64,
        created_at: i64,
        created_by: Option<String>,
        updated_at: i64,
        updated_by: Option<String>,
    }
}

fn pricing_text(p: ExtraPricing) -> &'static str {
    match p {
        ExtraPricing::PerDay => "perDay",
        ExtraPricing::PerRental => "perRental",
    }
}

impl TryFrom<ExtraRow> for Extra {
    type Error = AppError;

    fn try_from(r: ExtraRow) -> AppResult<Extra> {
        let corrupt = |what: &str| AppError::Internal(anyhow::anyhow!("corrupt extra row: {what}"));
        let pricing = match r.pricing.as_str() {
            "perDay" => ExtraPricing::PerDay,
            "perRental" => ExtraPricing::PerRental,
            _ => return Err(corrupt("pricing")),
        };
        Ok(Extra {
            id: r.id.parse().map_err(|_| corrupt("id"))?,
            name: r.name,
            pricing,
            price: Money::from_cents(r.price),
            cap: r.cap.map(Money::from_cents),
            active: r.active != 0,
            created_at: Timestamp::from_millis(r.created_at),
            created_by: r.created_by.and_then(|s| s.parse().ok()),
            updated_at: Timestamp::from_millis(r.updated_at),
            updated_by: r.updated_by.and_then(|s| s.parse().ok()),
        })
    }
}

fn clash(e: sqlx::Error) -> AppError {
    match unique_violation(&e) {
        Some(_) => AppError::conflict_on("name", "another extra already has this name"),
        None => AppError::Database(e),
    }
}

pub async fn insert(conn: &mut Conn, x: &Extra) -> AppResult<()> {
    query(
        "INSERT INTO extras (id, name, name_key, pricing, price, cap, active, created_at, \
         created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(x.id.to_string())
    .bind(&x.name)
    .bind(x.name.to_lowercase())
    .bind(pricing_text(x.pricing))
    .bind(x.price.cents())
    .bind(x.cap.map(Money::cents))
    .bind(i64::from(x.active))
    .bind(x.created_at.millis())
    .bind(x.created_by.map(|i| i.to_string()))
    .bind(x.updated_at.millis())
    .bind(x.updated_by.map(|i| i.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

pub async fn update(conn: &mut Conn, x: &Extra) -> AppResult<()> {
    query(
        "UPDATE extras SET name = $2, name_key = $3, pricing = $4, price = $5, cap = $6, \
         active = $7, updated_at = $8, updated_by = $9 WHERE id = $1",
    )
    .bind(x.id.to_string())
    .bind(&x.name)
    .bind(x.name.to_lowercase())
    .bind(pricing_text(x.pricing))
    .bind(x.price.cents())
    .bind(x.cap.map(Money::cents))
    .bind(i64::from(x.active))
    .bind(x.updated_at.millis())
    .bind(x.updated_by.map(|i| i.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

/// Deletes an extra; bookings keep their own copy of its terms.
pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM extras WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: Id) -> AppResult<Option<Extra>> {
    let row: Option<ExtraRow> = query_as(&format!("SELECT {COLUMNS} FROM extras WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(Extra::try_from).transpose()
}

/// The catalogue by name (an agency has a few dozen extras at most).
pub async fn list(conn: &mut Conn) -> AppResult<Vec<Extra>> {
    let rows: Vec<ExtraRow> = query_as(&format!(
        "SELECT {COLUMNS} FROM extras ORDER BY name_key, id"
    ))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Extra::try_from).collect()
}
