//! What a reservation owes at each stage of its life: the booked price, the price of the
//! rental as it happened, or the fee of a cancellation or no-show; and the fee policy.

use serde::{Deserialize, Serialize};

use super::id::Id;
use super::invoice::Language;
use super::money::Money;
use super::pricing::{Charge, Overflow};
use super::quote::{rental, Priced, QuoteLine, Terms};
use super::reservation::ReservationStatus;
use super::time::Timestamp;

/// How much a fee is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeRule {
    None,
    /// The rate of the rental's first day.
    OneDay,
    Fixed(Money),
}

impl std::str::FromStr for FeeRule {
    type Err = String;

    /// `none`, `one-day`, or an amount such as `150` or `99.50`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "none" => Ok(FeeRule::None),
            "one-day" => Ok(FeeRule::OneDay),
            amount => match Money::parse_decimal(amount) {
                Ok(m) if m > Money::ZERO => Ok(FeeRule::Fixed(m)),
                _ => {
                    Err("must be none, one-day or a positive amount with at most 2 decimals".into())
                }
            },
        }
    }
}

/// The agency's cancellation and no-show terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeePolicy {
    /// A client may cancel free of charge until this many hours before the start.
    pub free_cancellation_hours: u32,
    pub cancellation: FeeRule,
    pub no_show: FeeRule,
}

/// Why a fee is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FeeKind {
    Cancellation,
    NoShow,
}

/// An admin's decision not to charge a fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Waiver {
    pub reason: String,
    pub by: Option<Id>,
    pub at: Timestamp,
}

/// A fee charged when a booking ends without a rental.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fee {
    pub kind: FeeKind,
    /// The fee as the policy set it, kept after a waiver.
    pub amount: Money,
    pub waiver: Option<Waiver>,
}

impl Fee {
    /// What the fee charges: nothing once waived.
    pub fn due(&self) -> Money {
        if self.waiver.is_some() {
            Money::ZERO
        } else {
            self.amount
        }
    }

    fn label(&self, language: Language) -> String {
        let name = match (self.kind, language) {
            (FeeKind::Cancellation, Language::Fr) => "Frais d'annulation",
            (FeeKind::Cancellation, Language::En) => "Cancellation fee",
            (FeeKind::NoShow, Language::Fr) => "Frais de non-présentation",
            (FeeKind::NoShow, Language::En) => "No-show fee",
        };
        match (&self.waiver, language) {
            (None, _) => name.to_owned(),
            (Some(w), Language::Fr) => format!("{name} (annulés : {})", w.reason),
            (Some(w), Language::En) => format!("{name} (waived: {})", w.reason),
        }
    }
}

const HOUR_MS: i64 = 60 * 60 * 1000;

/// The fee a move to `to` at `now` brings, if any. Only the client's late cancellation
/// and a no-show are charged; an agency's cancellation never is.
pub fn fee_on(
    policy: FeePolicy,
    to: ReservationStatus,
    start: Timestamp,
    now: Timestamp,
    one_day: Money,
) -> Option<Fee> {
    let (kind, rule) = match to {
        ReservationStatus::CancelledByClient => {
            let free_until = start.millis() - i64::from(policy.free_cancellation_hours) * HOUR_MS;
            if now.millis() < free_until {
                return None;
            }
            (FeeKind::Cancellation, policy.cancellation)
        }
        ReservationStatus::NoShow => (FeeKind::NoShow, policy.no_show),
        _ => return None,
    };
    let amount = match rule {
        FeeRule::None => return None,
        FeeRule::OneDay => one_day,
        FeeRule::Fixed(amount) => amount,
    };
    (amount > Money::ZERO).then_some(Fee {
        kind,
        amount,
        waiver: None,
    })
}

/// Where a reservation stands, as far as its price goes.
#[derive(Debug, Clone, Copy)]
pub enum Stage<'a> {
    /// Booked or on the road: the planned period.
    Booked { start: Timestamp, end: Timestamp },
    /// Returned: the period as it happened and the charges added at return.
    Returned {
        pickup: Timestamp,
        returned: Timestamp,
        charges: &'a [Charge],
    },
    /// Cancelled or not picked up: at most a fee.
    Ended { fee: Option<&'a Fee> },
}

/// The lines a reservation owes at `stage`, with their totals.
pub fn statement(terms: &Terms<'_>, stage: Stage<'_>) -> Result<Priced, Overflow> {
    let lines = match stage {
        Stage::Booked { start, end } => rental(terms, start, end)?.1,
        Stage::Returned {
            pickup,
            returned,
            charges,
        } => {
            let mut lines = rental(terms, pickup, returned)?.1;
            lines.extend(charges.iter().map(|c| QuoteLine::charge(c, terms.tax)));
            lines
        }
        Stage::Ended { fee } => fee
            .map(|f| vec![QuoteLine::fee(f.label(terms.language), f.due(), terms.tax)])
            .unwrap_or_default(),
    };
    Priced::of(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pricing::ChargeSource;
    use crate::domain::quote::LineKind;
    use crate::domain::rates::RatePlan;
    use crate::domain::tax::{PriceBasis, TaxPolicy};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    const POLICY: FeePolicy = FeePolicy {
        free_cancellation_hours: 48,
        cancellation: FeeRule::OneDay,
        no_show: FeeRule::Fixed(Money::from_cents(50_000)),
    };

    const START: &str = "2026-12-10T09:00:00Z";

    fn cancel_at(now: &str) -> Option<Fee> {
        let day = Money::from_cents(30_000);
        fee_on(
            POLICY,
            ReservationStatus::CancelledByClient,
            at(START),
            at(now),
            day,
        )
    }

    #[test]
    fn cancelling_is_free_until_the_window_then_costs_one_day() {
        assert_eq!(cancel_at("2026-12-08T08:59:59Z"), None);
        let fee = cancel_at("2026-12-08T09:00:00Z").unwrap();
        assert_eq!(
            (fee.kind, fee.amount.cents()),
            (FeeKind::Cancellation, 30_000)
        );
        assert!(
            cancel_at("2026-12-11T09:00:00Z").is_some(),
            "after the start too"
        );
        let agency = fee_on(
            POLICY,
            ReservationStatus::CancelledByAgency,
            at(START),
            at(START),
            Money::from_cents(1),
        );
        assert_eq!(
            agency, None,
            "the agency's own cancellation is never charged"
        );
    }

    #[test]
    fn a_no_show_pays_the_fixed_fee_and_rules_can_be_off() {
        let fee = fee_on(
            POLICY,
            ReservationStatus::NoShow,
            at(START),
            at(START),
            Money::ZERO,
        );
        assert_eq!(fee.unwrap().amount.cents(), 50_000);
        let off = FeePolicy {
            no_show: FeeRule::None,
            ..POLICY
        };
        assert_eq!(
            fee_on(
                off,
                ReservationStatus::NoShow,
                at(START),
                at(START),
                Money::ZERO
            ),
            None
        );
    }

    #[test]
    fn fee_rules_parse() {
        assert_eq!("none".parse(), Ok(FeeRule::None));
        assert_eq!("one-day".parse(), Ok(FeeRule::OneDay));
        assert_eq!("99.5".parse(), Ok(FeeRule::Fixed(Money::from_cents(9_950))));
        assert!("0".parse::<FeeRule>().is_err());
        assert!("1.001".parse::<FeeRule>().is_err());
        assert!("two-days".parse::<FeeRule>().is_err());
    }

    fn terms(plan: &RatePlan) -> Terms<'_> {
        Terms {
            plan,
            extras: &[],
            tax: TaxPolicy {
                basis: PriceBasis::Exclusive,
                rate_basis_points: 2_000,
            },
            grace_minutes: 60,
            timezone: chrono_tz::UTC,
            language: Language::En,
        }
    }

    #[test]
    fn each_stage_has_its_lines() {
        let plan = RatePlan::flat(Money::from_cents(10_000));
        let booked = statement(
            &terms(&plan),
            Stage::Booked {
                start: at("2026-12-01T09:00:00Z"),
                end: at("2026-12-03T09:00:00Z"),
            },
        )
        .unwrap();
        assert_eq!(booked.total.gross.cents(), 24_000);
        let charges = [Charge {
            label: "Fuel".into(),
            amount: Money::from_cents(1_000),
            source: ChargeSource::Fuel,
        }];
        let returned = statement(
            &terms(&plan),
            Stage::Returned {
                pickup: at("2026-12-01T09:00:00Z"),
                returned: at("2026-12-04T09:00:00Z"),
                charges: &charges,
            },
        )
        .unwrap();
        let kinds: Vec<_> = returned.lines.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, [LineKind::Rental, LineKind::Charge]);
        assert_eq!(returned.total.net.cents(), 31_000);
        let mut fee = Fee {
            kind: FeeKind::NoShow,
            amount: Money::from_cents(5_000),
            waiver: None,
        };
        let ended = statement(&terms(&plan), Stage::Ended { fee: Some(&fee) }).unwrap();
        assert_eq!(ended.lines[0].label, "No-show fee");
        assert_eq!(ended.total.gross.cents(), 6_000);
        fee.waiver = Some(Waiver {
            reason: "flight cancelled".into(),
            by: None,
            at: at(START),
        });
        let waived = statement(&terms(&plan), Stage::Ended { fee: Some(&fee) }).unwrap();
        assert_eq!(
            waived.lines[0].label,
            "No-show fee (waived: flight cancelled)"
        );
        assert_eq!(waived.total.gross, Money::ZERO);
        let free = statement(&terms(&plan), Stage::Ended { fee: None }).unwrap();
        assert!(free.lines.is_empty());
    }
}
