//! Today's board: what the desk has to do today, and how the month is going.

use serde::Serialize;

use super::id::Id;
use super::money::Money;
use super::reservation::{CarSummary, ClientSummary, ReservationStatus};
use super::time::Timestamp;

const DAY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

/// A half-open window of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    /// How much of `[from, to)` falls in the window, in milliseconds.
    pub fn overlap_ms(self, from: Timestamp, to: Timestamp) -> i64 {
        let start = from.max(self.start);
        let end = to.min(self.end);
        (end.millis() - start.millis()).max(0)
    }
}

/// A rental on the board.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardRental {
    #[serde(rename = "_id")]
    pub id: Id,
    pub reservation_number: String,
    pub status: ReservationStatus,
    /// When it happens: the start for a pick-up, the end for a return.
    pub at: Timestamp,
    pub car: CarSummary,
    pub client: ClientSummary,
}

/// A list on the board: how many in all, and the first of them in time order.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BoardList {
    pub count: i64,
    pub items: Vec<BoardRental>,
}

/// The fleet by car status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusCounts {
    pub available: i64,
    pub rented: i64,
    pub maintenance: i64,
    pub out_of_service: i64,
}

impl StatusCounts {
    /// From `(status, count)` rows; an unknown status counts as out of service.
    pub fn from_rows(rows: &[(String, i64)]) -> Self {
        let mut counts = StatusCounts::default();
        for (status, n) in rows {
            match status.as_str() {
                "available" => counts.available += n,
                "rented" => counts.rented += n,
                "maintenance" => counts.maintenance += n,
                _ => counts.out_of_service += n,
            }
        }
        counts
    }
}

/// How the month is going.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// Car-days rented (picked-up to returned, or to now while out), to 2 decimals.
    pub rented_car_days: f64,
    /// Car-days the fleet could be rented: each car in service from the month's start (or
    /// its addition) to the month's end, less its blocks, to 2 decimals.
    pub available_car_days: f64,
    /// rented ÷ available, 0 to 1 (to 4 decimals); 0 when nothing was available.
    pub utilisation: f64,
    /// Final totals of the rentals returned in the month.
    pub revenue: Money,
}

/// The whole board.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    pub date: String,
    pub timezone: String,
    pub branch_id: Option<Id>,
    /// Rentals starting that day that are not cancelled (already picked up ones included,
    /// with status `active`).
    pub pickups: BoardList,
    /// Rentals planned to end that day, out or returned.
    pub returns: BoardList,
    /// Rentals out past their end, now.
    pub overdue: BoardList,
    /// Bookings waiting for confirmation, soonest first.
    pub awaiting_confirmation: BoardList,
    pub cars_by_status: StatusCounts,
    pub month: MonthFigures,
}

fn round_to(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// The month's figures from milliseconds rented and available.
pub fn month_figures(
    month: String,
    rented_ms: i64,
    available_ms: i64,
    revenue: Money,
) -> MonthFigures {
    let utilisation = if available_ms > 0 {
        (rented_ms as f64 / available_ms as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    MonthFigures {
        month,
        rented_car_days: round_to(rented_ms as f64 / DAY_MS, 2),
        available_car_days: round_to(available_ms as f64 / DAY_MS, 2),
        utilisation: round_to(utilisation, 4),
        revenue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn overlaps_are_clipped_to_the_window() {
        let month = Window {
            start: at("2026-11-01T00:00:00Z"),
            end: at("2026-12-01T00:00:00Z"),
        };
        let day = 86_400_000;
        assert_eq!(
            month.overlap_ms(at("2026-10-30T00:00:00Z"), at("2026-11-03T00:00:00Z")),
            2 * day
        );
        assert_eq!(
            month.overlap_ms(at("2026-11-29T00:00:00Z"), at("2026-12-05T00:00:00Z")),
            2 * day
        );
        assert_eq!(
            month.overlap_ms(at("2026-10-01T00:00:00Z"), at("2026-10-05T00:00:00Z")),
            0
        );
    }

    #[test]
    fn utilisation_is_a_ratio_of_car_days() {
        let day = 86_400_000;
        let figures = month_figures("2026-11".into(), 15 * day, 60 * day, Money::from_cents(100));
        assert_eq!(figures.rented_car_days, 15.0);
        assert_eq!(figures.available_car_days, 60.0);
        assert_eq!(figures.utilisation, 0.25);
        assert_eq!(
            month_figures("2026-11".into(), 0, 0, Money::ZERO).utilisation,
            0.0
        );
    }
}
