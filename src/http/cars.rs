//! `/api/cars`: the fleet (read by staff, changed by admins) and car photos.

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{
    nullable, Admin, ClientOrigin, JsonBody, PathId, QueryParams, Staff, StaffReading,
};
use super::fields::{optional, optional_notes, optional_text, required, Mode};
use super::openapi::ErrorBody;
use super::{AppState, Json, ListPage};
use crate::db::cars::{CarQuery, CarSort};
use crate::db::Conn;
use crate::domain::car::{parse_year, Car, CarChanges, CarStatus, LicensePlate, Vin};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::cars::{self, ImageReply};

const SORTS: &[(&str, CarSort)] = &[
    ("make", CarSort::Make),
    ("year", CarSort::Year),
    ("dailyRate", CarSort::DailyRate),
    ("addedAt", CarSort::AddedAt),
];

#[utoipa::path(
    get,
    operation_id = "listCars",
    path = "/api/cars",
    tag = "cars",
    summary = "List cars",
    security(("session" = [])),
    params(
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"),
        ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
        ("status" = Option<CarStatus>, Query, description = "Only cars in this status"),
        ("make" = Option<String>, Query, max_length = 200, description = "Only this make (case-insensitive)"),
        ("q" = Option<String>, Query, max_length = 200, description = "Case-insensitive text in make, model, plate or VIN"),
        ("branch" = Option<Id>, Query, description = "Only cars standing at this branch now"),
        ("sort" = Option<String>, Query, pattern = "^-?(make|year|dailyRate|addedAt)$", description = "One of make, year, dailyRate, addedAt; - for descending")
    ),
    responses(
        (status = 200, description = "A page of cars", body = ListPage<Car>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(
    StaffReading(mut conn): StaffReading,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    respond_with_list(&mut conn, &params, None).await
}

/// `GET /api/cars/available?start=…&end=…`: the cars that can be booked for `[start, end)`.
#[utoipa::path(
    get,
    operation_id = "listAvailableCars",
    path = "/api/cars/available",
    tag = "cars",
    summary = "Cars that can be booked for [start, end)",
    security(("session" = [])),
    params(
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"),
        ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
        ("start" = Timestamp, Query, description = "Start of the window (with offset)"),
        ("end" = Timestamp, Query, description = "End of the window, after start"),
        ("status" = Option<CarStatus>, Query, description = "Only cars in this status"),
        ("make" = Option<String>, Query, max_length = 200, description = "Only this make (case-insensitive)"),
        ("q" = Option<String>, Query, max_length = 200, description = "Case-insensitive text in make, model, plate or VIN"),
        ("branch" = Option<Id>, Query, description = "Only cars standing at this branch now"),
        ("sort" = Option<String>, Query, pattern = "^-?(make|year|dailyRate|addedAt)$", description = "One of make, year, dailyRate, addedAt; - for descending")
    ),
    responses(
        (status = 200, description = "Cars not out of service with no blocking reservation or block overlapping the window; the turnaround setting extends the window's end", body = ListPage<Car>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn available(
    State(state): State<AppState>,
    StaffReading(mut conn): StaffReading,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let start = params
        .instant("start")?
        .ok_or_else(|| AppError::BadRequest("query parameter \"start\" is required".into()))?;
    let end = params
        .instant("end")?
        .ok_or_else(|| AppError::BadRequest("query parameter \"end\" is required".into()))?;
    if end <= start {
        return Err(AppError::BadRequest(
            "query parameter \"end\" must be after \"start\"".into(),
        ));
    }
    // The car must also be free for the turnaround after the rental.
    let until = end.plus_millis(i64::from(state.config.turnaround_minutes) * 60_000);
    respond_with_list(&mut conn, &params, Some((start, until))).await
}

async fn respond_with_list(
    conn: &mut Conn,
    params: &QueryParams,
    available: Option<(Timestamp, Timestamp)>,
) -> AppResult<ListPage<crate::domain::car::Car>> {
    let page = params.page()?;
    let sort = params.sort(SORTS, CarSort::AddedAt)?;
    let query = CarQuery {
        available,
        status: params.parsed("status")?,
        make: params.text("make")?,
        q: params.text("q")?,
        branch: params.parsed("branch")?,
        sort: sort.field,
        descending: sort.descending,
        limit: page.per_page,
        offset: page.offset(),
    };
    let (items, total) = cars::list(conn, &query).await?;
    Ok(ListPage::new(items, total, page))
}

#[utoipa::path(
    get,
    operation_id = "getCar",
    path = "/api/cars/{id}",
    tag = "cars",
    summary = "One car",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The car", body = Car),
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
    Ok(Json(cars::get(&mut conn, id).await?))
}

/// Changes to a car: only the fields given change; null clears color or description.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CarUpdate)]
pub struct CarBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 50)]
    make: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 50)]
    model: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64, required = false, minimum = 1950)]
    year: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    license_plate: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = r"^\s*[A-HJ-NPR-Za-hj-npr-z0-9]{17}\s*$")]
    vin: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, max_length = 30)]
    color: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = CarStatus, required = false)]
    status: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Money, required = false, exclusive_minimum = 0)]
    daily_rate: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, max_length = 2000)]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Id>, required = false)]
    home_branch_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Id>, required = false)]
    current_branch_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64, required = false, minimum = 0, maximum = 10000000)]
    odometer_km: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, required = false, minimum = 1, maximum = 100000)]
    included_km_per_day: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Money, required = false, minimum = 0)]
    extra_km_rate: Option<Option<serde_json::Value>>,
}

/// A new car (the schema of a create; the body is read as a [`CarBody`]).
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
#[schema(example = json!({"make": "Dacia", "model": "Logan", "year": 2024, "licensePlate": "12345-A-6", "vin": "UU1LSDA0X66123456", "color": "Blanc", "dailyRate": 250.5}))]
pub struct CarCreate {
    #[schema(min_length = 1, max_length = 50)]
    make: String,
    #[schema(min_length = 1, max_length = 50)]
    model: String,
    /// From 1950 to next year.
    #[schema(minimum = 1950)]
    year: i64,
    /// Unique, compared case-insensitively and ignoring spaces and '-'.
    license_plate: String,
    /// 17 of A–Z and 0–9 without I, O, Q; unique; stored upper-case.
    #[schema(pattern = r"^\s*[A-HJ-NPR-Za-hj-npr-z0-9]{17}\s*$")]
    vin: String,
    #[schema(required = false, max_length = 30)]
    color: Option<String>,
    /// `available` (default), `maintenance` or `out_of_service`; `rented` is set by pick-ups only.
    #[schema(required = false, nullable = false)]
    status: Option<CarStatus>,
    #[schema(exclusive_minimum = 0)]
    daily_rate: Money,
    #[schema(required = false, max_length = 2000)]
    description: Option<String>,
    /// The branch the car belongs to.
    #[schema(required = false)]
    home_branch_id: Option<Id>,
    /// Where the car stands now (default: its home branch).
    #[schema(required = false)]
    current_branch_id: Option<Id>,
    /// The odometer reading, in km (default 0).
    #[schema(required = false, nullable = false, minimum = 0, maximum = 10000000)]
    odometer_km: Option<i64>,
    /// Distance included per rental day; absent or null: unlimited.
    #[schema(required = false, minimum = 1, maximum = 100000)]
    included_km_per_day: Option<i64>,
    /// Price per km beyond the included distance (default 0).
    #[schema(required = false, nullable = false, minimum = 0)]
    extra_km_rate: Option<Money>,
}

/// A photo upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImageUpload {
    /// A JPEG, PNG or WebP file, judged by its bytes.
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
}

fn optional_id(raw: String) -> Result<Option<Id>, String> {
    raw.parse()
        .map(Some)
        .map_err(|e: crate::domain::id::InvalidId| e.to_string())
}

fn bounded(value: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be from {min} to {max}"))
    }
}

fn parse(body: CarBody, mode: Mode) -> AppResult<CarChanges> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let changes = CarChanges {
        make: required(e, mode, "make", body.make, |v| clean_text(&v, 50)),
        model: required(e, mode, "model", body.model, |v| clean_text(&v, 50)),
        year: required(e, mode, "year", body.year, parse_year),
        license_plate: required(e, mode, "licensePlate", body.license_plate, |v| {
            LicensePlate::parse(&v)
        }),
        vin: required(e, mode, "vin", body.vin, |v| Vin::parse(&v)),
        color: optional(e, "color", body.color, optional_text(30)),
        status: required(e, Mode::Update, "status", body.status, |v| v.parse()),
        daily_rate: required(e, mode, "dailyRate", body.daily_rate, |v| {
            Money::parse_positive(&v)
        }),
        description: optional(e, "description", body.description, optional_notes(2000)),
        home_branch_id: optional(e, "homeBranchId", body.home_branch_id, optional_id),
        current_branch_id: optional(e, "currentBranchId", body.current_branch_id, optional_id),
        odometer_km: required(e, Mode::Update, "odometerKm", body.odometer_km, |km| {
            bounded(km, 0, 10_000_000)
        }),
        included_km_per_day: optional(e, "includedKmPerDay", body.included_km_per_day, |km| {
            bounded(km, 1, 100_000).map(Some)
        }),
        extra_km_rate: required(e, Mode::Update, "extraKmRate", body.extra_km_rate, |v| {
            Money::parse_non_negative(&v)
        }),
    };
    errors.finish()?;
    Ok(changes)
}

#[utoipa::path(
    post,
    operation_id = "createCar",
    path = "/api/cars",
    tag = "cars",
    summary = "Add a car",
    request_body = CarCreate,
    security(("session" = [])),
    responses(
        (status = 201, description = "Created", body = Car, links(("getCar" = (operation_id = "getCar", parameters(("id" = "$response.body#/_id")))), ("updateCar" = (operation_id = "updateCar", parameters(("id" = "$response.body#/_id")))), ("deleteCar" = (operation_id = "deleteCar", parameters(("id" = "$response.body#/_id")))), ("uploadCarImage" = (operation_id = "uploadCarImage", parameters(("id" = "$response.body#/_id")))))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 409, description = "A uniqueness or state conflict: `fields` names the clashing field", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<CarBody>,
) -> AppResult<impl IntoResponse> {
    let actor = admin.actor();
    let car = parse(body, Mode::Create)?
        .into_new_car(Id::generate(), Timestamp::now(), actor.id)
        .ok_or_else(|| AppError::BadRequest("missing fields".into()))?;
    let car = cars::create(&state.db, &actor, car, &origin).await?;
    Ok((StatusCode::CREATED, Json(car)))
}

#[utoipa::path(
    put,
    operation_id = "updateCar",
    path = "/api/cars/{id}",
    tag = "cars",
    summary = "Change a car",
    request_body = CarBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Changed", body = Car),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
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
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<CarBody>,
) -> AppResult<impl IntoResponse> {
    let changes = parse(body, Mode::Update)?;
    Ok(Json(
        cars::update(&state.db, &admin.actor(), id, changes, &origin).await?,
    ))
}

#[utoipa::path(
    delete,
    operation_id = "deleteCar",
    path = "/api/cars/{id}",
    tag = "cars",
    summary = "Delete a car no reservation refers to",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Rented, or reservations refer to it", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    cars::delete(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/cars/{id}/image`: a multipart form whose only field is `image`.
#[utoipa::path(
    post,
    operation_id = "uploadCarImage",
    path = "/api/cars/{id}/image",
    tag = "cars",
    summary = "Upload the car's photo (JPEG, PNG or WebP, judged by its bytes)",
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The car, with its imageUrl", body = Car),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 413, description = "Larger than the photo size limit", body = ErrorBody),
        (status = 415, description = "Not a JPEG, PNG or WebP image", body = ErrorBody),
        (status = 422, description = "Too many pixels, or a form field other than image", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn upload_image(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    mut form: Multipart,
) -> AppResult<impl IntoResponse> {
    let _turn = photo_turn(&state).await?;
    let bytes = read_image_form(&state, &mut form).await?;
    Ok(Json(
        cars::upload_image(&state.db, &admin.actor(), id, bytes, &origin).await?,
    ))
}

/// A turn to read and decode one photo (see [`AppState::photo_slots`]); held until the
/// handler returns.
pub(super) async fn photo_turn(state: &AppState) -> AppResult<tokio::sync::OwnedSemaphorePermit> {
    state
        .photo_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// The bytes of a multipart form's only field, `image`, within the size limit.
pub(super) async fn read_image_form(state: &AppState, form: &mut Multipart) -> AppResult<Vec<u8>> {
    let mut image = None;
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        if name != "image" {
            return Err(AppError::invalid_field(
                &name,
                "is not a field you can send; send the photo as `image`",
            ));
        }
        if image.is_some() {
            return Err(AppError::invalid_field("image", "send one image"));
        }
        image = Some(field.bytes().await.map_err(multipart_error)?.to_vec());
    }
    let bytes = image.ok_or_else(|| AppError::invalid_field("image", "is required"))?;
    let limit = usize::try_from(state.config.image_limit_bytes).unwrap_or(usize::MAX);
    if bytes.len() > limit {
        return Err(AppError::PayloadTooLarge);
    }
    if bytes.is_empty() {
        return Err(AppError::UnsupportedMediaType("the file is empty".into()));
    }
    Ok(bytes)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

#[utoipa::path(
    get,
    operation_id = "getCarImage",
    path = "/api/cars/{id}/image",
    tag = "cars",
    summary = "The car's photo or its thumbnail",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id"), ("size" = Option<String>, Query, pattern = "^(thumb|full)$", description = "thumb for a thumbnail of at most 320 px"), ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer")),
    responses(
        (status = 200, description = "The image, re-encoded without metadata", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp")), headers(("ETag" = String), ("X-Content-Type-Options" = String))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such car, or it has no photo", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get_image(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
    params: QueryParams,
    headers: HeaderMap,
) -> AppResult<Response> {
    let thumbnail = wants_thumbnail(&params)?;
    let reply = cars::image(&state.db, id, thumbnail, if_none_match(&headers)).await?;
    image_response(reply)
}

/// `?size=thumb` asks for a thumbnail, `?size=full` (the default) for the photo itself.
pub(super) fn wants_thumbnail(params: &QueryParams) -> AppResult<bool> {
    match params.get("size") {
        None | Some("full") => Ok(false),
        Some("thumb") => Ok(true),
        Some(_) => Err(AppError::BadRequest(
            "query parameter \"size\" must be thumb or full".into(),
        )),
    }
}

pub(super) fn if_none_match(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
}

/// A stored photo as a response: cacheable by ETag, never sniffed or run as a document.
pub(super) fn image_response(reply: ImageReply) -> AppResult<Response> {
    let (status, etag, content_type, body) = match reply {
        ImageReply::NotModified(etag) => (StatusCode::NOT_MODIFIED, etag, None, Body::empty()),
        ImageReply::Image(img) => (
            StatusCode::OK,
            img.etag,
            Some(img.content_type),
            Body::from(img.data),
        ),
    };
    let mut response = Response::builder()
        .status(status)
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, "private, no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        );
    if let Some(ct) = content_type {
        response = response.header(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&ct).map_err(|e| AppError::Internal(e.into()))?,
        );
    }
    response
        .body(body)
        .map_err(|e| AppError::Internal(e.into()))
}

#[utoipa::path(
    delete,
    operation_id = "deleteCarImage",
    path = "/api/cars/{id}/image",
    tag = "cars",
    summary = "Remove the car's photo",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such car, or it has no photo", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete_image(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    cars::delete_image(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
