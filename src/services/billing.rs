//! The money side of a reservation: pricing it from its frozen terms, quotes, payments
//! and refunds, the security deposit, and fee waivers. Each change is one transaction
//! with its audit entry.

use serde_json::json;

use super::audit::{self, Change};
use super::reservations::{not_found, RentalPolicy};
use super::{Actor, Origin};
use crate::db::{cars, deposits, extras, reservations, Conn, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::billing::{statement, Stage, Waiver};
use crate::domain::car::CarStatus;
use crate::domain::deposit::{DepositKind, DepositMovement};
use crate::domain::extras::{ChosenExtra, MAX_QUANTITY};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::pricing::Overflow;
use crate::domain::quote::{self, Quote, Terms};
use crate::domain::reservation::{self, Payment, PaymentMethod, Reservation, ReservationStatus};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// An extra asked for on a booking or a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraRequest {
    pub extra: Id,
    pub quantity: i64,
}

/// Most different extras on one booking.
pub const MAX_EXTRAS: usize = 20;

pub(super) fn too_large(_: Overflow) -> AppError {
    AppError::invalid_field("dailyRate", "the total is too large")
}

fn terms(r: &Reservation, policy: RentalPolicy) -> Terms<'_> {
    Terms {
        plan: &r.rate_plan,
        extras: &r.extras,
        tax: r.tax(),
        grace_minutes: policy.grace_minutes,
        timezone: policy.timezone,
        language: policy.language,
    }
}

/// Prices `r` as it stands: its lines, totals and estimated or final cost.
pub(super) fn reprice(r: &mut Reservation, policy: RentalPolicy) -> AppResult<()> {
    let stage = match r.status {
        ReservationStatus::Completed => Stage::Returned {
            pickup: r.actual_pickup_date.unwrap_or(r.start_date),
            returned: r.actual_return_date.unwrap_or(r.end_date),
            charges: &r.additional_charges,
        },
        s if s.is_final() => Stage::Ended {
            fee: r.fee.as_ref(),
        },
        _ => Stage::Booked {
            start: r.start_date,
            end: r.end_date,
        },
    };
    let priced = statement(&terms(r, policy), stage).map_err(too_large)?;
    if r.status.is_final() {
        r.final_total_cost = Some(priced.total.gross);
    } else {
        r.estimated_total_cost = priced.total.gross;
    }
    r.price_lines = priced.lines;
    r.totals = priced.total;
    Ok(())
}

/// The extras for a booking: each asked for once, with a quantity from 1 to
/// [`MAX_QUANTITY`]. One already on the booking keeps the terms it was chosen with; a new
/// one takes the catalogue's, and must be active.
pub(super) async fn choose_extras(
    conn: &mut Conn,
    asked: &[ExtraRequest],
    kept: &[ChosenExtra],
) -> AppResult<Vec<ChosenExtra>> {
    if asked.len() > MAX_EXTRAS {
        return Err(AppError::invalid_field(
            "extras",
            format!("at most {MAX_EXTRAS} extras"),
        ));
    }
    let mut chosen = Vec::with_capacity(asked.len());
    for (n, a) in asked.iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&a.quantity) {
            return Err(AppError::invalid_field(
                &format!("extras[{n}].quantity"),
                format!("must be from 1 to {MAX_QUANTITY}"),
            ));
        }
        let field = format!("extras[{n}].extraId");
        if asked[..n].iter().any(|b| b.extra == a.extra) {
            return Err(AppError::invalid_field(&field, "is named twice"));
        }
        let terms = match kept.iter().find(|k| k.extra_id == a.extra) {
            Some(k) => k.terms.clone(),
            None => match extras::find(conn, a.extra).await? {
                Some(x) if x.active => x.terms(),
                Some(_) => {
                    return Err(AppError::invalid_field(
                        &field,
                        "this extra is no longer offered",
                    ))
                }
                None => return Err(AppError::invalid_field(&field, "no extra has this id")),
            },
        };
        chosen.push(ChosenExtra {
            extra_id: a.extra,
            terms,
            quantity: a.quantity,
        });
    }
    Ok(chosen)
}

/// What a quote is asked for.
#[derive(Debug, Clone)]
pub struct QuoteRequest {
    pub car: Id,
    pub start: Timestamp,
    pub end: Timestamp,
    pub extras: Vec<ExtraRequest>,
}

/// A quote, and whether the car is free for it now.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteReply {
    pub car_id: Id,
    #[serde(flatten)]
    pub quote: Quote,
    /// No reservation or block holds the car in the period (turnaround included).
    pub available: bool,
}

/// Prices a rental without booking it: the same lines a booking made now would hold.
pub async fn quote(db: &Database, q: QuoteRequest, policy: RentalPolicy) -> AppResult<QuoteReply> {
    reservation::check_period(q.start, q.end, Timestamp::now()).map_err(|(field, problem)| {
        let field = if field == "startDate" { "start" } else { "end" };
        AppError::invalid_field(field, problem)
    })?;
    let mut conn = db.read().await?;
    let car = cars::find(&mut conn, q.car)
        .await?
        .ok_or_else(|| AppError::invalid_field("carId", "no car has this id"))?;
    if car.status == CarStatus::OutOfService {
        return Err(AppError::conflict_on("carId", "this car is out of service"));
    }
    let rates = cars::rates(&mut conn, car.id)
        .await?
        .ok_or_else(|| AppError::not_found("car"))?;
    let chosen = choose_extras(&mut conn, &q.extras, &[]).await?;
    let until = q
        .end
        .plus_millis(i64::from(policy.turnaround_minutes) * 60_000);
    let hold = reservations::find_hold(&mut conn, car.id, q.start, until, None).await?;
    let plan = rates.plan();
    let terms = Terms {
        plan: &plan,
        extras: &chosen,
        tax: policy.tax,
        grace_minutes: policy.grace_minutes,
        timezone: policy.timezone,
        language: policy.language,
    };
    let quote = quote::quote(&terms, q.start, q.end, rates.deposit).map_err(too_large)?;
    Ok(QuoteReply {
        car_id: car.id,
        quote,
        available: hold.is_none(),
    })
}

/// A payment (positive) or a refund (negative, with its reason) as recorded at the desk.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub amount: Money,
    pub method: PaymentMethod,
    pub date: Option<Timestamp>,
    pub refund_due: bool,
    pub reason: Option<String>,
}

/// Checks a payment or refund against what the reservation owes and has been paid.
fn check_payment(r: &Reservation, p: &NewPayment) -> AppResult<()> {
    let details = &r.payment_details;
    if p.amount < Money::ZERO {
        if p.reason.is_none() {
            return Err(AppError::invalid_field("reason", "a refund says why"));
        }
        if -p.amount.cents() > details.amount_paid.cents() {
            return Err(AppError::invalid_field(
                "amount",
                format!("refunds more than was paid ({})", details.amount_paid),
            ));
        }
        return Ok(());
    }
    if r.status.is_final() && details.remaining <= Money::ZERO {
        return Err(AppError::conflict(format!(
            "a reservation that is {} and owes nothing takes no payment",
            r.status
        )));
    }
    if p.amount > details.remaining && !p.refund_due {
        return Err(AppError::invalid_field(
            "amount",
            format!(
                "is more than the remaining balance ({}); set refundDue to accept it",
                details.remaining
            ),
        ));
    }
    Ok(())
}

/// Records a payment, or a refund as a negative payment with its reason. Paying more
/// than is owed is refused unless marked as a refund due; refunding more than was paid
/// is refused.
pub async fn add_payment(
    db: &Database,
    actor: &Actor,
    id: Id,
    payment: NewPayment,
    origin: &Origin,
) -> AppResult<Reservation> {
    let input = (payment, actor.clone(), origin.clone());
    let queue = vec![reservations::PAYMENTS_QUEUE.to_owned()];
    db.write_queued(queue, input, move |conn, (p, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            check_payment(&before, &p)?;
            let now = Timestamp::now();
            let recorded = Payment {
                amount: p.amount,
                method: p.method,
                transaction_date: p.date.unwrap_or(now),
                recorded_by: Some(actor.id),
                refund_due: p.refund_due,
                reason: p.reason.clone(),
            };
            reservations::insert_payment(conn, id, &recorded, now).await?;
            // A payment changes nothing but the payments: reading them alone spares the
            // single writer a second read of the whole reservation.
            let payments = reservations::payments(conn, id).await?;
            let change = Change::new(AuditAction::AddPayment, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before);
            let after = before.with_payments(payments);
            let mut change = change.after(&after);
            if p.amount < Money::ZERO {
                change = change.extra(json!({ "refund": p.amount.fixed(), "reason": p.reason }));
            }
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// A movement of the deposit as asked for at the desk.
#[derive(Debug, Clone)]
pub struct DepositRequest {
    pub kind: DepositKind,
    /// `None`: all that can move (see [`crate::domain::deposit::Deposit::check`]).
    pub amount: Option<Money>,
    pub reason: Option<String>,
}

/// Writes a deposit movement, checked against the ledger.
pub(super) async fn move_deposit(
    conn: &mut Conn,
    r: &Reservation,
    d: &DepositRequest,
    at: Timestamp,
    by: Id,
) -> AppResult<()> {
    let amount = r
        .deposit
        .check(d.kind, d.amount, d.reason.as_deref())
        .map_err(|(field, problem)| AppError::invalid_field(field, problem))?;
    let movement = DepositMovement {
        kind: d.kind,
        amount,
        reason: d.reason.clone(),
        at,
        recorded_by: Some(by),
    };
    deposits::insert(conn, r.id, &movement).await
}

/// Holds, captures or releases (part of) the security deposit. A hold is taken during the
/// rental; a capture or release whenever something is held.
pub async fn record_deposit(
    db: &Database,
    actor: &Actor,
    id: Id,
    request: DepositRequest,
    origin: &Origin,
) -> AppResult<Reservation> {
    let input = (request, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (d, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            if d.kind == DepositKind::Hold && before.status != ReservationStatus::Active {
                return Err(AppError::conflict(
                    "a deposit is held at pick-up or during the rental",
                ));
            }
            move_deposit(conn, &before, &d, Timestamp::now(), actor.id).await?;
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let moved = after.deposit.movements.last().map(|m| m.amount.fixed());
            let change = Change::new(AuditAction::RecordDeposit, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after)
                .extra(json!({ "deposit": d.kind.as_str(), "amount": moved, "reason": d.reason }));
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Waives a reservation's cancellation or no-show fee; `reason` is kept with it. An
/// invoice already issued stays as it is (a credit note corrects it).
pub async fn waive_fee(
    db: &Database,
    actor: &Actor,
    id: Id,
    reason: String,
    policy: RentalPolicy,
    origin: &Origin,
) -> AppResult<Reservation> {
    let input = (reason, actor.clone(), origin.clone());
    db.write_with(input, move |conn, (reason, actor, origin)| {
        Box::pin(async move {
            let before = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let now = Timestamp::now();
            let mut after = before.clone();
            match &mut after.fee {
                None => return Err(AppError::conflict("this reservation has no fee")),
                Some(fee) if fee.waiver.is_some() => {
                    return Err(AppError::conflict("this fee is already waived"))
                }
                Some(fee) => {
                    fee.waiver = Some(Waiver {
                        reason: reason.clone(),
                        by: Some(actor.id),
                        at: now,
                    })
                }
            }
            reprice(&mut after, policy)?;
            after.last_modified_at = now;
            after.last_modified_by = Some(actor.id);
            reservations::update(conn, &after).await?;
            let after = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let change = Change::new(AuditAction::WaiveFee, Some(&actor))
                .entity(EntityType::Reservation, id)
                .before(&before)
                .after(&after)
                .extra(json!({ "reason": reason }));
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}
