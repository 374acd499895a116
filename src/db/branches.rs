//! The agency's offices in the `branches` table.

use super::query::{query, query_as, row_struct};
use super::{foreign_key_violation, unique_violation, Conn};
use crate::domain::branch::{Branch, OpeningPeriod};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

const COLUMNS: &str = "id, name, address, phone, opening_hours, created_at, created_by, \
                       updated_at, updated_by";

row_struct! {
    struct BranchRow {
        id: String,
        name: String,
        address: String,
        phone: Option<String>,
        opening_hours: String,
        created_at: i64,
        created_by: Option<String>,
        updated_at: i64,
        updated_by: Option<String>,
    }
}

impl TryFrom<BranchRow> for Branch {
    type Error = AppError;

    fn try_from(r: BranchRow) -> AppResult<Branch> {
        let corrupt =
            |what: &str| AppError::Internal(anyhow::anyhow!("corrupt branch row: {what}"));
        let hours: Vec<OpeningPeriod> =
            serde_json::from_str(&r.opening_hours).map_err(|_| corrupt("opening_hours"))?;
        Ok(Branch {
            id: r.id.parse().map_err(|_| corrupt("id"))?,
            name: r.name,
            address: r.address,
            phone: r.phone,
            opening_hours: hours,
            created_at: Timestamp::from_millis(r.created_at),
            created_by: r.created_by.and_then(|s| s.parse().ok()),
            updated_at: Timestamp::from_millis(r.updated_at),
            updated_by: r.updated_by.and_then(|s| s.parse().ok()),
        })
    }
}

fn clash(e: sqlx::Error) -> AppError {
    match unique_violation(&e) {
        Some(_) => AppError::conflict_on("name", "another branch already has this name"),
        None => AppError::Database(e),
    }
}

fn hours_json(b: &Branch) -> AppResult<String> {
    serde_json::to_string(&b.opening_hours).map_err(|e| AppError::Internal(e.into()))
}

pub async fn insert(conn: &mut Conn, b: &Branch) -> AppResult<()> {
    query(
        "INSERT INTO branches (id, name, name_key, address, phone, opening_hours, created_at, \
         created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(b.id.to_string())
    .bind(&b.name)
    .bind(b.name.to_lowercase())
    .bind(&b.address)
    .bind(b.phone.clone())
    .bind(hours_json(b)?)
    .bind(b.created_at.millis())
    .bind(b.created_by.map(|i| i.to_string()))
    .bind(b.updated_at.millis())
    .bind(b.updated_by.map(|i| i.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

pub async fn update(conn: &mut Conn, b: &Branch) -> AppResult<()> {
    query(
        "UPDATE branches SET name = $2, name_key = $3, address = $4, phone = $5, \
         opening_hours = $6, updated_at = $7, updated_by = $8 WHERE id = $1",
    )
    .bind(b.id.to_string())
    .bind(&b.name)
    .bind(b.name.to_lowercase())
    .bind(&b.address)
    .bind(b.phone.clone())
    .bind(hours_json(b)?)
    .bind(b.updated_at.millis())
    .bind(b.updated_by.map(|i| i.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

/// Deletes a branch; one that cars or reservations refer to is kept (409).
pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM branches WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await
        .map_err(|e| {
            if foreign_key_violation(&e) {
                AppError::conflict(
                    "cars or reservations refer to this branch; move them to another branch first",
                )
            } else {
                AppError::Database(e)
            }
        })?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: Id) -> AppResult<Option<Branch>> {
    let row: Option<BranchRow> = query_as(&format!("SELECT {COLUMNS} FROM branches WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(Branch::try_from).transpose()
}

/// Every branch, by name (an agency has a handful).
pub async fn list(conn: &mut Conn) -> AppResult<Vec<Branch>> {
    let rows: Vec<BranchRow> = query_as(&format!(
        "SELECT {COLUMNS} FROM branches ORDER BY name_key, id"
    ))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Branch::try_from).collect()
}
