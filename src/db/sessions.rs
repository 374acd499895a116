//! Login sessions in the `sessions` table, keyed by the hash of the token (never the token).

use std::sync::LazyLock;

use super::query::{query, query_as, FromRow, Row};
use super::users::{UserRow, UserWithHash, JOINED_COLUMNS};
use super::Conn;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::error::AppResult;

/// A session as stored.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: Id,
    pub at: Timestamp,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// A session's user and when it was last seen.
struct LiveRow {
    user: UserRow,
    last_seen_at: i64,
}

impl FromRow for LiveRow {
    fn from_row(mut row: Row) -> Result<Self, sqlx::Error> {
        let last_seen_at = row.take("last_seen_at", usize::MAX)?;
        Ok(LiveRow {
            user: UserRow::from_row(row)?,
            last_seen_at,
        })
    }
}

pub async fn insert(conn: &mut Conn, s: &NewSession<'_>) -> AppResult<()> {
    query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5)",
    )
    .bind(s.token_hash)
    .bind(s.user_id.to_string())
    .bind(s.at.millis())
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(conn)
    .await?;
    Ok(())
}

/// The active user of the session `token_hash`, if it was used after `idle_since` and
/// created after `created_since`, with the time it was last used.
pub async fn find_live(
    conn: &mut Conn,
    token_hash: &str,
    idle_since: Timestamp,
    created_since: Timestamp,
) -> AppResult<Option<(User, Timestamp)>> {
    // Run for every request: built once.
    static LIVE: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {JOINED_COLUMNS}, s.last_seen_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 \
             AND s.last_seen_at > $2 AND s.created_at > $3 AND u.is_active = 1"
        )
    });
    let row: Option<LiveRow> = query_as(&LIVE)
        .bind(token_hash)
        .bind(idle_since.millis())
        .bind(created_since.millis())
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        let user = UserWithHash::try_from(r.user)?.user;
        Ok((user, Timestamp::from_millis(r.last_seen_at)))
    })
    .transpose()
}

pub async fn touch(conn: &mut Conn, token_hash: &str, at: Timestamp) -> AppResult<()> {
    query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(at.millis())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, token_hash: &str) -> AppResult<()> {
    query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user, except the one named by `keep` (the caller's own).
pub async fn delete_for_user(conn: &mut Conn, user_id: Id, keep: Option<&str>) -> AppResult<()> {
    query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id.to_string())
        .bind(keep.unwrap_or(""))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes sessions that can no longer be used.
pub async fn delete_expired(
    conn: &mut Conn,
    idle_since: Timestamp,
    created_since: Timestamp,
) -> AppResult<u64> {
    let done = query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
        .bind(idle_since.millis())
        .bind(created_since.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
