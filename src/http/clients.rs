//! `/api/clients`: customers, kept by staff, removed by admins.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::extract::{nullable, Admin, ClientOrigin, JsonBody, PathId, QueryParams, Staff};
use super::fields::{optional, optional_notes, optional_text, required, Mode};
use super::{AppState, ListPage};
use crate::db::clients::{ClientQuery, ClientSort};
use crate::domain::client::{phone_key, Cin, Client, ClientChanges, Email, Phone};
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

pub async fn list(
    State(state): State<AppState>,
    _: Staff,
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
    let (items, total) = clients::list(&state.db, &query).await?;
    Ok(Json(ListPage::new(items, total, page)))
}

pub async fn get(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(clients::get(&state.db, id).await?))
}

#[derive(Deserialize)]
pub struct ClientBody {
    #[serde(default, rename = "firstName", deserialize_with = "nullable")]
    first_name: Option<Option<String>>,
    #[serde(default, rename = "lastName", deserialize_with = "nullable")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    email: Option<Option<String>>,
    #[serde(default, rename = "driverLicenseNumber", deserialize_with = "nullable")]
    driver_license_number: Option<Option<String>>,
    #[serde(default, rename = "CIN", deserialize_with = "nullable")]
    cin: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    notes: Option<Option<String>>,
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
        email: optional(e, "email", body.email, |v| {
            if blank_is_none(&v) {
                Ok(None)
            } else {
                Email::parse(&v).map(Some)
            }
        }),
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
        notes: optional(e, "notes", body.notes, optional_notes(2000)),
    };
    errors.finish()?;
    Ok(changes)
}

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

pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    clients::delete(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
