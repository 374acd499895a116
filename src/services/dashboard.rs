//! Today's board: the day's pick-ups and returns, what is overdue or awaits confirmation,
//! the fleet by status, and the month's utilisation and revenue.

use std::collections::HashMap;

use crate::db::dashboard::{self as board, ListSpec};
use crate::db::{reports, stats, Conn, Database};
use crate::domain::dashboard::{month_figures, Board, StatusCounts, Window};
use crate::domain::date::Date;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

/// Whose board, and for which day.
#[derive(Debug, Clone, Copy)]
pub struct BoardRequest {
    pub date: Option<Date>,
    pub branch: Option<Id>,
    pub timezone: chrono_tz::Tz,
}

fn window(from: Date, to: Date, tz: chrono_tz::Tz) -> Window {
    Window {
        start: from.start_in(tz),
        end: to.start_in(tz),
    }
}

pub async fn board(db: &Database, request: BoardRequest) -> AppResult<Board> {
    let now = Timestamp::now();
    let tz = request.timezone;
    let date = request.date.unwrap_or_else(|| Date::in_zone(now, tz));
    let day = window(date, date.next(), tz);
    let (first, next) = date.month_bounds();
    let month = window(first, next, tz);
    let branch = request.branch.as_ref();
    let mut conn = db.read().await?;
    let conn = &mut conn;
    let fleet: Fleet = board::fleet(conn, request.branch)
        .await?
        .into_iter()
        .map(|c| (c.id, c.added_at))
        .collect();
    let pickups = ListSpec {
        at: "r.start_at",
        statuses: "('pending_confirmation', 'confirmed', 'active')",
        window: Some(day),
        before: None,
        branch: branch.map(|b| ("r.pickup_branch_id", b)),
    };
    let returns = ListSpec {
        at: "r.end_at",
        statuses: "('active', 'completed')",
        window: Some(day),
        before: None,
        branch: branch.map(|b| ("r.return_branch_id", b)),
    };
    let overdue = ListSpec {
        at: "r.end_at",
        statuses: "('active')",
        window: None,
        before: Some(now),
        branch: branch.map(|b| ("r.return_branch_id", b)),
    };
    let awaiting = ListSpec {
        at: "r.start_at",
        statuses: "('pending_confirmation')",
        window: None,
        before: None,
        branch: branch.map(|b| ("r.pickup_branch_id", b)),
    };
    Ok(Board {
        date: date.to_string(),
        timezone: tz.name().to_owned(),
        branch_id: request.branch,
        pickups: board::board_list(conn, &pickups).await?,
        returns: board::board_list(conn, &returns).await?,
        overdue: board::board_list(conn, &overdue).await?,
        awaiting_confirmation: board::board_list(conn, &awaiting).await?,
        cars_by_status: StatusCounts::from_rows(
            &stats::cars_by_status(conn, request.branch).await?,
        ),
        month: month_figures(
            date.month_label(),
            rented_ms(conn, &fleet, month, now).await?,
            available_ms(conn, &fleet, month).await?,
            board::revenue(conn, month, request.branch).await?,
        ),
    })
}

/// The cars a month is measured on, with when each was added.
type Fleet = HashMap<String, i64>;

/// Milliseconds the fleet's cars spent rented within `month`.
async fn rented_ms(
    conn: &mut Conn,
    fleet: &Fleet,
    month: Window,
    now: Timestamp,
) -> AppResult<i64> {
    let per_car = reports::rented_ms(conn, month, now).await?;
    Ok(per_car
        .iter()
        .filter(|(car, _)| fleet.contains_key(&car.to_string()))
        .map(|(_, ms)| ms)
        .sum())
}

/// Milliseconds the fleet's cars could be rented within `month`: from the month's start,
/// or the car's addition, to the month's end, less the car's blocks.
async fn available_ms(conn: &mut Conn, fleet: &Fleet, month: Window) -> AppResult<i64> {
    let owned: i64 = fleet
        .values()
        .map(|added| month.overlap_ms(Timestamp::from_millis(*added), month.end))
        .sum();
    let blocked: i64 = board::blocks_in(conn, month)
        .await?
        .iter()
        .filter_map(|b| {
            let added = *fleet.get(&b.car_id)?;
            let from = Timestamp::from_millis(b.start_at.max(added));
            Some(month.overlap_ms(from, Timestamp::from_millis(b.end_at)))
        })
        .sum();
    Ok((owned - blocked).max(0))
}
