//! `/api/reports`: revenue and utilisation, as JSON or as CSV (`Accept: text/csv`).

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::extract::{QueryParams, Staff};
use super::openapi::ErrorBody;
use super::{AppState, Json};
use crate::domain::date::Date;
use crate::domain::money::Money;
use crate::domain::report::{GroupBy, RevenueRow, UtilisationRow};
use crate::error::{AppError, AppResult};
use crate::services::reports;

fn date(params: &QueryParams, name: &str) -> AppResult<Date> {
    let raw = params
        .get(name)
        .ok_or_else(|| AppError::BadRequest(format!("query parameter \"{name}\" is required")))?;
    Date::parse(raw).map_err(|e| AppError::BadRequest(format!("query parameter \"{name}\" {e}")))
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

/// A row as a line of a CSV file.
trait CsvRow {
    const HEADER: &'static [&'static str];
    fn record(&self) -> Vec<String>;
}

impl CsvRow for RevenueRow {
    const HEADER: &'static [&'static str] =
        &["key", "label", "reservations", "net", "tax", "gross"];

    fn record(&self) -> Vec<String> {
        vec![
            self.key.clone(),
            self.label.clone(),
            self.reservations.to_string(),
            self.net.fixed(),
            self.tax.fixed(),
            self.gross.fixed(),
        ]
    }
}

impl CsvRow for UtilisationRow {
    const HEADER: &'static [&'static str] =
        &["carId", "label", "rentedDays", "blockedDays", "utilisation"];

    fn record(&self) -> Vec<String> {
        vec![
            self.car_id.to_string(),
            self.label.clone(),
            format!("{:.2}", self.rented_days),
            format!("{:.2}", self.blocked_days),
            format!("{:.1}", self.utilisation),
        ]
    }
}

/// Rows as a CSV file (amounts with two decimals, a dot, no currency), header first.
fn csv<T: CsvRow>(rows: &[T], name: &str) -> AppResult<Response> {
    let failed = |e: csv::Error| AppError::Internal(e.into());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(T::HEADER).map_err(failed)?;
    for row in rows {
        out.write_record(row.record()).map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Revenue over a period, by group.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevenueReport {
    #[schema(value_type = String, format = Date)]
    from: Date,
    #[schema(value_type = String, format = Date)]
    to: Date,
    group_by: GroupBy,
    rows: Vec<RevenueRow>,
    reservations: i64,
    net: Money,
    tax: Money,
    gross: Money,
}

#[utoipa::path(
    get,
    operation_id = "getRevenueReport",
    path = "/api/reports/revenue",
    tag = "reports",
    summary = "Revenue of the reservations closed in a period",
    description = "Counts every reservation closed (returned, cancelled or no-show) from `from` to `to`, both included, as days of the agency's time zone: its final cost with net and tax, so fees count and free cancellations add 0. `groupBy=branch` uses the pick-up branch. With `Accept: text/csv` the rows come as CSV (key, label, reservations, net, tax, gross) without the totals.",
    security(("session" = [])),
    params(
        ("from" = String, Query, format = Date, description = "First day (YYYY-MM-DD)"),
        ("to" = String, Query, format = Date, description = "Last day, included; at most about 3 years after from"),
        ("groupBy" = Option<GroupBy>, Query, description = "month (default), car or branch")
    ),
    responses(
        (status = 200, description = "The report", content((RevenueReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "`to` before `from`, or too long a period", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn revenue(
    State(state): State<AppState>,
    _: Staff,
    headers: HeaderMap,
    params: QueryParams,
) -> AppResult<Response> {
    let (from, to) = (date(&params, "from")?, date(&params, "to")?);
    let group_by = params.parsed("groupBy")?.unwrap_or(GroupBy::Month);
    let tz = state.config.timezone;
    let window = reports::window(from, to, tz)?;
    let rows = reports::revenue(&state.db, window, group_by, tz).await?;
    if wants_csv(&headers) {
        return csv(&rows, &format!("revenue-{from}-{to}"));
    }
    let sum =
        |f: fn(&RevenueRow) -> Money| Money::from_cents(rows.iter().map(|r| f(r).cents()).sum());
    Ok(Json(RevenueReport {
        from,
        to,
        group_by,
        reservations: rows.iter().map(|r| r.reservations).sum(),
        net: sum(|r| r.net),
        tax: sum(|r| r.tax),
        gross: sum(|r| r.gross),
        rows,
    })
    .into_response())
}

/// Each car's use over a period.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UtilisationReport {
    #[schema(value_type = String, format = Date)]
    from: Date,
    #[schema(value_type = String, format = Date)]
    to: Date,
    rows: Vec<UtilisationRow>,
}

#[utoipa::path(
    get,
    operation_id = "getUtilisationReport",
    path = "/api/reports/utilisation",
    tag = "reports",
    summary = "Each car's rented and blocked days in a period",
    description = "Days of the agency's time zone from `from` to `to`, both included. A rental counts from pick-up to return (one still out, until now); `utilisation` is the rented time over the time the car was not blocked, in percent. With `Accept: text/csv` the rows come as CSV.",
    security(("session" = [])),
    params(
        ("from" = String, Query, format = Date, description = "First day (YYYY-MM-DD)"),
        ("to" = String, Query, format = Date, description = "Last day, included")
    ),
    responses(
        (status = 200, description = "The report", content((UtilisationReport = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "`to` before `from`, or too long a period", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn utilisation(
    State(state): State<AppState>,
    _: Staff,
    headers: HeaderMap,
    params: QueryParams,
) -> AppResult<Response> {
    let (from, to) = (date(&params, "from")?, date(&params, "to")?);
    let window = reports::window(from, to, state.config.timezone)?;
    let rows = reports::utilisation(&state.db, window).await?;
    if wants_csv(&headers) {
        return csv(&rows, &format!("utilisation-{from}-{to}"));
    }
    Ok(Json(UtilisationReport { from, to, rows }).into_response())
}
