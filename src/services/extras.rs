//! The extras catalogue: what can be added to a rental and at what price.

use super::audit::{self, Change};
use super::{Actor, Origin};
use crate::db::{extras, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::extras::{Extra, ExtraChanges};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

fn not_found() -> AppError {
    AppError::not_found("extra")
}

pub async fn list(db: &Database) -> AppResult<Vec<Extra>> {
    let mut conn = db.read().await?;
    extras::list(&mut conn).await
}

pub async fn get(db: &Database, id: Id) -> AppResult<Extra> {
    let mut conn = db.read().await?;
    extras::find(&mut conn, id).await?.ok_or_else(not_found)
}

pub async fn create(
    db: &Database,
    actor: &Actor,
    extra: Extra,
    origin: &Origin,
) -> AppResult<Extra> {
    let input = (extra, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (extra, actor, origin)| {
        Box::pin(async move {
            extras::insert(conn, &extra).await?;
            let change = Change::new(AuditAction::CreateExtra, Some(&actor))
                .entity(EntityType::Extra, extra.id)
                .after(&extra);
            audit::record(conn, &origin, change).await?;
            Ok(extra)
        })
    })
    .await
}

/// Changes an extra of the catalogue; bookings keep the terms they were made with.
pub async fn update(
    db: &Database,
    actor: &Actor,
    id: Id,
    changes: ExtraChanges,
    origin: &Origin,
) -> AppResult<Extra> {
    let input = (changes, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (changes, actor, origin)| {
        Box::pin(async move {
            let before = extras::find(conn, id).await?.ok_or_else(not_found)?;
            let mut after = changes.apply(&before);
            if after == before {
                return Ok(before);
            }
            after.updated_at = Timestamp::now();
            after.updated_by = Some(actor.id);
            extras::update(conn, &after).await?;
            let change = Change::new(AuditAction::UpdateExtra, Some(&actor))
                .entity(EntityType::Extra, id)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Removes an extra from the catalogue; bookings keep their copy of it.
pub async fn delete(db: &Database, actor: &Actor, id: Id, origin: &Origin) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = extras::find(conn, id).await?.ok_or_else(not_found)?;
            extras::delete(conn, id).await?;
            let change = Change::new(AuditAction::DeleteExtra, Some(&actor))
                .entity(EntityType::Extra, id)
                .before(&before);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}
