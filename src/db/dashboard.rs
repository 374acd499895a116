//! The queries behind today's board. Each reads only what the board shows, through the
//! indexes on start, end, status and return, so the board stays fast on a large history.

use super::query::{query_as, row_struct};
use super::{Conn, Sql};
use crate::domain::dashboard::{BoardList, BoardRental, Window};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::reservation::{CarSummary, ClientSummary};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// The most items each list of the board carries (the count is always complete).
pub const BOARD_LIMIT: i64 = 100;

const FROM: &str = " FROM reservations r JOIN cars c ON c.id = r.car_id \
                     JOIN clients cl ON cl.id = r.client_id";

row_struct! {
    struct BoardRow {
        id: String,
        reservation_number: String,
        status: String,
        at: i64,
        car_id: String,
        make: String,
        model: String,
        license_plate: String,
        client_id: String,
        first_name: String,
        last_name: String,
        phone: String,
    }
}

fn corrupt() -> AppError {
    AppError::Internal(anyhow::anyhow!("corrupt reservation row on the board"))
}

impl TryFrom<BoardRow> for BoardRental {
    type Error = AppError;

    fn try_from(r: BoardRow) -> AppResult<Self> {
        Ok(BoardRental {
            id: r.id.parse().map_err(|_| corrupt())?,
            reservation_number: r.reservation_number,
            status: r.status.parse().map_err(|_| corrupt())?,
            at: Timestamp::from_millis(r.at),
            car: CarSummary {
                id: r.car_id.parse().map_err(|_| corrupt())?,
                make: r.make,
                model: r.model,
                license_plate: r.license_plate,
            },
            client: ClientSummary {
                id: r.client_id.parse().map_err(|_| corrupt())?,
                first_name: r.first_name,
                last_name: r.last_name,
                phone: r.phone,
            },
        })
    }
}

/// Which rentals a board list holds.
pub struct ListSpec<'a> {
    /// The instant shown and sorted on: `r.start_at` or `r.end_at`.
    pub at: &'static str,
    /// `r.status IN …` (raw SQL, never user input).
    pub statuses: &'static str,
    /// `at` within this window, if any.
    pub window: Option<Window>,
    /// `at` before this instant, if any.
    pub before: Option<Timestamp>,
    /// The branch column that must match, with the branch.
    pub branch: Option<(&'static str, &'a Id)>,
}

/// One list of the board: its full count and its first [`BOARD_LIMIT`] items.
pub async fn board_list(conn: &mut Conn, spec: &ListSpec<'_>) -> AppResult<BoardList> {
    let filters = |sql: &mut Sql| {
        sql.push(&format!(" WHERE r.status IN {}", spec.statuses));
        if let Some(w) = spec.window {
            sql.push(&format!(" AND {} >= ", spec.at))
                .bind(w.start.millis())
                .push(&format!(" AND {} < ", spec.at))
                .bind(w.end.millis());
        }
        if let Some(before) = spec.before {
            sql.push(&format!(" AND {} < ", spec.at))
                .bind(before.millis());
        }
        if let Some((column, branch)) = spec.branch {
            sql.push(&format!(" AND {column} = "))
                .bind(branch.to_string());
        }
    };
    let mut page = Sql::new(&format!(
        "SELECT r.id, r.reservation_number, r.status, {} AS at, c.id AS car_id, c.make, \
         c.model, c.license_plate, cl.id AS client_id, cl.first_name, cl.last_name, cl.phone{FROM}",
        spec.at
    ));
    filters(&mut page);
    page.push(&format!(" ORDER BY {} , r.id LIMIT ", spec.at))
        .bind(BOARD_LIMIT);
    let rows: Vec<BoardRow> = page.fetch_all(conn).await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM reservations r");
    filters(&mut count);
    let count = count.total_behind(conn, 0, BOARD_LIMIT, rows.len()).await?;
    let items = rows
        .into_iter()
        .map(BoardRental::try_from)
        .collect::<AppResult<_>>()?;
    Ok(BoardList { count, items })
}

row_struct! {
    /// A car of the fleet a month is measured on.
    pub struct FleetCar {
        pub id: String,
        pub added_at: i64,
    }
}

/// The cars in service whose home branch is `branch` (or all cars in service).
pub async fn fleet(conn: &mut Conn, branch: Option<Id>) -> AppResult<Vec<FleetCar>> {
    let mut sql = Sql::new("SELECT id, added_at FROM cars WHERE status <> 'out_of_service'");
    if let Some(b) = branch {
        sql.push(" AND home_branch_id = ").bind(b.to_string());
    }
    Ok(sql.fetch_all(conn).await?)
}

row_struct! {
    /// A period a car was held, rented or blocked.
    pub struct Period {
        pub car_id: String,
        pub start_at: i64,
        pub end_at: i64,
    }
}

/// The blocks overlapping `window` (an open block runs to the window's end).
pub async fn blocks_in(conn: &mut Conn, window: Window) -> AppResult<Vec<Period>> {
    Ok(query_as(
        "SELECT car_id, start_at, COALESCE(end_at, $2) AS end_at FROM car_blocks \
         WHERE start_at < $2 AND (end_at IS NULL OR end_at > $1)",
    )
    .bind(window.start.millis())
    .bind(window.end.millis())
    .fetch_all(conn)
    .await?)
}

/// The final totals of the rentals returned in `window`, of the cars whose home branch
/// is `branch` (or of all cars).
pub async fn revenue(conn: &mut Conn, window: Window, branch: Option<Id>) -> AppResult<Money> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(r.final_total), 0) AS BIGINT) FROM reservations r \
         JOIN cars c ON c.id = r.car_id \
         WHERE r.status = 'completed' AND r.actual_return_at >= ",
    );
    sql.bind(window.start.millis())
        .push(" AND r.actual_return_at < ")
        .bind(window.end.millis());
    if let Some(b) = branch {
        sql.push(" AND c.home_branch_id = ").bind(b.to_string());
    }
    Ok(Money::from_cents(sql.fetch_count(conn).await?))
}
