//! The HTTP API: routes, the middleware every request passes through, and thin handlers.

mod audit;
mod auth;
mod billing;
mod blocks;
mod branches;
mod cars;
mod clients;
pub mod connections;
mod dashboard;
pub mod extract;
mod extras;
mod fields;
mod invoices;
mod json_body;
mod managers;
mod metrics;
mod middleware;
pub mod openapi;
mod ops;
mod reports;
mod reservations;
pub mod web;

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config, SwaggerUi};

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
    /// Photo uploads read and decoded at once: each may hold its upload and up to
    /// 143 MiB of pixels, so fifty at once must wait their turn, not fill the memory.
    pub photo_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// How many photos may be read and decoded at once: decoding is CPU-bound, so half
    /// the cores (at least one), as for password hashes.
    pub fn photo_slots() -> Arc<tokio::sync::Semaphore> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Arc::new(tokio::sync::Semaphore::new((cores / 2).max(1)))
    }
}

/// The contract's list envelope.
#[derive(Serialize, utoipa::ToSchema)]
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

/// What a listed item takes as JSON, about: a car is half of it, a rental with its car
/// and client twice.
const LIST_ITEM_BYTES: usize = 1024;

/// Written into a buffer sized for its items from the start (see [`json_response`]); a
/// 100-car page was a twentieth copies.
impl<T: Serialize> IntoResponse for ListPage<T> {
    fn into_response(self) -> Response {
        json_response(&self, LIST_ITEM_BYTES * (self.items.len() + 1))
    }
}

/// axum's `Json` response, written into a buffer that holds a reservation from the start.
pub struct Json<T>(pub T);

/// What a reservation, the largest single document, takes as JSON, about.
const ITEM_BYTES: usize = 2048;

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        json_response(&self.0, ITEM_BYTES)
    }
}

/// `value` as a JSON response, written into a buffer of `capacity` bytes: axum's `Json`
/// starts at 128 bytes and doubles, copying each time, four times for one reservation.
fn json_response<T: Serialize>(value: &T, capacity: usize) -> Response {
    let mut body = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => AppError::Internal(e.into()).into_response(),
    }
}

/// Every route of the API, with its middleware, and the web app at `/`.
pub fn router(state: AppState) -> anyhow::Result<Router> {
    metrics::recorder()?;
    let (routes, document) = api(state.config.dev).split_for_parts();
    let document = Bytes::from(serde_json::to_vec(&document)?);
    let app = routes
        .route(OPENAPI_PATH, get(move || published(document.clone())))
        .merge(SwaggerUi::new("/api/docs").config(Config::from(OPENAPI_PATH)))
        .route_layer(axum::middleware::from_fn(
            middleware::require_json_content_type,
        ))
        .fallback(web::fallback)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .with_state(state.clone());
    Ok(middleware::wrap(app, &state.config))
}

/// Where the OpenAPI document is published, and where the Swagger UI reads it.
const OPENAPI_PATH: &str = "/api/openapi.json";

/// The OpenAPI document, serialised once when the server starts. Swagger UI's own route
/// would keep the document's tree in memory (many small allocations) and serialise it
/// again for every request.
async fn published(json: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], json)
}

/// The OpenAPI document a server outside development mode publishes at
/// `/api/openapi.json`; the web app's TypeScript types are generated from it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api(false).split_for_parts().1
}

/// The API's routes, registered together with their OpenAPI operations, so that the
/// published document lists exactly what is served.
fn api(dev: bool) -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::status))
        .routes(routes!(auth::change_password))
        .routes(routes!(managers::list, managers::create))
        .routes(routes!(managers::get, managers::update, managers::delete))
        .routes(routes!(cars::list, cars::create))
        .routes(routes!(cars::available))
        .routes(routes!(cars::get, cars::update, cars::delete))
        .routes(routes!(
            cars::get_image,
            cars::upload_image,
            cars::delete_image
        ))
        .routes(routes!(billing::get_rates, billing::set_rates))
        .routes(routes!(blocks::list_all))
        .routes(routes!(blocks::list, blocks::create))
        .routes(routes!(blocks::get, blocks::update, blocks::delete))
        .routes(routes!(branches::list, branches::create))
        .routes(routes!(branches::get, branches::update, branches::delete))
        .routes(routes!(extras::list, extras::create))
        .routes(routes!(extras::get, extras::update, extras::delete))
        .routes(routes!(clients::list, clients::create))
        .routes(routes!(clients::get, clients::update, clients::delete))
        .routes(routes!(reservations::of_client))
        .routes(routes!(reservations::list, reservations::create))
        .routes(routes!(
            reservations::get,
            reservations::update,
            reservations::delete
        ))
        .routes(routes!(reservations::change_status))
        .routes(routes!(reservations::quote_return))
        .routes(routes!(billing::add_payment))
        .routes(routes!(billing::record_deposit))
        .routes(routes!(billing::waive_fee))
        .routes(routes!(billing::quote))
        .routes(routes!(invoices::invoice))
        .routes(routes!(invoices::list))
        .routes(routes!(invoices::document))
        .routes(routes!(invoices::credit_note))
        .routes(routes!(reservations::resolve_review))
        .routes(routes!(reservations::upload_inspection_photo))
        .routes(routes!(
            reservations::get_inspection_photo,
            reservations::delete_inspection_photo
        ))
        .routes(routes!(dashboard::board))
        .routes(routes!(reports::revenue))
        .routes(routes!(reports::utilisation))
        .routes(routes!(audit::list))
        .routes(routes!(ops::meta))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(metrics::render));
    if dev {
        api.routes(routes!(auth::create_test_user))
    } else {
        api
    }
}
