//! `/api/auth`: login, logout, status, password change, and the development-only test user.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;

use super::extract::{session_token, ClientOrigin, JsonBody, Staff, SESSION_COOKIE};
use super::openapi::{ErrorBody, LoginReply, MessageReply, StatusReply};
use super::{AppState, Json};
use crate::domain::user::{FullName, NewPassword, Role, User, Username};
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::auth::{LoginCookies, SecretToken};
use crate::services::{auth, staff};

/// Credentials.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "manager", "password": "manager123"}))]
pub struct LoginBody {
    #[schema(required = true, nullable = false, min_length = 1)]
    username: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1)]
    password: Option<String>,
}

/// The browser's device token: sent only to the login route, never readable by scripts.
const DEVICE_COOKIE: &str = "locacar_device";

fn device_cookie(state: &AppState, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(DEVICE_COOKIE, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_path("/api/auth/login");
    cookie.set_secure(!state.config.dev);
    cookie.set_max_age(::cookie::time::Duration::seconds(
        i64::try_from(auth::DEVICE_TRUST.as_secs()).unwrap_or(i64::MAX),
    ));
    cookie
}

fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(SESSION_COOKIE, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(!state.config.dev);
    cookie
}

#[utoipa::path(
    post,
    operation_id = "login",
    path = "/api/auth/login",
    tag = "auth",
    summary = "Log in",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = inline(LoginReply)),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 403, description = "The account is deactivated (right password)", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
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
    let cookies = LoginCookies {
        previous_session: session_token(&headers),
        device: jar
            .get(DEVICE_COOKIE)
            .and_then(|c| SecretToken::from_cookie(c.value())),
    };
    let done = auth::login(
        &state.db,
        &state.hasher,
        &state.auth,
        &username,
        password,
        cookies,
        &origin,
    )
    .await?;
    let jar = jar
        .add(session_cookie(&state, done.session.expose().to_owned()))
        .add(device_cookie(&state, done.device.expose().to_owned()));
    Ok((jar, Json(json!({ "user": done.user }))))
}

#[utoipa::path(
    post,
    operation_id = "logout",
    path = "/api/auth/logout",
    tag = "auth",
    summary = "Log out; the session is deleted on the server",
    security(("session" = [])),
    responses(
        (status = 200, description = "Logged out", body = inline(MessageReply)),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
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

#[utoipa::path(
    get,
    operation_id = "authStatus",
    path = "/api/auth/status",
    tag = "auth",
    summary = "Who is logged in",
    responses(
        (status = 200, description = "The session, if any", body = inline(StatusReply)),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<impl IntoResponse> {
    let found = match session_token(&headers) {
        Some(token) => auth::authenticate(&state.db, &state.auth, &token).await?,
        None => None,
    };
    Ok(Json(match found {
        Some(found) => json!({ "authenticated": true, "user": found.user }),
        None => json!({ "authenticated": false }),
    }))
}

/// A password change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordBody {
    #[schema(required = true, nullable = false, min_length = 1)]
    current_password: Option<String>,
    /// At least 8 characters.
    #[schema(required = true, nullable = false, min_length = 8, max_length = 256)]
    new_password: Option<String>,
}

#[utoipa::path(
    put,
    operation_id = "changePassword",
    path = "/api/auth/password",
    tag = "auth",
    summary = "Change one's own password; other sessions end",
    request_body = PasswordBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Changed", body = inline(MessageReply)),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Wrong current password or too short a new one", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
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

/// A test account (development mode only).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestUserBody {
    #[schema(
        required = true,
        nullable = false,
        pattern = r"^\s*[\p{L}\p{N}._-]{3,50}\s*$"
    )]
    username: Option<String>,
    #[schema(required = true, nullable = false, min_length = 8, max_length = 256)]
    password: Option<String>,
    #[schema(required = true, nullable = false, value_type = Option<Role>)]
    role: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1, max_length = 100)]
    full_name: Option<String>,
}

/// Development mode only: creates an account of any role without logging in.
#[utoipa::path(
    post,
    operation_id = "createTestUser",
    path = "/api/auth/create_test_user",
    tag = "auth",
    summary = "Create an account of any role (development mode only)",
    request_body = TestUserBody,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 404, description = "Not in development mode", body = ErrorBody),
        (status = 409, description = "A uniqueness or state conflict: `fields` names the clashing field", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
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
