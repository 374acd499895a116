//! Counts an agency owner charts: the fleet by status, rentals under way and overdue.

use super::Conn;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

/// How many cars are in each status.
pub async fn cars_by_status(conn: &mut Conn) -> AppResult<Vec<(String, i64)>> {
    Ok(
        sqlx::query_as("SELECT status, COUNT(*) FROM cars GROUP BY status")
            .fetch_all(conn)
            .await?,
    )
}

/// Rentals under way, and how many of them are past their end at `now`.
pub async fn rentals(conn: &mut Conn, now: Timestamp) -> AppResult<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN end_at < $1 THEN 1 ELSE 0 END), 0) \
         FROM reservations WHERE status = 'active'",
    )
    .bind(now.millis())
    .fetch_one(conn)
    .await?)
}
