//! The append-only `audit_log` table.

use super::Conn;
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

/// One entry as written.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub timestamp: Timestamp,
    pub user_id: Option<Id>,
    pub user_username: Option<String>,
    pub action: AuditAction,
    pub entity_type: Option<EntityType>,
    pub entity_id: Option<Id>,
    pub details: serde_json::Value,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn insert(conn: &mut Conn, e: &NewEntry) -> AppResult<Id> {
    let id = Id::generate();
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
    sqlx::query(
        "INSERT INTO audit_log (id, timestamp, user_id, user_username, action, entity_type, \
         entity_id, details, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(e.timestamp.millis())
    .bind(e.user_id.map(|i| i.to_string()))
    .bind(e.user_username.clone())
    .bind(e.action.as_str())
    .bind(e.entity_type.map(|t| t.as_str()))
    .bind(e.entity_id.map(|i| i.to_string()))
    .bind(e.details.to_string())
    .bind(json(&e.before))
    .bind(json(&e.after))
    .execute(conn)
    .await?;
    Ok(id)
}
