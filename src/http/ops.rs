//! What operators and clients ask of the server itself: meta, health, readiness.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use super::AppState;
use crate::error::AppError;

pub async fn meta(State(state): State<AppState>) -> impl IntoResponse {
    Json(json!({
        "name": "LocaCar Manager",
        "version": env!("CARGO_PKG_VERSION"),
        "currency": state.config.currency,
        "gracePeriodMinutes": state.config.grace_minutes,
    }))
}

pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    if state.db.is_ready(Duration::from_secs(2)).await {
        Ok((StatusCode::OK, Json(json!({ "status": "ready" }))))
    } else {
        Err(AppError::Unavailable("readiness probe failed".into()))
    }
}
