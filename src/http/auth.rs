//! `/api/auth`: login, logout, status, password change, and the development-only test user.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;

use super::extract::{session_token, ClientOrigin, JsonBody, Staff, SESSION_COOKIE};
use super::AppState;
use crate::domain::user::{FullName, NewPassword, Role, Username};
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::{auth, staff};

#[derive(Deserialize)]
pub struct LoginBody {
    username: Option<String>,
    password: Option<String>,
}

fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(SESSION_COOKIE, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(!state.config.dev);
    cookie
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<LoginBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let username = errors.required("username", body.username, |u| {
        if u.trim().is_empty() {
            Err("is required".to_owned())
        } else {
            Ok(u)
        }
    });
    let password = errors.required("password", body.password, |p| {
        if p.is_empty() {
            Err("is required".to_owned())
        } else {
            Ok(p)
        }
    });
    errors.finish()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(AppError::BadRequest(
            "username and password are required".into(),
        ));
    };
    let (user, token) = auth::login(
        &state.db,
        &state.hasher,
        &state.auth,
        &username,
        password,
        session_token(&jar),
        &origin,
    )
    .await?;
    let jar = jar.add(session_cookie(&state, token.expose().to_owned()));
    Ok((jar, Json(json!({ "user": user }))))
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    auth::logout(&state.db, &staff.0, &origin).await?;
    let jar = jar.remove(session_cookie(&state, String::new()));
    Ok((jar, Json(json!({ "message": "logged out" }))))
}

pub async fn status(State(state): State<AppState>, jar: CookieJar) -> AppResult<impl IntoResponse> {
    let found = match session_token(&jar) {
        Some(token) => auth::authenticate(&state.db, &state.auth, &token).await?,
        None => None,
    };
    Ok(Json(match found {
        Some(found) => json!({ "authenticated": true, "user": found.user }),
        None => json!({ "authenticated": false }),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordBody {
    current_password: Option<String>,
    new_password: Option<String>,
}

pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<PasswordBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let current = errors.required("currentPassword", body.current_password, Ok);
    let new = errors.required("newPassword", body.new_password, |p| NewPassword::parse(&p));
    errors.finish()?;
    let (Some(current), Some(new)) = (current, new) else {
        return Err(AppError::BadRequest(
            "currentPassword and newPassword are required".into(),
        ));
    };
    auth::change_password(
        &state.db,
        &state.hasher,
        &state.auth,
        &staff.0,
        current,
        new,
        &origin,
    )
    .await?;
    Ok(Json(json!({ "message": "password changed" })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestUserBody {
    username: Option<String>,
    password: Option<String>,
    role: Option<String>,
    full_name: Option<String>,
}

/// Development mode only: creates an account of any role without logging in.
pub async fn create_test_user(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<TestUserBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let username = errors.required("username", body.username, |u| Username::parse(&u));
    let password = errors.required("password", body.password, |p| NewPassword::parse(&p));
    let role = errors.required("role", body.role, |r| r.parse::<Role>());
    let full_name = errors.required("fullName", body.full_name, |n| FullName::parse(&n));
    errors.finish()?;
    let (Some(username), Some(password), Some(role), Some(full_name)) =
        (username, password, role, full_name)
    else {
        return Err(AppError::BadRequest("missing fields".into()));
    };
    let new = staff::NewUser {
        username,
        full_name,
        password,
        role,
        is_active: true,
    };
    let user = staff::create(&state.db, &state.hasher, None, new, &origin).await?;
    Ok((StatusCode::CREATED, Json(user)))
}
