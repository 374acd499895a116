//! Reservations: booking without double-booking, the rental life cycle with the car's
//! status kept in step, pricing, and payments. Each change is one transaction with its
//! audit entry; reservation, car and entry commit together or not at all.

use chrono::Datelike;
use serde_json::json;

use super::audit::{self, Change};
use super::{Actor, Origin};
use crate::db::reservations::ReservationQuery;
use crate::db::{cars, clients, reservations, Conn, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::car::{Car, CarStatus};
use crate::domain::date::Date;
use crate::domain::driver::{check_driver, DriverPolicy};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::pricing::{billable_days, final_total, rental_cost, Charge, Overflow};
use crate::domain::reservation::{
    self, reservation_number, CarSummary, ClientSummary, Payment, PaymentDetails, PaymentMethod,
    Reservation, ReservationStatus,
};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// The agency's rental settings: pricing and who may drive.
#[derive(Debug, Clone, Copy)]
pub struct RentalPolicy {
    pub grace_minutes: u32,
    pub drivers: DriverPolicy,
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
}

/// Changes to a booking before pick-up; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct BookingChanges {
    pub car: Option<Id>,
    pub client: Option<Id>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub notes: Option<Option<String>>,
}

/// A move in the life cycle.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub status: ReservationStatus,
    pub at: Option<Timestamp>,
    pub charges: Vec<Charge>,
}

/// A payment as recorded at the desk.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub amount: Money,
    pub method: PaymentMethod,
    pub date: Option<Timestamp>,
    pub refund_due: bool,
}

fn not_found() -> AppError {
    AppError::not_found("reservation")
}

fn too_large(_: Overflow) -> AppError {
    AppError::invalid_field("dailyRate", "the total is too large")
}

pub async fn get(db: &Database, id: Id) -> AppResult<Reservation> {
    let mut conn = db.read().await?;
    reservations::find(&mut conn, id)
        .await?
        .ok_or_else(not_found)
}

pub async fn list(db: &Database, query: &ReservationQuery) -> AppResult<(Vec<Reservation>, i64)> {
    let mut conn = db.read().await?;
    reservations::list(&mut conn, query).await
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

/// Refuses the period if another blocking reservation of the car overlaps it,
/// naming that reservation. The database's constraint stands behind this check.
async fn ensure_free(
    conn: &mut Conn,
    car: Id,
    start: Timestamp,
    end: Timestamp,
    except: Option<Id>,
) -> AppResult<()> {
    match reservations::find_overlap(conn, car, start, end, except).await? {
        Some(number) => Err(AppError::conflict_on(
            "carId",
            format!("the car is already reserved for an overlapping period ({number})"),
        )),
        None => Ok(()),
    }
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
    let input = (booking, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (b, actor, origin)| {
        Box::pin(async move {
            let car = bookable_car(conn, b.car).await?;
            let client = existing_client(conn, b.client).await?;
            ensure_free(conn, car.id, b.start, b.end, None).await?;
            let now = Timestamp::now();
            let year = chrono::Utc::now().year();
            let sequence = reservations::next_number(conn, year).await?;
            let days = billable_days(b.start, b.end, policy.grace_minutes);
            let reservation = Reservation {
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
                estimated_total_cost: rental_cost(days, car.daily_rate).map_err(too_large)?,
                final_total_cost: None,
                additional_charges: Vec::new(),
                notes: b.notes.clone(),
                reservation_date: now,
                created_by: Some(actor.id),
                last_modified_at: now,
                last_modified_by: Some(actor.id),
                payment_details: PaymentDetails::settle(Money::ZERO, Vec::new()),
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
            };
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

/// Changes dates, car, client or notes before pick-up; availability and the estimate are
/// checked again. A new car brings its current daily rate; new dates keep the booked rate.
pub async fn update(
    db: &Database,
    actor: &Actor,
    id: Id,
    changes: BookingChanges,
    policy: RentalPolicy,
    origin: &Origin,
) -> AppResult<Reservation> {
    let input = (changes, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (c, actor, origin)| {
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
                after.car_id = car.id;
                after.daily_rate = car.daily_rate;
            }
            if let Some(client) = c.client {
                after.client_id = existing_client(conn, client).await?.id;
            }
            after.start_date = c.start.unwrap_or(before.start_date);
            after.end_date = c.end.unwrap_or(before.end_date);
            if let Some(notes) = &c.notes {
                after.notes.clone_from(notes);
            }
            check_period(after.start_date, after.end_date)?;
            ensure_free(
                conn,
                after.car_id,
                after.start_date,
                after.end_date,
                Some(id),
            )
            .await?;
            let days = billable_days(after.start_date, after.end_date, policy.grace_minutes);
            after.estimated_total_cost = rental_cost(days, after.daily_rate).map_err(too_large)?;
            if after == before {
                return Ok(before);
            }
            after.last_modified_at = Timestamp::now();
            after.last_modified_by = Some(actor.id);
            reservations::update(conn, &after).await?;
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
/// makes it available again, in the same transaction.
pub async fn change_status(
    db: &Database,
    actor: &Actor,
    id: Id,
    move_to: StatusChange,
    policy: RentalPolicy,
    origin: &Origin,
) -> AppResult<Reservation> {
    let recorded_time = matches!(
        move_to.status,
        ReservationStatus::Active | ReservationStatus::Completed
    );
    if move_to.at.is_some() && !recorded_time {
        return Err(AppError::invalid_field(
            "at",
            "can be given only with a pick-up (active) or a return (completed)",
        ));
    }
    if move_to
        .at
        .is_some_and(|at| at.millis() - Timestamp::now().millis() > reservation::MAX_CLOCK_SKEW_MS)
    {
        return Err(AppError::invalid_field("at", "cannot be in the future"));
    }
    if !move_to.charges.is_empty() && move_to.status != ReservationStatus::Completed {
        return Err(AppError::invalid_field(
            "additionalCharges",
            "can be given only with a return (completed)",
        ));
    }
    let input = (move_to, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (m, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            if !before.status.can_move_to(m.status) {
                return Err(AppError::conflict_on(
                    "status",
                    format!(
                        "a reservation cannot move from {} to {}",
                        before.status, m.status
                    ),
                ));
            }
            let now = Timestamp::now();
            let at = m.at.unwrap_or(now);
            let mut after = before.clone();
            after.status = m.status;
            after.last_modified_at = now;
            after.last_modified_by = Some(actor.id);
            let car_status = match m.status {
                ReservationStatus::Active => {
                    pick_up(conn, &before, at, policy.drivers).await?;
                    after.actual_pickup_date = Some(at);
                    Some(CarStatus::Rented)
                }
                ReservationStatus::Completed => {
                    let picked_up = before.actual_pickup_date.unwrap_or(before.start_date);
                    if at < picked_up {
                        return Err(AppError::invalid_field(
                            "at",
                            "a return cannot come before the pick-up",
                        ));
                    }
                    let days = billable_days(picked_up, at, policy.grace_minutes);
                    after.actual_return_date = Some(at);
                    after.final_total_cost = Some(
                        final_total(days, before.daily_rate, &m.charges).map_err(|_| {
                            AppError::invalid_field("additionalCharges", "the total is too large")
                        })?,
                    );
                    after.additional_charges = m.charges.clone();
                    Some(CarStatus::Available)
                }
                ReservationStatus::NoShow if now < before.start_date => {
                    return Err(AppError::conflict_on(
                        "status",
                        "a no-show can be recorded only once the start has passed",
                    ));
                }
                _ => None,
            };
            reservations::update(conn, &after).await?;
            if let Some(status) = car_status {
                cars::set_status(conn, before.car_id, status, now, actor.id).await?;
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

/// The checks of a pick-up at `at`: the car is on hand and the client may drive it until
/// the planned return.
async fn pick_up(
    conn: &mut Conn,
    reservation: &Reservation,
    at: Timestamp,
    drivers: DriverPolicy,
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
    let client = clients::find(conn, reservation.client_id)
        .await?
        .ok_or_else(|| AppError::not_found("client"))?;
    if client.driver_license_number.is_none() {
        return Err(AppError::invalid_field(
            "driverLicenseNumber",
            "the client's driving licence number is needed before pick-up",
        ));
    }
    check_driver(
        &client.driver_record(),
        Date::of(at),
        Date::of(reservation.end_date),
        drivers,
    )
    .map_err(|(field, problem)| AppError::invalid_field(field, problem))
}

/// Records a payment. Paying more than is owed is refused unless marked as a refund due.
pub async fn add_payment(
    db: &Database,
    actor: &Actor,
    id: Id,
    payment: NewPayment,
    origin: &Origin,
) -> AppResult<Reservation> {
    let input = (payment, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (p, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            if matches!(
                before.status,
                ReservationStatus::CancelledByClient | ReservationStatus::CancelledByAgency | ReservationStatus::NoShow
            ) {
                return Err(AppError::conflict(format!("a reservation that is {} takes no payment", before.status)));
            }
            let remaining = before.payment_details.remaining;
            if p.amount > remaining && !p.refund_due {
                return Err(AppError::invalid_field(
                    "amount",
                    format!("is more than the remaining balance ({remaining}); set refundDue to accept it"),
                ));
            }
            let now = Timestamp::now();
            let recorded = Payment {
                amount: p.amount,
                method: p.method,
                transaction_date: p.date.unwrap_or(now),
                recorded_by: Some(actor.id),
                refund_due: p.refund_due,
            };
            reservations::insert_payment(conn, id, &recorded, now).await?;
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::AddPayment, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after);
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
            reservations::delete(conn, id).await?;
            let change = Change::new(AuditAction::DeleteReservation, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}
