//! Login attempts not (yet) known to have succeeded, counted for throttling across instances.

use super::query::{query, query_as, row_struct};
use super::Conn;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

row_struct! {
    /// How many attempts since `since`, and when the oldest of them was made.
    #[derive(Debug, Clone, Copy)]
    pub struct Window {
        pub count: i64,
        pub oldest: Option<i64>,
    }
}

/// Attempts at a username from browsers not known to its owner.
pub async fn for_username(conn: &mut Conn, key: &str, since: Timestamp) -> AppResult<Window> {
    Ok(query_as(
        "SELECT COUNT(*) AS count, MIN(at) AS oldest FROM login_attempts \
         WHERE username_key = $1 AND device_hash IS NULL AND at > $2",
    )
    .bind(key)
    .bind(since.millis())
    .fetch_one(conn)
    .await?)
}

/// Attempts at a username from one browser its owner logged in from before.
pub async fn for_device(
    conn: &mut Conn,
    key: &str,
    device_hash: &str,
    since: Timestamp,
) -> AppResult<Window> {
    Ok(query_as(
        "SELECT COUNT(*) AS count, MIN(at) AS oldest FROM login_attempts \
         WHERE device_hash = $1 AND username_key = $2 AND at > $3",
    )
    .bind(device_hash)
    .bind(key)
    .bind(since.millis())
    .fetch_one(conn)
    .await?)
}

pub async fn for_ip(conn: &mut Conn, ip: &str, since: Timestamp) -> AppResult<Window> {
    Ok(query_as(
        "SELECT COUNT(*) AS count, MIN(at) AS oldest FROM login_attempts WHERE ip = $1 AND at > $2",
    )
    .bind(ip)
    .bind(since.millis())
    .fetch_one(conn)
    .await?)
}

/// An attempt about to be made: it counts as a failure unless removed after a success.
pub struct NewAttempt<'a> {
    pub username_key: &'a str,
    pub ip: &'a str,
    /// The known device it comes from, if any.
    pub device_hash: Option<&'a str>,
    pub at: Timestamp,
}

pub async fn insert(conn: &mut Conn, attempt: &NewAttempt<'_>) -> AppResult<Id> {
    let id = Id::generate();
    query(
        "INSERT INTO login_attempts (id, username_key, ip, device_hash, at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(attempt.username_key)
    .bind(attempt.ip)
    .bind(attempt.device_hash)
    .bind(attempt.at.millis())
    .execute(conn)
    .await?;
    Ok(id)
}

/// Forgets one attempt: it succeeded.
pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM login_attempts WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets the attempts at a username from one known device, after its owner proved the
/// password there. Attempts from unknown browsers stay counted: a success by the owner
/// must not hand a guesser a fresh budget.
pub async fn clear_device(conn: &mut Conn, key: &str, device_hash: &str) -> AppResult<()> {
    query("DELETE FROM login_attempts WHERE username_key = $1 AND device_hash = $2")
        .bind(key)
        .bind(device_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_older_than(conn: &mut Conn, before: Timestamp) -> AppResult<u64> {
    let done = query("DELETE FROM login_attempts WHERE at <= $1")
        .bind(before.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets every attempt at a username: its password has just changed, so the guesses
/// counted so far were at a password that no longer opens anything.
pub async fn clear_username(conn: &mut Conn, key: &str) -> AppResult<()> {
    query("DELETE FROM login_attempts WHERE username_key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
