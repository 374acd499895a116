//! The fleet: adding, changing and retiring cars, and their photos.

use super::audit::{self, Change};
use super::{photos, Actor, Origin};
use crate::db::car_images::StoredImage;
use crate::db::cars::CarQuery;
use crate::db::{branches, car_images, cars, Conn, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::car::{manual_status_change, Car, CarChanges, CarStatus};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::rates::CarRates;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

fn not_found() -> AppError {
    AppError::not_found("car")
}

/// Reads run on the read connection the caller holds (see `http::extract::StaffReading`).
pub async fn get(conn: &mut Conn, id: Id) -> AppResult<Car> {
    cars::find(conn, id).await?.ok_or_else(not_found)
}

pub async fn list(conn: &mut Conn, query: &CarQuery) -> AppResult<(Vec<Car>, i64)> {
    cars::list(conn, query).await
}

/// The branches a car names must exist.
async fn check_branches(conn: &mut Conn, car: &Car) -> AppResult<()> {
    let named = [
        ("homeBranchId", car.home_branch_id),
        ("currentBranchId", car.current_branch_id),
    ];
    for (field, branch) in named {
        if let Some(id) = branch {
            if branches::find(conn, id).await?.is_none() {
                return Err(AppError::invalid_field(field, "no branch has this id"));
            }
        }
    }
    Ok(())
}

/// A new daily rate must keep the car's rate plan valid (weekly and monthly day rates
/// no dearer than it).
async fn check_daily_rate(conn: &mut Conn, id: Id, daily: Money) -> AppResult<()> {
    let Some(mut rates) = cars::rates(conn, id).await? else {
        return Ok(());
    };
    rates.base.daily = daily;
    rates.check().map(|_| ()).map_err(|(field, problem)| {
        AppError::invalid_field(
            "dailyRate",
            format!("would break the rate plan ({field} {problem}); change the plan first"),
        )
    })
}

/// Adds a car. Its status may not start as `rented`.
pub async fn create(db: &Database, actor: &Actor, car: Car, origin: &Origin) -> AppResult<Car> {
    manual_status_change(CarStatus::Available, car.status)
        .map_err(|m| AppError::conflict_on("status", m))?;
    let input = (car, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (car, actor, origin)| {
        Box::pin(async move {
            check_branches(conn, &car).await?;
            cars::insert(conn, &car).await?;
            let change = Change::new(AuditAction::CreateCar, Some(&actor))
                .entity(EntityType::Car, car.id)
                .after(&car);
            audit::record(conn, &origin, change).await?;
            Ok(car)
        })
    })
    .await
}

/// Changes a car. `rented` can be neither set nor left by hand.
pub async fn update(
    db: &Database,
    actor: &Actor,
    id: Id,
    changes: CarChanges,
    origin: &Origin,
) -> AppResult<Car> {
    let input = (changes, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (changes, actor, origin)| {
        Box::pin(async move {
            let before = cars::find(conn, id).await?.ok_or_else(not_found)?;
            let mut after = changes.apply(&before);
            manual_status_change(before.status, after.status)
                .map_err(|m| AppError::conflict_on("status", m))?;
            if after == before {
                return Ok(before);
            }
            check_branches(conn, &after).await?;
            if after.daily_rate != before.daily_rate {
                check_daily_rate(conn, id, after.daily_rate).await?;
            }
            after.updated_at = Timestamp::now();
            after.updated_by = Some(actor.id);
            cars::update(conn, &after).await?;
            let change = Change::new(AuditAction::UpdateCar, Some(&actor))
                .entity(EntityType::Car, id)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Removes a car that is not rented; one that reservations refer to is kept (409), so
/// history stays intact: retire it with `out_of_service` instead.
pub async fn delete(db: &Database, actor: &Actor, id: Id, origin: &Origin) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = cars::find(conn, id).await?.ok_or_else(not_found)?;
            if before.status == CarStatus::Rented {
                return Err(AppError::conflict("a rented car cannot be deleted"));
            }
            cars::delete(conn, id).await?;
            let change = Change::new(AuditAction::DeleteCar, Some(&actor))
                .entity(EntityType::Car, id)
                .before(&before);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}

/// Stores a new photo for a car (replacing any), after decoding and re-encoding it.
pub async fn upload_image(
    db: &Database,
    actor: &Actor,
    id: Id,
    bytes: Vec<u8>,
    origin: &Origin,
) -> AppResult<Car> {
    // The read connection goes back before the write begins.
    get(&mut db.read().await?, id).await?;
    let image = photos::prepare(bytes).await?;
    let input = (image, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (image, actor, origin)| {
        Box::pin(async move {
            let before = cars::find(conn, id).await?.ok_or_else(not_found)?;
            let now = Timestamp::now();
            car_images::upsert(conn, id, &image, now).await?;
            cars::set_image(conn, id, Some(&image.full.etag), now, actor.id).await?;
            let after = cars::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::UploadCarImage, Some(&actor))
                .entity(EntityType::Car, id)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Removes a car's photo.
pub async fn delete_image(db: &Database, actor: &Actor, id: Id, origin: &Origin) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = cars::find(conn, id).await?.ok_or_else(not_found)?;
            if !car_images::delete(conn, id).await? {
                return Err(AppError::not_found("car image"));
            }
            cars::set_image(conn, id, None, Timestamp::now(), actor.id).await?;
            let after = cars::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::DeleteCarImage, Some(&actor))
                .entity(EntityType::Car, id)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}

/// What a photo request gets: the image, or only confirmation that the caller's copy is current.
pub enum ImageReply {
    NotModified(String),
    Image(StoredImage),
}

impl ImageReply {
    /// `NotModified` when the caller's `If-None-Match` names this image's ETag.
    pub fn to(image: StoredImage, if_none_match: Option<&str>) -> Self {
        match if_none_match {
            Some(wanted) if etag_matches(wanted, &image.etag) => {
                ImageReply::NotModified(image.etag)
            }
            _ => ImageReply::Image(image),
        }
    }
}

fn etag_matches(wanted: &str, etag: &str) -> bool {
    wanted
        .split(',')
        .any(|t| t.trim() == etag || t.trim() == "*")
}

/// The photo (or thumbnail) of a car, or `NotModified` when `if_none_match` is its ETag.
pub async fn image(
    db: &Database,
    id: Id,
    thumbnail: bool,
    if_none_match: Option<&str>,
) -> AppResult<ImageReply> {
    let mut conn = db.read().await?;
    let missing = || AppError::not_found("car image");
    if let Some(wanted) = if_none_match {
        let etag = car_images::etag(&mut conn, id, thumbnail)
            .await?
            .ok_or_else(missing)?;
        if etag_matches(wanted, &etag) {
            return Ok(ImageReply::NotModified(etag));
        }
    }
    let image = car_images::find(&mut conn, id, thumbnail)
        .await?
        .ok_or_else(missing)?;
    Ok(ImageReply::Image(image))
}

/// A car's rate plan and deposit.
pub async fn rates(db: &Database, id: Id) -> AppResult<CarRates> {
    let mut conn = db.read().await?;
    cars::rates(&mut conn, id).await?.ok_or_else(not_found)
}

/// Replaces a car's rate plan and deposit. Bookings keep the plan they were made with.
pub async fn set_rates(
    db: &Database,
    actor: &Actor,
    id: Id,
    rates: CarRates,
    origin: &Origin,
) -> AppResult<CarRates> {
    let rates = rates
        .check()
        .map_err(|(field, problem)| AppError::invalid_field(&field, problem))?;
    let input = (rates, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (rates, actor, origin)| {
        Box::pin(async move {
            let before = cars::rates(conn, id).await?.ok_or_else(not_found)?;
            if before == rates {
                return Ok(before);
            }
            cars::set_rates(conn, id, &rates, Some((Timestamp::now(), actor.id))).await?;
            let change = Change::new(AuditAction::UpdateCarRates, Some(&actor))
                .entity(EntityType::Car, id)
                .before(&before)
                .after(&rates);
            audit::record(conn, &origin, change).await?;
            Ok(rates)
        })
    })
    .await
}
