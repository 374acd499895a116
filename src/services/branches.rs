//! The agency's offices: opening, changing and closing branches.

use super::audit::{self, Change};
use super::{Actor, Origin};
use crate::db::{branches, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::branch::{Branch, BranchChanges};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

fn not_found() -> AppError {
    AppError::not_found("branch")
}

pub async fn list(db: &Database) -> AppResult<Vec<Branch>> {
    let mut conn = db.read().await?;
    branches::list(&mut conn).await
}

pub async fn get(db: &Database, id: Id) -> AppResult<Branch> {
    let mut conn = db.read().await?;
    branches::find(&mut conn, id).await?.ok_or_else(not_found)
}

pub async fn create(
    db: &Database,
    actor: &Actor,
    branch: Branch,
    origin: &Origin,
) -> AppResult<Branch> {
    let input = (branch, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (branch, actor, origin)| {
        Box::pin(async move {
            branches::insert(conn, &branch).await?;
            let change = Change::new(AuditAction::CreateBranch, Some(&actor))
                .entity(EntityType::Branch, branch.id)
                .after(&branch);
            audit::record(conn, &origin, change).await?;
            Ok(branch)
        })
    })
    .await
}

pub async fn update(
    db: &Database,
    actor: &Actor,
    id: Id,
    changes: BranchChanges,
    origin: &Origin,
) -> AppResult<Branch> {
    let input = (changes, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (changes, actor, origin)| {
        Box::pin(async move {
            let before = branches::find(conn, id).await?.ok_or_else(not_found)?;
            let mut after = changes.apply(&before);
            if after == before {
                return Ok(before);
            }
            after.updated_at = Timestamp::now();
            after.updated_by = Some(actor.id);
            branches::update(conn, &after).await?;
            let change = Change::new(AuditAction::UpdateBranch, Some(&actor))
                .entity(EntityType::Branch, id)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Closes a branch that no car or reservation refers to (409 otherwise).
pub async fn delete(db: &Database, actor: &Actor, id: Id, origin: &Origin) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = branches::find(conn, id).await?.ok_or_else(not_found)?;
            branches::delete(conn, id).await?;
            let change = Change::new(AuditAction::DeleteBranch, Some(&actor))
                .entity(EntityType::Branch, id)
                .before(&before);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}
