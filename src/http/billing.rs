//! Money at the desk: car rate plans, quotes, payments and refunds, the security deposit
//! and fee waivers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::{nullable, Admin, ClientOrigin, JsonBody, PathId, QueryParams, Staff};
use super::fields::{optional, required, Mode};
use super::openapi::ErrorBody;
use super::reservations::policy;
use super::{AppState, Json};
use crate::domain::deposit::DepositKind;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::rates::CarRates;
use crate::domain::reservation::{PaymentMethod, Reservation};
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::billing::{
    self, DepositRequest, ExtraRequest, NewPayment, QuoteReply, QuoteRequest,
};
use crate::services::cars;

#[utoipa::path(
    get,
    operation_id = "getCarRates",
    path = "/api/cars/{id}/rates",
    tag = "cars",
    summary = "A car's rate plan and deposit",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id")),
    responses(
        (status = 200, description = "The plan", body = CarRates),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such car", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get_rates(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(cars::rates(&state.db, id).await?))
}

#[utoipa::path(
    put,
    operation_id = "setCarRates",
    path = "/api/cars/{id}/rates",
    tag = "cars",
    summary = "Replace a car's rate plan and deposit",
    description = "`base.daily` is the car's `dailyRate`. From 7 billable days every day is priced at the `weekly` day rate, from 28 at the `monthly` one (falling back to weekly, then daily); a cheaper rate may not be dearer than the one it replaces. Seasons are calendar days in the agency's time zone (LOCACAR_TIMEZONE), inclusive, never overlapping; a day in a season takes the season's rates at the tier of the whole rental. Existing bookings keep the plan they were made with.",
    request_body = CarRates,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Car id")),
    responses(
        (status = 200, description = "The plan, seasons in date order", body = CarRates),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such car", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem (e.g. `seasons[1].rates.weekly`)", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn set_rates(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<CarRates>,
) -> AppResult<impl IntoResponse> {
    Ok(Json(
        cars::set_rates(&state.db, &admin.actor(), id, body, &origin).await?,
    ))
}

/// Reads `extras=ID:QTY,ID` (a quantity of 1 when left out).
fn parse_extras(raw: &str) -> Result<Vec<ExtraRequest>, String> {
    raw.split(',')
        .filter(|item| !item.trim().is_empty())
        .map(|item| {
            let (id, quantity) = item.split_once(':').unwrap_or((item, "1"));
            Ok(ExtraRequest {
                extra: id
                    .trim()
                    .parse()
                    .map_err(|_| format!("{id} is not an id"))?,
                quantity: quantity
                    .trim()
                    .parse()
                    .map_err(|_| format!("{quantity} is not a quantity"))?,
            })
        })
        .collect()
}

#[utoipa::path(
    get,
    operation_id = "getQuote",
    path = "/api/quote",
    tag = "reservations",
    summary = "Price a rental without booking it",
    description = "The lines are exactly those a booking made now would hold (`priceLines`): days by rate and season, then extras, each with net, tax and gross. `available` says whether the car is free for the period now (turnaround included); it is not a hold.",
    security(("session" = [])),
    params(
        ("carId" = Id, Query, description = "The car"),
        ("start" = Timestamp, Query, description = "Pick-up"),
        ("end" = Timestamp, Query, description = "Return, after start"),
        ("extras" = Option<String>, Query, max_length = 2000, description = "Extras as `ID:QUANTITY` separated by commas; a quantity of 1 may be left out")
    ),
    responses(
        (status = 200, description = "The quote", body = QuoteReply),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 409, description = "The car is out of service", body = ErrorBody),
        (status = 422, description = "No such car or extra, an extra no longer offered, a bad quantity or period", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn quote(
    State(state): State<AppState>,
    _: Staff,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let missing =
        |name: &str| AppError::BadRequest(format!("query parameter \"{name}\" is required"));
    let request = QuoteRequest {
        car: params.parsed("carId")?.ok_or_else(|| missing("carId"))?,
        start: params.instant("start")?.ok_or_else(|| missing("start"))?,
        end: params.instant("end")?.ok_or_else(|| missing("end"))?,
        extras: params
            .get("extras")
            .map(parse_extras)
            .transpose()
            .map_err(|e| AppError::BadRequest(format!("query parameter \"extras\": {e}")))?
            .unwrap_or_default(),
    };
    Ok(Json(
        billing::quote(&state.db, request, policy(&state)).await?,
    ))
}

/// A payment received, or a refund given (a negative amount, with its reason).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PaymentRequest)]
#[schema(example = json!({"amount": 870.5, "method": "card"}))]
pub struct PaymentBody {
    /// Positive for a payment; negative for a refund, at most what was paid.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Money, required = true)]
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
    /// Required with a refund: why the money goes back.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, max_length = 300)]
    reason: Option<Option<String>>,
}

fn non_zero(value: serde_json::Value) -> Result<Money, String> {
    let amount = Money::parse_json(&value)?;
    if amount == Money::ZERO {
        return Err("must not be 0".into());
    }
    Ok(amount)
}

fn parse_payment(body: PaymentBody) -> AppResult<NewPayment> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let amount = required(e, Mode::Create, "amount", body.amount, non_zero);
    let method = required(e, Mode::Create, "method", body.method, |m| m.parse());
    let date = optional(e, "transactionDate", body.transaction_date, |s| {
        Timestamp::parse(&s).map(Some)
    })
    .flatten();
    let refund_due = required(e, Mode::Update, "refundDue", body.refund_due, Ok).unwrap_or(false);
    let reason = optional(e, "reason", body.reason, |r| clean_text(&r, 300).map(Some)).flatten();
    errors.finish()?;
    let (Some(amount), Some(method)) = (amount, method) else {
        return Err(AppError::BadRequest("missing fields".into()));
    };
    Ok(NewPayment {
        amount,
        method,
        date,
        refund_due,
        reason,
    })
}

#[utoipa::path(
    post,
    operation_id = "addPayment",
    path = "/api/reservations/{id}/payments",
    tag = "reservations",
    summary = "Record a payment or a refund",
    description = "`remaining` = (final cost, else estimated cost) − payments (refunds are negative) − the deposit captured; it never goes below 0 without refundDue, and `refundOwed` shows what the agency owes back.",
    request_body = PaymentBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 201, description = "Recorded", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "The reservation is closed and owes nothing", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data, more than is owed without refundDue, a refund beyond what was paid or without a reason", body = ErrorBody),
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
    let payment = parse_payment(body)?;
    let updated = billing::add_payment(&state.db, &staff.actor(), id, payment, &origin).await?;
    Ok((StatusCode::CREATED, Json(updated)))
}

/// A movement of the security deposit.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = DepositRequestBody)]
#[schema(example = json!({"kind": "capture", "amount": 1200, "reason": "Rayure portière avant gauche"}))]
pub struct DepositBody {
    kind: DepositKind,
    /// Default: all that can move (the rest of the required deposit for a hold, all that
    /// is outstanding otherwise).
    #[serde(default)]
    #[schema(value_type = Option<Money>, required = false, exclusive_minimum = 0)]
    amount: Option<serde_json::Value>,
    /// Required with a capture: what it pays for (damage, fuel, a fine).
    #[serde(default)]
    #[schema(required = false, max_length = 300)]
    reason: Option<String>,
}

#[utoipa::path(
    post,
    operation_id = "recordDeposit",
    path = "/api/reservations/{id}/deposit",
    tag = "reservations",
    summary = "Hold, capture or release the security deposit",
    description = "The deposit is held automatically at pick-up (the car's deposit when booked). Its ledger always balances: held = captured + released + outstanding, outstanding ≥ 0. A capture settles the bill like a payment (`paymentDetails.depositApplied`) but is never listed as one.",
    request_body = DepositBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 201, description = "Recorded", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "A hold outside the rental", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "More than is outstanding, a capture without a reason, nothing to move", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn record_deposit(
    State(state): State<AppState>,
    staff: Staff,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<DepositBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let amount = body
        .amount
        .and_then(|v| errors.check("amount", Money::parse_positive(&v)));
    let reason = body
        .reason
        .and_then(|r| errors.check("reason", clean_text(&r, 300)));
    errors.finish()?;
    let request = DepositRequest {
        kind: body.kind,
        amount,
        reason,
    };
    let updated = billing::record_deposit(&state.db, &staff.actor(), id, request, &origin).await?;
    Ok((StatusCode::CREATED, Json(updated)))
}

/// Why a fee is waived.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = FeeWaiver)]
pub struct WaiverBody {
    #[schema(min_length = 1, max_length = 300)]
    reason: String,
}

#[utoipa::path(
    post,
    operation_id = "waiveFee",
    path = "/api/reservations/{id}/fee/waiver",
    tag = "reservations",
    summary = "Waive a cancellation or no-show fee (admins)",
    description = "The fee line stays, at 0, with the reason; the final cost follows. An invoice already issued is not changed: issue a credit note.",
    request_body = WaiverBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "Waived", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "No fee, or already waived", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn waive_fee(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<WaiverBody>,
) -> AppResult<impl IntoResponse> {
    let reason = clean_text(&body.reason, 300).map_err(|e| AppError::invalid_field("reason", e))?;
    let updated = billing::waive_fee(
        &state.db,
        &admin.actor(),
        id,
        reason,
        policy(&state),
        &origin,
    )
    .await?;
    Ok(Json(updated))
}
