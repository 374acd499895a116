//! What operators and clients ask of the server itself: meta, health, readiness.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;

use super::openapi::ErrorBody;
use super::{AppState, Json};
use crate::error::AppError;

/// What `/api/meta` tells about the server.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    name: &'static str,
    version: &'static str,
    /// ISO 4217 code of every amount.
    currency: String,
    /// Minutes past a whole rental day that are not billed.
    grace_period_minutes: u32,
}

/// A health or readiness answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
}

#[utoipa::path(
    get,
    operation_id = "getMeta",
    path = "/api/meta",
    tag = "operations",
    summary = "Name, version, currency and grace period",
    responses(
        (status = 200, description = "Server facts", body = inline(Meta))
    )
)]
pub async fn meta(State(state): State<AppState>) -> impl IntoResponse {
    Json(Meta {
        name: "LocaCar Manager",
        version: env!("CARGO_PKG_VERSION"),
        currency: state.config.currency.clone(),
        grace_period_minutes: state.config.grace_minutes,
    })
}

#[utoipa::path(
    get,
    operation_id = "health",
    path = "/healthz",
    tag = "operations",
    summary = "Whether the process is up",
    responses(
        (status = 200, description = "Up", body = inline(Health))
    )
)]
pub async fn healthz() -> impl IntoResponse {
    Json(Health { status: "ok" })
}

#[utoipa::path(
    get,
    operation_id = "readiness",
    path = "/readyz",
    tag = "operations",
    summary = "Whether the database answers",
    responses(
        (status = 200, description = "Ready", body = inline(Health)),
        (status = 503, description = "The database does not answer", body = ErrorBody)
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    if state.db.is_ready(Duration::from_secs(2)).await {
        Ok((StatusCode::OK, Json(Health { status: "ready" })))
    } else {
        Err(AppError::Unavailable("readiness probe failed".into()))
    }
}
