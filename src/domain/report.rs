//! Revenue and utilisation reports: sums over closed rentals and over the time cars were
//! out, grouped as asked. Pure functions over rows already read.

use std::collections::BTreeMap;

use serde::Serialize;

use super::dashboard::Window;
use super::date::Date;
use super::id::Id;
use super::money::Money;
use super::tax::Taxed;
use super::time::Timestamp;

/// How revenue rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Month,
    Car,
    Branch,
}

impl std::str::FromStr for GroupBy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "month" => Ok(GroupBy::Month),
            "car" => Ok(GroupBy::Car),
            "branch" => Ok(GroupBy::Branch),
            _ => Err("must be month, car or branch".into()),
        }
    }
}

/// A closed reservation, as revenue counts it.
#[derive(Debug, Clone)]
pub struct ClosedRental {
    pub closed_at: Timestamp,
    pub car: Id,
    pub car_label: String,
    pub branch: Option<Id>,
    pub branch_label: Option<String>,
    pub total: Taxed,
}

/// One group of a revenue report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevenueRow {
    /// `2026-11`, a car id, a branch id, or `none` for rentals without a branch.
    pub key: String,
    pub label: String,
    pub reservations: i64,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

/// Revenue grouped by month (in `tz`), car or pick-up branch, in key order; the
/// reservations' totals add up exactly.
pub fn revenue(rentals: &[ClosedRental], group: GroupBy, tz: chrono_tz::Tz) -> Vec<RevenueRow> {
    let mut rows: BTreeMap<String, RevenueRow> = BTreeMap::new();
    for r in rentals {
        let (key, label) = match group {
            GroupBy::Month => {
                let month = Date::in_zone(r.closed_at, tz).month_label();
                (month.clone(), month)
            }
            GroupBy::Car => (r.car.to_string(), r.car_label.clone()),
            GroupBy::Branch => match (r.branch, &r.branch_label) {
                (Some(id), Some(name)) => (id.to_string(), name.clone()),
                _ => ("none".to_owned(), "—".to_owned()),
            },
        };
        let row = rows.entry(key.clone()).or_insert_with(|| RevenueRow {
            key,
            label,
            reservations: 0,
            net: Money::ZERO,
            tax: Money::ZERO,
            gross: Money::ZERO,
        });
        row.reservations += 1;
        row.net = Money::from_cents(row.net.cents() + r.total.net.cents());
        row.tax = Money::from_cents(row.tax.cents() + r.total.tax.cents());
        row.gross = Money::from_cents(row.gross.cents() + r.total.gross.cents());
    }
    rows.into_values().collect()
}

/// A period a car was out on a rental, or blocked.
#[derive(Debug, Clone)]
pub struct CarPeriod {
    pub car: Id,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// One car's use over the window.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UtilisationRow {
    pub car_id: Id,
    pub label: String,
    /// Days out on rentals (to the hour, 2 decimals).
    pub rented_days: f64,
    /// Days blocked (servicing, repairs).
    pub blocked_days: f64,
    /// Rented time over the time the car was not blocked, in percent (1 decimal).
    pub utilisation: f64,
}

const DAY_MS: f64 = 86_400_000.0;

fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

/// Each car's rented and blocked time in `window`, in the order of `cars`.
pub fn utilisation(
    cars: &[(Id, String)],
    rentals: &[CarPeriod],
    blocks: &[CarPeriod],
    window: Window,
) -> Vec<UtilisationRow> {
    let total = |periods: &[CarPeriod], car: Id| -> i64 {
        periods
            .iter()
            .filter(|p| p.car == car)
            .map(|p| window.overlap_ms(p.start, p.end))
            .sum()
    };
    let length = (window.end.millis() - window.start.millis()).max(0);
    cars.iter()
        .map(|(car, label)| {
            let rented = total(rentals, *car);
            let blocked = total(blocks, *car).min(length);
            let open = length - blocked;
            let share = if open > 0 {
                rented as f64 * 100.0 / open as f64
            } else {
                0.0
            };
            UtilisationRow {
                car_id: *car,
                label: label.clone(),
                rented_days: round(rented as f64 / DAY_MS, 2),
                blocked_days: round(blocked as f64 / DAY_MS, 2),
                utilisation: round(share.min(100.0), 1),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn closed(at_: &str, car: Id, gross: i64) -> ClosedRental {
        ClosedRental {
            closed_at: at(at_),
            car,
            car_label: "Dacia Logan".into(),
            branch: None,
            branch_label: None,
            total: Taxed {
                net: Money::from_cents(gross * 5 / 6),
                tax: Money::from_cents(gross - gross * 5 / 6),
                gross: Money::from_cents(gross),
            },
        }
    }

    #[test]
    fn revenue_is_grouped_by_the_agency_month() {
        let car = Id::generate();
        let rows = revenue(
            &[
                closed("2026-10-31T23:30:00Z", car, 60_000),
                closed("2026-11-02T10:00:00Z", car, 12_000),
            ],
            GroupBy::Month,
            chrono_tz::Africa::Casablanca,
        );
        assert_eq!(
            rows.len(),
            1,
            "23:30 UTC is already November in Casablanca (UTC+1)"
        );
        assert_eq!((rows[0].key.as_str(), rows[0].reservations), ("2026-11", 2));
        assert_eq!(rows[0].gross.cents(), 72_000);
        assert_eq!(rows[0].net.cents() + rows[0].tax.cents(), 72_000);
        let by_branch = revenue(
            &[closed("2026-11-02T10:00:00Z", car, 1)],
            GroupBy::Branch,
            chrono_tz::UTC,
        );
        assert_eq!(by_branch[0].key, "none");
    }

    #[test]
    fn utilisation_counts_only_the_window_and_leaves_out_blocked_time() {
        let car = Id::generate();
        let window = Window {
            start: at("2026-11-01T00:00:00Z"),
            end: at("2026-11-11T00:00:00Z"),
        };
        let period = |s: &str, e: &str| CarPeriod {
            car,
            start: at(s),
            end: at(e),
        };
        let rows = utilisation(
            &[(car, "Logan".into())],
            &[
                period("2026-10-30T00:00:00Z", "2026-11-03T00:00:00Z"),
                period("2026-11-05T00:00:00Z", "2026-11-07T12:00:00Z"),
            ],
            &[period("2026-11-09T00:00:00Z", "2026-11-20T00:00:00Z")],
            window,
        );
        assert_eq!(rows[0].rented_days, 4.5);
        assert_eq!(rows[0].blocked_days, 2.0);
        assert_eq!(rows[0].utilisation, 56.3, "4.5 of the 8 open days");
    }
}
