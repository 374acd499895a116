//! `/api/reservations`: booking, changing, the life cycle, payments.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;

use super::extract::{nullable, Admin, ClientOrigin, JsonBody, PathId, QueryParams, Staff};
use super::fields::{optional, optional_notes, required, Mode};
use super::{AppState, ListPage};
use crate::db::reservations::{ReservationQuery, ReservationSort};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::pricing::Charge;
use crate::domain::reservation::ReservationStatus;
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::reservations::{
    self, BookingChanges, NewBooking, NewPayment, PricingPolicy, StatusChange,
};

const SORTS: &[(&str, ReservationSort)] = &[
    ("startDate", ReservationSort::StartDate),
    ("reservationDate", ReservationSort::ReservationDate),
];

fn policy(state: &AppState) -> PricingPolicy {
    PricingPolicy {
        grace_minutes: state.config.grace_minutes,
    }
}

fn parse_id(raw: String) -> Result<Id, String> {
    raw.parse()
        .map_err(|e: crate::domain::id::InvalidId| e.to_string())
}

fn parse_instant(raw: String) -> Result<Timestamp, String> {
    Timestamp::parse(&raw)
}

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

pub async fn get(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(reservations::get(&state.db, id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationBody {
    #[serde(default, deserialize_with = "nullable")]
    car_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    client_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    end_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    status: Option<Option<String>>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeBody {
    label: String,
    amount: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    #[serde(default, deserialize_with = "nullable")]
    status: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBody {
    #[serde(default, deserialize_with = "nullable")]
    amount: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "nullable")]
    method: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    transaction_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    refund_due: Option<Option<bool>>,
}

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

pub async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    reservations::delete(&state.db, &admin.actor(), id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
