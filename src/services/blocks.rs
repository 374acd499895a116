//! Taking a car out of service for a window (servicing, repair, registration). A block
//! and a blocking reservation of one car never overlap: the database refuses it. A block
//! in effect now shows on the car as `maintenance`, and ending it makes the car available.

use serde_json::json;

use super::audit::{self, Change};
use super::{Actor, Origin};
use crate::db::reservations::Hold;
use crate::db::{blocks, cars, reservations, Conn, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::block::{check_window, Block};
use crate::domain::car::CarStatus;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// A block as asked for, already parsed.
#[derive(Debug, Clone)]
pub struct NewBlock {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub reason: String,
}

/// Changes to a block; `None` leaves a field as it is, `end: Some(None)` opens it.
#[derive(Debug, Clone, Default)]
pub struct BlockChanges {
    pub start: Option<Timestamp>,
    pub end: Option<Option<Timestamp>>,
    pub reason: Option<String>,
}

fn not_found() -> AppError {
    AppError::not_found("block")
}

fn check(start: Timestamp, end: Option<Timestamp>) -> AppResult<()> {
    check_window(start, end, Timestamp::now())
        .map_err(|(field, problem)| AppError::invalid_field(field, problem))
}

pub async fn list(db: &Database, car: Id, limit: i64, offset: i64) -> AppResult<(Vec<Block>, i64)> {
    let mut conn = db.read().await?;
    cars::find(&mut conn, car)
        .await?
        .ok_or_else(|| AppError::not_found("car"))?;
    blocks::list(&mut conn, car, limit, offset).await
}

/// The blocks of every car overlapping `[from, to)`, a page at a time.
pub async fn overlapping(
    db: &Database,
    from: Timestamp,
    to: Timestamp,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Block>, i64)> {
    let mut conn = db.read().await?;
    blocks::overlapping(&mut conn, from, to, limit, offset).await
}

pub async fn get(db: &Database, car: Id, id: Id) -> AppResult<Block> {
    let mut conn = db.read().await?;
    blocks::find(&mut conn, car, id)
        .await?
        .ok_or_else(not_found)
}

/// Refuses a window that a reservation or another block of the car overlaps, naming it.
async fn ensure_free(conn: &mut Conn, b: &Block) -> AppResult<()> {
    let until = b.end.unwrap_or(Timestamp::from_millis(i64::MAX));
    match reservations::find_hold(conn, b.car_id, b.start, until, Some(b.id)).await? {
        Some(Hold::Reservation(number)) => Err(AppError::conflict_on(
            "start",
            format!("reservation {number} holds the car in this window"),
        )),
        Some(Hold::Block(reason)) => Err(AppError::conflict_on(
            "start",
            format!("another block overlaps this window ({reason})"),
        )),
        None => Ok(()),
    }
}

/// Keeps the car's status in step with a block that changed from `before` to `after`:
/// `maintenance` while a block is in effect, and `available` again once the block that
/// held it ends, unless another still does. (A car sent to maintenance by hand, without
/// a block, stays so.) Returns the new status, if it changed.
async fn sync_car_status(
    conn: &mut Conn,
    car: Id,
    before: Option<&Block>,
    after: Option<&Block>,
    by: Id,
) -> AppResult<Option<CarStatus>> {
    let now = Timestamp::now();
    let Some(car) = cars::find(conn, car).await? else {
        return Ok(None);
    };
    let Some(block) = before.or(after) else {
        return Ok(None);
    };
    let in_effect = |b: Option<&Block>| b.is_some_and(|b| b.in_effect_at(now));
    let held = in_effect(after) || blocks::any_in_effect(conn, car.id, now, Some(block.id)).await?;
    let next = match (car.status, held) {
        (CarStatus::Available, true) => CarStatus::Maintenance,
        (CarStatus::Maintenance, false) if in_effect(before) => CarStatus::Available,
        _ => return Ok(None),
    };
    cars::set_status(conn, car.id, next, now, Some(by)).await?;
    Ok(Some(next))
}

fn with_car_status(change: Change<'_>, status: Option<CarStatus>) -> Change<'_> {
    match status {
        Some(s) => change.extra(json!({ "carStatus": s.as_str() })),
        None => change,
    }
}

/// Takes a car out of service for a window.
pub async fn create(
    db: &Database,
    actor: &Actor,
    car: Id,
    new: NewBlock,
    origin: &Origin,
) -> AppResult<Block> {
    check(new.start, new.end)?;
    let queue = vec![cars::holds_queue(car)];
    let input = (new, actor.clone(), origin.clone());
    db.write_queued(queue, input, move |conn, (new, actor, origin)| {
        Box::pin(async move {
            cars::find(conn, car)
                .await?
                .ok_or_else(|| AppError::not_found("car"))?;
            let now = Timestamp::now();
            let block = Block {
                id: Id::generate(),
                car_id: car,
                start: new.start,
                end: new.end,
                reason: new.reason.clone(),
                created_at: now,
                created_by: Some(actor.id),
                updated_at: now,
                updated_by: Some(actor.id),
            };
            ensure_free(conn, &block).await?;
            blocks::insert(conn, &block).await?;
            let status = sync_car_status(conn, car, None, Some(&block), actor.id).await?;
            let change = Change::new(AuditAction::CreateBlock, Some(&actor))
                .entity(EntityType::Car, car)
                .after(&block);
            audit::record(conn, &origin, with_car_status(change, status)).await?;
            Ok(block)
        })
    })
    .await
}

/// Changes a block's window or reason; giving it an end in the past ends it.
pub async fn update(
    db: &Database,
    actor: &Actor,
    car: Id,
    id: Id,
    changes: BlockChanges,
    origin: &Origin,
) -> AppResult<Block> {
    let input = (changes, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (c, actor, origin)| {
        Box::pin(async move {
            let before = blocks::find(conn, car, id).await?.ok_or_else(not_found)?;
            let mut after = before.clone();
            after.start = c.start.unwrap_or(before.start);
            after.end = c.end.unwrap_or(before.end);
            if let Some(reason) = &c.reason {
                after.reason.clone_from(reason);
            }
            if after == before {
                return Ok(before);
            }
            check(after.start, after.end)?;
            ensure_free(conn, &after).await?;
            after.updated_at = Timestamp::now();
            after.updated_by = Some(actor.id);
            blocks::update(conn, &after).await?;
            let status = sync_car_status(conn, car, Some(&before), Some(&after), actor.id).await?;
            let change = Change::new(AuditAction::UpdateBlock, Some(&actor))
                .entity(EntityType::Car, car)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, with_car_status(change, status)).await?;
            Ok(after)
        })
    })
    .await
}

/// Removes a block (entered by mistake, or cancelled).
pub async fn delete(
    db: &Database,
    actor: &Actor,
    car: Id,
    id: Id,
    origin: &Origin,
) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = blocks::find(conn, car, id).await?.ok_or_else(not_found)?;
            blocks::delete(conn, id).await?;
            let status = sync_car_status(conn, car, Some(&before), None, actor.id).await?;
            let change = Change::new(AuditAction::DeleteBlock, Some(&actor))
                .entity(EntityType::Car, car)
                .before(&before);
            audit::record(conn, &origin, with_car_status(change, status)).await
        })
    })
    .await
}

/// Brings cars in step with blocks that began or ended by the clock, not by an edit: an
/// available car whose block has begun goes to `maintenance`, and a car in maintenance
/// whose block ended after `since`, with no other block in effect, is available again.
/// Each change is audited as `UPDATE_CAR` without a user. Returns how many cars changed.
pub async fn follow_the_clock(db: &Database, since: Timestamp) -> AppResult<usize> {
    let origin = Origin {
        ip: "local".into(),
        user_agent: "locacar-housekeeping".into(),
    };
    db.write_with(origin, move |conn, origin| {
        Box::pin(async move {
            let now = Timestamp::now();
            let begun = blocks::available_but_blocked(conn, now).await?;
            let ended = blocks::released_since(conn, since, now).await?;
            let moves = begun
                .iter()
                .map(|car| (*car, CarStatus::Maintenance, "a block began"))
                .chain(
                    ended
                        .iter()
                        .map(|car| (*car, CarStatus::Available, "its block ended")),
                );
            let mut changed = 0;
            for (car, status, why) in moves {
                let Some(before) = cars::find(conn, car).await? else {
                    continue;
                };
                cars::set_status(conn, car, status, now, None).await?;
                let after = cars::find(conn, car).await?;
                let change = Change::new(AuditAction::UpdateCar, None)
                    .entity(EntityType::Car, car)
                    .before(&before)
                    .after(&after)
                    .extra(json!({ "reason": why }));
                audit::record(conn, &origin, change).await?;
                changed += 1;
            }
            Ok(changed)
        })
    })
    .await
}
