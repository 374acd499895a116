//! Login sessions in the `sessions` table, keyed by the hash of the token (never the token).

use std::sync::LazyLock;

use super::query::{query, query_as, query_scalar, FromRow, Row};
use super::session_cache::{Session, SessionCache};
use super::users::{UserRow, UserWithHash, JOINED_COLUMNS};
use super::Conn;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
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

/// A session's user, when it began and when it was last seen.
struct LiveRow {
    user: UserRow,
    created_at: i64,
    last_seen_at: i64,
}

impl FromRow for LiveRow {
    fn from_row(mut row: Row) -> Result<Self, sqlx::Error> {
        let created_at = row.take("session_created_at", usize::MAX)?;
        let last_seen_at = row.take("last_seen_at", usize::MAX)?;
        Ok(LiveRow {
            user: UserRow::from_row(row)?,
            created_at,
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

/// When a session counts as live: used after `idle_since` and created after
/// `created_since`. One kept in memory is taken only if it was also seen after
/// `seen_since`; an older one is read again, as its idle clock may have moved.
pub struct Liveness {
    pub idle_since: Timestamp,
    pub created_since: Timestamp,
    pub seen_since: Timestamp,
}

impl Liveness {
    fn admits(&self, s: &Session) -> bool {
        s.last_seen_at > self.idle_since
            && s.last_seen_at > self.seen_since
            && s.created_at > self.created_since
    }
}

/// The live session `token_hash` of an active user, from `cache` when nothing that could
/// end or change it has happened since it was read (see [`SessionCache`]).
pub async fn find_live(
    conn: &mut Conn,
    cache: &SessionCache,
    token_hash: &str,
    live: &Liveness,
) -> AppResult<Option<Session>> {
    // Read before the session: a change between the two then makes the session newer
    // than its count, never older.
    let epoch: Option<i64> = query_scalar("SELECT epoch FROM auth_epoch")
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(kept) = epoch.and_then(|epoch| cache.get(epoch, token_hash)) {
        if live.admits(&kept) {
            return Ok(Some(kept));
        }
    }
    let found = read_live(conn, token_hash, live).await?;
    if let Some(epoch) = epoch {
        cache.put(epoch, token_hash, found.clone());
    }
    Ok(found)
}

async fn read_live(
    conn: &mut Conn,
    token_hash: &str,
    live: &Liveness,
) -> AppResult<Option<Session>> {
    static LIVE: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {JOINED_COLUMNS}, s.created_at AS session_created_at, s.last_seen_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 \
             AND s.last_seen_at > $2 AND s.created_at > $3 AND u.is_active = 1"
        )
    });
    let row: Option<LiveRow> = query_as(&LIVE)
        .bind(token_hash)
        .bind(live.idle_since.millis())
        .bind(live.created_since.millis())
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(Session {
            user: UserWithHash::try_from(r.user)?.user,
            created_at: Timestamp::from_millis(r.created_at),
            last_seen_at: Timestamp::from_millis(r.last_seen_at),
        })
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
