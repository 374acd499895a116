//! Middleware: request ids and logs, panics as 500s, CORS, the CSRF content-type rule,
//! and the guarantee that every error response has the contract's JSON body.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::config::ServeArgs;
use crate::error::{status_error_response, AppError};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The outer layers, applied to every request, matched or not, outermost first: the
/// request's metrics, its id, its log line, panics, CORS, JSON error bodies, the deadline
/// and the body limit.
///
/// They form one stack, given to the router in one `layer` call: the router wraps each
/// route in a box per call and clones every box of the route for each request, which
/// cost a twentieth of the instructions of one reservation when they were six calls.
pub fn wrap(app: Router, config: &ServeArgs) -> Router {
    // Inside the JSON error bodies, so that its 408 gets one.
    let deadline = TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        Duration::from_secs(config.request_timeout_seconds),
    );
    // One log line per request, in a span that carries the request's method, route, id
    // and user to every line logged while it runs.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            let request_id = req
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!(
                "request",
                method = %req.method(),
                route = %route,
                request_id = %request_id,
                user_id = tracing::field::Empty,
            )
        })
        .on_request(())
        .on_response(
            |res: &axum::http::Response<_>, latency: Duration, _span: &Span| {
                // To the microsecond: the nanoseconds beyond told nothing, and a
                // shorter number is quicker to write.
                tracing::info!(
                    status = res.status().as_u16(),
                    latency_ms = latency.as_micros() as f64 / 1000.0,
                    "request finished"
                );
            },
        )
        .on_failure(());
    let layers = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(super::metrics::track))
        .layer(SetRequestIdLayer::new(REQUEST_ID, RandomRequestId))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .option_layer(cors(config))
        .layer(axum::middleware::map_response(json_error_bodies))
        .layer(deadline)
        // JSON bodies have their own, smaller limit (see `extract::JsonBody`).
        .layer(DefaultBodyLimit::max(image_body_limit(config)));
    app.layer(layers)
}

/// A multipart upload carries the image plus a little framing.
fn image_body_limit(config: &ServeArgs) -> usize {
    usize::try_from(config.image_limit_bytes.saturating_add(64 * 1024)).unwrap_or(usize::MAX)
}

/// A random UUID for each request that comes without an id. Its bytes come from the
/// thread's random generator, seeded once, rather than from a system call per request
/// as tower-http's `MakeRequestUuid` does.
#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = id.hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).ok().map(RequestId::new)
    }
}

/// Cross-origin access for the configured origins only. With none (the default: the web
/// app is served from the API's own origin) there is no CORS layer at all: it answered a
/// preflight without any origin allowed and added `Vary` headers to every response, a
/// sixtieth of the work of showing a reservation, for nothing a browser could use.
fn cors(config: &ServeArgs) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, REQUEST_ID])
        .expose_headers([REQUEST_ID, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600));
    Some(layer)
}

/// Errors produced outside our handlers (a 405 from routing, a 413 from a body limit, …)
/// come without a body; give them the contract's JSON body.
async fn json_error_bodies(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let message = status.canonical_reason().unwrap_or("error").to_lowercase();
    let mut fresh = status_error_response(status, &message);
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        fresh
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    for name in [header::RETRY_AFTER, header::ALLOW, header::CONNECTION] {
        if let Some(v) = response.headers().get(&name) {
            fresh.headers_mut().insert(name, v.clone());
        }
    }
    fresh
}

/// The CSRF defence of the contract: a request that changes state must declare a JSON body.
/// A browser cannot send that content type across sites without a CORS preflight, which
/// only the configured origins pass. A `DELETE` without a body is accepted: browsers
/// cannot send one from a form either.
/// The one upload is a multipart form instead.
pub async fn require_json_content_type(req: Request<Body>, next: Next) -> Response {
    let changes_state = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH)
        || (req.method() == Method::DELETE && req.headers().contains_key(header::CONTENT_TYPE));
    let expected = match req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
    {
        Some(path) if req.method() == Method::POST && IMAGE_UPLOADS.contains(&path) => {
            "multipart/form-data"
        }
        _ => "application/json",
    };
    if changes_state && !has_media_type(req.headers().get(header::CONTENT_TYPE), expected) {
        let message = format!("this request needs Content-Type: {expected}");
        return AppError::UnsupportedMediaType(message).into_response();
    }
    next.run(req).await
}

/// The routes whose `POST` is a multipart upload.
const IMAGE_UPLOADS: [&str; 2] = [
    "/api/cars/{id}/image",
    "/api/reservations/{id}/inspections/{kind}/photos",
];

fn has_media_type(value: Option<&HeaderValue>, expected: &str) -> bool {
    let Some(Ok(value)) = value.map(HeaderValue::to_str) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn json_content_types_are_recognised() {
        let json = "application/json";
        let ok = |s: &str| has_media_type(Some(&HeaderValue::from_str(s).unwrap()), json);
        assert!(ok("application/json"));
        assert!(ok("Application/JSON; charset=utf-8"));
        assert!(!ok("text/plain"));
        assert!(!ok("application/jsonp"));
        assert!(!has_media_type(None, json));
    }

    #[tokio::test]
    async fn bodiless_errors_get_the_json_body() {
        let bare = Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .body(Body::empty())
            .unwrap();
        let fixed = json_error_bodies(bare).await;
        let bytes = axum::body::to_bytes(fixed.into_body(), 1024).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["code"], "method_not_allowed");
    }
}
