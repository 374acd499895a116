//! Counts an agency owner charts: the fleet by status, rentals under way and overdue.

use super::query::query_as;
use super::{Conn, Sql};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

/// How many cars are in each status: all of them, or those standing at `branch`.
pub async fn cars_by_status(conn: &mut Conn, branch: Option<Id>) -> AppResult<Vec<(String, i64)>> {
    let mut sql = Sql::new("SELECT status, COUNT(*) AS n FROM cars");
    if let Some(b) = branch {
        sql.push(" WHERE current_branch_id = ").bind(b.to_string());
    }
    sql.push(" GROUP BY status");
    Ok(sql.fetch_all(conn).await?)
}

/// Rentals under way, and how many of them are past their end at `now`.
pub async fn rentals(conn: &mut Conn, now: Timestamp) -> AppResult<(i64, i64)> {
    Ok(query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN end_at < $1 THEN 1 ELSE 0 END), 0) \
         FROM reservations WHERE status = 'active'",
    )
    .bind(now.millis())
    .fetch_one(conn)
    .await?)
}
