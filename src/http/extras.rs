//! `/api/extras`: the extras catalogue (read by staff, changed by admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::{nullable, Admin, ClientOrigin, JsonBody, PathId, Staff};
use super::fields::{optional, required, Mode};
use super::openapi::ErrorBody;
use super::{AppState, Json};
use crate::domain::extras::{Extra, ExtraChanges, ExtraPricing};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::extras;

/// The catalogue, by name.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ExtraList {
    items: Vec<Extra>,
}

#[utoipa::path(
    get,
    operation_id = "listExtras",
    path = "/api/extras",
    tag = "extras",
    summary = "The extras catalogue, by name",
    security(("session" = [])),
    responses(
        (status = 200, description = "Every extra, active or not (a catalogue has a few dozen: no paging)", body = ExtraList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(State(state): State<AppState>, _: Staff) -> AppResult<impl IntoResponse> {
    let items = extras::list(&state.db).await?;
    Ok(Json(ExtraList { items }))
}

#[utoipa::path(
    get,
    operation_id = "getExtra",
    path = "/api/extras/{id}",
    tag = "extras",
    summary = "One extra",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The extra", body = Extra),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(extras::get(&state.db, id).await?))
}

/// An extra, or changes to one: only the fields given change; null clears the cap.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ExtraUpdate)]
pub struct ExtraBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 100)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = ExtraPricing, required = false)]
    pricing: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = f64, required = false, minimum = 0)]
    price: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, required = false, minimum = 0)]
    cap: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = bool, required = false)]
    active: Option<Option<bool>>,
}

/// A new extra (the schema of a create; the body is read as an [`ExtraBody`]).
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
#[schema(example = json!({"name": "Siège enfant", "pricing": "perDay", "price": 30, "cap": 150}))]
pub struct ExtraCreate {
    /// Unique (case-insensitive).
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    pricing: ExtraPricing,
    /// Per day or per rental, with at most 2 decimals.
    #[schema(minimum = 0)]
    price: f64,
    /// The most one unit costs over a whole rental.
    #[schema(required = false, minimum = 0)]
    cap: Option<f64>,
    /// Default true.
    #[schema(required = false)]
    active: Option<bool>,
}

fn pricing(text: String) -> Result<ExtraPricing, String> {
    match text.as_str() {
        "perDay" => Ok(ExtraPricing::PerDay),
        "perRental" => Ok(ExtraPricing::PerRental),
        _ => Err("must be perDay or perRental".into()),
    }
}

fn parse(body: ExtraBody, mode: Mode) -> AppResult<ExtraChanges> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let changes = ExtraChanges {
        name: required(e, mode, "name", body.name, |v| clean_text(&v, 100)),
        pricing: required(e, mode, "pricing", body.pricing, pricing),
        price: required(e, mode, "price", body.price, |v| {
            Money::parse_non_negative(&v)
        }),
        cap: optional(e, "cap", body.cap, |v| {
            Money::parse_non_negative(&v).map(Some)
        }),
        active: required(e, Mode::Update, "active", body.active, Ok),
    };
    errors.finish()?;
    Ok(changes)
}

#[utoipa::path(
    post,
    operation_id = "createExtra",
    path = "/api/extras",
    tag = "extras",
    summary = "Add an extra to the catalogue",
    request_body = ExtraCreate,
    security(("session" = [])),
    responses(
        (status = 201, description = "Created", body = Extra, links(("getExtra" = (operation_id = "getExtra", parameters(("id" = "$response.body#/_id")))), ("updateExtra" = (operation_id = "updateExtra", parameters(("id" = "$response.body#/_id")))), ("deleteExtra" = (operation_id = "deleteExtra", parameters(("id" = "$response.body#/_id")))))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 409, description = "Another extra has this name", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<ExtraBody>,
) -> AppResult<impl IntoResponse> {
    let actor = admin.actor();
    let extra = parse(body, Mode::Create)?
        .create(Id::generate(), actor.id, Timestamp::now())
        .ok_or_else(|| AppError::BadRequest("missing fields".into()))?;
    let created = extras::create(&state.db, &actor, extra, &origin).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    put,
    operation_id = "updateExtra",
    path = "/api/extras/{id}",
    tag = "extras",
    summary = "Change an extra; bookings keep the terms they were made with",
    request_body = ExtraBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Changed", body = Extra),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Another extra has this name", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<ExtraBody>,
) -> AppResult<impl IntoResponse> {
    let changes = parse(body, Mode::Update)?;
    Ok(Json(
        extras::update(&state.db, &admin.actor(), id, changes, &origin).await?,
    ))
}

#[utoipa::path(
    delete,
    operation_id = "deleteExtra",
    path = "/api/extras/{id}",
    tag = "extras",
    summary = "Remove an extra from the catalogue; bookings keep their copy of it",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    extras::delete(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
