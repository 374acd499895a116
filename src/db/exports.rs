//! What only an export reads: ids page by page, and what the export cannot carry yet.

use super::Conn;
use crate::domain::block::Block;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};

/// The table behind each exported collection.
fn table(collection: &str) -> AppResult<&'static str> {
    match collection {
        "users" => Ok("users"),
        "clients" => Ok("clients"),
        "cars" => Ok("cars"),
        "reservations" => Ok("reservations"),
        "audit_log" => Ok("audit_log"),
        "branches" => Ok("branches"),
        "extras" => Ok("extras"),
        "car_blocks" => Ok("car_blocks"),
        other => Err(AppError::Internal(anyhow::anyhow!("no collection {other}"))),
    }
}

/// Up to `limit` ids of `collection` after `after`, in id order (a keyset page).
pub async fn page_of_ids(
    conn: &mut Conn,
    collection: &str,
    after: Option<Id>,
    limit: i64,
) -> AppResult<Vec<Id>> {
    let sql = format!(
        "SELECT id FROM {} WHERE id > $1 ORDER BY id LIMIT $2",
        table(collection)?
    );
    let ids: Vec<String> = sqlx::query_scalar(&sql)
        .bind(after.map(|i| i.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    ids.iter()
        .map(|s| {
            s.parse()
                .map_err(|_| AppError::Internal(anyhow::anyhow!("corrupt id {s}")))
        })
        .collect()
}

/// One block by its id alone.
pub async fn block(conn: &mut Conn, id: Id) -> AppResult<Option<Block>> {
    let car: Option<String> = sqlx::query_scalar("SELECT car_id FROM car_blocks WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    match car.and_then(|c| c.parse().ok()) {
        Some(car) => super::blocks::find(conn, car, id).await,
        None => Ok(None),
    }
}

/// Data the export files do not hold yet, as (what, how many rows): photos and invoices.
pub async fn not_exported(conn: &mut Conn) -> AppResult<Vec<(&'static str, i64)>> {
    let checks: [(&str, &str); 3] = [
        ("car photos", "SELECT COUNT(*) FROM car_images"),
        (
            "inspection photos",
            "SELECT COUNT(*) FROM inspection_photos",
        ),
        ("invoices and credit notes", "SELECT COUNT(*) FROM invoices"),
    ];
    let mut left_out = Vec::new();
    for (what, sql) in checks {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await?;
        if n > 0 {
            left_out.push((what, n));
        }
    }
    Ok(left_out)
}
