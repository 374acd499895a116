//! Money: integer minor units (cents), parsed exactly from the JSON number the client sent.

use std::fmt;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount in minor units (1/100 of the currency unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Largest amount accepted (10 billion units): far above any rental, far below overflow.
const MAX_CENTS: i64 = 1_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parses the decimal text of a JSON number (`450`, `450.5`, `4.505e2`) exactly:
    /// more than two decimals is refused, never rounded.
    pub fn parse_decimal(text: &str) -> Result<Self, String> {
        if let Some(cents) = plain_cents(text) {
            return Ok(Money(cents));
        }
        let value = Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .map_err(|_| {
                let numeric = text.bytes().any(|b| b.is_ascii_digit())
                    && text.bytes().all(|b| b"0123456789+-.eE".contains(&b));
                // A number a decimal cannot hold is far too large or far too precise.
                if numeric {
                    "is too large or has more than 2 decimals".to_owned()
                } else {
                    "must be a number".to_owned()
                }
            })?
            .normalize();
        // A decimal keeps 28 significant digits and rounds the rest away without a word:
        // `250.00000000000000000000000000001` would become 250. Digits lost that way lie
        // far below the cent, so the amount has too many decimals.
        if significant_digits(text) != significant_digits(&value.mantissa().to_string()) {
            return Err("must have at most 2 decimals".to_owned());
        }
        if value.scale() > 2 {
            return Err("must have at most 2 decimals".to_owned());
        }
        // `*` panics on overflow; a hostile amount must be an error, not a crash.
        let cents = value
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|c| c.to_i64())
            .filter(|c| c.abs() <= MAX_CENTS)
            .ok_or_else(|| "is too large".to_owned())?;
        Ok(Money(cents))
    }

    /// Parses a JSON value that must be a number (not a string) with at most 2 decimals.
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, String> {
        match value {
            serde_json::Value::Number(n) => Money::parse_decimal(&n.to_string()),
            _ => Err("must be a number".to_owned()),
        }
    }

    /// Parses an amount that must be strictly positive.
    pub fn parse_positive(value: &serde_json::Value) -> Result<Self, String> {
        let money = Money::parse_json(value)?;
        if money.0 <= 0 {
            return Err("must be greater than 0".to_owned());
        }
        Ok(money)
    }

    /// The amount with exactly two decimals, as printed on an invoice line (`1.50`).
    pub fn fixed(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Parses an amount that may be zero but not negative.
    pub fn parse_non_negative(value: &serde_json::Value) -> Result<Self, String> {
        let money = Money::parse_json(value)?;
        if money.0 < 0 {
            return Err("must not be negative".to_owned());
        }
        Ok(money)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_mul(self, times: i64) -> Option<Money> {
        self.0.checked_mul(times).map(Money)
    }
}

/// The cents of the common plain form, `-?digits(.d{1,2})?` within [`MAX_CENTS`], read
/// with integer arithmetic; `None` for anything else, which the exact decimal path reads.
/// Amounts stored as JSON are read back by the dozen for each reservation shown.
fn plain_cents(text: &str) -> Option<i64> {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (units, fraction) = match unsigned.split_once('.') {
        Some((units, fraction)) if (1..=2).contains(&fraction.len()) => (units, fraction),
        Some(_) => return None,
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty() || units.len() > 11 || !digits(units) || !digits(fraction) {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let fraction: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    Some(sign * (units * 100 + fraction)).filter(|c| c.abs() <= MAX_CENTS)
}

/// The digits of a number's mantissa without its sign, point, exponent and the zeros that
/// lead or trail: `-0012.3400e5` → `1234`.
fn significant_digits(text: &str) -> String {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_matches('0').to_owned()
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (units, cents) = (abs / 100, abs % 100);
        match cents {
            0 => write!(f, "{sign}{units}"),
            c if c % 10 == 0 => write!(f, "{sign}{units}.{}", c / 10),
            c => write!(f, "{sign}{units}.{c:02}"),
        }
    }
}

/// Amounts up to this many cents (350 billion units) are written through an `f64`, and
/// exactly: dividing by 100 rounds correctly to the nearest double, doubles there lie
/// far less than a cent apart, so the shortest text that reads back as that double
/// (what serde_json writes) is the amount's own decimal text.
const EXACT_AS_F64_CENTS: i64 = 1 << 45;

/// Rendered as a JSON number with at most 2 decimals, equal to the exact decimal text.
/// A whole amount is written as an integer; others as a double when that is exact
/// (see [`EXACT_AS_F64_CENTS`]): through the text, a reservation's amounts cost twice as much.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            return s.serialize_i64(self.0 / 100);
        }
        if self.0.abs() <= EXACT_AS_F64_CENTS {
            return s.serialize_f64(self.0 as f64 / 100.0);
        }
        let number: serde_json::Number = self
            .to_string()
            .parse()
            .map_err(serde::ser::Error::custom)?;
        number.serialize(s)
    }
}

/// Read from a JSON number exactly (never through a float); a string is refused.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(d)?;
        Money::parse_decimal(number.as_str()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(Money::parse_decimal("450").unwrap().cents(), 45_000);
        assert_eq!(Money::parse_decimal("450.5").unwrap().cents(), 45_050);
        assert_eq!(Money::parse_decimal("0.1").unwrap().cents(), 10);
        assert_eq!(Money::parse_decimal("4.505e2").unwrap().cents(), 45_050);
        assert_eq!(Money::parse_decimal("450.50").unwrap().cents(), 45_050);
        assert_eq!(Money::parse_decimal("450.500").unwrap().cents(), 45_050);
        assert_eq!(Money::parse_decimal("0.00").unwrap().cents(), 0);
        assert_eq!(Money::parse_decimal("-0.5").unwrap().cents(), -50);
        assert_eq!(Money::parse_decimal("4505e-1").unwrap().cents(), 45_050);
        assert_eq!(Money::parse_decimal("-0").unwrap().cents(), 0);
        assert_eq!(Money::parse_decimal("0.05").unwrap().cents(), 5);
        assert_eq!(Money::parse_decimal("-12.3").unwrap().cents(), -1_230);
        assert_eq!(
            Money::parse_decimal("10000000000").unwrap().cents(),
            MAX_CENTS
        );
        assert_eq!(
            Money::parse_decimal("10000000000.01").unwrap_err(),
            "is too large"
        );
        for odd in ["1.", ".5", "1.2.3", "--1", "+1", "1 ", "1e2"] {
            assert_eq!(plain_cents(odd), None, "{odd}");
        }
    }

    #[test]
    fn fractional_cents_and_absurd_amounts_are_refused() {
        assert!(Money::parse_decimal("450.555").is_err());
        assert!(Money::parse_decimal("1e309").is_err());
        assert_eq!(
            Money::parse_decimal("1e309").unwrap_err(),
            "is too large or has more than 2 decimals"
        );
        assert_eq!(Money::parse_decimal("abc").unwrap_err(), "must be a number");
        // Beyond the 28 digits a decimal keeps: refused, not rounded to 250 or 250.5.
        assert!(Money::parse_decimal("250.00000000000000000000000000001").is_err());
        assert!(Money::parse_decimal("250.5000000000000000000000000000000001").is_err());
        assert!(Money::parse_decimal("2.5000000000000000000000000000000001e2").is_err());
        assert!(Money::parse_decimal("1e12").is_err());
        for huge in [
            "-4.3865369925467594e+27",
            "7.9e28",
            "1e99",
            "-1e-99",
            "79228162514264337593543950336",
        ] {
            assert!(Money::parse_decimal(huge).is_err(), "{huge}");
        }
        assert!(Money::parse_json(&serde_json::json!("450")).is_err());
        assert!(Money::parse_positive(&serde_json::json!(0)).is_err());
    }

    #[test]
    fn rendering_uses_at_most_two_decimals() {
        assert_eq!(Money(45_050).to_string(), "450.5");
        assert_eq!(Money(45_000).to_string(), "450");
        assert_eq!(Money(45_005).to_string(), "450.05");
        assert_eq!(Money(-5).to_string(), "-0.05");
        assert_eq!(serde_json::to_string(&Money(45_050)).unwrap(), "450.5");
        assert_eq!(serde_json::to_string(&Money(-45_000)).unwrap(), "-450");
        assert_eq!(serde_json::to_string(&Money(-5)).unwrap(), "-0.05");
    }

    /// The JSON of an amount is its decimal text, on both sides of the `f64` shortcut, and
    /// reads back as the same amount where an amount may be read.
    fn assert_json_is_text(cents: i64) {
        let money = Money(cents);
        assert_eq!(serde_json::to_string(&money).unwrap(), money.to_string());
        if cents.abs() <= MAX_CENTS {
            let value = serde_json::to_value(money).unwrap();
            assert_eq!(Money::parse_json(&value), Ok(money), "{cents}");
        }
    }

    #[test]
    fn json_amounts_are_exact_around_every_limit() {
        for cents in -100_000..100_000 {
            assert_json_is_text(cents);
        }
        for edge in [EXACT_AS_F64_CENTS, MAX_CENTS, i64::MAX] {
            for cents in [edge - 101, edge - 1, edge] {
                assert_json_is_text(cents);
                assert_json_is_text(-cents);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn json_amounts_are_exact(cents in -EXACT_AS_F64_CENTS * 4..EXACT_AS_F64_CENTS * 4) {
            assert_json_is_text(cents);
        }
    }
}
