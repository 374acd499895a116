//! A price, line by line: the rental days by rate and season, the extras, each line's
//! tax, the totals and the deposit. A quote and the booking made from it hold the same
//! lines.

use serde::Serialize;

use super::extras::ExtraTerms;
use super::money::Money;
use super::pricing::{billable_days, Overflow};
use super::rates::{rental_lines, RatePlan, RentalLine, Tier};
use super::tax::{TaxPolicy, Taxed};
use super::time::Timestamp;

/// What a line of a price is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Rental,
    Extra,
}

/// One line of a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLine {
    pub kind: LineKind,
    pub label: String,
    /// Days for a rental line, units for an extra.
    pub quantity: i64,
    /// The price of one day or one unit for the whole rental, as entered (see `basis`).
    pub unit_price: Money,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

/// A whole price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub start: Timestamp,
    pub end: Timestamp,
    pub billable_days: i64,
    pub lines: Vec<QuoteLine>,
    /// The sums of the lines.
    pub total: Taxed,
    /// Held at pick-up, returned at the end; not part of the total.
    pub deposit: Money,
}

/// What a quote is made from.
#[derive(Debug, Clone)]
pub struct QuoteRequest<'a> {
    pub plan: &'a RatePlan,
    pub start: Timestamp,
    pub end: Timestamp,
    pub grace_minutes: u32,
    pub timezone: chrono_tz::Tz,
    /// Each chosen extra with its quantity.
    pub extras: &'a [(ExtraTerms, i64)],
    pub tax: TaxPolicy,
    pub deposit: Money,
}

fn rental_label(line: &RentalLine) -> String {
    let days = if line.days == 1 { "jour" } else { "jours" };
    let mut label = format!(
        "Location : {} {days} × {}",
        line.days,
        line.day_rate.fixed()
    );
    match line.tier {
        Tier::Weekly => label.push_str(", tarif semaine"),
        Tier::Monthly => label.push_str(", tarif mois"),
        Tier::Daily => {}
    }
    if let Some(season) = &line.season {
        label.push_str(&format!(" ({season})"));
    }
    label
}

fn taxed_line(
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

/// Prices a rental line by line.
pub fn quote(r: &QuoteRequest<'_>) -> Result<Quote, Overflow> {
    let days = billable_days(r.start, r.end, r.grace_minutes);
    let mut lines = Vec::new();
    for line in rental_lines(r.plan, r.start, days, r.timezone)? {
        let label = rental_label(&line);
        lines.push(taxed_line(
            LineKind::Rental,
            label,
            line.days,
            line.day_rate,
            line.amount,
            r.tax,
        ));
    }
    for (extra, quantity) in r.extras {
        let unit = extra.unit_cost(days)?;
        let amount = extra.cost(*quantity, days)?;
        let label = format!("{} × {quantity}", extra.name);
        lines.push(taxed_line(
            LineKind::Extra,
            label,
            *quantity,
            unit,
            amount,
            r.tax,
        ));
    }
    let total = lines
        .iter()
        .try_fold(Taxed::default(), |sum, l| {
            sum.checked_add(Taxed {
                net: l.net,
                tax: l.tax,
                gross: l.gross,
            })
        })
        .ok_or(Overflow)?;
    Ok(Quote {
        start: r.start,
        end: r.end,
        billable_days: days,
        lines,
        total,
        deposit: r.deposit,
    })
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::domain::date::Date;
    use crate::domain::extras::ExtraPricing;
    use crate::domain::rates::{DayRates, SeasonRates};
    use crate::domain::tax::PriceBasis;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
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
        let extras = [(seat, 2)];
        let q = quote(&QuoteRequest {
            plan: &plan,
            start: at("2026-12-01T09:00:00Z"),
            end: at("2026-12-04T09:00:00Z"),
            grace_minutes: 60,
            timezone: chrono_tz::UTC,
            extras: &extras,
            tax: VAT,
            deposit: Money::from_cents(500_000),
        })
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
            let extras: Vec<(ExtraTerms, i64)> = (0..rng.gen_range(0..4))
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
                    (terms, rng.gen_range(1..4))
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
            let q = quote(&QuoteRequest {
                plan: &plan,
                start,
                end,
                grace_minutes: 60,
                timezone: chrono_tz::UTC,
                extras: &extras,
                tax,
                deposit: Money::ZERO,
            })
            .unwrap();
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
