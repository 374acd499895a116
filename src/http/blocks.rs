//! `/api/cars/{id}/blocks`: taking a car out of service for a window (staff).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::{nullable, BlockPath, ClientOrigin, JsonBody, PathId, QueryParams, Staff};
use super::fields::{optional, required, Mode};
use super::openapi::ErrorBody;
use super::{AppState, Json, ListPage};
use crate::domain::block::Block;
use crate::domain::id::Id;
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::blocks::{self, BlockChanges, NewBlock};

#[utoipa::path(
    get,
    operation_id = "listCarBlocks",
    path = "/api/cars/{id}/blocks",
    tag = "cars",
    summary = "A car's blocks, latest start first",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id"), ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000), ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses(
        (status = 200, description = "A page of blocks", body = ListPage<Block>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such car", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    PathId(car): PathId,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let page = params.page()?;
    let (items, total) = blocks::list(&state.db, car, page.per_page, page.offset()).await?;
    Ok(ListPage::new(items, total, page))
}

#[utoipa::path(
    get,
    operation_id = "listBlocks",
    path = "/api/blocks",
    tag = "cars",
    summary = "Every car's blocks overlapping a window, earliest first",
    description = "The blocks of all cars that hold a car at some time in `[from, to)` (an open block, without an end, holds it from its start on): what the fleet calendar draws. The window is at most 400 days. (An extension of the contract.)",
    security(("session" = [])),
    params(
        ("from" = Timestamp, Query, description = "Start of the window (with offset)"),
        ("to" = Timestamp, Query, description = "End of the window, after from"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000),
        ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100)
    ),
    responses(
        (status = 200, description = "A page of blocks", body = ListPage<Block>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list_all(
    State(state): State<AppState>,
    _: Staff,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let (from, to) = window(&params)?;
    let page = params.page()?;
    let (items, total) =
        blocks::overlapping(&state.db, from, to, page.per_page, page.offset()).await?;
    Ok(ListPage::new(items, total, page))
}

/// The longest window the calendar may ask blocks for, in days.
const MAX_WINDOW_DAYS: i64 = 400;

/// The `[from, to)` window of the query: both given, in order, and not too long.
fn window(params: &QueryParams) -> AppResult<(Timestamp, Timestamp)> {
    let required = |name: &str| {
        params
            .instant(name)?
            .ok_or_else(|| AppError::BadRequest(format!("query parameter \"{name}\" is required")))
    };
    let (from, to) = (required("from")?, required("to")?);
    if to <= from {
        return Err(AppError::BadRequest(
            "query parameter \"to\" must be after \"from\"".into(),
        ));
    }
    if to.millis() - from.millis() > MAX_WINDOW_DAYS * 24 * 60 * 60 * 1000 {
        return Err(AppError::BadRequest(format!(
            "the window is at most {MAX_WINDOW_DAYS} days"
        )));
    }
    Ok((from, to))
}

#[utoipa::path(
    get,
    operation_id = "getCarBlock",
    path = "/api/cars/{id}/blocks/{blockId}",
    tag = "cars",
    summary = "One block of a car",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id"), ("blockId" = Id, Path, description = "Block id")),
    responses(
        (status = 200, description = "The block", body = Block),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such block of this car", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get(
    State(state): State<AppState>,
    _: Staff,
    path: BlockPath,
) -> AppResult<impl IntoResponse> {
    Ok(Json(blocks::get(&state.db, path.car, path.block).await?))
}

/// A block, or changes to one: only the fields given change; `end: null` leaves the
/// block open until it is given an end.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = BlockUpdate)]
pub struct BlockBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Timestamp, required = false)]
    start: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Timestamp>, required = false)]
    end: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 200)]
    reason: Option<Option<String>>,
}

/// A new block (the schema of a create; the body is read as a [`BlockBody`]).
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(example = json!({"start": "2026-12-01T08:00:00+01:00", "end": "2026-12-03T18:00:00+01:00", "reason": "Vidange et freins"}))]
pub struct BlockCreate {
    start: Timestamp,
    /// After start; absent or null: until the block is given an end.
    #[schema(required = false)]
    end: Option<Timestamp>,
    /// Servicing, repair, registration, …
    #[schema(min_length = 1, max_length = 200)]
    reason: String,
}

fn parse(body: BlockBody, mode: Mode) -> AppResult<BlockChanges> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let changes = BlockChanges {
        start: required(e, mode, "start", body.start, |s| Timestamp::parse(&s)),
        end: optional(e, "end", body.end, |s| Timestamp::parse(&s).map(Some)),
        reason: required(e, mode, "reason", body.reason, |r| clean_text(&r, 200)),
    };
    errors.finish()?;
    Ok(changes)
}

#[utoipa::path(
    post,
    operation_id = "createCarBlock",
    path = "/api/cars/{id}/blocks",
    tag = "cars",
    summary = "Take a car out of service for a window (servicing, repair, registration)",
    description = "The block and the car's blocking reservations (with their turnaround) never overlap: the database refuses it, on both engines, whatever the concurrency. A block in effect now sets an available car to `maintenance`; ending it (an `end` in the past, or deleting it) makes the car available again.",
    request_body = BlockCreate,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id")),
    responses(
        (status = 201, description = "Created", body = Block),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such car", body = ErrorBody),
        (status = 409, description = "A reservation or another block holds the car in this window (`fields.start`)", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    PathId(car): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<BlockBody>,
) -> AppResult<impl IntoResponse> {
    let changes = parse(body, Mode::Create)?;
    let (Some(start), Some(reason)) = (changes.start, changes.reason) else {
        return Err(AppError::BadRequest("missing fields".into()));
    };
    let new = NewBlock {
        start,
        end: changes.end.flatten(),
        reason,
    };
    let created = blocks::create(&state.db, &staff.actor(), car, new, &origin).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    put,
    operation_id = "updateCarBlock",
    path = "/api/cars/{id}/blocks/{blockId}",
    tag = "cars",
    summary = "Change a block; an end in the past ends it",
    request_body = BlockBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id"), ("blockId" = Id, Path, description = "Block id")),
    responses(
        (status = 200, description = "Changed", body = Block),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such block of this car", body = ErrorBody),
        (status = 409, description = "A reservation or another block holds the car in the new window", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    path: BlockPath,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<BlockBody>,
) -> AppResult<impl IntoResponse> {
    let changes = parse(body, Mode::Update)?;
    let updated = blocks::update(
        &state.db,
        &staff.actor(),
        path.car,
        path.block,
        changes,
        &origin,
    )
    .await?;
    Ok(Json(updated))
}

#[utoipa::path(
    delete,
    operation_id = "deleteCarBlock",
    path = "/api/cars/{id}/blocks/{blockId}",
    tag = "cars",
    summary = "Remove a block (cancelled, or entered by mistake)",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id"), ("blockId" = Id, Path, description = "Block id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such block of this car", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    path: BlockPath,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    blocks::delete(&state.db, &staff.actor(), path.car, path.block, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
