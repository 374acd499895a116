//! Browsers known to have logged in to an account: their attempts have a budget of their own.

use super::query::{query, query_scalar};
use super::Conn;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

/// Whether the device with this token hash has logged in as this username before.
pub async fn is_known(conn: &mut Conn, token_hash: &str, key: &str) -> AppResult<bool> {
    let found: Option<i64> = query_scalar(
        "SELECT last_used_at FROM login_devices WHERE token_hash = $1 AND username_key = $2",
    )
    .bind(token_hash)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Remembers (or refreshes) that the device logged in as this username.
pub async fn remember(
    conn: &mut Conn,
    token_hash: &str,
    key: &str,
    at: Timestamp,
) -> AppResult<()> {
    query(
        "INSERT INTO login_devices (token_hash, username_key, last_used_at) VALUES ($1, $2, $3) \
         ON CONFLICT (token_hash, username_key) DO UPDATE SET last_used_at = excluded.last_used_at",
    )
    .bind(token_hash)
    .bind(key)
    .bind(at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_unused_since(conn: &mut Conn, before: Timestamp) -> AppResult<u64> {
    let done = query("DELETE FROM login_devices WHERE last_used_at <= $1")
        .bind(before.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
