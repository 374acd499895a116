//! Reservations: their life cycle, what they show, and how payments settle them.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::billing::Fee;
use super::deposit::Deposit;
use super::extras::ChosenExtra;
use super::id::Id;
use super::inspection::Inspection;
use super::money::Money;
use super::pricing::Charge;
use super::quote::QuoteLine;
use super::rates::RatePlan;
use super::tax::{PriceBasis, TaxPolicy, Taxed, VatRate};
use super::time::Timestamp;

/// Where a reservation stands in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    PendingConfirmation,
    Confirmed,
    Active,
    Completed,
    CancelledByClient,
    CancelledByAgency,
    NoShow,
}

use ReservationStatus::*;

impl ReservationStatus {
    pub const ALL: [ReservationStatus; 7] = [
        PendingConfirmation,
        Confirmed,
        Active,
        Completed,
        CancelledByClient,
        CancelledByAgency,
        NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PendingConfirmation => "pending_confirmation",
            Confirmed => "confirmed",
            Active => "active",
            Completed => "completed",
            CancelledByClient => "cancelled_by_client",
            CancelledByAgency => "cancelled_by_agency",
            NoShow => "no_show",
        }
    }

    /// No move leaves these statuses.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Completed | CancelledByClient | CancelledByAgency | NoShow
        )
    }

    /// These statuses hold the car: two of them never overlap on one car.
    pub fn is_blocking(self) -> bool {
        matches!(self, PendingConfirmation | Confirmed | Active)
    }

    /// Dates, car and client may change only before pick-up.
    pub fn is_editable(self) -> bool {
        matches!(self, PendingConfirmation | Confirmed)
    }

    /// The only moves the life cycle allows.
    pub fn can_move_to(self, to: ReservationStatus) -> bool {
        matches!(
            (self, to),
            (
                PendingConfirmation,
                Confirmed | CancelledByClient | CancelledByAgency
            ) | (
                Confirmed,
                Active | CancelledByClient | CancelledByAgency | NoShow
            ) | (Active, Completed)
        )
    }
}

impl FromStr for ReservationStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                "must be one of: pending_confirmation, confirmed, active, completed, \
             cancelled_by_client, cancelled_by_agency, no_show"
                    .into()
            })
    }
}

impl fmt::Display for ReservationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethod {
    Cash,
    Card,
    Transfer,
    Cheque,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Transfer => "transfer",
            PaymentMethod::Cheque => "cheque",
        }
    }
}

impl FromStr for PaymentMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            PaymentMethod::Cash,
            PaymentMethod::Card,
            PaymentMethod::Transfer,
            PaymentMethod::Cheque,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
        .ok_or_else(|| "must be one of: cash, card, transfer, cheque".into())
    }
}

/// One recorded payment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub amount: Money,
    pub method: PaymentMethod,
    pub transaction_date: Timestamp,
    pub recorded_by: Option<Id>,
    /// The payment was accepted beyond what is owed: the difference is to be refunded.
    pub refund_due: bool,
    /// Why money was refunded (a refund is a negative amount).
    pub reason: Option<String>,
}

/// The money side of a reservation, derived from its payments.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDetails {
    pub amount_paid: Money,
    /// What is still owed; negative only when an overpayment was accepted as a refund due.
    pub remaining: Money,
    /// The date of the latest payment.
    pub transaction_date: Option<Timestamp>,
    pub payments: Vec<Payment>,
    /// The part of the security deposit captured, which settles the bill without being a
    /// payment.
    pub deposit_applied: Money,
    /// What the agency owes the client back: paid and captured beyond what is due.
    pub refund_owed: Money,
}

impl PaymentDetails {
    /// Sums `payments` and the captured deposit against `due`.
    pub fn settle(due: Money, payments: Vec<Payment>, deposit_applied: Money) -> Self {
        let paid = payments.iter().map(|p| p.amount.cents()).sum::<i64>();
        let refund_due = payments.iter().any(|p| p.refund_due);
        let remaining = due.cents() - paid - deposit_applied.cents();
        PaymentDetails {
            deposit_applied,
            refund_owed: Money::from_cents((-remaining).max(0)),
            amount_paid: Money::from_cents(paid),
            remaining: Money::from_cents(if refund_due {
                remaining
            } else {
                remaining.max(0)
            }),
            transaction_date: payments.iter().map(|p| p.transaction_date).max(),
            payments,
        }
    }
}

/// A short summary of the car, shown with each reservation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CarSummary {
    #[serde(rename = "_id")]
    pub id: Id,
    pub make: String,
    pub model: String,
    pub license_plate: String,
}

/// A short summary of the client, shown with each reservation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientSummary {
    #[serde(rename = "_id")]
    pub id: Id,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
}

/// A reservation as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    #[serde(rename = "_id")]
    pub id: Id,
    pub reservation_number: String,
    pub car_id: Id,
    pub client_id: Id,
    pub start_date: Timestamp,
    pub end_date: Timestamp,
    pub actual_pickup_date: Option<Timestamp>,
    pub actual_return_date: Option<Timestamp>,
    pub status: ReservationStatus,
    pub daily_rate: Money,
    pub estimated_total_cost: Money,
    pub final_total_cost: Option<Money>,
    pub additional_charges: Vec<Charge>,
    pub notes: Option<String>,
    pub reservation_date: Timestamp,
    pub created_by: Option<Id>,
    pub last_modified_at: Timestamp,
    pub last_modified_by: Option<Id>,
    pub payment_details: PaymentDetails,
    pub car: CarSummary,
    pub client: ClientSummary,
    /// Other clients allowed to drive, each checked like the main driver at pick-up.
    pub additional_drivers: Vec<ClientSummary>,
    /// Where the car is handed over and returned; a different return branch is a one-way
    /// rental, and the car's current branch follows it at return.
    pub pickup_branch_id: Option<Id>,
    pub return_branch_id: Option<Id>,
    /// Minutes the car stays held after `endDate` (cleaning, inspection), as set at booking.
    pub turnaround_minutes: i64,
    /// Distance included per billable day, copied from the car at booking; `null` is unlimited.
    pub included_km_per_day: Option<i64>,
    /// Price of each kilometre beyond the included distance, copied from the car at booking.
    pub extra_km_rate: Money,
    /// The inspection at pick-up.
    pub checkout_inspection: Option<Inspection>,
    /// The inspection at return.
    pub checkin_inspection: Option<Inspection>,
    /// New damage was noted at return and nobody has resolved it yet.
    pub review_required: bool,
    /// The rate plan the booking is priced with, frozen at booking (a new car brings its own).
    pub rate_plan: RatePlan,
    /// The extras chosen, each with the catalogue's terms as they were when chosen.
    pub extras: Vec<ChosenExtra>,
    /// Whether the prices entered include VAT, frozen at booking.
    pub price_basis: PriceBasis,
    /// The VAT rate in percent, frozen at booking.
    pub vat_rate: VatRate,
    /// What the reservation owes now, line by line: the booked days and extras; after the
    /// return, the days as they happened with the return's charges; after a cancellation
    /// or no-show, the fee if any.
    pub price_lines: Vec<QuoteLine>,
    /// The sums of `priceLines`; `totals.gross` is `finalTotalCost` once closed, else
    /// `estimatedTotalCost`.
    pub totals: Taxed,
    /// The cancellation or no-show fee, waived or not.
    pub fee: Option<Fee>,
    /// The security deposit and its ledger.
    pub deposit: Deposit,
    /// When the reservation reached a final status (completed, cancelled, no-show).
    pub closed_at: Option<Timestamp>,
}

impl Reservation {
    /// The reservation with `payments` as all its payments, settled against its totals and
    /// the deposit it has applied.
    pub fn with_payments(self, payments: Vec<Payment>) -> Self {
        let payment_details = PaymentDetails::settle(
            self.totals.gross,
            payments,
            self.payment_details.deposit_applied,
        );
        Reservation {
            payment_details,
            ..self
        }
    }

    /// The tax rule the booking is priced with.
    pub fn tax(&self) -> TaxPolicy {
        TaxPolicy {
            basis: self.price_basis,
            rate_basis_points: self.vat_rate.0,
        }
    }
}

/// Most additional drivers one reservation may name.
pub const MAX_ADDITIONAL_DRIVERS: usize = 4;

/// The longest rental one reservation may cover (five years: long-term leases included).
pub const MAX_RENTAL_DAYS: i64 = 5 * 366;
/// How far ahead a booking may start.
pub const MAX_DAYS_AHEAD: i64 = 3 * 366;
/// How far a pick-up or return may be recorded ahead of the server's clock (clock skew).
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Checks a booking's period: it ends after it starts, lasts at most [`MAX_RENTAL_DAYS`],
/// and starts at most [`MAX_DAYS_AHEAD`] from `now` (past starts are allowed, to record
/// rentals after the fact). Returns the field at fault and why.
pub fn check_period(
    start: Timestamp,
    end: Timestamp,
    now: Timestamp,
) -> Result<(), (&'static str, String)> {
    if end <= start {
        return Err(("endDate", "must be after startDate".into()));
    }
    if end.millis() - start.millis() > MAX_RENTAL_DAYS * DAY_MS {
        return Err((
            "endDate",
            format!("a reservation covers at most {MAX_RENTAL_DAYS} days"),
        ));
    }
    if start.millis() - now.millis() > MAX_DAYS_AHEAD * DAY_MS {
        return Err((
            "startDate",
            format!("must be within {MAX_DAYS_AHEAD} days from now"),
        ));
    }
    Ok(())
}

/// A human-friendly, never reused reservation number, e.g. `LC-2026-000042`.
pub fn reservation_number(year: i32, sequence: i64) -> String {
    format!("LC-{year}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_contract_moves_are_allowed() {
        let allowed = [
            (PendingConfirmation, Confirmed),
            (PendingConfirmation, CancelledByClient),
            (PendingConfirmation, CancelledByAgency),
            (Confirmed, Active),
            (Confirmed, CancelledByClient),
            (Confirmed, CancelledByAgency),
            (Confirmed, NoShow),
            (Active, Completed),
        ];
        for from in ReservationStatus::ALL {
            for to in ReservationStatus::ALL {
                assert_eq!(
                    from.can_move_to(to),
                    allowed.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn payments_settle_against_what_is_due() {
        let pay = |cents, refund_due| Payment {
            amount: Money::from_cents(cents),
            method: PaymentMethod::Cash,
            transaction_date: Timestamp::from_millis(cents),
            recorded_by: None,
            refund_due,
            reason: None,
        };
        let details = PaymentDetails::settle(
            Money::from_cents(10_000),
            vec![pay(3_000, false), pay(2_050, false)],
            Money::from_cents(1_000),
        );
        assert_eq!(details.amount_paid.cents(), 5_050);
        assert_eq!(
            details.remaining.cents(),
            3_950,
            "the captured deposit counts"
        );
        assert_eq!(
            details.transaction_date,
            Some(Timestamp::from_millis(3_000))
        );
        let over = PaymentDetails::settle(
            Money::from_cents(10_000),
            vec![pay(12_000, true)],
            Money::ZERO,
        );
        assert_eq!(over.remaining.cents(), -2_000);
        assert_eq!(over.refund_owed.cents(), 2_000);
        let cancelled = PaymentDetails::settle(Money::ZERO, vec![pay(5_000, false)], Money::ZERO);
        assert_eq!(
            (cancelled.remaining.cents(), cancelled.refund_owed.cents()),
            (0, 5_000)
        );
        let none = PaymentDetails::settle(Money::from_cents(10_000), vec![], Money::ZERO);
        assert_eq!(
            (none.remaining.cents(), none.transaction_date),
            (10_000, None)
        );
    }

    #[test]
    fn periods_are_bounded() {
        let now = Timestamp::parse("2026-06-01T00:00:00Z").unwrap();
        let at = |t: &str| Timestamp::parse(t).unwrap();
        assert!(check_period(at("2026-06-02T00:00:00Z"), at("2026-06-05T00:00:00Z"), now).is_ok());
        assert!(check_period(at("2020-06-02T00:00:00Z"), at("2020-06-05T00:00:00Z"), now).is_ok());
        assert_eq!(
            check_period(at("2026-06-05T00:00:00Z"), at("2026-06-05T00:00:00Z"), now)
                .unwrap_err()
                .0,
            "endDate"
        );
        assert_eq!(
            check_period(at("2026-06-05T00:00:00Z"), at("9999-12-31T00:00:00Z"), now)
                .unwrap_err()
                .0,
            "endDate"
        );
        assert_eq!(
            check_period(at("2035-06-05T00:00:00Z"), at("2035-06-06T00:00:00Z"), now)
                .unwrap_err()
                .0,
            "startDate"
        );
    }

    #[test]
    fn numbers_are_padded() {
        assert_eq!(reservation_number(2026, 42), "LC-2026-000042");
    }
}
