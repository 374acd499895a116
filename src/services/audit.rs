//! The one way every change is recorded: an audit entry written on the same
//! connection, inside the same transaction, as the change itself.

use serde::Serialize;
use serde_json::{json, Value};

use super::{Actor, Origin};
use crate::db::{self, Conn};
use crate::domain::audit::{changed_fields, AuditAction, EntityType};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

/// A change to record.
pub struct Change<'a> {
    pub action: AuditAction,
    pub entity: Option<(EntityType, Id)>,
    /// The entity as it was, as compact JSON text ([`changed_fields`] compares it so).
    pub before: Option<String>,
    /// The entity as it is now, as compact JSON text.
    pub after: Option<String>,
    /// Who acted; `None` for anonymous actions such as a failed login.
    pub actor: Option<&'a Actor>,
    /// Extra facts for `details` (e.g. the username tried in a failed login).
    pub extra: Option<Value>,
    /// Changed fields the documents do not show (a password is never in them).
    pub also_changed: Option<&'static str>,
}

impl<'a> Change<'a> {
    pub fn new(action: AuditAction, actor: Option<&'a Actor>) -> Self {
        Change {
            action,
            entity: None,
            before: None,
            after: None,
            actor,
            extra: None,
            also_changed: None,
        }
    }

    pub fn entity(mut self, kind: EntityType, id: Id) -> Self {
        self.entity = Some((kind, id));
        self
    }

    pub fn before(mut self, doc: &impl Serialize) -> Self {
        self.before = serde_json::to_string(doc).ok();
        self
    }

    pub fn after(mut self, doc: &impl Serialize) -> Self {
        self.after = serde_json::to_string(doc).ok();
        self
    }

    pub fn extra(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }

    /// Names `field` among the changed fields although neither document holds it.
    pub fn also_changed(mut self, field: &'static str) -> Self {
        self.also_changed = Some(field);
        self
    }
}

/// Writes the entry for `change`. Call it on the transaction's connection.
pub async fn record(conn: &mut Conn, origin: &Origin, change: Change<'_>) -> AppResult<()> {
    let mut changed = changed_fields(change.before.as_deref(), change.after.as_deref());
    changed.retain(|f| f != "updatedAt");
    if let Some(field) = change.also_changed {
        changed.push(field.to_owned());
        changed.sort();
    }
    let mut details = json!({
        "ipAddress": origin.ip,
        "userAgent": origin.user_agent,
        "changedFields": changed,
    });
    if let (Some(Value::Object(extra)), Some(map)) = (change.extra, details.as_object_mut()) {
        map.extend(extra);
    }
    let entry = db::audit::NewEntry {
        id: Id::generate(),
        timestamp: Timestamp::now(),
        user_id: change.actor.map(|a| a.id),
        user_username: change.actor.map(|a| a.username.clone()),
        action: change.action.as_str().to_owned(),
        entity_type: change.entity.map(|(t, _)| t.as_str().to_owned()),
        entity_id: change.entity.map(|(_, id)| id),
        details: details.to_string(),
        before: change.before,
        after: change.after,
    };
    db::audit::insert(conn, entry).await?;
    Ok(())
}

/// One page of the audit trail, newest first.
pub async fn list(
    db: &db::Database,
    query: &db::audit::AuditQuery,
) -> AppResult<(Vec<db::audit::Entry>, i64)> {
    let mut conn = db.read().await?;
    db::audit::list(&mut conn, query).await
}

/// Writes every entry in `[from, to)` as one JSON object per line, oldest first, reading
/// the log page by page. Returns how many entries were written.
pub async fn export(
    db: &db::Database,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    out: &mut impl std::io::Write,
) -> anyhow::Result<u64> {
    const PAGE: i64 = 1000;
    let mut after = None;
    let mut written = 0;
    loop {
        let page = {
            let mut conn = db.read().await?;
            db::audit::export_page(&mut conn, from, to, after, PAGE).await?
        };
        for entry in &page {
            serde_json::to_writer(&mut *out, entry)?;
            out.write_all(b"\n")?;
            written += 1;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = Some((last.timestamp, last.id)),
            _ => break,
        }
    }
    out.flush()?;
    Ok(written)
}
