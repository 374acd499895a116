//! Value-added tax: prices kept with or without tax, and each line's net, tax and gross.
//!
//! The rounding rule: the tax of each line is computed exactly and rounded once, to the
//! cent, half away from zero; totals are the sums of the rounded lines, so a total's net
//! plus its tax is always its gross, line by line and in all.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::money::Money;

/// Whether the prices the agency enters include the tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriceBasis {
    /// Prices are what the client pays; the tax is inside them.
    Inclusive,
    /// Prices are before tax; the tax is added.
    Exclusive,
}

impl std::str::FromStr for PriceBasis {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inclusive" => Ok(PriceBasis::Inclusive),
            "exclusive" => Ok(PriceBasis::Exclusive),
            _ => Err("must be inclusive or exclusive".into()),
        }
    }
}

/// The agency's tax rule (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxPolicy {
    pub basis: PriceBasis,
    /// The VAT rate in basis points (2000 = 20 %).
    pub rate_basis_points: u32,
}

/// A line's or a total's amounts before tax, of tax, and with tax.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Taxed {
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

impl Taxed {
    /// The sum of two amounts, or `None` on overflow.
    pub fn checked_add(self, other: Taxed) -> Option<Taxed> {
        Some(Taxed {
            net: self.net.checked_add(other.net)?,
            tax: self.tax.checked_add(other.tax)?,
            gross: self.gross.checked_add(other.gross)?,
        })
    }
}

fn cents(value: Decimal) -> i64 {
    value
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(i64::MAX)
}

impl TaxPolicy {
    /// The net, tax and gross of a line priced `amount` (a price as entered, per the basis).
    pub fn apply(&self, amount: Money) -> Taxed {
        let rate = Decimal::from(self.rate_basis_points) / Decimal::from(10_000);
        let price = Decimal::from(amount.cents());
        match self.basis {
            PriceBasis::Exclusive => {
                let tax = Money::from_cents(cents(price * rate));
                Taxed {
                    net: amount,
                    tax,
                    gross: Money::from_cents(amount.cents() + tax.cents()),
                }
            }
            PriceBasis::Inclusive => {
                let net = Money::from_cents(cents(price / (Decimal::ONE + rate)));
                Taxed {
                    net,
                    tax: Money::from_cents(amount.cents() - net.cents()),
                    gross: amount,
                }
            }
        }
    }
}

/// A VAT rate in basis points, shown as a percentage (`2000` is `20`, `550` is `5.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[schema(value_type = f64)]
pub struct VatRate(pub u32);

impl Serialize for VatRate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Money::from_cents(i64::from(self.0)).serialize(s)
    }
}

impl std::str::FromStr for VatRate {
    type Err = String;

    /// A percentage with at most two decimals, from 0 to 100.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bp = Money::parse_decimal(s.trim())?.cents();
        u32::try_from(bp)
            .ok()
            .filter(|bp| *bp <= 10_000)
            .map(VatRate)
            .ok_or_else(|| "must be a percentage from 0 to 100".into())
    }
}

impl std::fmt::Display for VatRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Money::from_cents(i64::from(self.0)).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(basis: PriceBasis) -> TaxPolicy {
        TaxPolicy {
            basis,
            rate_basis_points: 2_000,
        }
    }

    fn amounts(t: Taxed) -> (i64, i64, i64) {
        (t.net.cents(), t.tax.cents(), t.gross.cents())
    }

    #[test]
    fn vat_rates_are_percentages_with_two_decimals() {
        assert_eq!("20".parse::<VatRate>(), Ok(VatRate(2_000)));
        assert_eq!("5.5".parse::<VatRate>(), Ok(VatRate(550)));
        assert!("100.01".parse::<VatRate>().is_err());
        assert!("-1".parse::<VatRate>().is_err());
        assert!("7.125".parse::<VatRate>().is_err());
        assert_eq!(serde_json::to_string(&VatRate(550)).unwrap(), "5.5");
    }

    #[test]
    fn exclusive_prices_add_the_tax() {
        let p = policy(PriceBasis::Exclusive);
        assert_eq!(
            amounts(p.apply(Money::from_cents(30_000))),
            (30_000, 6_000, 36_000)
        );
        // 12.6 cents of tax are 13.
        assert_eq!(amounts(p.apply(Money::from_cents(63))), (63, 13, 76));
        // A half cent is rounded away from zero: 10 % of 0.05 is 0.005 → 0.01, and of
        // −0.05 (a refund line) is −0.01.
        let ten = TaxPolicy {
            basis: PriceBasis::Exclusive,
            rate_basis_points: 1_000,
        };
        assert_eq!(amounts(ten.apply(Money::from_cents(5))), (5, 1, 6));
        assert_eq!(amounts(ten.apply(Money::from_cents(-5))), (-5, -1, -6));
    }

    #[test]
    fn inclusive_prices_hold_the_tax() {
        let p = policy(PriceBasis::Inclusive);
        assert_eq!(
            amounts(p.apply(Money::from_cents(36_000))),
            (30_000, 6_000, 36_000)
        );
        // 100.00 / 1.2 = 83.333… → 83.33 net, 16.67 tax.
        assert_eq!(
            amounts(p.apply(Money::from_cents(10_000))),
            (8_333, 1_667, 10_000)
        );
    }

    #[test]
    fn every_line_adds_up_whatever_the_amount_and_rate() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        for _ in 0..20_000 {
            let basis = if rng.gen_bool(0.5) {
                PriceBasis::Inclusive
            } else {
                PriceBasis::Exclusive
            };
            let p = TaxPolicy {
                basis,
                rate_basis_points: rng.gen_range(0..=10_000),
            };
            let amount = Money::from_cents(rng.gen_range(-10_000_000..10_000_000));
            let t = p.apply(amount);
            assert_eq!(
                t.net.cents() + t.tax.cents(),
                t.gross.cents(),
                "{p:?} {amount}"
            );
            let kept = if basis == PriceBasis::Inclusive {
                t.gross
            } else {
                t.net
            };
            assert_eq!(kept, amount, "the price as entered is kept");
        }
    }
}
