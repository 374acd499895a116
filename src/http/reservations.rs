//! `/api/reservations`: booking, changing, the life cycle, payments.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::cars::{
    if_none_match, image_response, photo_turn, read_image_form, wants_thumbnail, ImageUpload,
};
use super::extract::{
    nullable, Admin, ClientOrigin, InspectionPath, JsonBody, PathId, QueryParams, Staff,
    StaffReading,
};
use super::fields::{optional, optional_notes, required, Mode};
use super::openapi::ErrorBody;
use super::{AppState, Json, ListPage};
use crate::db::reservations::{ReservationQuery, ReservationSort};
use crate::domain::id::Id;
use crate::domain::inspection::{
    Damage, DamageZone, InspectionKind, Reading, FULL_TANK_EIGHTHS, MAX_DAMAGE_LINES,
};
use crate::domain::money::Money;
use crate::domain::pricing::{Charge, ChargeSource};
use crate::domain::reservation::{Reservation, ReservationStatus};
use crate::domain::text::clean_text;
use crate::domain::time::Timestamp;
use crate::domain::validation::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::billing::ExtraRequest;
use crate::services::reservations::{self, BookingChanges, NewBooking, RentalPolicy, StatusChange};

const SORTS: &[(&str, ReservationSort)] = &[
    ("startDate", ReservationSort::StartDate),
    ("reservationDate", ReservationSort::ReservationDate),
];

pub(super) fn policy(state: &AppState) -> RentalPolicy {
    state.config.rental_policy()
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
        ("branch" = Option<Id>, Query, description = "Picked up or returned at this branch"),
        ("reviewRequired" = Option<bool>, Query, description = "true: new damage at return awaits review"),
        ("balanceDue" = Option<bool>, Query, description = "true: closed (completed, cancelled, no-show) with money still owed; false: closed and settled"),
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
    StaffReading(mut conn): StaffReading,
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
        branch: params.parsed("branch")?,
        review_required: params.bool("reviewRequired")?,
        balance_due: params.bool("balanceDue")?,
        sort: Some(sort.field),
        descending,
        limit: page.per_page,
        offset: page.offset(),
    };
    let (items, total) = reservations::list(&mut conn, &query).await?;
    Ok(ListPage::new(items, total, page))
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
    StaffReading(mut conn): StaffReading,
    PathId(id): PathId,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let page = params.page()?;
    crate::services::clients::get(&mut conn, id).await?;
    let query = ReservationQuery {
        client: Some(id),
        sort: Some(ReservationSort::ReservationDate),
        descending: true,
        limit: page.per_page,
        offset: page.offset(),
        ..Default::default()
    };
    let (items, total) = reservations::list(&mut conn, &query).await?;
    Ok(ListPage::new(items, total, page))
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
    StaffReading(mut conn): StaffReading,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    Ok(Json(reservations::get(&mut conn, id).await?))
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
    #[schema(value_type = Vec<Id>, required = false, max_items = 4)]
    additional_driver_ids: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Id>, required = false)]
    pickup_branch_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Id>, required = false)]
    return_branch_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<ExtraItem>, required = false, max_items = 20)]
    extras: Option<Option<Vec<ExtraItem>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, ignore)]
    status: Option<Option<String>>,
}

/// An extra from the catalogue, chosen with a quantity.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtraItem {
    extra_id: Id,
    #[schema(minimum = 1, maximum = 20)]
    quantity: i64,
}

impl ExtraItem {
    fn request(&self) -> ExtraRequest {
        ExtraRequest {
            extra: self.extra_id,
            quantity: self.quantity,
        }
    }
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
    /// Other clients allowed to drive; each is checked like the main driver at pick-up.
    #[schema(required = false, nullable = false, max_items = 4)]
    additional_driver_ids: Option<Vec<Id>>,
    /// Default: the branch where the car stands.
    #[schema(required = false)]
    pickup_branch_id: Option<Id>,
    /// Default: the pick-up branch. Another branch makes a one-way rental.
    #[schema(required = false)]
    return_branch_id: Option<Id>,
    /// Extras from the catalogue, each once, with their terms frozen into the booking.
    #[schema(required = false, nullable = false, max_items = 20)]
    extras: Option<Vec<ExtraItem>>,
}

fn parse_changes(body: ReservationBody, mode: Mode, errors: &mut FieldErrors) -> BookingChanges {
    BookingChanges {
        car: required(errors, mode, "carId", body.car_id, parse_id),
        client: required(errors, mode, "clientId", body.client_id, parse_id),
        start: required(errors, mode, "startDate", body.start_date, parse_instant),
        end: required(errors, mode, "endDate", body.end_date, parse_instant),
        notes: optional(errors, "notes", body.notes, optional_notes(2000)),
        additional_drivers: required(
            errors,
            Mode::Update,
            "additionalDriverIds",
            body.additional_driver_ids,
            |ids| ids.into_iter().map(parse_id).collect(),
        ),
        pickup_branch: optional(errors, "pickupBranchId", body.pickup_branch_id, |b| {
            parse_id(b).map(Some)
        }),
        return_branch: optional(errors, "returnBranchId", body.return_branch_id, |b| {
            parse_id(b).map(Some)
        }),
        extras: required(errors, Mode::Update, "extras", body.extras, |items| {
            Ok(items.iter().map(ExtraItem::request).collect())
        }),
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
        additional_drivers: changes.additional_drivers.unwrap_or_default(),
        pickup_branch: changes.pickup_branch.flatten(),
        return_branch: changes.return_branch.flatten(),
        extras: changes.extras.unwrap_or_default(),
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

/// One damage noted at an inspection.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DamageNote)]
pub struct DamageBody {
    zone: DamageZone,
    #[schema(min_length = 1, max_length = 200)]
    description: String,
}

/// What is read off the car at pick-up (check-out) or return (check-in).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = InspectionRequest)]
pub struct InspectionBody {
    /// Not below the car's last reading (at return: the pick-up's).
    #[schema(minimum = 0, maximum = 10000000)]
    odometer_km: i64,
    /// 0 (empty) to 8 (full).
    #[schema(minimum = 0, maximum = 8)]
    fuel_eighths: i64,
    /// Damage seen on the car; at return, anything not noted at pick-up flags the
    /// reservation for review.
    #[serde(default)]
    #[schema(max_items = 50)]
    damage: Vec<DamageBody>,
    /// The name the client signed with.
    #[schema(min_length = 1, max_length = 100)]
    signed_by: String,
}

fn parse_inspection(body: InspectionBody) -> Result<Reading, (String, String)> {
    let field = |name: &str| format!("inspection.{name}");
    if !(0..=10_000_000).contains(&body.odometer_km) {
        return Err((field("odometerKm"), "must be from 0 to 10000000".into()));
    }
    let fuel = u8::try_from(body.fuel_eighths)
        .ok()
        .filter(|f| *f <= FULL_TANK_EIGHTHS)
        .ok_or_else(|| (field("fuelEighths"), "must be from 0 to 8".to_owned()))?;
    if body.damage.len() > MAX_DAMAGE_LINES {
        return Err((field("damage"), format!("at most {MAX_DAMAGE_LINES} lines")));
    }
    let damage = body
        .damage
        .into_iter()
        .enumerate()
        .map(|(n, d)| {
            clean_text(&d.description, 200)
                .map(|description| Damage {
                    zone: d.zone,
                    description,
                })
                .map_err(|e| (format!("inspection.damage[{n}].description"), e))
        })
        .collect::<Result<_, _>>()?;
    let signed_by = clean_text(&body.signed_by, 100).map_err(|e| (field("signedBy"), e))?;
    Ok(Reading {
        odometer_km: body.odometer_km,
        fuel_eighths: fuel,
        damage,
        signed_by,
    })
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
    /// The hand-over inspection with a pick-up, or the return inspection with a return.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<InspectionBody>, required = false)]
    inspection: Option<Option<InspectionBody>>,
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
            Ok(Charge {
                label,
                amount,
                source: ChargeSource::Agent,
            })
        })
        .collect()
}

#[utoipa::path(
    put,
    operation_id = "changeReservationStatus",
    path = "/api/reservations/{id}/status",
    tag = "reservations",
    summary = "Move along the life cycle (pick-up, return, cancellation, no-show)",
    description = "A pick-up (`active`) may carry the hand-over inspection and a return (`completed`) the return inspection. With both, the return adds computed `additionalCharges` lines: kilometres beyond `includedKmPerDay` × billable days at `extraKmRate` (source `mileage`), and each missing eighth of fuel at the LOCACAR_FUEL_CHARGE_PER_EIGHTH setting (source `fuel`); damage not noted at pick-up sets `reviewRequired`. A return records the odometer on the car and moves the car to the return branch.",
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
        (status = 422, description = "Invalid data; a driver who may not drive (licence number missing, licence expired or expiring before the planned return, too young, licence held too briefly: `fields` names the client field, prefixed `additionalDrivers[n].` for an additional driver); an odometer reading below the last one; a return before the pick-up", body = ErrorBody),
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
    let status = required(&mut errors, Mode::Create, "status", body.status, |s| {
        s.parse::<ReservationStatus>()
    });
    let hand_over = HandOverBody {
        at: body.at,
        additional_charges: body.additional_charges,
        inspection: body.inspection,
    };
    let hand_over = parse_hand_over(&mut errors, hand_over);
    errors.finish()?;
    let status = status.ok_or_else(|| AppError::invalid_field("status", "is required"))?;
    let updated = reservations::change_status(
        &state.db,
        &staff.actor(),
        id,
        hand_over.to(status),
        policy(&state),
        &origin,
    )
    .await?;
    Ok(Json(updated))
}

/// The time, charges and inspection of a hand-over, as read from a body.
struct HandOver {
    at: Option<Timestamp>,
    charges: Vec<Charge>,
    inspection: Option<Reading>,
}

impl HandOver {
    /// The move to `status` with this hand-over.
    fn to(self, status: ReservationStatus) -> StatusChange {
        StatusChange {
            status,
            at: self.at,
            charges: self.charges,
            inspection: self.inspection,
        }
    }
}

/// Reads a hand-over's parts; what is wrong goes to `errors`.
fn parse_hand_over(errors: &mut FieldErrors, body: HandOverBody) -> HandOver {
    let at = optional(errors, "at", body.at, |s| parse_instant(s).map(Some)).flatten();
    let charges = optional(errors, "additionalCharges", body.additional_charges, |c| {
        parse_charges(c).map(Some)
    })
    .flatten()
    .unwrap_or_default();
    let inspection = match body.inspection.flatten().map(parse_inspection) {
        Some(Err((field, problem))) => {
            errors.add(&field, problem);
            None
        }
        Some(Ok(reading)) => Some(reading),
        None => None,
    };
    HandOver {
        at,
        charges,
        inspection,
    }
}

/// A return as it would be recorded: its time, the agent's charges and the inspection.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ReturnQuoteRequest)]
#[schema(example = json!({"at": "2026-12-04T11:30:00+01:00", "additionalCharges": [{"label": "Carburant", "amount": 180}]}))]
pub struct HandOverBody {
    /// Default: now.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Timestamp>, required = false)]
    at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<ChargeBody>>, required = false)]
    additional_charges: Option<Option<Vec<ChargeBody>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<InspectionBody>, required = false)]
    inspection: Option<Option<InspectionBody>>,
}

#[utoipa::path(
    post,
    operation_id = "quoteReturn",
    path = "/api/reservations/{id}/return-quote",
    tag = "reservations",
    summary = "What a return would bill, before it is recorded",
    description = "Reckons the return of an `active` reservation with the given time, charges and inspection exactly as `PUT /status` with `completed` would (days from pick-up, computed mileage and fuel lines, taxes, what remains to pay) and answers the reservation as it would then be. Nothing is saved and no audit entry is written: the desk shows the final cost before the agent confirms. (An extension of the contract.)",
    request_body = HandOverBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The reservation as the return would leave it; nothing is saved", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "The reservation is not out (only an `active` one can be returned)", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem (a return before the pick-up, an odometer below the pick-up's, …)", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn quote_return(
    State(state): State<AppState>,
    _staff: Staff,
    PathId(id): PathId,
    JsonBody(body): JsonBody<HandOverBody>,
) -> AppResult<impl IntoResponse> {
    let mut errors = FieldErrors::default();
    let hand_over = parse_hand_over(&mut errors, body);
    errors.finish()?;
    let change = hand_over.to(ReservationStatus::Completed);
    let quoted = reservations::quote_return(&state.db, id, change, policy(&state)).await?;
    Ok(Json(quoted))
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

/// How the damage found at return was dealt with.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ReviewResolution)]
pub struct ReviewBody {
    /// E.g. "charged 1500 for the door", "already there, missed at pick-up".
    #[schema(min_length = 1, max_length = 500)]
    resolution: String,
}

#[utoipa::path(
    post,
    operation_id = "resolveReview",
    path = "/api/reservations/{id}/review",
    tag = "reservations",
    summary = "Mark the damage found at return as dealt with",
    request_body = ReviewBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "reviewRequired is cleared; the resolution is in the audit entry", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Nothing awaits review", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn resolve_review(
    State(state): State<AppState>,
    staff: Staff,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<ReviewBody>,
) -> AppResult<impl IntoResponse> {
    let resolution =
        clean_text(&body.resolution, 500).map_err(|e| AppError::invalid_field("resolution", e))?;
    let updated =
        reservations::resolve_review(&state.db, &staff.actor(), id, resolution, &origin).await?;
    Ok(Json(updated))
}

#[utoipa::path(
    post,
    operation_id = "uploadInspectionPhoto",
    path = "/api/reservations/{id}/inspections/{kind}/photos",
    tag = "reservations",
    summary = "Add a photo to the pick-up (checkout) or return (checkin) inspection",
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    security(("session" = [])),
    params(("id" = Id, Path, description = "Reservation id"), ("kind" = InspectionKind, Path, description = "checkout or checkin")),
    responses(
        (status = 201, description = "The reservation, the photo listed in its inspection", body = Reservation),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such reservation, or it has no such inspection yet", body = ErrorBody),
        (status = 409, description = "The inspection already has the most photos allowed (20)", body = ErrorBody),
        (status = 413, description = "Larger than the photo size limit", body = ErrorBody),
        (status = 415, description = "Not a JPEG, PNG or WebP image", body = ErrorBody),
        (status = 422, description = "Too many pixels, or a form field other than image", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn upload_inspection_photo(
    State(state): State<AppState>,
    staff: Staff,
    path: InspectionPath,
    ClientOrigin(origin): ClientOrigin,
    mut form: Multipart,
) -> AppResult<impl IntoResponse> {
    let _turn = photo_turn(&state).await?;
    let bytes = read_image_form(&state, &mut form).await?;
    let updated = reservations::add_inspection_photo(
        &state.db,
        &staff.actor(),
        path.reservation,
        path.kind,
        bytes,
        &origin,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(updated)))
}

fn photo_id(path: &InspectionPath) -> AppResult<Id> {
    path.photo
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("route has no photo id")))
}

#[utoipa::path(
    get,
    operation_id = "getInspectionPhoto",
    path = "/api/reservations/{id}/inspections/{kind}/photos/{photoId}",
    tag = "reservations",
    summary = "A photo of an inspection, or its thumbnail",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Reservation id"), ("kind" = InspectionKind, Path, description = "checkout or checkin"), ("photoId" = Id, Path, description = "Photo id"), ("size" = Option<String>, Query, pattern = "^(thumb|full)$", description = "thumb for a thumbnail of at most 320 px"), ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer")),
    responses(
        (status = 200, description = "The image, re-encoded without metadata", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp")), headers(("ETag" = String), ("X-Content-Type-Options" = String))),
        (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such photo", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn get_inspection_photo(
    State(state): State<AppState>,
    _: Staff,
    path: InspectionPath,
    params: QueryParams,
    headers: HeaderMap,
) -> AppResult<Response> {
    let thumbnail = wants_thumbnail(&params)?;
    let reply = reservations::inspection_photo(
        &state.db,
        path.reservation,
        path.kind,
        photo_id(&path)?,
        thumbnail,
        if_none_match(&headers),
    )
    .await?;
    image_response(reply)
}

#[utoipa::path(
    delete,
    operation_id = "deleteInspectionPhoto",
    path = "/api/reservations/{id}/inspections/{kind}/photos/{photoId}",
    tag = "reservations",
    summary = "Remove a photo from an inspection",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Reservation id"), ("kind" = InspectionKind, Path, description = "checkout or checkin"), ("photoId" = Id, Path, description = "Photo id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such photo", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn delete_inspection_photo(
    State(state): State<AppState>,
    admin: Admin,
    path: InspectionPath,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<impl IntoResponse> {
    reservations::delete_inspection_photo(
        &state.db,
        &admin.actor(),
        path.reservation,
        path.kind,
        photo_id(&path)?,
        &origin,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
