//! `/metrics`: Prometheus text format. Request counts and latencies per route template
//! and status, requests in flight, database pool usage, login failures, and the fleet
//! and rental gauges an agency owner charts.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{Counter, Gauge, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use super::openapi::ErrorBody;
use super::AppState;
use crate::db::stats;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// Latency buckets in seconds: a desk request should take milliseconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Group-commit batch sizes (SQLite): how many write transactions shared one commit.
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 256.0, 1024.0];

/// How often the latency samples recorded since the last upkeep are folded into their
/// buckets (the exporter's own default when it runs the upkeep itself).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the process-wide recorder once, with the thread that keeps it, and returns
/// the handle that renders it.
pub fn recorder() -> anyhow::Result<&'static PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle);
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".into()),
            &BUCKETS,
        )?
        .set_buckets_for_metric(
            Matcher::Full("locacar_write_batch_size".into()),
            &BATCH_BUCKETS,
        )?
        .install_recorder()?;
    // The recorder keeps every latency sample until an upkeep or a scrape folds them into
    // the buckets: a server nobody scrapes grew by 20 bytes a request (0.6 MB/s at 30,000
    // requests/s) without it. A thread, not a task: it must outlive any one runtime.
    let kept = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            kept.run_upkeep();
        })?;
    Ok(HANDLE.get_or_init(|| handle))
}

/// Counts and times every request, matched or not. `Router::layer` runs it after routing,
/// so the matched route template is known.
pub async fn track(req: Request, next: Next) -> Response {
    static IN_FLIGHT: LazyLock<Gauge> =
        LazyLock::new(|| metrics::gauge!("http_requests_in_flight"));
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    IN_FLIGHT.increment(1.0);
    let response = next.run(req).await;
    IN_FLIGHT.decrement(1.0);
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    RequestMetrics::of(
        &method,
        route,
        response.status().as_u16(),
        |counter, latency| {
            counter.increment(1);
            latency.record(started.elapsed().as_secs_f64());
        },
    );
    response
}

/// The request counter and latency histogram of one method, route and status.
struct RequestMetrics {
    method: Method,
    status: u16,
    counter: Counter,
    latency: Histogram,
}

impl RequestMetrics {
    /// Hands the metrics of `method route status` to `f`. They are registered once and
    /// kept by route: registering them by name and labels for each request (three
    /// strings made, a registry searched) cost a fiftieth of one reservation's work.
    fn of(method: &Method, route: &str, status: u16, f: impl FnOnce(&Counter, &Histogram)) {
        static KNOWN: LazyLock<RwLock<HashMap<String, Vec<RequestMetrics>>>> =
            LazyLock::new(RwLock::default);
        let is_it = |m: &&RequestMetrics| m.method == *method && m.status == status;
        if let Ok(known) = KNOWN.read() {
            if let Some(m) = known.get(route).and_then(|of| of.iter().find(is_it)) {
                return f(&m.counter, &m.latency);
            }
        }
        let made = RequestMetrics::register(method, route, status);
        f(&made.counter, &made.latency);
        if let Ok(mut known) = KNOWN.write() {
            let of_route = known.entry(route.to_owned()).or_default();
            if !of_route.iter().any(|m| is_it(&m)) {
                of_route.push(made);
            }
        }
    }

    fn register(method: &Method, route: &str, status: u16) -> RequestMetrics {
        let labels = [
            ("method", method.to_string()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        RequestMetrics {
            method: method.clone(),
            status,
            counter: metrics::counter!("http_requests_total", &labels),
            latency: metrics::histogram!("http_request_duration_seconds", &labels),
        }
    }
}

/// Serves the metrics to whoever holds the configured bearer token; without a token,
/// only in development mode.
#[utoipa::path(
    get,
    operation_id = "metrics",
    path = "/metrics",
    tag = "operations",
    summary = "Prometheus metrics",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
        (status = 401, description = "The metrics token is missing or wrong", body = ErrorBody),
        (status = 403, description = "No metrics token is configured outside development mode", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    authorise(&state, &headers)?;
    let handle = recorder().map_err(AppError::Internal)?;
    refresh_gauges(&state).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response())
}

fn authorise(state: &AppState, headers: &HeaderMap) -> AppResult<()> {
    match &state.config.metrics_token {
        Some(expected) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
                Ok(())
            } else {
                Err(AppError::Unauthenticated(
                    "send the metrics token as Authorization: Bearer …",
                ))
            }
        }
        None if state.config.dev => Ok(()),
        None => Err(AppError::Forbidden(
            "metrics are open only in development mode; set LOCACAR_METRICS_TOKEN to scrape them"
                .into(),
        )),
    }
}

/// Gauges read from the database at scrape time, so they are never stale.
async fn refresh_gauges(state: &AppState) -> AppResult<()> {
    let (open, idle) = state.db.pool_usage();
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(open) - idle as f64);
    let mut conn = state.db.read().await?;
    let by_status = stats::cars_by_status(&mut conn, None).await?;
    for status in crate::domain::car::CarStatus::ALL {
        let count = by_status
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n);
        metrics::gauge!("locacar_cars", "status" => status.as_str()).set(count as f64);
    }
    let (active, overdue) = stats::rentals(&mut conn, Timestamp::now()).await?;
    metrics::gauge!("locacar_rentals_active").set(active as f64);
    metrics::gauge!("locacar_rentals_overdue").set(overdue as f64);
    Ok(())
}
