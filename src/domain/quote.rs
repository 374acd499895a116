//! A price, line by line: the rental days by rate and season, the extras, fees and
//! charges, each line's tax, the totals and the deposit. A quote and the booking made from
//! it hold the same lines.

use serde::{Deserialize, Serialize};

use super::extras::ChosenExtra;
use super::invoice::Language;
use super::money::Money;
use super::pricing::{billable_days, Charge, Overflow};
use super::rates::{rental_lines, RatePlan, RentalLine, Tier};
use super::tax::{PriceBasis, TaxPolicy, Taxed, VatRate};
use super::time::Timestamp;

/// What a line charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// Days at one rate (one tier, one season).
    Rental,
    /// An extra from the catalogue, with its quantity.
    Extra,
    /// A cancellation or no-show fee.
    Fee,
    /// A charge added at return (by the agent, for distance or for fuel).
    Charge,
}

/// One priced line; `net + tax = gross`, and the price as entered is kept exactly (the
/// gross when prices include tax, the net when they do not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLine {
    pub kind: LineKind,
    pub label: String,
    /// Days for a rental line, units for an extra, 1 otherwise.
    pub quantity: i64,
    /// The price of one day or one unit, as entered (with or without tax, per the basis).
    pub unit_price: Money,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

/// Lines and their totals, which are the sums of the rounded lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Priced {
    pub lines: Vec<QuoteLine>,
    pub total: Taxed,
}

impl Priced {
    /// Sums the lines.
    pub fn of(lines: Vec<QuoteLine>) -> Result<Priced, Overflow> {
        let total = lines
            .iter()
            .try_fold(Taxed::default(), |sum, l| sum.checked_add(l.taxed()))
            .ok_or(Overflow)?;
        Ok(Priced { lines, total })
    }
}

impl QuoteLine {
    fn new(
        kind: LineKind,
        label: String,
        quantity: i64,
        unit_price: Money,
        amount: Money,
        tax: TaxPolicy,
    ) -> QuoteLine {
        let t = tax.apply(amount);
        QuoteLine {
            kind,
            label,
            quantity,
            unit_price,
            net: t.net,
            tax: t.tax,
            gross: t.gross,
        }
    }

    /// The line's amounts.
    pub fn taxed(&self) -> Taxed {
        Taxed {
            net: self.net,
            tax: self.tax,
            gross: self.gross,
        }
    }

    /// A charge added at return, taxed like every price.
    pub fn charge(charge: &Charge, tax: TaxPolicy) -> QuoteLine {
        QuoteLine::new(
            LineKind::Charge,
            charge.label.clone(),
            1,
            charge.amount,
            charge.amount,
            tax,
        )
    }

    /// A fee line (cancellation or no-show); `amount` is zero once waived.
    pub fn fee(label: String, amount: Money, tax: TaxPolicy) -> QuoteLine {
        QuoteLine::new(LineKind::Fee, label, 1, amount, amount, tax)
    }
}

/// What a booking is priced with, frozen into it at booking.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    pub plan: &'a RatePlan,
    pub extras: &'a [ChosenExtra],
    pub tax: TaxPolicy,
    pub grace_minutes: u32,
    /// The agency's time zone: seasons are calendar days there.
    pub timezone: chrono_tz::Tz,
    pub language: Language,
}

fn rental_label(line: &RentalLine, language: Language) -> String {
    let (rental, day, days, week, month) = match language {
        Language::Fr => ("Location :", "jour", "jours", "tarif semaine", "tarif mois"),
        Language::En => ("Rental:", "day", "days", "weekly rate", "monthly rate"),
    };
    let unit = if line.days == 1 { day } else { days };
    let mut label = format!("{rental} {} {unit} × {}", line.days, line.day_rate.fixed());
    match line.tier {
        Tier::Weekly => label.push_str(&format!(", {week}")),
        Tier::Monthly => label.push_str(&format!(", {month}")),
        Tier::Daily => {}
    }
    if let Some(season) = &line.season {
        label.push_str(&format!(" ({season})"));
    }
    label
}

/// The days and extras of a rental over `[start, end)`: the billable days and their lines.
pub fn rental(
    terms: &Terms<'_>,
    start: Timestamp,
    end: Timestamp,
) -> Result<(i64, Vec<QuoteLine>), Overflow> {
    let days = billable_days(start, end, terms.grace_minutes);
    let mut lines = Vec::new();
    for line in rental_lines(terms.plan, start, days, terms.timezone)? {
        let label = rental_label(&line, terms.language);
        lines.push(QuoteLine::new(
            LineKind::Rental,
            label,
            line.days,
            line.day_rate,
            line.amount,
            terms.tax,
        ));
    }
    for chosen in terms.extras {
        let extra = &chosen.terms;
        let label = format!("{} × {}", extra.name, chosen.quantity);
        lines.push(QuoteLine::new(
            LineKind::Extra,
            label,
            chosen.quantity,
            extra.unit_cost(days)?,
            extra.cost(chosen.quantity, days)?,
            terms.tax,
        ));
    }
    Ok((days, lines))
}

/// A price given before booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub start: Timestamp,
    pub end: Timestamp,
    pub billable_days: i64,
    pub price_basis: PriceBasis,
    pub vat_rate: VatRate,
    pub lines: Vec<QuoteLine>,
    pub total: Taxed,
    /// The security deposit held at pick-up, apart from the price.
    pub deposit: Money,
}

/// Prices `[start, end)` with `terms`: exactly the lines a booking of it would hold.
pub fn quote(
    terms: &Terms<'_>,
    start: Timestamp,
    end: Timestamp,
    deposit: Money,
) -> Result<Quote, Overflow> {
    let (days, lines) = rental(terms, start, end)?;
    let priced = Priced::of(lines)?;
    Ok(Quote {
        start,
        end,
        billable_days: days,
        price_basis: terms.tax.basis,
        vat_rate: VatRate(terms.tax.rate_basis_points),
        lines: priced.lines,
        total: priced.total,
        deposit,
    })
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::domain::date::Date;
    use crate::domain::extras::{ExtraPricing, ExtraTerms};
    use crate::domain::rates::{DayRates, SeasonRates};
    use crate::domain::tax::PriceBasis;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn chosen(terms: ExtraTerms, quantity: i64) -> ChosenExtra {
        ChosenExtra {
            extra_id: crate::domain::id::Id::generate(),
            terms,
            quantity,
        }
    }

    fn terms<'a>(plan: &'a RatePlan, extras: &'a [ChosenExtra], tax: TaxPolicy) -> Terms<'a> {
        Terms {
            plan,
            extras,
            tax,
            grace_minutes: 60,
            timezone: chrono_tz::UTC,
            language: Language::Fr,
        }
    }

    const VAT: TaxPolicy = TaxPolicy {
        basis: PriceBasis::Inclusive,
        rate_basis_points: 2_000,
    };

    #[test]
    fn a_quote_lists_days_extras_tax_and_deposit() {
        let plan = RatePlan::flat(Money::from_cents(30_000));
        let seat = ExtraTerms {
            name: "Siège enfant".into(),
            pricing: ExtraPricing::PerDay,
            price: Money::from_cents(3_000),
            cap: Some(Money::from_cents(15_000)),
        };
        let extras = [chosen(seat, 2)];
        let q = quote(
            &terms(&plan, &extras, VAT),
            at("2026-12-01T09:00:00Z"),
            at("2026-12-04T09:00:00Z"),
            Money::from_cents(500_000),
        )
        .unwrap();
        assert_eq!(q.billable_days, 3);
        let labels: Vec<_> = q.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["Location : 3 jours × 300.00", "Siège enfant × 2"]);
        assert_eq!(q.lines[1].unit_price, Money::from_cents(9_000));
        assert_eq!(q.total.gross, Money::from_cents(90_000 + 18_000));
        // 900.00 TTC → 750.00 HT; 180.00 TTC → 150.00 HT.
        assert_eq!(q.total.net, Money::from_cents(75_000 + 15_000));
        assert_eq!(q.deposit, Money::from_cents(500_000));
    }

    /// Random plans, lengths, extras and tax rules: the lines always add up to the total,
    /// and each line's net and tax to its gross.
    #[test]
    fn lines_always_add_up_to_the_total() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let money = |rng: &mut rand::rngs::StdRng| Money::from_cents(rng.gen_range(1..200_000));
        for _ in 0..500 {
            let day = |n: i64| {
                Date::in_zone(
                    at("2026-01-01T00:00:00Z").plus_millis(n * 86_400_000),
                    chrono_tz::UTC,
                )
            };
            let first = rng.gen_range(0..300);
            let plan = RatePlan {
                base: DayRates {
                    daily: money(&mut rng),
                    weekly: rng.gen_bool(0.5).then(|| money(&mut rng)),
                    monthly: rng.gen_bool(0.5).then(|| money(&mut rng)),
                },
                seasons: vec![SeasonRates {
                    name: "S".into(),
                    first_day: day(first),
                    last_day: day(first + rng.gen_range(0..60)),
                    rates: DayRates {
                        daily: money(&mut rng),
                        weekly: None,
                        monthly: None,
                    },
                }],
            };
            let extras: Vec<ChosenExtra> = (0..rng.gen_range(0..4))
                .map(|_| {
                    let terms = ExtraTerms {
                        name: "E".into(),
                        pricing: if rng.gen_bool(0.5) {
                            ExtraPricing::PerDay
                        } else {
                            ExtraPricing::PerRental
                        },
                        price: money(&mut rng),
                        cap: rng.gen_bool(0.5).then(|| money(&mut rng)),
                    };
                    chosen(terms, rng.gen_range(1..4))
                })
                .collect();
            let start = at("2026-01-01T08:00:00Z").plus_millis(rng.gen_range(0..300) * 86_400_000);
            let end = start.plus_millis(rng.gen_range(1..90 * 86_400_000));
            let tax = TaxPolicy {
                basis: if rng.gen_bool(0.5) {
                    PriceBasis::Inclusive
                } else {
                    PriceBasis::Exclusive
                },
                rate_basis_points: rng.gen_range(0..3_000),
            };
            let q = quote(&terms(&plan, &extras, tax), start, end, Money::ZERO).unwrap();
            let sum =
                |f: fn(&QuoteLine) -> Money| q.lines.iter().map(|l| f(l).cents()).sum::<i64>();
            assert_eq!(sum(|l| l.net), q.total.net.cents());
            assert_eq!(sum(|l| l.tax), q.total.tax.cents());
            assert_eq!(sum(|l| l.gross), q.total.gross.cents());
            assert_eq!(
                q.total.net.cents() + q.total.tax.cents(),
                q.total.gross.cents()
            );
            let rental_days: i64 = q
                .lines
                .iter()
                .filter(|l| l.kind == LineKind::Rental)
                .map(|l| l.quantity)
                .sum();
            assert_eq!(rental_days, q.billable_days);
        }
    }
}
