//! `/api/dashboard`: today's board.

use axum::extract::State;
use axum::response::IntoResponse;

use super::extract::{QueryParams, Staff};
use super::openapi::ErrorBody;
use super::{AppState, Json};
use crate::domain::dashboard::Board;
use crate::domain::date::Date;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::services::dashboard::{self, BoardRequest};

#[utoipa::path(
    get,
    operation_id = "getDashboard",
    path = "/api/dashboard",
    tag = "dashboard",
    summary = "Today's board",
    description = "Days and months are those of the agency's time zone (LOCACAR_TIMEZONE). With `branch`: pick-ups are those leaving from the branch, returns and overdue rentals those coming back to it, awaiting confirmation those leaving from it, cars by status those standing there now, and the month's figures those of the cars whose home branch it is. Each list carries its full `count` and its first 100 items in time order.",
    security(("session" = [])),
    params(
        ("date" = Option<String>, Query, format = Date, description = "The day (YYYY-MM-DD); default today"),
        ("branch" = Option<Id>, Query, description = "Only this branch")
    ),
    responses(
        (status = 200, description = "The board", body = Board),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn board(
    State(state): State<AppState>,
    _: Staff,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let date = params
        .get("date")
        .map(|d| {
            Date::parse(d)
                .map_err(|e| AppError::BadRequest(format!("query parameter \"date\" {e}")))
        })
        .transpose()?;
    let request = BoardRequest {
        date,
        branch: params.parsed("branch")?,
        timezone: state.config.timezone,
    };
    Ok(Json(dashboard::board(&state.db, request).await?))
}
