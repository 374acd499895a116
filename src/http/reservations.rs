//! `/api/reservations`: booking, changing, the life cycle, payments.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::extract::{nullable, Admin, ClientOrigin, JsonBody, PathId, QueryParams, Staff};
use super::fields::{optional, optional_notes, required, Mode};
use super::openapi::ErrorBody;
use super::{AppState, ListPage};
use crate::db::reservations::{ReservationQuery, ReservationSort};
use crate::domain::driver::DriverPolicy;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::pricing::Charge;
use crate::domain::reservation::{PaymentMethod, Reservation, ReservationStatus};
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::reservations::{
    self, BookingChanges, NewBooking, NewPayment, RentalPolicy, StatusChange,
};

const SORTS: &[(&str, ReservationSort)] = &[
    ("startDate", ReservationSort::StartDate),
    ("reservationDate", ReservationSort::ReservationDate),
];

fn policy(state: &AppState) -> RentalPolicy {
    RentalPolicy {
        grace_minutes: state.config.grace_minutes,
        drivers: DriverPolicy {
            min_age_years: i32::from(state.config.min_driver_age),
            min_license_years: i32::from(state.config.min_license_years),
        },
    }
}

fn parse_id(raw: String) -> Result<Id, String> {
    raw.parse()
        .map_err(|e: crate::domain::id::InvalidId| e.to_string())
}

fn parse_instant(raw: String) -> Result<Timestamp, String> {
    Timestamp::parse(&raw)
}

#[utoipa::path(
    get,
    operation_id = "listReservations",
    path = "/api/reservations",
    tag = "reservations",
    summary = "List reservations",
    security(("session" = [])),
    params(
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"),
        ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
        ("status" = Option<ReservationStatus>, Query, description = "Only this status"),
        ("carId" = Option<Id>, Query, description = "Only this car"),
        ("clientId" = Option<Id>, Query, description = "Only this client"),
        ("from" = Option<Timestamp>, Query, description = "Overlapping [from, to): ends after this"),
        ("to" = Option<Timestamp>, Query, description = "Overlapping [from, to): starts before this"),
        ("q" = Option<String>, Query, max_length = 200, description = "Text in the reservation number"),
        ("overdue" = Option<bool>, Query, description = "true: active and past their end date"),
        ("sort" = Option<String>, Query, pattern = "^-?(startDate|reservationDate)$", description = "One of startDate, reservationDate; - for descending")
    ),
    responses(
        (status = 200, description = "A page of reservations, each with its car and client", body = ListPage<Reservation>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let page = params.page()?;
    let sort = params.sort(SORTS, ReservationSort::ReservationDate)?;
    let descending = if params.get("sort").is_some() {
        sort.descending
    } else {
        true
    };
    let query = ReservationQuery {
        status: params.parsed("status")?,
        car: params.parsed("carId")?,
        client: params.parsed("clientId")?,
        from: params.instant("from")?,
        to: params.instant("to")?,
        number: params.text("q")?,
        overdue_at: params
            .bool("overdue")?
            .filter(|o| *o)
            .map(|_| Timestamp::now()),
        sort: Some(sort.field),
        descending,
        limit: page.per_page,
        offset: page.offset(),
    };
    let (items, total) = reservations::list(&state.db, &query).await?;
    Ok(Json(ListPage::new(items, total, page)))
}

/// `GET /api/clients/{id}/reservations`: a client's reservations, newest first.
#[utoipa::path(
    get,
    operation_id = "listClientReservations",
    path = "/api/clients/{id}/reservations",
    tag = "clients",
    summary = "A client's reservations, newest first",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Client id"), ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000), ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses(
        (status = 200, description = "A page of reservations", body = ListPage<Reservation>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn of_client(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let page = params.page()?;
    crate::services::clients::get(&state.db, id).await?;
    let query = ReservationQuery {
        client: Some(id),
        sort: Some(ReservationSort::ReservationDate),
        descending: true,
        limit: page.per_page,
        offset: page.offset(),
        ..Default::default()
    };
    let (items, total) = reservations::list(&state.db, &query).await?;
    Ok(Json(ListPage::new(items, total, page)))
}

#[utoipa::path(
    get,
    operation_id = "getReservation",
    path = "/api/reservations/{id}",
    tag = "reservations",
    summary = "One reservation",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The reservation with its car and client", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(reservations::get(&state.db, id).await?))
}

/// Changes before pick-up: dates, car, client, notes.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ReservationUpdate)]
pub struct ReservationBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Id, required = false)]
    car_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Id, required = false)]
    client_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Timestamp, required = false)]
    start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Timestamp, required = false)]
    end_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, max_length = 2000)]
    notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, ignore)]
    status: Option<Option<String>>,
}

/// A new booking (the schema of a create; the body is read as a [`ReservationBody`]).
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
#[schema(example = json!({"carId": "65f0a1b2c3d4e5f6a7b8c9d0", "clientId": "65f0a1b2c3d4e5f6a7b8c9d1", "startDate": "2026-12-01T09:00:00+01:00", "endDate": "2026-12-04T09:00:00+01:00", "status": "confirmed"}))]
pub struct ReservationCreate {
    car_id: Id,
    client_id: Id,
    start_date: Timestamp,
    /// After startDate.
    end_date: Timestamp,
    #[schema(required = false, max_length = 2000)]
    notes: Option<String>,
    /// `pending_confirmation` (default) or `confirmed`.
    #[schema(required = false, nullable = false)]
    status: Option<ReservationStatus>,
}

fn parse_changes(body: ReservationBody, mode: Mode, errors: &mut FieldErrors) -> BookingChanges {
    BookingChanges {
        car: required(errors, mode, "carId", body.car_id, parse_id),
        client: required(errors, mode, "clientId", body.client_id, parse_id),
        start: required(errors, mode, "startDate", body.start_date, parse_instant),
        end: required(errors, mode, "endDate", body.end_date, parse_instant),
        notes: optional(errors, "notes", body.notes, optional_notes(2000)),
    }
}

#[utoipa::path(
    post,
    operation_id = "createReservation",
    path = "/api/reservations",
    tag = "reservations",
    summary = "Book a car for a client",
    request_body = ReservationCreate,
    security(("session" = [])),
    responses(
        (status = 201, description = "Booked", body = Reservation, links(("getReservation" = (operation_id = "getReservation", parameters(("id" = "$response.body#/_id")))), ("updateReservation" = (operation_id = "updateReservation", parameters(("id" = "$response.body#/_id")))), ("changeReservationStatus" = (operation_id = "changeReservationStatus", parameters(("id" = "$response.body#/_id")))), ("addPayment" = (operation_id = "addPayment", parameters(("id" = "$response.body#/_id")))), ("deleteReservation" = (operation_id = "deleteReservation", parameters(("id" = "$response.body#/_id")))))),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 409, description = "The car is out of service or already reserved for an overlapping period", body = ErrorBody),
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
    JsonBody(mut body): JsonBody<ReservationBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let status = required(
        &mut errors,
        Mode::Update,
        "status",
        body.status.take(),
        |s| match s.parse::<ReservationStatus>() {
            Ok(st @ (ReservationStatus::PendingConfirmation | ReservationStatus::Confirmed)) => {
                Ok(st)
            }
            _ => Err("must be pending_confirmation or confirmed".to_owned()),
        },
    );
    let changes = parse_changes(body, Mode::Create, &mut errors);
    errors.finish()?;
    let (Some(car), Some(client), Some(start), Some(end)) =
        (changes.car, changes.client, changes.start, changes.end)
    else {
        return Err(AppError::BadRequest("missing fields".into()));
    };
    let booking = NewBooking {
        car,
        client,
        start,
        end,
        notes: changes.notes.flatten(),
        status: status.unwrap_or(ReservationStatus::PendingConfirmation),
    };
    let created =
        reservations::create(&state.db, &staff.actor(), booking, policy(&state), &origin).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    put,
    operation_id = "updateReservation",
    path = "/api/reservations/{id}",
    tag = "reservations",
    summary = "Change dates, car, client or notes before pick-up",
    request_body = ReservationBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Changed", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Picked up or closed already, or the car is taken for that period", body = ErrorBody),
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
    JsonBody(body): JsonBody<ReservationBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    if body.status.is_some() {
        errors.add(
            "status",
            "is changed with PUT /api/reservations/{id}/status",
        );
    }
    let changes = parse_changes(body, Mode::Update, &mut errors);
    errors.finish()?;
    let updated = reservations::update(
        &state.db,
        &staff.actor(),
        id,
        changes,
        policy(&state),
        &origin,
    )
    .await?;
    Ok(Json(updated))
}

/// A charge added at return.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AdditionalCharge)]
pub struct ChargeBody {
    #[schema(min_length = 1, max_length = 100)]
    label: String,
    #[schema(value_type = Money, exclusive_minimum = 0)]
    amount: serde_json::Value,
}

/// A move in the life cycle.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = StatusChange)]
#[schema(example = json!({"status": "completed", "at": "2026-12-04T11:30:00+01:00", "additionalCharges": [{"label": "Carburant (3/8 manquants)", "amount": 180}]}))]
pub struct StatusBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = ReservationStatus, required = true)]
    status: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Timestamp>, required = false)]
    at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<ChargeBody>>, required = false)]
    additional_charges: Option<Option<Vec<ChargeBody>>>,
}

fn parse_charges(lines: Vec<ChargeBody>) -> Result<Vec<Charge>, String> {
    if lines.len() > 50 {
        return Err("at most 50 charges".into());
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(n, line)| {
            let label =
                clean_text(&line.label, 100).map_err(|e| format!("line {}: label {e}", n + 1))?;
            let amount = Money::parse_positive(&line.amount)
                .map_err(|e| format!("line {}: amount {e}", n + 1))?;
            Ok(Charge { label, amount })
        })
        .collect()
}

#[utoipa::path(
    put,
    operation_id = "changeReservationStatus",
    path = "/api/reservations/{id}/status",
    tag = "reservations",
    summary = "Move along the life cycle (pick-up, return, cancellation, no-show)",
    request_body = StatusBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Moved", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "A move the life cycle does not allow, or the car is not on hand", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data, a missing driving licence number, or a return before the pick-up", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn change_status(
    State(state): State<AppState>,
    staff: Staff,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<StatusBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let status = required(e, Mode::Create, "status", body.status, |s| {
        s.parse::<ReservationStatus>()
    });
    let at = optional(e, "at", body.at, |s| parse_instant(s).map(Some)).flatten();
    let charges = optional(e, "additionalCharges", body.additional_charges, |c| {
        parse_charges(c).map(Some)
    })
    .flatten()
    .unwrap_or_default();
    errors.finish()?;
    let status = status.ok_or_else(|| AppError::invalid_field("status", "is required"))?;
    let change = StatusChange {
        status,
        at,
        charges,
    };
    let updated = reservations::change_status(
        &state.db,
        &staff.actor(),
        id,
        change,
        policy(&state),
        &origin,
    )
    .await?;
    Ok(Json(updated))
}

/// A payment received.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PaymentRequest)]
#[schema(example = json!({"amount": 870.5, "method": "card"}))]
pub struct PaymentBody {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Money, required = true, exclusive_minimum = 0)]
    amount: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = PaymentMethod, required = true)]
    method: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Timestamp>, required = false)]
    transaction_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = bool, required = false)]
    refund_due: Option<Option<bool>>,
}

#[utoipa::path(
    post,
    operation_id = "addPayment",
    path = "/api/reservations/{id}/payments",
    tag = "reservations",
    summary = "Record a payment",
    request_body = PaymentBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 201, description = "Recorded", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "The reservation is cancelled or a no-show", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data, or more than is owed without refundDue", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn add_payment(
    State(state): State<AppState>,
    staff: Staff,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<PaymentBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let amount = required(e, Mode::Create, "amount", body.amount, |v| {
        Money::parse_positive(&v)
    });
    let method = required(e, Mode::Create, "method", body.method, |m| m.parse());
    let date = optional(e, "transactionDate", body.transaction_date, |s| {
        parse_instant(s).map(Some)
    })
    .flatten();
    let refund_due = required(e, Mode::Update, "refundDue", body.refund_due, Ok).unwrap_or(false);
    errors.finish()?;
    let (Some(amount), Some(method)) = (amount, method) else {
        return Err(AppError::BadRequest("missing fields".into()));
    };
    let payment = NewPayment {
        amount,
        method,
        date,
        refund_due,
    };
    let updated =
        reservations::add_payment(&state.db, &staff.actor(), id, payment, &origin).await?;
    Ok((StatusCode::CREATED, Json(updated)))
}

#[utoipa::path(
    delete,
    operation_id = "deleteReservation",
    path = "/api/reservations/{id}",
    tag = "reservations",
    summary = "Delete a reservation that is not in progress",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "The rental is in progress", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    reservations::delete(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
