//! Revenue and utilisation over a period of the agency's calendar.

use crate::db::{dashboard, reports, Database};
use crate::domain::dashboard::Window;
use crate::domain::date::Date;
use crate::domain::report::{self, CarPeriod, GroupBy, RevenueRow, UtilisationRow};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// Longest period a report covers.
pub const MAX_REPORT_DAYS: i64 = 3 * 366;

/// The instants of the days `from` to `to`, both included, in `tz`.
pub fn window(from: Date, to: Date, tz: chrono_tz::Tz) -> AppResult<Window> {
    if to < from {
        return Err(AppError::invalid_field("to", "must not be before from"));
    }
    let window = Window {
        start: from.start_in(tz),
        end: to.next().start_in(tz),
    };
    if window.end.millis() - window.start.millis() > MAX_REPORT_DAYS * 86_400_000 {
        return Err(AppError::invalid_field(
            "to",
            format!("a report covers at most {MAX_REPORT_DAYS} days"),
        ));
    }
    Ok(window)
}

/// Revenue of the reservations closed in `window`, grouped as asked.
pub async fn revenue(
    db: &Database,
    window: Window,
    group: GroupBy,
    tz: chrono_tz::Tz,
) -> AppResult<Vec<RevenueRow>> {
    let mut conn = db.read().await?;
    let closed = reports::closed_in(&mut conn, window).await?;
    Ok(report::revenue(&closed, group, tz))
}

fn periods(rows: Vec<dashboard::Period>) -> Vec<CarPeriod> {
    rows.into_iter()
        .filter_map(|p| {
            Some(CarPeriod {
                car: p.car_id.parse().ok()?,
                start: Timestamp::from_millis(p.start_at),
                end: Timestamp::from_millis(p.end_at),
            })
        })
        .collect()
}

/// Each car's rented and blocked time in `window`; rentals still out count until now.
pub async fn utilisation(db: &Database, window: Window) -> AppResult<Vec<UtilisationRow>> {
    let mut conn = db.read().await?;
    let cars = reports::cars(&mut conn).await?;
    let rentals = dashboard::rentals_in(&mut conn, window, Timestamp::now()).await?;
    let blocks = dashboard::blocks_in(&mut conn, window).await?;
    Ok(report::utilisation(
        &cars,
        &periods(rentals),
        &periods(blocks),
        window,
    ))
}
