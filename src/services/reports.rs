//! Revenue and utilisation over a period of the agency's calendar.

use crate::db::{reports, Database};
use crate::domain::dashboard::Window;
use crate::domain::date::Date;
use crate::domain::report::{self, GroupBy, RevenueRow, UtilisationRow};
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

/// Revenue of the reservations closed in `window`, grouped as asked, in key order;
/// months without any closed reservation are left out.
pub async fn revenue(
    db: &Database,
    window: Window,
    group: GroupBy,
    tz: chrono_tz::Tz,
) -> AppResult<Vec<RevenueRow>> {
    let mut conn = db.read().await?;
    let mut rows = Vec::new();
    if group == GroupBy::Month {
        for (label, part) in report::months(window, tz) {
            let sums = reports::closed_sums(&mut conn, part).await?;
            if sums.reservations > 0 {
                rows.push(RevenueRow::new(label.clone(), label, sums));
            }
        }
        return Ok(rows);
    }
    for (key, label, sums) in
        reports::closed_sums_by(&mut conn, window, group == GroupBy::Car).await?
    {
        rows.push(match key {
            Some(key) => RevenueRow::new(key, label, sums),
            None => RevenueRow::new("none".into(), "—".into(), sums),
        });
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(rows)
}

/// Each car's rented and blocked time in `window`; rentals still out count until now.
pub async fn utilisation(db: &Database, window: Window) -> AppResult<Vec<UtilisationRow>> {
    let mut conn = db.read().await?;
    let cars = reports::cars(&mut conn).await?;
    let rented = reports::rented_ms(&mut conn, window, Timestamp::now()).await?;
    let blocked = reports::blocked_ms(&mut conn, window).await?;
    Ok(report::utilisation(&cars, &rented, &blocked, window))
}
