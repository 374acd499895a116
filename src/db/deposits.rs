//! The security deposits' ledger in the `deposit_movements` table.

use super::query::query;
use super::{Conn, Engine};
use crate::domain::deposit::DepositMovement;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// A movement as [`json_column`] reads it: kind, amount, reason, when, by whom, and its
/// place in the ledger (when recorded, id).
type MovementJson = (
    String,
    i64,
    Option<String>,
    i64,
    Option<String>,
    i64,
    String,
);

/// The column `deposit_movements` that reads the ledger of reservation `r` in its own
/// statement; [`from_json`] reads it.
pub fn json_column(engine: Engine) -> String {
    let movements = engine.json_rows(
        "d.kind, d.amount, d.reason, d.at, d.recorded_by, d.created_at, d.id",
        "deposit_movements d WHERE d.reservation_id = r.id",
    );
    format!("{movements} AS deposit_movements")
}

/// A reservation's ledger, oldest first, from the column of [`json_column`].
pub fn from_json(movements: &str) -> AppResult<Vec<DepositMovement>> {
    let corrupt =
        |what: &str| AppError::Internal(anyhow::anyhow!("corrupt deposit movement: {what}"));
    let mut rows: Vec<MovementJson> =
        serde_json::from_str(movements).map_err(|_| corrupt("json"))?;
    rows.sort_by(|a, b| (a.3, a.5, &a.6).cmp(&(b.3, b.5, &b.6)));
    rows.into_iter()
        .map(|(kind, amount, reason, at, recorded_by, _, _)| {
            Ok(DepositMovement {
                kind: kind.parse().map_err(|_| corrupt("kind"))?,
                amount: Money::from_cents(amount),
                reason,
                at: Timestamp::from_millis(at),
                recorded_by: recorded_by.and_then(|s| s.parse().ok()),
            })
        })
        .collect()
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
