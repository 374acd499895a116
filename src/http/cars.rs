//! `/api/cars`: the fleet (read by staff, changed by admins) and car photos.

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::extract::{nullable, Admin, ClientOrigin, JsonBody, PathId, QueryParams, Staff};
use super::fields::{optional, optional_notes, optional_text, required, Mode};
use super::{AppState, ListPage};
use crate::db::cars::{CarQuery, CarSort};
use crate::domain::car::{parse_year, CarChanges, LicensePlate, Vin};
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

pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    respond_with_list(&state, &params, None).await
}

/// `GET /api/cars/available?start=…&end=…`: the cars that can be booked for `[start, end)`.
pub async fn available(
    State(state): State<AppState>,
    _: Staff,
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
    respond_with_list(&state, &params, Some((start, end))).await
}

async fn respond_with_list(
    state: &AppState,
    params: &QueryParams,
    available: Option<(Timestamp, Timestamp)>,
) -> AppResult<Json<ListPage<crate::domain::car::Car>>> {
    let page = params.page()?;
    let sort = params.sort(SORTS, CarSort::AddedAt)?;
    let query = CarQuery {
        available,
        status: params.parsed("status")?,
        make: params.text("make")?,
        q: params.text("q")?,
        sort: sort.field,
        descending: sort.descending,
        limit: page.per_page,
        offset: page.offset(),
    };
    let (items, total) = cars::list(&state.db, &query).await?;
    Ok(Json(ListPage::new(items, total, page)))
}

pub async fn get(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(cars::get(&state.db, id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarBody {
    #[serde(default, deserialize_with = "nullable")]
    make: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    model: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    year: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    license_plate: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    vin: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    color: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    status: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    daily_rate: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
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
    };
    errors.finish()?;
    Ok(changes)
}

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
pub async fn upload_image(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    mut form: Multipart,
) -> AppResult<impl IntoResponse> {
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
    Ok(Json(
        cars::upload_image(&state.db, &admin.actor(), id, bytes, &origin).await?,
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

pub async fn get_image(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
    params: QueryParams,
    headers: HeaderMap,
) -> AppResult<Response> {
    let thumbnail = match params.get("size") {
        None | Some("full") => false,
        Some("thumb") => true,
        Some(_) => {
            return Err(AppError::BadRequest(
                "query parameter \"size\" must be thumb or full".into(),
            ))
        }
    };
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let reply = cars::image(&state.db, id, thumbnail, if_none_match).await?;
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

pub async fn delete_image(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    cars::delete_image(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
