//! What only an export reads: ids page by page, and what the export cannot carry yet.

use super::Conn;
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

/// Data the export files do not hold yet, as (what, how many rows): branches, blocks,
/// extras, photos, inspections, deposits, additional drivers and invoices.
pub async fn not_exported(conn: &mut Conn) -> AppResult<Vec<(&'static str, i64)>> {
    let checks: [(&str, &str); 10] = [
        ("branches", "SELECT COUNT(*) FROM branches"),
        ("car blocks", "SELECT COUNT(*) FROM car_blocks"),
        ("extras", "SELECT COUNT(*) FROM extras"),
        ("car photos", "SELECT COUNT(*) FROM car_images"),
        ("inspections", "SELECT COUNT(*) FROM inspections"),
        (
            "deposit movements",
            "SELECT COUNT(*) FROM deposit_movements",
        ),
        (
            "additional drivers",
            "SELECT COUNT(*) FROM reservation_drivers",
        ),
        ("invoices and credit notes", "SELECT COUNT(*) FROM invoices"),
        (
            "cars' branches",
            "SELECT COUNT(*) FROM cars WHERE home_branch_id IS NOT NULL \
             OR current_branch_id IS NOT NULL",
        ),
        (
            "cars' weekly, monthly, seasonal rates and deposits",
            "SELECT COUNT(*) FROM cars WHERE weekly_rate IS NOT NULL \
             OR monthly_rate IS NOT NULL OR deposit_amount > 0 OR rate_seasons <> '[]'",
        ),
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
