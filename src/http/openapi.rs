//! The OpenAPI document, generated from the routes and types themselves (so it cannot
//! drift from them), and the schemas of the few types whose JSON form is hand-made.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::extract::SESSION_COOKIE;
use crate::domain::date::Date;
use crate::domain::id::Id;
use crate::domain::inspection::InspectionKind;
use crate::domain::money::Money;
use crate::domain::time::Timestamp;

/// The contract's error body.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// A message for a person.
    error: String,
    /// A machine code: bad_request, unauthenticated, forbidden, not_found,
    /// method_not_allowed, conflict, payload_too_large, unsupported_media_type,
    /// validation_failed, too_many_requests, unavailable, internal.
    code: String,
    /// On validation errors and conflicts: what is wrong with each field.
    #[schema(required = false)]
    fields: Option<std::collections::BTreeMap<String, String>>,
}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .multiple_of(Some(0.01))
            .description(Some(
                "An exact amount in the server's currency, at most 2 decimals.",
            ))
            .examples([serde_json::json!(450.5)])
            .into()
    }
}
impl ToSchema for Money {}

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "RFC 3339; responses are UTC with Z, requests need an offset.",
            ))
            .examples([serde_json::json!("2026-05-04T10:00:00Z")])
            .into()
    }
}
impl ToSchema for Timestamp {}

impl PartialSchema for Date {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some("A calendar date, YYYY-MM-DD."))
            .examples([serde_json::json!("1990-05-17")])
            .into()
    }
}
impl ToSchema for Date {}

impl PartialSchema for Id {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9a-fA-F]{24}$"))
            .description(Some("A MongoDB ObjectId: 24 hexadecimal characters."))
            .examples([serde_json::json!("65f0a1b2c3d4e5f6a7b8c9d0")])
            .into()
    }
}
impl ToSchema for Id {}

/// Declares the session cookie as the security scheme.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "Set by POST /api/auth/login (HttpOnly, SameSite=Lax, Secure outside development mode).",
            ))),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("LOCACAR_METRICS_TOKEN"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LocaCar Manager API",
        description = include_str!("openapi_description.md"),
    ),
    modifiers(&SessionCookie),
    components(schemas(ErrorBody, InspectionKind)),
    tags(
        (name = "auth", description = "Logging in and out, sessions, passwords"),
        (name = "managers", description = "Manager accounts (admins only)"),
        (name = "cars", description = "The fleet, car photos, and blocks (maintenance and other time out of service)"),
        (name = "branches", description = "The agency's offices"),
        (name = "extras", description = "The extras catalogue (child seat, GPS, insurance, …)"),
        (name = "clients", description = "Customers"),
        (name = "reservations", description = "Bookings, the rental life cycle with its inspections, payments"),
        (name = "dashboard", description = "Today's board"),
        (name = "reports", description = "Revenue and utilisation, as JSON or CSV"),
        (name = "audit", description = "The audit trail (admins only)"),
        (name = "operations", description = "Meta, health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

/// The answer to a login.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LoginReply {
    user: crate::domain::user::User,
}

/// A plain confirmation.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MessageReply {
    message: String,
}

/// Who is logged in.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StatusReply {
    authenticated: bool,
    /// Present when authenticated.
    #[schema(required = false)]
    user: Option<crate::domain::user::User>,
}
