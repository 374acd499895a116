//! The append-only `audit_log` table.

use super::query::{convert_all, query, query_as, row_struct};
use super::{Conn, Sql};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// An entry to write, its JSON columns already written out as text.
pub struct NewEntry {
    pub id: Id,
    pub timestamp: Timestamp,
    pub user_id: Option<Id>,
    pub user_username: Option<String>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<Id>,
    pub details: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<&Entry> for NewEntry {
    fn from(e: &Entry) -> Self {
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        NewEntry {
            id: e.id,
            timestamp: e.timestamp,
            user_id: e.user_id,
            user_username: e.user_username.clone(),
            action: e.action.clone(),
            entity_type: e.entity_type.clone(),
            entity_id: e.entity_id,
            details: e.details.to_string(),
            before: json(&e.before),
            after: json(&e.after),
        }
    }
}

/// Writes one entry, with its own id (a new one, or the original's at an import).
pub async fn insert(conn: &mut Conn, e: NewEntry) -> AppResult<()> {
    query(
        "INSERT INTO audit_log (id, timestamp, user_id, user_username, action, entity_type, \
         entity_id, details, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.id.to_string())
    .bind(e.timestamp.millis())
    .bind(e.user_id.map(|i| i.to_string()))
    .bind(e.user_username)
    .bind(e.action)
    .bind(e.entity_type)
    .bind(e.entity_id.map(|i| i.to_string()))
    .bind(e.details)
    .bind(e.before)
    .bind(e.after)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry as read back, with its JSON columns parsed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    #[serde(rename = "_id")]
    pub id: Id,
    pub timestamp: Timestamp,
    pub user_id: Option<Id>,
    pub user_username: Option<String>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<Id>,
    pub details: serde_json::Value,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

row_struct! {
    struct EntryRow {
        id: String,
        timestamp: i64,
        user_id: Option<String>,
        user_username: Option<String>,
        action: String,
        entity_type: Option<String>,
        entity_id: Option<String>,
        details: String,
        before: Option<String>,
        after: Option<String>,
    }
}

impl TryFrom<EntryRow> for Entry {
    type Error = AppError;

    fn try_from(r: EntryRow) -> AppResult<Entry> {
        let corrupt = |what: &str| AppError::Internal(anyhow::anyhow!("corrupt audit row: {what}"));
        let json = |text: Option<String>| -> AppResult<Option<serde_json::Value>> {
            text.map(|t| serde_json::from_str(&t).map_err(|_| corrupt("json")))
                .transpose()
        };
        Ok(Entry {
            id: r.id.parse().map_err(|_| corrupt("id"))?,
            timestamp: Timestamp::from_millis(r.timestamp),
            user_id: r.user_id.and_then(|s| s.parse().ok()),
            user_username: r.user_username,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id.and_then(|s| s.parse().ok()),
            details: json(Some(r.details))?.unwrap_or_default(),
            before: json(r.before)?,
            after: json(r.after)?,
        })
    }
}

/// Filters and page of an audit listing (always newest first).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<Id>,
    pub user_id: Option<Id>,
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of entries, newest first, and how many match in all.
pub async fn list(conn: &mut Conn, q: &AuditQuery) -> AppResult<(Vec<Entry>, i64)> {
    let filters = |sql: &mut Sql| {
        sql.start_where();
        if let Some(t) = &q.entity_type {
            sql.and("entity_type = ").bind(t.clone());
        }
        if let Some(id) = q.entity_id {
            sql.and("entity_id = ").bind(id.to_string());
        }
        if let Some(id) = q.user_id {
            sql.and("user_id = ").bind(id.to_string());
        }
        if let Some(a) = &q.action {
            sql.and("action = ").bind(a.clone());
        }
        if let Some(from) = q.from {
            sql.and("timestamp >= ").bind(from.millis());
        }
        if let Some(to) = q.to {
            sql.and("timestamp < ").bind(to.millis());
        }
    };
    let mut page = Sql::new(
        "SELECT id, timestamp, user_id, user_username, action, entity_type, entity_id, details, \
         before, after FROM audit_log",
    );
    filters(&mut page);
    page.push(" ORDER BY timestamp DESC, id DESC LIMIT ")
        .bind(q.limit)
        .push(" OFFSET ")
        .bind(q.offset);
    let rows: Vec<EntryRow> = page.fetch_all(conn).await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM audit_log");
    filters(&mut count);
    let total = count
        .total_behind(conn, q.offset, q.limit, rows.len())
        .await?;
    let entries = convert_all(rows, Entry::try_from)?;
    Ok((entries, total))
}

/// One entry by its id.
pub async fn find(conn: &mut Conn, id: Id) -> AppResult<Option<Entry>> {
    let row: Option<EntryRow> = query_as(
        "SELECT id, timestamp, user_id, user_username, action, entity_type, entity_id, details, \
         before, after FROM audit_log WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Entry::try_from).transpose()
}

/// Up to `limit` entries in `[from, to)`, oldest first, after the entry `after`
/// (timestamp, id): a keyset page, so an export of any size reads in constant memory.
pub async fn export_page(
    conn: &mut Conn,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    after: Option<(Timestamp, Id)>,
    limit: i64,
) -> AppResult<Vec<Entry>> {
    let mut sql = Sql::new(
        "SELECT id, timestamp, user_id, user_username, action, entity_type, entity_id, details, \
         before, after FROM audit_log WHERE 1 = 1",
    );
    if let Some(from) = from {
        sql.push(" AND timestamp >= ").bind(from.millis());
    }
    if let Some(to) = to {
        sql.push(" AND timestamp < ").bind(to.millis());
    }
    if let Some((ts, id)) = after {
        sql.push(" AND (timestamp > ")
            .bind(ts.millis())
            .push(" OR (timestamp = ")
            .bind(ts.millis())
            .push(" AND id > ")
            .bind(id.to_string())
            .push("))");
    }
    sql.push(" ORDER BY timestamp, id LIMIT ").bind(limit);
    let rows: Vec<EntryRow> = sql.fetch_all(conn).await?;
    rows.into_iter().map(Entry::try_from).collect()
}
