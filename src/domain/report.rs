//! Revenue and utilisation reports: sums over closed rentals and over the time cars were
//! out, grouped as asked. Pure functions over sums the database already made.

use std::collections::HashMap;

use serde::Serialize;

use super::dashboard::Window;
use super::date::Date;
use super::id::Id;
use super::money::Money;
use super::tax::Taxed;
#[cfg(test)]
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

/// The sums of a set of closed reservations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub reservations: i64,
    pub total: Taxed,
}

impl RevenueRow {
    pub fn new(key: String, label: String, sums: Sums) -> RevenueRow {
        RevenueRow {
            key,
            label,
            reservations: sums.reservations,
            net: sums.total.net,
            tax: sums.total.tax,
            gross: sums.total.gross,
        }
    }
}

/// The months of the agency's calendar that `window` touches, each cut to the window,
/// labelled `2026-11`.
pub fn months(window: Window, tz: chrono_tz::Tz) -> Vec<(String, Window)> {
    let mut out = Vec::new();
    let mut day = Date::in_zone(window.start, tz);
    while day.start_in(tz) < window.end {
        let (first, next) = day.month_bounds();
        let part = Window {
            start: first.start_in(tz).max(window.start),
            end: next.start_in(tz).min(window.end),
        };
        out.push((first.month_label(), part));
        if next <= day {
            break;
        }
        day = next;
    }
    out
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

/// Each car's use, from its rented and blocked time in `window` (milliseconds, each
/// already cut to the window), in the order of `cars`.
pub fn utilisation(
    cars: &[(Id, String)],
    rented: &HashMap<Id, i64>,
    blocked: &HashMap<Id, i64>,
    window: Window,
) -> Vec<UtilisationRow> {
    let length = (window.end.millis() - window.start.millis()).max(0);
    cars.iter()
        .map(|(car, label)| {
            let rented = rented.get(car).copied().unwrap_or(0);
            let blocked = blocked.get(car).copied().unwrap_or(0).min(length);
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

    #[test]
    fn a_window_is_cut_into_agency_months() {
        let tz = chrono_tz::Africa::Casablanca;
        let from = Date::parse("2026-10-15").unwrap();
        let to = Date::parse("2026-12-02").unwrap();
        let window = Window {
            start: from.start_in(tz),
            end: to.next().start_in(tz),
        };
        let parts = months(window, tz);
        let labels: Vec<_> = parts.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["2026-10", "2026-11", "2026-12"]);
        assert_eq!(parts[0].1.start, window.start);
        assert_eq!(parts[1].1.end, parts[2].1.start, "no gap, no overlap");
        assert_eq!(parts[2].1.end, window.end);
        assert_eq!(
            at("2026-10-31T23:00:00Z"),
            parts[1].1.start,
            "midnight in Casablanca (UTC+1)"
        );
    }

    #[test]
    fn utilisation_leaves_out_blocked_time() {
        let car = Id::generate();
        let window = Window {
            start: at("2026-11-01T00:00:00Z"),
            end: at("2026-11-11T00:00:00Z"),
        };
        let day = 86_400_000;
        let rented = HashMap::from([(car, 4 * day + day / 2)]);
        let blocked = HashMap::from([(car, 2 * day)]);
        let rows = utilisation(&[(car, "Logan".into())], &rented, &blocked, window);
        assert_eq!(rows[0].rented_days, 4.5);
        assert_eq!(rows[0].blocked_days, 2.0);
        assert_eq!(rows[0].utilisation, 56.3, "4.5 of the 8 open days");
        let idle = utilisation(
            &[(Id::generate(), "Clio".into())],
            &rented,
            &blocked,
            window,
        );
        assert_eq!((idle[0].rented_days, idle[0].utilisation), (0.0, 0.0));
    }
}
