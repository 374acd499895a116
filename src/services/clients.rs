//! Customers: registering them, keeping their details, and removing them.

use super::audit::{self, Change};
use super::{Actor, Origin};
use crate::db::clients::ClientQuery;
use crate::db::{clients, Conn, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::client::{Client, ClientChanges};
use crate::domain::date::Date;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

fn not_found() -> AppError {
    AppError::not_found("client")
}

/// Reads run on the read connection the caller holds (see `http::extract::StaffReading`).
pub async fn get(conn: &mut Conn, id: Id) -> AppResult<Client> {
    clients::find(conn, id).await?.ok_or_else(not_found)
}

pub async fn list(conn: &mut Conn, query: &ClientQuery) -> AppResult<(Vec<Client>, i64)> {
    clients::list(conn, query).await
}

/// Refuses a client whose dates contradict each other (a licence issued before birth, …).
fn check_dates(client: &Client) -> AppResult<()> {
    client
        .check_dates(Date::of(Timestamp::now()))
        .map_err(|(field, problem)| AppError::invalid_field(field, problem))
}

pub async fn create(
    db: &Database,
    actor: &Actor,
    client: Client,
    origin: &Origin,
) -> AppResult<Client> {
    check_dates(&client)?;
    let input = (client, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (client, actor, origin)| {
        Box::pin(async move {
            clients::insert(conn, &client).await?;
            let change = Change::new(AuditAction::CreateClient, Some(&actor))
                .entity(EntityType::Client, client.id)
                .after(&client);
            audit::record(conn, &origin, change).await?;
            Ok(client)
        })
    })
    .await
}

pub async fn update(
    db: &Database,
    actor: &Actor,
    id: Id,
    changes: ClientChanges,
    origin: &Origin,
) -> AppResult<Client> {
    let input = (changes, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (changes, actor, origin)| {
        Box::pin(async move {
            let before = clients::find(conn, id).await?.ok_or_else(not_found)?;
            let mut after = changes.apply(&before);
            check_dates(&after)?;
            if after == before {
                return Ok(before);
            }
            after.updated_at = Timestamp::now();
            after.updated_by = Some(actor.id);
            clients::update(conn, &after).await?;
            let change = Change::new(AuditAction::UpdateClient, Some(&actor))
                .entity(EntityType::Client, id)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Removes a client; one that reservations refer to is kept (409), so history stays intact.
pub async fn delete(db: &Database, actor: &Actor, id: Id, origin: &Origin) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = clients::find(conn, id).await?.ok_or_else(not_found)?;
            clients::delete(conn, id).await?;
            let change = Change::new(AuditAction::DeleteClient, Some(&actor))
                .entity(EntityType::Client, id)
                .before(&before);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}
