//! `/api/branches`: the agency's offices (read by staff, changed by admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::{nullable, Admin, ClientOrigin, JsonBody, PathId, Staff};
use super::fields::{optional, required, Mode};
use super::openapi::ErrorBody;
use crate::domain::branch::{check_opening_hours, Branch, BranchChanges, OpeningPeriod};
use crate::domain::client::Phone;
use crate::domain::id::Id;
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::branches;

use super::{AppState, Json};

/// The branches, by name.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BranchList {
    items: Vec<Branch>,
}

#[utoipa::path(
    get,
    operation_id = "listBranches",
    path = "/api/branches",
    tag = "branches",
    summary = "Every branch, by name",
    security(("session" = [])),
    responses(
        (status = 200, description = "All branches (an agency has a handful: no paging)", body = BranchList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(State(state): State<AppState>, _: Staff) -> AppResult<impl IntoResponse> {
    let items = branches::list(&state.db).await?;
    Ok(Json(BranchList { items }))
}

#[utoipa::path(
    get,
    operation_id = "getBranch",
    path = "/api/branches/{id}",
    tag = "branches",
    summary = "One branch",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The branch", body = Branch),
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
    Ok(Json(branches::get(&state.db, id).await?))
}

/// A branch, or changes to one: only the fields given change; null clears the phone.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = BranchUpdate)]
#[schema(example = json!({"name": "Casablanca Centre", "address": "12 boulevard d'Anfa, Casablanca", "phone": "+212 522 20 30 40", "openingHours": [{"day": "monday", "opens": "08:30", "closes": "19:00"}]}))]
pub struct BranchBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 100)]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 300)]
    address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<OpeningPeriod>, required = false, max_items = 14)]
    opening_hours: Option<Option<Vec<OpeningPeriod>>>,
}

/// A new branch (the schema of a create; the body is read as a [`BranchBody`]).
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct BranchCreate {
    /// Unique (case-insensitive).
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(min_length = 1, max_length = 300)]
    address: String,
    #[schema(required = false)]
    phone: Option<String>,
    /// Opening periods; several per day allowed, none overlapping.
    #[schema(required = false, nullable = false, max_items = 14)]
    opening_hours: Option<Vec<OpeningPeriod>>,
}

fn parse(body: BranchBody, mode: Mode) -> AppResult<BranchChanges> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let changes = BranchChanges {
        name: required(e, mode, "name", body.name, |v| clean_text(&v, 100)),
        address: required(e, mode, "address", body.address, |v| clean_text(&v, 300)),
        phone: optional(e, "phone", body.phone, |v| {
            Phone::parse(&v).map(|p| Some(p.as_str().to_owned()))
        }),
        opening_hours: required(
            e,
            Mode::Update,
            "openingHours",
            body.opening_hours,
            check_opening_hours,
        ),
    };
    errors.finish()?;
    Ok(changes)
}

#[utoipa::path(
    post,
    operation_id = "createBranch",
    path = "/api/branches",
    tag = "branches",
    summary = "Open a branch",
    request_body = BranchCreate,
    security(("session" = [])),
    responses(
        (status = 201, description = "Created", body = Branch, links(("getBranch" = (operation_id = "getBranch", parameters(("id" = "$response.body#/_id")))), ("updateBranch" = (operation_id = "updateBranch", parameters(("id" = "$response.body#/_id")))), ("deleteBranch" = (operation_id = "deleteBranch", parameters(("id" = "$response.body#/_id")))))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 409, description = "Another branch has this name", body = ErrorBody),
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
    JsonBody(body): JsonBody<BranchBody>,
) -> AppResult<impl IntoResponse> {
    let actor = admin.actor();
    let branch = parse(body, Mode::Create)?
        .into_new(Id::generate(), Timestamp::now(), actor.id)
        .ok_or_else(|| AppError::BadRequest("missing fields".into()))?;
    let created = branches::create(&state.db, &actor, branch, &origin).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    put,
    operation_id = "updateBranch",
    path = "/api/branches/{id}",
    tag = "branches",
    summary = "Change a branch",
    request_body = BranchBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Changed", body = Branch),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Another branch has this name", body = ErrorBody),
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
    JsonBody(body): JsonBody<BranchBody>,
) -> AppResult<impl IntoResponse> {
    let changes = parse(body, Mode::Update)?;
    Ok(Json(
        branches::update(&state.db, &admin.actor(), id, changes, &origin).await?,
    ))
}

#[utoipa::path(
    delete,
    operation_id = "deleteBranch",
    path = "/api/branches/{id}",
    tag = "branches",
    summary = "Close a branch no car or reservation refers to",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Cars or reservations refer to this branch", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    branches::delete(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
