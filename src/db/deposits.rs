//! The security deposits' ledger in the `deposit_movements` table.

use std::collections::HashMap;

use super::query::{query, row_struct};
use super::{Conn, Sql};
use crate::domain::deposit::DepositMovement;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

row_struct! {
    struct MovementRow {
        reservation_id: String,
        kind: String,
        amount: i64,
        reason: Option<String>,
        at: i64,
        recorded_by: Option<String>,
    }
}

/// The ledgers of the given reservations, in one query, grouped by reservation.
pub async fn of(conn: &mut Conn, ids: &[&str]) -> AppResult<HashMap<String, Vec<DepositMovement>>> {
    let mut grouped: HashMap<String, Vec<DepositMovement>> = HashMap::new();
    if ids.is_empty() {
        return Ok(grouped);
    }
    let mut sql = Sql::new(
        "SELECT reservation_id, kind, amount, reason, at, recorded_by \
         FROM deposit_movements WHERE reservation_id IN ",
    );
    sql.bind_list(ids);
    sql.push(" ORDER BY at, created_at, id");
    let rows: Vec<MovementRow> = sql.fetch_all(conn).await?;
    for r in rows {
        let movement = DepositMovement {
            kind: r.kind.parse().map_err(|_| {
                AppError::Internal(anyhow::anyhow!("corrupt deposit movement: kind"))
            })?,
            amount: Money::from_cents(r.amount),
            reason: r.reason,
            at: Timestamp::from_millis(r.at),
            recorded_by: r.recorded_by.and_then(|s| s.parse().ok()),
        };
        grouped.entry(r.reservation_id).or_default().push(movement);
    }
    Ok(grouped)
}

pub async fn insert(conn: &mut Conn, reservation: Id, m: &DepositMovement) -> AppResult<()> {
    query(
        "INSERT INTO deposit_movements (id, reservation_id, kind, amount, reason, at, \
         recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Id::generate().to_string())
    .bind(reservation.to_string())
    .bind(m.kind.as_str())
    .bind(m.amount.cents())
    .bind(m.reason.clone())
    .bind(m.at.millis())
    .bind(m.recorded_by.map(|i| i.to_string()))
    .bind(Timestamp::now().millis())
    .execute(conn)
    .await?;
    Ok(())
}
