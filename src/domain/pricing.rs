//! What a rental costs: billable days and totals, exact to the cent.

use super::money::Money;
use super::time::Timestamp;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The length of `[start, end)` in 24-hour periods, rounded up, at least 1; time past a
/// whole day that is within the grace period is not billed. Instants are absolute, so a
/// rental across a daylight-saving change is billed for the hours that really passed.
pub fn billable_days(start: Timestamp, end: Timestamp, grace_minutes: u32) -> i64 {
    let length = (end.millis() - start.millis()).max(0);
    let (whole, rest) = (length / DAY_MS, length % DAY_MS);
    let grace = i64::from(grace_minutes) * 60 * 1000;
    let days = if rest == 0 || (whole > 0 && rest <= grace) {
        whole
    } else {
        whole + 1
    };
    days.max(1)
}

/// A charge added at return (fuel, damage, late return, …).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Charge {
    pub label: String,
    pub amount: Money,
    /// Who set the line: the agent by hand, or the server from the return inspection.
    #[serde(default)]
    pub source: ChargeSource,
}

/// Where an additional charge comes from.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ChargeSource {
    /// Added by hand at the desk.
    #[default]
    Agent,
    /// Distance beyond what the rental includes.
    Mileage,
    /// Fuel missing at return.
    Fuel,
}

/// Why a total cannot be computed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the amount is too large")]
pub struct Overflow;

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn days(start: &str, end: &str) -> i64 {
        billable_days(at(start), at(end), 60)
    }

    #[test]
    fn whole_days_and_the_grace_period() {
        assert_eq!(
            days("2026-05-01T10:00:00Z", "2026-05-02T10:00:00Z"),
            1,
            "exactly 24 h"
        );
        assert_eq!(
            days("2026-05-01T10:00:00Z", "2026-05-02T11:00:00Z"),
            1,
            "24 h + grace"
        );
        assert_eq!(
            days("2026-05-01T10:00:00Z", "2026-05-02T11:01:00Z"),
            2,
            "24 h + grace + 1 min"
        );
        assert_eq!(days("2026-05-01T10:00:00Z", "2026-05-04T10:00:00Z"), 3);
    }

    #[test]
    fn a_short_rental_is_one_day() {
        assert_eq!(days("2026-05-01T10:00:00Z", "2026-05-01T10:30:00Z"), 1);
        assert_eq!(days("2026-05-01T10:00:00Z", "2026-05-01T10:00:00Z"), 1);
    }

    #[test]
    fn daylight_saving_changes_count_real_hours() {
        // Paris springs forward on 2026-03-29: 10:00+01:00 to 10:00+02:00 is 23 hours.
        assert_eq!(
            days("2026-03-28T10:00:00+01:00", "2026-03-29T10:00:00+02:00"),
            1
        );
        // And falls back on 2026-10-25: 10:00+02:00 to 10:00+01:00 is 25 hours, within grace.
        assert_eq!(
            days("2026-10-24T10:00:00+02:00", "2026-10-25T10:00:00+01:00"),
            1
        );
        assert_eq!(
            billable_days(
                at("2026-10-24T10:00:00+02:00"),
                at("2026-10-25T10:00:00+01:00"),
                0
            ),
            2
        );
    }
}
