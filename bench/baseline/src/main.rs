//! The bare server issue 10 measures locacar against: axum and SQLite with no sessions,
//! no audit trail, no log lines, no domain types and `synchronous=NORMAL`, answering
//! the three reads of the throughput targets with the same statements' shape as
//! locacar (a reservation with its car, client and payments; available cars with their
//! count; a list page found by its ids first) and rows written out as JSON as they come.
//! SQLite's settings are its defaults otherwise: no memory map, which locacar's readers
//! use.
//! Run on the same machine as locacar, its figures say what "match or beat the bare
//! server" means there, whatever the machine. Not a server to use: it checks nothing.
//!
//! `locacar-baseline DATABASE_FILE ADDRESS` (a database seeded by `locacar seed`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, OnceLock};

use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value};

static DATABASE: OnceLock<PathBuf> = OnceLock::new();

thread_local! {
    /// One connection per worker thread: statements run where the request runs.
    static CONN: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(address)) = (args.next(), args.next()) else {
        return Err("usage: locacar-baseline DATABASE_FILE ADDRESS".into());
    };
    DATABASE.get_or_init(|| PathBuf::from(file));
    let app = Router::new()
        .route("/readyz", get(|| async { "ready" }))
        .route("/api/reservations/{id}", get(one_reservation))
        .route("/api/reservations", get(list_page))
        .route("/api/cars/available", get(available_cars));
    let listener = tokio::net::TcpListener::bind(&address).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

type Params = Query<HashMap<String, String>>;

/// A reservation with its car, client and payments.
static ONE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {RESERVATION}, (SELECT json_group_array(json_array(p.amount, p.method, \
         p.transaction_at, p.recorded_by, p.id)) FROM payments p WHERE p.reservation_id = r.id) \
         AS payments FROM reservations r {JOINS} WHERE r.id = ?1"
    )
});

/// A list page by reservation date or start date (`* 2`), ascending or descending (`+ 1`).
static LIST: LazyLock<[String; 4]> = LazyLock::new(|| {
    [
        list_sql("r.reservation_date", "ASC"),
        list_sql("r.reservation_date", "DESC"),
        list_sql("r.start_at", "ASC"),
        list_sql("r.start_at", "DESC"),
    ]
});

fn list_sql(column: &str, dir: &str) -> String {
    let order = format!("ORDER BY {column} {dir}, r.id {dir}");
    format!(
        "SELECT {RESERVATION} FROM reservations r {JOINS} WHERE r.rowid IN \
         (SELECT r.rowid FROM reservations r {order} LIMIT 20 OFFSET ?1) {order}"
    )
}

/// Cars free for `[?1, ?2)`, and their count.
const FREE: &str = "status <> 'out_of_service' AND NOT EXISTS (SELECT 1 FROM car_holds h \
                    WHERE h.car_id = cars.id AND h.until_at > ?1 AND h.start_at < ?2)";
static AVAILABLE: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {CAR} FROM cars WHERE {FREE} ORDER BY added_at, id LIMIT ?3 OFFSET 0")
});
static AVAILABLE_COUNT: LazyLock<String> =
    LazyLock::new(|| format!("SELECT COUNT(*) FROM cars WHERE {FREE}"));

async fn one_reservation(Path(id): Path<String>) -> Response {
    match with_conn(|c| rows(c, &ONE, [id], 1)) {
        Ok(mut found) if !found.is_empty() => json(&found.swap_remove(0)),
        Ok(_) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failure(e),
    }
}

async fn list_page(Query(q): Params) -> Response {
    let page: i64 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let sort = q.get("sort").map(String::as_str);
    let by_start = matches!(sort, Some("startDate" | "-startDate"));
    let descending = sort.is_some_and(|s| s.starts_with('-'));
    let sql = &LIST[usize::from(by_start) * 2 + usize::from(descending)];
    let found = with_conn(|c| {
        let items = rows(c, sql, [(page - 1) * 20], 20)?;
        let total: i64 = c
            .prepare_cached("SELECT COUNT(*) FROM reservations")?
            .query_row([], |r| r.get(0))?;
        Ok(envelope(items, total, page, 20))
    });
    found.map_or_else(failure, |v| json(&v))
}

async fn available_cars(Query(q): Params) -> Response {
    let (Some(start), Some(end)) = (instant(&q, "start"), instant(&q, "end")) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let per_page: i64 = q.get("perPage").and_then(|p| p.parse().ok()).unwrap_or(20);
    // locacar's default turnaround after a rental is none, so the window ends at `end`.
    let found = with_conn(|c| {
        let items = rows(c, &AVAILABLE, (start, end, per_page), usize::MAX)?;
        let total: i64 = c
            .prepare_cached(&AVAILABLE_COUNT)?
            .query_row([start, end], |r| r.get(0))?;
        Ok(envelope(items, total, 1, per_page))
    });
    found.map_or_else(failure, |v| json(&v))
}

const RESERVATION: &str = "r.id, r.reservation_number, r.car_id, r.client_id, r.start_at, \
     r.end_at, r.actual_pickup_at, r.actual_return_at, r.status, r.daily_rate, \
     r.estimated_total, r.final_total, r.additional_charges, r.notes, r.reservation_date, \
     r.created_by, r.last_modified_at, r.last_modified_by, r.pickup_branch_id, \
     r.return_branch_id, r.included_km_per_day, r.extra_km_rate, r.review_required, \
     r.rate_plan, r.extras, r.price_lines, r.net_total, r.tax_total, r.deposit_amount, \
     c.make AS car_make, c.model AS car_model, c.license_plate AS car_plate, \
     cl.first_name AS client_first_name, cl.last_name AS client_last_name, \
     cl.phone AS client_phone";
const JOINS: &str = "JOIN cars c ON c.id = r.car_id JOIN clients cl ON cl.id = r.client_id";
const CAR: &str = "id, make, model, year, license_plate, vin, color, status, daily_rate, \
     description, home_branch_id, current_branch_id, odometer_km, included_km_per_day, \
     extra_km_rate, added_at, added_by, updated_at, updated_by";

type Failure = Box<dyn std::error::Error>;

/// Runs `f` on this thread's connection, opening it the first time.
fn with_conn<T>(f: impl FnOnce(&Connection) -> Result<T, Failure>) -> Result<T, Failure> {
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let path = DATABASE.get().ok_or("no database")?;
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
            *slot = Some(conn);
        }
        f(slot.as_ref().ok_or("no connection")?)
    })
}

/// Up to `limit` rows of `sql` as JSON objects, column name to value.
fn rows(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    limit: usize,
) -> Result<Vec<Value>, Failure> {
    let mut stmt = conn.prepare_cached(sql)?;
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let mut found = stmt.query(args)?;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(row) = found.next()? else { break };
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            object.insert(name.clone(), value(row.get_ref(i)?));
        }
        out.push(Value::Object(object));
    }
    Ok(out)
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null | ValueRef::Blob(_) => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
    }
}

fn envelope(items: Vec<Value>, total: i64, page: i64, per_page: i64) -> Value {
    serde_json::json!({ "items": items, "total": total, "page": page, "perPage": per_page })
}

/// An RFC 3339 query parameter as milliseconds since the epoch.
fn instant(q: &HashMap<String, String>, name: &str) -> Option<i64> {
    let text = q.get(name)?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn json(v: &Value) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => failure(e.into()),
    }
}

fn failure(e: Failure) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}
