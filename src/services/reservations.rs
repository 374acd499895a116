//! Reservations: booking without double-booking, the rental life cycle with the car's
//! status kept in step, pricing, and payments. Each change is one transaction with its
//! audit entry; reservation, car and entry commit together or not at all.

use chrono::Datelike;
use serde_json::json;

use super::audit::{self, Change};
use super::billing::{choose_extras, move_deposit, reprice, DepositRequest, ExtraRequest};
use super::cars::ImageReply;
use super::{Actor, Origin};
use crate::db::reservations::{Hold, ReservationQuery};
use crate::db::{blocks, branches, cars, clients, inspections, reservations, Conn, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::billing::{fee_on, FeePolicy};
use crate::domain::car::{Car, CarStatus};
use crate::domain::date::Date;
use crate::domain::deposit::{Deposit, DepositKind};
use crate::domain::driver::{check_driver, DriverPolicy};
use crate::domain::id::Id;
use crate::domain::inspection::{
    check_reading, new_damage, return_charges, InspectionKind, MileageTerms, Reading, MAX_PHOTOS,
};
use crate::domain::invoice::Language;
use crate::domain::money::Money;
use crate::domain::pricing::{billable_days, Charge};
use crate::domain::quote::LineKind;
use crate::domain::reservation::{
    self, reservation_number, CarSummary, ClientSummary, PaymentDetails, Reservation,
    ReservationStatus, MAX_ADDITIONAL_DRIVERS,
};
use crate::domain::tax::{TaxPolicy, Taxed, VatRate};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// The agency's rental settings: pricing, who may drive, and the gap between rentals.
#[derive(Debug, Clone, Copy)]
pub struct RentalPolicy {
    pub grace_minutes: u32,
    pub drivers: DriverPolicy,
    /// Minutes a car stays held after each rental.
    pub turnaround_minutes: u32,
    /// Charge per eighth of a tank missing at return.
    pub fuel_charge_per_eighth: Money,
    /// How prices hold VAT, for new bookings (a booking keeps the rule it was made with).
    pub tax: TaxPolicy,
    pub fees: FeePolicy,
    /// The agency's time zone: seasons are its calendar days.
    pub timezone: chrono_tz::Tz,
    /// The language of price-line labels.
    pub language: Language,
}

impl RentalPolicy {
    fn turnaround_ms(self) -> i64 {
        i64::from(self.turnaround_minutes) * 60_000
    }
}

/// A booking as asked for, already parsed.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub car: Id,
    pub client: Id,
    pub start: Timestamp,
    pub end: Timestamp,
    pub notes: Option<String>,
    pub status: ReservationStatus,
    pub additional_drivers: Vec<Id>,
    /// `None`: the car's current branch.
    pub pickup_branch: Option<Id>,
    /// `None`: the pick-up branch.
    pub return_branch: Option<Id>,
    pub extras: Vec<ExtraRequest>,
}

/// Changes to a booking before pick-up; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct BookingChanges {
    pub car: Option<Id>,
    pub client: Option<Id>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub notes: Option<Option<String>>,
    pub additional_drivers: Option<Vec<Id>>,
    pub pickup_branch: Option<Option<Id>>,
    pub return_branch: Option<Option<Id>>,
    /// The whole new list of extras.
    pub extras: Option<Vec<ExtraRequest>>,
}

/// A move in the life cycle.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub status: ReservationStatus,
    pub at: Option<Timestamp>,
    pub charges: Vec<Charge>,
    /// The inspection at pick-up or return.
    pub inspection: Option<Reading>,
}

pub(super) fn not_found() -> AppError {
    AppError::not_found("reservation")
}

/// Reads run on the read connection the caller holds (see `http::extract::StaffReading`).
pub async fn get(conn: &mut Conn, id: Id) -> AppResult<Reservation> {
    reservations::find(conn, id).await?.ok_or_else(not_found)
}

pub async fn list(conn: &mut Conn, query: &ReservationQuery) -> AppResult<(Vec<Reservation>, i64)> {
    reservations::list(conn, query).await
}

/// The car for a booking: it must exist and not be out of service.
async fn bookable_car(conn: &mut Conn, id: Id) -> AppResult<Car> {
    let car = cars::find(conn, id)
        .await?
        .ok_or_else(|| AppError::invalid_field("carId", "no car has this id"))?;
    if car.status == CarStatus::OutOfService {
        return Err(AppError::conflict_on("carId", "this car is out of service"));
    }
    Ok(car)
}

async fn existing_client(conn: &mut Conn, id: Id) -> AppResult<crate::domain::client::Client> {
    clients::find(conn, id)
        .await?
        .ok_or_else(|| AppError::invalid_field("clientId", "no client has this id"))
}

/// Refuses the period (with its turnaround) if a blocking reservation or a block of the
/// car overlaps it, naming what is in the way. The database's constraint stands behind
/// this check.
async fn ensure_free(
    conn: &mut Conn,
    car: Id,
    start: Timestamp,
    until: Timestamp,
    except: Option<Id>,
) -> AppResult<()> {
    match reservations::find_hold(conn, car, start, until, except).await? {
        Some(Hold::Reservation(number)) => Err(AppError::conflict_on(
            "carId",
            format!(
                "the car is already reserved for an overlapping period, turnaround included ({number})"
            ),
        )),
        Some(Hold::Block(reason)) => Err(AppError::conflict_on(
            "carId",
            format!("the car is blocked for an overlapping period ({reason})"),
        )),
        None => Ok(()),
    }
}

/// The summaries of a booking's additional drivers: existing clients, not the main one.
async fn additional_drivers(
    conn: &mut Conn,
    main: Id,
    ids: &[Id],
) -> AppResult<Vec<ClientSummary>> {
    let field = "additionalDriverIds";
    if ids.len() > MAX_ADDITIONAL_DRIVERS {
        return Err(AppError::invalid_field(
            field,
            format!("at most {MAX_ADDITIONAL_DRIVERS} additional drivers"),
        ));
    }
    let mut drivers = Vec::with_capacity(ids.len());
    for (n, id) in ids.iter().enumerate() {
        if *id == main || ids[..n].contains(id) {
            return Err(AppError::invalid_field(
                field,
                format!("{id} is the main driver or named twice"),
            ));
        }
        let client = clients::find(conn, *id)
            .await?
            .ok_or_else(|| AppError::invalid_field(field, format!("no client has id {id}")))?;
        drivers.push(ClientSummary {
            id: client.id,
            first_name: client.first_name,
            last_name: client.last_name,
            phone: client.phone,
        });
    }
    Ok(drivers)
}

/// A branch named by a booking must exist.
async fn existing_branch(conn: &mut Conn, id: Option<Id>, field: &str) -> AppResult<Option<Id>> {
    let Some(id) = id else {
        return Ok(None);
    };
    branches::find(conn, id)
        .await?
        .map(|b| Some(b.id))
        .ok_or_else(|| AppError::invalid_field(field, "no branch has this id"))
}

fn check_period(start: Timestamp, end: Timestamp) -> AppResult<()> {
    reservation::check_period(start, end, Timestamp::now())
        .map_err(|(field, problem)| AppError::invalid_field(field, problem))
}

/// Books a car for a client.
pub async fn create(
    db: &Database,
    actor: &Actor,
    booking: NewBooking,
    policy: RentalPolicy,
    origin: &Origin,
) -> AppResult<Reservation> {
    check_period(booking.start, booking.end)?;
    let queue = vec![
        cars::holds_queue(booking.car),
        reservations::NUMBERS_QUEUE.to_owned(),
    ];
    let input = (booking, actor.clone(), origin.clone());
    db.write_queued(queue, input, move |conn, (b, actor, origin)| {
        Box::pin(async move {
            let car = bookable_car(conn, b.car).await?;
            let client = existing_client(conn, b.client).await?;
            let until = b.end.plus_millis(policy.turnaround_ms());
            ensure_free(conn, car.id, b.start, until, None).await?;
            let drivers = additional_drivers(conn, client.id, &b.additional_drivers).await?;
            let pickup_branch = existing_branch(conn, b.pickup_branch, "pickupBranchId")
                .await?
                .or(car.current_branch_id);
            let return_branch = existing_branch(conn, b.return_branch, "returnBranchId")
                .await?
                .or(pickup_branch);
            let rates = cars::rates(conn, car.id)
                .await?
                .ok_or_else(|| AppError::not_found("car"))?;
            let extras = choose_extras(conn, &b.extras, &[]).await?;
            let now = Timestamp::now();
            let year = chrono::Utc::now().year();
            let sequence = reservations::next_number(conn, year).await?;
            let mut reservation = Reservation {
                id: Id::generate(),
                reservation_number: reservation_number(year, sequence),
                car_id: car.id,
                client_id: client.id,
                start_date: b.start,
                end_date: b.end,
                actual_pickup_date: None,
                actual_return_date: None,
                status: b.status,
                daily_rate: car.daily_rate,
                estimated_total_cost: Money::ZERO,
                final_total_cost: None,
                additional_charges: Vec::new(),
                notes: b.notes.clone(),
                reservation_date: now,
                created_by: Some(actor.id),
                last_modified_at: now,
                last_modified_by: Some(actor.id),
                payment_details: PaymentDetails::settle(Money::ZERO, Vec::new(), Money::ZERO),
                car: CarSummary {
                    id: car.id,
                    make: car.make,
                    model: car.model,
                    license_plate: car.license_plate,
                },
                client: ClientSummary {
                    id: client.id,
                    first_name: client.first_name,
                    last_name: client.last_name,
                    phone: client.phone,
                },
                additional_drivers: drivers,
                pickup_branch_id: pickup_branch,
                return_branch_id: return_branch,
                turnaround_minutes: i64::from(policy.turnaround_minutes),
                included_km_per_day: car.included_km_per_day,
                extra_km_rate: car.extra_km_rate,
                checkout_inspection: None,
                checkin_inspection: None,
                review_required: false,
                rate_plan: rates.plan(),
                extras,
                price_basis: policy.tax.basis,
                vat_rate: VatRate(policy.tax.rate_basis_points),
                price_lines: Vec::new(),
                totals: Taxed::default(),
                fee: None,
                deposit: Deposit::of(rates.deposit, Vec::new()),
                closed_at: None,
            };
            reprice(&mut reservation, policy)?;
            reservations::insert(conn, &reservation).await?;
            let created = reservations::find(conn, reservation.id)
                .await?
                .ok_or_else(not_found)?;
            let change = Change::new(AuditAction::CreateReservation, Some(&actor))
                .entity(EntityType::Reservation, created.id)
                .after(&created);
            audit::record(conn, &origin, change).await?;
            Ok(created)
        })
    })
    .await
}

/// Changes dates, car, client, extras or notes before pick-up; availability and the
/// estimate are checked again. A new car brings its current rate plan and deposit; new
/// dates keep the booked plan, and extras kept keep their booked terms.
pub async fn update(
    db: &Database,
    actor: &Actor,
    id: Id,
    changes: BookingChanges,
    policy: RentalPolicy,
    origin: &Origin,
) -> AppResult<Reservation> {
    // The car it holds now (if it moves in between, the transaction still sees it).
    let held = {
        let mut conn = db.read().await?;
        reservations::car_of(&mut conn, id).await?
    };
    let queue = held
        .into_iter()
        .chain(changes.car)
        .map(cars::holds_queue)
        .collect();
    let input = (changes, actor.clone(), origin.clone());
    db.write_queued(queue, input, move |conn, (c, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            if !before.status.is_editable() {
                return Err(AppError::conflict(format!(
                    "a reservation that is {} can no longer be changed",
                    before.status
                )));
            }
            let mut after = before.clone();
            if let Some(car) = c.car.filter(|car| *car != before.car_id) {
                let car = bookable_car(conn, car).await?;
                let rates = cars::rates(conn, car.id)
                    .await?
                    .ok_or_else(|| AppError::not_found("car"))?;
                after.rate_plan = rates.plan();
                after.deposit.required = rates.deposit;
                after.car_id = car.id;
                after.daily_rate = car.daily_rate;
                after.included_km_per_day = car.included_km_per_day;
                after.extra_km_rate = car.extra_km_rate;
            }
            if let Some(client) = c.client {
                after.client_id = existing_client(conn, client).await?.id;
            }
            if c.additional_drivers.is_some() || after.client_id != before.client_id {
                let ids = match &c.additional_drivers {
                    Some(ids) => ids.clone(),
                    None => before.additional_drivers.iter().map(|d| d.id).collect(),
                };
                after.additional_drivers = additional_drivers(conn, after.client_id, &ids).await?;
            }
            if let Some(branch) = c.pickup_branch {
                after.pickup_branch_id = existing_branch(conn, branch, "pickupBranchId").await?;
            }
            if let Some(branch) = c.return_branch {
                after.return_branch_id = existing_branch(conn, branch, "returnBranchId").await?;
            }
            after.start_date = c.start.unwrap_or(before.start_date);
            after.end_date = c.end.unwrap_or(before.end_date);
            if let Some(notes) = &c.notes {
                after.notes.clone_from(notes);
            }
            if let Some(asked) = &c.extras {
                after.extras = choose_extras(conn, asked, &before.extras).await?;
            }
            check_period(after.start_date, after.end_date)?;
            // The turnaround a booking was made with stays; a change does not shorten it.
            let until = after
                .end_date
                .plus_millis(after.turnaround_minutes * 60_000);
            ensure_free(conn, after.car_id, after.start_date, until, Some(id)).await?;
            reprice(&mut after, policy)?;
            if after == before {
                return Ok(before);
            }
            after.last_modified_at = Timestamp::now();
            after.last_modified_by = Some(actor.id);
            reservations::update(conn, &after).await?;
            if after.additional_drivers != before.additional_drivers {
                reservations::replace_drivers(conn, &after).await?;
            }
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::UpdateReservation, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after);
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Moves a reservation along its life cycle. A pick-up marks the car rented and a return
/// makes it available again, each with its inspection, in the same transaction.
pub async fn change_status(
    db: &Database,
    actor: &Actor,
    id: Id,
    move_to: StatusChange,
    policy: RentalPolicy,
    origin: &Origin,
) -> AppResult<Reservation> {
    check_status_change(&move_to)?;
    let input = (move_to, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (m, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            check_move(&before, m.status)?;
            let now = Timestamp::now();
            let at = m.at.unwrap_or(now);
            let mut after = before.clone();
            after.status = m.status;
            after.last_modified_at = now;
            after.last_modified_by = Some(actor.id);
            let car_status = match m.status {
                ReservationStatus::Active => {
                    pick_up(conn, &before, at, &m, policy, actor.id).await?;
                    after.actual_pickup_date = Some(at);
                    hold_deposit(conn, &before, at, actor.id).await?;
                    Some(CarStatus::Rented)
                }
                ReservationStatus::Completed => {
                    give_back(conn, &mut after, at, &m, policy, actor.id).await?;
                    // A car returned into a block goes straight to the garage.
                    if blocks::any_in_effect(conn, before.car_id, now, None).await? {
                        Some(CarStatus::Maintenance)
                    } else {
                        Some(CarStatus::Available)
                    }
                }
                ReservationStatus::NoShow if now < before.start_date => {
                    return Err(AppError::conflict_on(
                        "status",
                        "a no-show can be recorded only once the start has passed",
                    ));
                }
                ReservationStatus::CancelledByClient | ReservationStatus::NoShow => {
                    after.fee = fee_on(
                        policy.fees,
                        m.status,
                        before.start_date,
                        now,
                        first_day_rate(&before),
                    );
                    None
                }
                _ => None,
            };
            // Revenue counts a rental on the day it came back, even when recorded later.
            if m.status.is_final() {
                after.closed_at = Some(if m.status == ReservationStatus::Completed {
                    at
                } else {
                    now
                });
            }
            reprice(&mut after, policy)?;
            reservations::update(conn, &after).await?;
            if let Some(status) = car_status {
                cars::set_status(conn, before.car_id, status, now, Some(actor.id)).await?;
            }
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let mut change = Change::new(AuditAction::UpdateReservationStatus, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after);
            if let Some(status) = car_status {
                change = change.extra(json!({ "carStatus": status.as_str() }));
            }
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// What a return with `m` would bill now, reckoned exactly as the return itself does
/// (days from pick-up, charges, those the inspection brings, taxes, what remains to pay);
/// nothing is written and nobody else is held up.
pub async fn quote_return(
    db: &Database,
    id: Id,
    m: StatusChange,
    policy: RentalPolicy,
) -> AppResult<Reservation> {
    check_status_change(&m)?;
    let mut conn = db.read().await?;
    let before = reservations::find(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    check_move(&before, ReservationStatus::Completed)?;
    let at = m.at.unwrap_or_else(Timestamp::now);
    let mut after = before.clone();
    after.status = ReservationStatus::Completed;
    settle_return(&mut conn, &mut after, at, &m, policy).await?;
    after.closed_at = Some(at);
    reprice(&mut after, policy)?;
    let paid = std::mem::take(&mut after.payment_details.payments);
    Ok(after.with_payments(paid))
}

/// Refuses a move the life cycle does not allow from the reservation's status.
fn check_move(r: &Reservation, to: ReservationStatus) -> AppResult<()> {
    if r.status.can_move_to(to) {
        return Ok(());
    }
    Err(AppError::conflict_on(
        "status",
        format!("a reservation cannot move from {} to {}", r.status, to),
    ))
}

/// What can be told of a status change before reading anything.
fn check_status_change(m: &StatusChange) -> AppResult<()> {
    let hand_over = matches!(
        m.status,
        ReservationStatus::Active | ReservationStatus::Completed
    );
    if m.at.is_some() && !hand_over {
        return Err(AppError::invalid_field(
            "at",
            "can be given only with a pick-up (active) or a return (completed)",
        ));
    }
    if m.inspection.is_some() && !hand_over {
        return Err(AppError::invalid_field(
            "inspection",
            "can be given only with a pick-up (active) or a return (completed)",
        ));
    }
    if m.at
        .is_some_and(|at| at.millis() - Timestamp::now().millis() > reservation::MAX_CLOCK_SKEW_MS)
    {
        return Err(AppError::invalid_field("at", "cannot be in the future"));
    }
    if !m.charges.is_empty() && m.status != ReservationStatus::Completed {
        return Err(AppError::invalid_field(
            "additionalCharges",
            "can be given only with a return (completed)",
        ));
    }
    Ok(())
}

/// The pick-up at `at`: the car is on hand, every driver may drive it until the planned
/// return, and the hand-over inspection (if given) is recorded.
async fn pick_up(
    conn: &mut Conn,
    reservation: &Reservation,
    at: Timestamp,
    m: &StatusChange,
    policy: RentalPolicy,
    by: Id,
) -> AppResult<()> {
    let car = cars::find(conn, reservation.car_id)
        .await?
        .ok_or_else(|| AppError::not_found("car"))?;
    match car.status {
        CarStatus::Available => {}
        CarStatus::Rented => return Err(AppError::conflict_on("carId", "the car is still rented")),
        other => {
            return Err(AppError::conflict_on(
                "carId",
                format!("the car is in status {other}"),
            ));
        }
    }
    check_may_drive(conn, reservation.client_id, "", reservation, at, policy).await?;
    for (n, driver) in reservation.additional_drivers.iter().enumerate() {
        let prefix = format!("additionalDrivers[{n}].");
        check_may_drive(conn, driver.id, &prefix, reservation, at, policy).await?;
    }
    if let Some(reading) = &m.inspection {
        check_reading(reading, car.odometer_km).map_err(invalid)?;
        inspections::insert(
            conn,
            reservation.id,
            InspectionKind::Checkout,
            reading,
            at,
            Some(by),
        )
        .await?;
        cars::record_reading(conn, car.id, Some(reading.odometer_km), None).await?;
    }
    Ok(())
}

fn invalid((field, problem): (String, String)) -> AppError {
    AppError::invalid_field(&field, problem)
}

/// Checks that a client may drive from `at` until the reservation's planned return;
/// a refusal names the client's field, after `prefix` for an additional driver.
async fn check_may_drive(
    conn: &mut Conn,
    client: Id,
    prefix: &str,
    reservation: &Reservation,
    at: Timestamp,
    policy: RentalPolicy,
) -> AppResult<()> {
    let client = clients::find(conn, client)
        .await?
        .ok_or_else(|| AppError::not_found("client"))?;
    if client.driver_license_number.is_none() {
        return Err(AppError::invalid_field(
            &format!("{prefix}driverLicenseNumber"),
            "the driver's licence number is needed before pick-up",
        ));
    }
    check_driver(
        &client.driver_record(),
        Date::of(at),
        Date::of(reservation.end_date),
        policy.drivers,
    )
    .map_err(|(field, problem)| AppError::invalid_field(&format!("{prefix}{field}"), problem))
}

/// The return at `at`: the final cost from the days billed, the agent's charges and those
/// the return inspection brings (distance, fuel); new damage flags the rental for review;
/// the car takes the reading and moves to the return branch.
async fn give_back(
    conn: &mut Conn,
    after: &mut Reservation,
    at: Timestamp,
    m: &StatusChange,
    policy: RentalPolicy,
    by: Id,
) -> AppResult<()> {
    settle_return(conn, after, at, m, policy).await?;
    let odometer = m.inspection.as_ref().map(|reading| reading.odometer_km);
    if let Some(reading) = &m.inspection {
        inspections::insert(
            conn,
            after.id,
            InspectionKind::Checkin,
            reading,
            at,
            Some(by),
        )
        .await?;
    }
    cars::record_reading(conn, after.car_id, odometer, after.return_branch_id).await
}

/// Reckons the return at `at` on `after` (return date, charges, review flag) without
/// writing anything: what [`give_back`] records and [`quote_return`] only shows.
async fn settle_return(
    conn: &mut Conn,
    after: &mut Reservation,
    at: Timestamp,
    m: &StatusChange,
    policy: RentalPolicy,
) -> AppResult<()> {
    let picked_up = after.actual_pickup_date.unwrap_or(after.start_date);
    if at < picked_up {
        return Err(AppError::invalid_field(
            "at",
            "a return cannot come before the pick-up",
        ));
    }
    let days = billable_days(picked_up, at, policy.grace_minutes);
    let mut charges = m.charges.clone();
    if let Some(reading) = &m.inspection {
        let car = cars::find(conn, after.car_id)
            .await?
            .ok_or_else(|| AppError::not_found("car"))?;
        let checkout = after.checkout_inspection.as_ref().map(|i| i.reading());
        let last = checkout.as_ref().map_or(car.odometer_km, |o| o.odometer_km);
        check_reading(reading, last).map_err(invalid)?;
        let noted_at_pick_up = checkout
            .as_ref()
            .map(|o| o.damage.as_slice())
            .unwrap_or(&[]);
        after.review_required = !new_damage(noted_at_pick_up, &reading.damage).is_empty();
        if let Some(checkout) = &checkout {
            let terms = MileageTerms {
                included_km_per_day: after.included_km_per_day,
                extra_km_rate: after.extra_km_rate,
            };
            let computed = return_charges(
                days,
                terms,
                checkout,
                reading,
                policy.fuel_charge_per_eighth,
            )
            .map_err(|_| {
                AppError::invalid_field("inspection.odometerKm", "the charge is too large")
            })?;
            charges.extend(computed);
        }
    }
    after.actual_return_date = Some(at);
    after.additional_charges = charges;
    Ok(())
}

/// The rate of the booking's first day: what a one-day fee costs.
fn first_day_rate(r: &Reservation) -> Money {
    r.price_lines
        .iter()
        .find(|l| l.kind == LineKind::Rental)
        .map_or(r.daily_rate, |l| l.unit_price)
}

/// Holds the booking's deposit at pick-up, if the car asks for one.
async fn hold_deposit(conn: &mut Conn, r: &Reservation, at: Timestamp, by: Id) -> AppResult<()> {
    if r.deposit.required <= r.deposit.outstanding {
        return Ok(());
    }
    let hold = DepositRequest {
        kind: DepositKind::Hold,
        amount: None,
        reason: Some("pick-up".into()),
    };
    move_deposit(conn, r, &hold, at, by).await
}

/// Marks the damage found at return as dealt with; `resolution` says how (kept in the
/// audit entry).
pub async fn resolve_review(
    db: &Database,
    actor: &Actor,
    id: Id,
    resolution: String,
    origin: &Origin,
) -> AppResult<Reservation> {
    let input = (resolution, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (resolution, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            if !before.review_required {
                return Err(AppError::conflict(
                    "this reservation has no damage to review",
                ));
            }
            let mut after = before.clone();
            after.review_required = false;
            after.last_modified_at = Timestamp::now();
            after.last_modified_by = Some(actor.id);
            reservations::update(conn, &after).await?;
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::ResolveReview, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after)
                .extra(json!({ "resolution": resolution }));
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Deletes a reservation that is not in progress, with its payments.
pub async fn delete(db: &Database, actor: &Actor, id: Id, origin: &Origin) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            if before.status == ReservationStatus::Active {
                return Err(AppError::conflict(
                    "an active rental cannot be deleted; return the car first",
                ));
            }
            if crate::db::invoices::any_for(conn, id).await? {
                return Err(AppError::conflict(
                    "an invoiced reservation is kept for the accounts; it cannot be deleted",
                ));
            }
            reservations::delete(conn, id).await?;
            let change = Change::new(AuditAction::DeleteReservation, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}

/// Adds a photo to the pick-up or return inspection of a reservation.
pub async fn add_inspection_photo(
    db: &Database,
    actor: &Actor,
    id: Id,
    kind: InspectionKind,
    bytes: Vec<u8>,
    origin: &Origin,
) -> AppResult<Reservation> {
    let image = super::photos::prepare(bytes).await?;
    let input = (image, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (image, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let inspection = match kind {
                InspectionKind::Checkout => &before.checkout_inspection,
                InspectionKind::Checkin => &before.checkin_inspection,
            };
            let Some(inspection) = inspection else {
                return Err(AppError::not_found("inspection"));
            };
            if inspection.photos.len() >= MAX_PHOTOS {
                return Err(AppError::conflict(format!(
                    "an inspection holds at most {MAX_PHOTOS} photos"
                )));
            }
            let photo = Id::generate();
            let at = Timestamp::now();
            inspections::insert_photo(conn, photo, id, kind, &image, at, Some(actor.id)).await?;
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::UploadInspectionPhoto, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after)
                .extra(json!({ "inspection": kind.as_str(), "photoId": photo.to_string() }));
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// A photo of an inspection (or its thumbnail), or `NotModified` for a current copy.
pub async fn inspection_photo(
    db: &Database,
    id: Id,
    kind: InspectionKind,
    photo: Id,
    thumbnail: bool,
    if_none_match: Option<&str>,
) -> AppResult<ImageReply> {
    let mut conn = db.read().await?;
    let image = inspections::find_photo(&mut conn, id, kind, photo, thumbnail)
        .await?
        .ok_or_else(|| AppError::not_found("photo"))?;
    Ok(ImageReply::to(image, if_none_match))
}

/// Removes a photo from an inspection.
pub async fn delete_inspection_photo(
    db: &Database,
    actor: &Actor,
    id: Id,
    kind: InspectionKind,
    photo: Id,
    origin: &Origin,
) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            if !inspections::delete_photo(conn, id, kind, photo).await? {
                return Err(AppError::not_found("photo"));
            }
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::DeleteInspectionPhoto, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after)
                .extra(json!({ "inspection": kind.as_str(), "photoId": photo.to_string() }));
            audit::record(conn, &origin, change).await
        })
    })
    .await
}
