//! `/api/clients`: customers, kept by staff, removed by admins.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::{
    nullable, Admin, ClientOrigin, JsonBody, PathId, QueryParams, Staff, StaffReading,
};
use super::fields::{optional, optional_notes, optional_text, required, Mode};
use super::openapi::ErrorBody;
use super::{AppState, Json, ListPage};
use crate::db::clients::{ClientQuery, ClientSort};
use crate::domain::client::{phone_key, Cin, Client, ClientChanges, Email, Phone};
use crate::domain::date::Date;
use crate::domain::id::Id;
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::clients;

const SORTS: &[(&str, ClientSort)] = &[
    ("lastName", ClientSort::LastName),
    ("registeredAt", ClientSort::RegisteredAt),
];

#[utoipa::path(
    get,
    operation_id = "listClients",
    path = "/api/clients",
    tag = "clients",
    summary = "List clients",
    security(("session" = [])),
    params(
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"),
        ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
        ("phone" = Option<String>, Query, description = "A phone number typed any way (exact match after normalising)"),
        ("q" = Option<String>, Query, max_length = 200, description = "Case-insensitive text in name, phone, e-mail or CIN"),
        ("sort" = Option<String>, Query, pattern = "^-?(lastName|registeredAt)$", description = "One of lastName, registeredAt; - for descending")
    ),
    responses(
        (status = 200, description = "A page of clients", body = ListPage<Client>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(
    StaffReading(mut conn): StaffReading,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let page = params.page()?;
    let sort = params.sort(SORTS, ClientSort::LastName)?;
    let phone = params.text("phone")?;
    if phone.as_deref().is_some_and(|p| phone_key(p).is_empty()) {
        return Err(AppError::BadRequest(
            "query parameter \"phone\" must contain digits".into(),
        ));
    }
    let query = ClientQuery {
        phone,
        q: params.text("q")?,
        sort: sort.field,
        descending: sort.descending,
        limit: page.per_page,
        offset: page.offset(),
    };
    let (items, total) = clients::list(&mut conn, &query).await?;
    Ok(ListPage::new(items, total, page))
}

#[utoipa::path(
    get,
    operation_id = "getClient",
    path = "/api/clients/{id}",
    tag = "clients",
    summary = "One client",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The client", body = Client),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get(
    StaffReading(mut conn): StaffReading,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(clients::get(&mut conn, id).await?))
}

/// Changes to a client: only the fields given change; null clears an optional field.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ClientUpdate)]
pub struct ClientBody {
    #[serde(default, rename = "firstName", deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 60)]
    first_name: Option<Option<String>>,
    #[serde(default, rename = "lastName", deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 60)]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, format = Email)]
    email: Option<Option<String>>,
    #[serde(default, rename = "driverLicenseNumber", deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, max_length = 30)]
    driver_license_number: Option<Option<String>>,
    #[serde(default, rename = "CIN", deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    cin: Option<Option<String>>,
    #[serde(default, rename = "dateOfBirth", deserialize_with = "nullable")]
    #[schema(value_type = Option<Date>, required = false)]
    date_of_birth: Option<Option<String>>,
    #[serde(default, rename = "licenseIssueDate", deserialize_with = "nullable")]
    #[schema(value_type = Option<Date>, required = false)]
    license_issue_date: Option<Option<String>>,
    #[serde(default, rename = "licenseExpiryDate", deserialize_with = "nullable")]
    #[schema(value_type = Option<Date>, required = false)]
    license_expiry_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, max_length = 2000)]
    notes: Option<Option<String>>,
}

/// A new client (the schema of a create; the body is read as a [`ClientBody`]).
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(example = json!({"firstName": "Amal", "lastName": "Benali", "phone": "06 12 34 56 78", "email": "amal.benali@example.ma", "driverLicenseNumber": "12/345678", "CIN": "AB123456"}))]
pub struct ClientCreate {
    #[serde(rename = "firstName")]
    #[schema(min_length = 1, max_length = 60)]
    first_name: String,
    #[serde(rename = "lastName")]
    #[schema(min_length = 1, max_length = 60)]
    last_name: String,
    /// Unique, compared without spaces, '-', '.' and parentheses.
    phone: String,
    /// Unique when given, compared case-insensitively.
    #[schema(required = false, format = Email)]
    email: Option<String>,
    /// Needed before a pick-up.
    #[serde(rename = "driverLicenseNumber")]
    #[schema(required = false, max_length = 30)]
    driver_license_number: Option<String>,
    /// National identity card number; unique when given.
    #[serde(rename = "CIN")]
    #[schema(required = false)]
    cin: Option<String>,
    /// Checked at pick-up against the minimum driver age.
    #[serde(rename = "dateOfBirth")]
    #[schema(required = false)]
    date_of_birth: Option<Date>,
    /// Checked at pick-up against the minimum years of driving.
    #[serde(rename = "licenseIssueDate")]
    #[schema(required = false)]
    license_issue_date: Option<Date>,
    /// The licence must be valid until the planned return.
    #[serde(rename = "licenseExpiryDate")]
    #[schema(required = false)]
    license_expiry_date: Option<Date>,
    #[schema(required = false, max_length = 2000)]
    notes: Option<String>,
}

/// A date; only null clears it (a blank string is not a date, as the schema says).
fn optional_date(raw: String) -> Result<Option<Date>, String> {
    Date::parse(&raw).map(Some)
}

fn parse(body: ClientBody, mode: Mode) -> AppResult<ClientChanges> {
    let blank_is_none = |raw: &str| raw.trim().is_empty();
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let changes = ClientChanges {
        first_name: required(e, mode, "firstName", body.first_name, |v| {
            clean_text(&v, 60)
        }),
        last_name: required(e, mode, "lastName", body.last_name, |v| clean_text(&v, 60)),
        phone: required(e, mode, "phone", body.phone, |v| Phone::parse(&v)),
        // Only null clears an address: a blank string is not one, as the schema says.
        email: optional(e, "email", body.email, |v| Email::parse(&v).map(Some)),
        driver_license_number: optional(
            e,
            "driverLicenseNumber",
            body.driver_license_number,
            optional_text(30),
        ),
        cin: optional(e, "CIN", body.cin, |v| {
            if blank_is_none(&v) {
                Ok(None)
            } else {
                Cin::parse(&v).map(Some)
            }
        }),
        date_of_birth: optional(e, "dateOfBirth", body.date_of_birth, optional_date),
        license_issue_date: optional(
            e,
            "licenseIssueDate",
            body.license_issue_date,
            optional_date,
        ),
        license_expiry_date: optional(
            e,
            "licenseExpiryDate",
            body.license_expiry_date,
            optional_date,
        ),
        notes: optional(e, "notes", body.notes, optional_notes(2000)),
    };
    errors.finish()?;
    Ok(changes)
}

#[utoipa::path(
    post,
    operation_id = "createClient",
    path = "/api/clients",
    tag = "clients",
    summary = "Register a client",
    request_body = ClientCreate,
    security(("session" = [])),
    responses(
        (status = 201, description = "Created", body = Client, links(("getClient" = (operation_id = "getClient", parameters(("id" = "$response.body#/_id")))), ("updateClient" = (operation_id = "updateClient", parameters(("id" = "$response.body#/_id")))), ("deleteClient" = (operation_id = "deleteClient", parameters(("id" = "$response.body#/_id")))), ("listClientReservations" = (operation_id = "listClientReservations", parameters(("id" = "$response.body#/_id")))))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 409, description = "A uniqueness or state conflict: `fields` names the clashing field", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<ClientBody>,
) -> AppResult<impl IntoResponse> {
    let actor = staff.actor();
    let client: Client = parse(body, Mode::Create)?
        .into_new_client(Id::generate(), Timestamp::now(), actor.id)
        .ok_or_else(|| AppError::BadRequest("missing fields".into()))?;
    let client = clients::create(&state.db, &actor, client, &origin).await?;
    Ok((StatusCode::CREATED, Json(client)))
}

#[utoipa::path(
    put,
    operation_id = "updateClient",
    path = "/api/clients/{id}",
    tag = "clients",
    summary = "Change a client",
    request_body = ClientBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Changed", body = Client),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "A uniqueness or state conflict: `fields` names the clashing field", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<ClientBody>,
) -> AppResult<impl IntoResponse> {
    let changes = parse(body, Mode::Update)?;
    Ok(Json(
        clients::update(&state.db, &staff.actor(), id, changes, &origin).await?,
    ))
}

#[utoipa::path(
    delete,
    operation_id = "deleteClient",
    path = "/api/clients/{id}",
    tag = "clients",
    summary = "Delete a client no reservation refers to",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Reservations refer to this client", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    clients::delete(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
