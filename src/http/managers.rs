//! `/api/managers`: manager accounts, for admins.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::extract::{Admin, ClientOrigin, JsonBody, PathId, QueryParams};
use super::fields::{required, Mode::Update};
use super::{AppState, ListPage};
use crate::db::users::{UserQuery, UserSort};
use crate::domain::user::{FullName, NewPassword, Role, Username};
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::staff::{self, NewUser, UserChanges};

const SORTS: &[(&str, UserSort)] = &[
    ("username", UserSort::Username),
    ("createdAt", UserSort::CreatedAt),
];

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
    Ok(Json(ListPage::new(items, total, page)))
}

pub async fn get(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(staff::get_manager(&state.db, id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    username: Option<String>,
    password: Option<String>,
    full_name: Option<String>,
    is_active: Option<bool>,
}

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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBody {
    #[serde(default, deserialize_with = "super::extract::nullable")]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    password: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    is_active: Option<Option<bool>>,
}

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

pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    staff::delete_manager(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
