//! The HTTP API: routes, the middleware every request passes through, and thin handlers.

mod audit;
mod auth;
mod cars;
mod clients;
pub mod extract;
mod fields;
mod managers;
mod metrics;
mod middleware;
mod ops;
mod reservations;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Serialize;

use crate::config::ServeArgs;
use crate::db::Database;
use crate::error::AppError;
use crate::services::auth::AuthPolicy;
use crate::services::hashing::Hasher;
use extract::PageRequest;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub hasher: Hasher,
    pub auth: AuthPolicy,
    pub config: Arc<ServeArgs>,
}

/// The contract's list envelope.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage<T> {
    items: Vec<T>,
    total: i64,
    page: i64,
    per_page: i64,
}

impl<T> ListPage<T> {
    pub fn new(items: Vec<T>, total: i64, page: PageRequest) -> Self {
        ListPage {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// A multipart upload carries the image plus a little framing.
fn image_body_limit(config: &ServeArgs) -> usize {
    usize::try_from(config.image_limit_bytes.saturating_add(64 * 1024)).unwrap_or(usize::MAX)
}

/// Every route of the API, with its middleware.
pub fn router(state: AppState) -> anyhow::Result<Router> {
    metrics::recorder()?;
    let mut auth_routes = Router::new()
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/status", get(auth::status))
        .route("/password", put(auth::change_password));
    if state.config.dev {
        auth_routes = auth_routes.route("/create_test_user", post(auth::create_test_user));
    }
    let api = Router::new()
        .nest("/auth", auth_routes)
        .route("/managers", get(managers::list).post(managers::create))
        .route(
            "/managers/{id}",
            get(managers::get)
                .put(managers::update)
                .delete(managers::delete),
        )
        .route("/cars", get(cars::list).post(cars::create))
        .route("/cars/available", get(cars::available))
        .route(
            "/cars/{id}",
            get(cars::get).put(cars::update).delete(cars::delete),
        )
        .route(
            "/cars/{id}/image",
            get(cars::get_image)
                .post(cars::upload_image)
                .delete(cars::delete_image)
                .layer(DefaultBodyLimit::max(image_body_limit(&state.config))),
        )
        .route("/clients", get(clients::list).post(clients::create))
        .route(
            "/clients/{id}",
            get(clients::get)
                .put(clients::update)
                .delete(clients::delete),
        )
        .route("/clients/{id}/reservations", get(reservations::of_client))
        .route(
            "/reservations",
            get(reservations::list).post(reservations::create),
        )
        .route(
            "/reservations/{id}",
            get(reservations::get)
                .put(reservations::update)
                .delete(reservations::delete),
        )
        .route(
            "/reservations/{id}/status",
            put(reservations::change_status),
        )
        .route(
            "/reservations/{id}/payments",
            post(reservations::add_payment),
        )
        .route("/audit", get(audit::list))
        .route("/meta", get(ops::meta));

    let app = Router::new()
        .nest("/api", api)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(metrics::render))
        .route_layer(axum::middleware::from_fn(
            middleware::require_json_content_type,
        ))
        .fallback(|| async { AppError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .with_state(state.clone());
    Ok(middleware::wrap(app, &state.config).layer(axum::middleware::from_fn(metrics::track)))
}
