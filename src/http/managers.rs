//! `/api/managers`: manager accounts, for admins.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::{Admin, ClientOrigin, JsonBody, PathId, QueryParams};
use super::fields::{required, Mode::Update};
use super::openapi::ErrorBody;
use super::{AppState, Json, ListPage};
use crate::db::users::{UserQuery, UserSort};
use crate::domain::id::Id;
use crate::domain::user::{FullName, NewPassword, Role, User, Username};
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::staff::{self, NewUser, UserChanges};

const SORTS: &[(&str, UserSort)] = &[
    ("username", UserSort::Username),
    ("createdAt", UserSort::CreatedAt),
];

#[utoipa::path(
    get,
    operation_id = "listManagers",
    path = "/api/managers",
    tag = "managers",
    summary = "List manager accounts",
    security(("session" = [])),
    params(
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"),
        ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
        ("isActive" = Option<bool>, Query, description = "Only active (true) or inactive (false) accounts"),
        ("q" = Option<String>, Query, max_length = 200, description = "Text in username or full name"),
        ("sort" = Option<String>, Query, pattern = "^-?(username|createdAt)$", description = "username or createdAt; - for descending")
    ),
    responses(
        (status = 200, description = "A page of managers", body = ListPage<User>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let page = params.page()?;
    let sort = params.sort(SORTS, UserSort::Username)?;
    let query = UserQuery {
        role: Role::Manager,
        is_active: params.bool("isActive")?,
        q: params.text("q")?,
        sort: sort.field,
        descending: sort.descending,
        limit: page.per_page,
        offset: page.offset(),
    };
    let (items, total) = staff::list_managers(&state.db, &query).await?;
    Ok(ListPage::new(items, total, page))
}

#[utoipa::path(
    get,
    operation_id = "getManager",
    path = "/api/managers/{id}",
    tag = "managers",
    summary = "One manager account",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The manager", body = User),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(staff::get_manager(&state.db, id).await?))
}

/// A new manager account.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ManagerCreate)]
pub struct CreateBody {
    /// 3–50 letters, digits, '.', '_' or '-'; unique, compared case-insensitively.
    #[schema(
        required = true,
        nullable = false,
        pattern = r"^\s*[\p{L}\p{N}._-]{3,50}\s*$"
    )]
    username: Option<String>,
    #[schema(required = true, nullable = false, min_length = 8, max_length = 256)]
    password: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1, max_length = 100)]
    full_name: Option<String>,
    /// Defaults to true (also when null).
    is_active: Option<bool>,
}

#[utoipa::path(
    post,
    operation_id = "createManager",
    path = "/api/managers",
    tag = "managers",
    summary = "Create a manager account",
    request_body = CreateBody,
    security(("session" = [])),
    responses(
        (status = 201, description = "Created", body = User, links(("getManager" = (operation_id = "getManager", parameters(("id" = "$response.body#/_id")))), ("updateManager" = (operation_id = "updateManager", parameters(("id" = "$response.body#/_id")))), ("deleteManager" = (operation_id = "deleteManager", parameters(("id" = "$response.body#/_id")))))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 409, description = "A uniqueness or state conflict: `fields` names the clashing field", body = ErrorBody),
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
    JsonBody(body): JsonBody<CreateBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let username = errors.required("username", body.username, |u| Username::parse(&u));
    let password = errors.required("password", body.password, |p| NewPassword::parse(&p));
    let full_name = errors.required("fullName", body.full_name, |n| FullName::parse(&n));
    errors.finish()?;
    let (Some(username), Some(password), Some(full_name)) = (username, password, full_name) else {
        return Err(AppError::BadRequest("missing fields".into()));
    };
    let new = NewUser {
        username,
        full_name,
        password,
        role: Role::Manager,
        is_active: body.is_active.unwrap_or(true),
    };
    let user = staff::create(&state.db, &state.hasher, Some(&admin.actor()), new, &origin).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Changes to a manager account: only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ManagerUpdate)]
pub struct UpdateBody {
    #[serde(default, deserialize_with = "super::extract::nullable")]
    #[schema(value_type = String, required = false, pattern = r"^\s*[\p{L}\p{N}._-]{3,50}\s*$")]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    #[schema(value_type = String, required = false, min_length = 8, max_length = 256)]
    password: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 100)]
    full_name: Option<Option<String>>,
    /// Setting it to false ends the manager's sessions.
    #[serde(default, deserialize_with = "super::extract::nullable")]
    #[schema(value_type = bool, required = false)]
    is_active: Option<Option<bool>>,
}

#[utoipa::path(
    put,
    operation_id = "updateManager",
    path = "/api/managers/{id}",
    tag = "managers",
    summary = "Change a manager account",
    request_body = UpdateBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Changed", body = User),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "A uniqueness or state conflict: `fields` names the clashing field", body = ErrorBody),
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
    JsonBody(body): JsonBody<UpdateBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let changes = UserChanges {
        username: required(e, Update, "username", body.username, |u| {
            Username::parse(&u)
        }),
        password: required(e, Update, "password", body.password, |p| {
            NewPassword::parse(&p)
        }),
        full_name: required(e, Update, "fullName", body.full_name, |n| {
            FullName::parse(&n)
        }),
        is_active: required(e, Update, "isActive", body.is_active, Ok),
    };
    errors.finish()?;
    let user = staff::update_manager(
        &state.db,
        &state.hasher,
        &admin.actor(),
        id,
        changes,
        &origin,
    )
    .await?;
    Ok(Json(user))
}

#[utoipa::path(
    delete,
    operation_id = "deleteManager",
    path = "/api/managers/{id}",
    tag = "managers",
    summary = "Delete a manager account and its sessions",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "A uniqueness or state conflict: `fields` names the clashing field", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    staff::delete_manager(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
