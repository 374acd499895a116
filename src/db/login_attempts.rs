//! Login attempts not (yet) known to have succeeded, counted for throttling across instances.

use super::Conn;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

/// How many attempts since `since`, and when the oldest of them was made.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Window {
    pub count: i64,
    pub oldest: Option<i64>,
}

pub async fn for_username(conn: &mut Conn, key: &str, since: Timestamp) -> AppResult<Window> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*) AS count, MIN(at) AS oldest FROM login_attempts \
         WHERE username_key = $1 AND at > $2",
    )
    .bind(key)
    .bind(since.millis())
    .fetch_one(conn)
    .await?)
}

pub async fn for_ip(conn: &mut Conn, ip: &str, since: Timestamp) -> AppResult<Window> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*) AS count, MIN(at) AS oldest FROM login_attempts WHERE ip = $1 AND at > $2",
    )
    .bind(ip)
    .bind(since.millis())
    .fetch_one(conn)
    .await?)
}

/// Records an attempt; it counts as a failure unless removed after a success.
pub async fn insert(conn: &mut Conn, key: &str, ip: &str, at: Timestamp) -> AppResult<Id> {
    let id = Id::generate();
    sqlx::query("INSERT INTO login_attempts (id, username_key, ip, at) VALUES ($1, $2, $3, $4)")
        .bind(id.to_string())
        .bind(key)
        .bind(ip)
        .bind(at.millis())
        .execute(conn)
        .await?;
    Ok(id)
}

/// Forgets the failures of a username after its owner proved the password.
pub async fn clear_username(conn: &mut Conn, key: &str) -> AppResult<()> {
    sqlx::query("DELETE FROM login_attempts WHERE username_key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_older_than(conn: &mut Conn, before: Timestamp) -> AppResult<u64> {
    let done = sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
        .bind(before.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
