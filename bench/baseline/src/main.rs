//! The bare server issue 10 measures locacar against: axum and SQLite with no sessions,
//! no audit trail, no log lines, no domain types and `synchronous=NORMAL`, doing the
//! database work of the desk's mix with the same statements' shape as locacar: the three
//! reads of the throughput targets (a reservation with its car, client and payments;
//! available cars with their count; a list page found by its ids first), client
//! searches, and the mix's writes (a booking, a status change, a payment), each one
//! transaction on the one writer connection, with the schema's own triggers and
//! constraints judging them (two holds of one car never overlap). Rows are written out
//! as JSON as they come. SQLite's settings are its defaults otherwise: no memory map,
//! which locacar's readers use.
//! Run on the same machine as locacar, its figures say what "match or beat the bare
//! server" means there, whatever the machine. Not a server to use: it checks nothing
//! the schema does not (no balance, no dates in the past, no inspections).
//!
//! `locacar-baseline DATABASE_FILE ADDRESS` (a database seeded by `locacar seed`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path as FilePath, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Datelike;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection, ErrorCode, OpenFlags, OptionalExtension};
use serde_json::{json, Map, Value};

static DATABASE: OnceLock<PathBuf> = OnceLock::new();

/// The one connection that writes: SQLite has one writer at a time, and taking turns on
/// this lock keeps the waiting out of SQLite's busy loop (locacar has one writer too).
static WRITER: OnceLock<Mutex<Connection>> = OnceLock::new();

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
    let file = DATABASE.get_or_init(|| PathBuf::from(file));
    WRITER
        .set(Mutex::new(open(file)?))
        .map_err(|_| "the writer is opened once")?;
    let app = Router::new()
        .route("/readyz", get(|| async { "ready" }))
        .route("/api/reservations/{id}", get(one_reservation))
        .route("/api/reservations", get(list_page).post(create_reservation))
        .route("/api/reservations/{id}/status", put(change_status))
        .route("/api/reservations/{id}/payments", post(add_payment))
        .route("/api/cars/available", get(available_cars))
        .route("/api/clients", get(client_search));
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

// The bits of a list page's statement, its index in `LIST`.
/// Filtered by status.
const STATUS: usize = 1;
/// Filtered by a period (rentals overlapping it).
const PERIOD: usize = 2;
/// The period is short: its few rentals are read through the period index and sorted.
const SHORT: usize = 4;
const DESCENDING: usize = 8;
/// By start date, else by reservation date.
const BY_START: usize = 16;

/// Every list page statement, by its bits; parameters: the status, the period's start
/// and end (each when filtered by it), then the page's limit and offset.
static LIST: LazyLock<Vec<String>> = LazyLock::new(|| (0..32).map(list_sql).collect());
/// How many reservations match a list's filter, by its `STATUS | PERIOD` bits.
static LIST_COUNT: LazyLock<Vec<String>> = LazyLock::new(|| {
    (0..4)
        .map(|bits| format!("SELECT COUNT(*) FROM reservations r{}", list_filter(bits)))
        .collect()
});

fn list_filter(bits: usize) -> &'static str {
    match bits & (STATUS | PERIOD) {
        0 => "",
        STATUS => " WHERE r.status = ?",
        PERIOD => " WHERE r.end_at > ? AND r.start_at < ?",
        _ => " WHERE r.status = ? AND r.end_at > ? AND r.start_at < ?",
    }
}

/// locacar's shape: the page's rowids from the reservations alone, then their rows
/// with car and client; for a short period, `+` keeps SQLite off the sort order's index.
fn list_sql(bits: usize) -> String {
    let column = if bits & BY_START != 0 {
        "r.start_at"
    } else {
        "r.reservation_date"
    };
    let dir = if bits & DESCENDING != 0 {
        "DESC"
    } else {
        "ASC"
    };
    let hint = if bits & SHORT != 0 { "+" } else { "" };
    let order = format!("ORDER BY {hint}{column} {dir}, r.id {dir}");
    format!(
        "SELECT {RESERVATION} FROM reservations r {JOINS} WHERE r.rowid IN \
         (SELECT r.rowid FROM reservations r{} {order} LIMIT ? OFFSET ?) {order}",
        list_filter(bits)
    )
}

/// How long a period may be to count as short (locacar's rule).
const SHORT_PERIOD_MS: i64 = 92 * DAY_MS;
const DAY_MS: i64 = 86_400_000;

/// Cars free for `[?1, ?2)`, and their count.
const FREE: &str = "status <> 'out_of_service' AND NOT EXISTS (SELECT 1 FROM car_holds h \
                    WHERE h.car_id = cars.id AND h.until_at > ?1 AND h.start_at < ?2)";
static AVAILABLE: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {CAR} FROM cars WHERE {FREE} ORDER BY added_at, id LIMIT ?3 OFFSET 0")
});
static AVAILABLE_COUNT: LazyLock<String> =
    LazyLock::new(|| format!("SELECT COUNT(*) FROM cars WHERE {FREE}"));

/// A client search, by the normalised phone number or by text anywhere in the search
/// key, sorted by last name (locacar's default); a page, and the count behind it.
const CLIENT_FILTERS: [&str; 2] = ["phone_key = ?1", "search_key LIKE ?1 ESCAPE '\\'"];
static CLIENT_SEARCH: LazyLock<Vec<String>> = LazyLock::new(|| {
    CLIENT_FILTERS
        .iter()
        .map(|f| {
            format!(
                "SELECT {CLIENT} FROM clients WHERE {f} ORDER BY last_name_key, id \
                 LIMIT ?2 OFFSET ?3"
            )
        })
        .collect()
});
static CLIENT_COUNT: LazyLock<Vec<String>> = LazyLock::new(|| {
    CLIENT_FILTERS
        .iter()
        .map(|f| format!("SELECT COUNT(*) FROM clients WHERE {f}"))
        .collect()
});

/// What a booking copies from its car.
const CAR_TERMS: &str = "SELECT status, daily_rate, current_branch_id, included_km_per_day, \
     extra_km_rate, deposit_amount FROM cars WHERE id = ?1";
/// The next number of the year's sequence (numbers are `LC-YEAR-NNNNNN`).
const NEXT_NUMBER: &str = "INSERT INTO reservation_counters (year, last) VALUES (?1, 1) \
     ON CONFLICT (year) DO UPDATE SET last = reservation_counters.last + 1 RETURNING last";
/// A booking pending confirmation, priced at its days times the car's daily rate, with
/// no turnaround: the schema's triggers hold the car, or refuse an overlapping hold.
const BOOK: &str = "INSERT INTO reservations (id, reservation_number, car_id, client_id, \
     start_at, end_at, status, daily_rate, estimated_total, additional_charges, \
     reservation_date, last_modified_at, pickup_branch_id, return_branch_id, \
     included_km_per_day, extra_km_rate, net_total, deposit_amount) VALUES (?1, ?2, ?3, ?4, \
     ?5, ?6, 'pending_confirmation', ?7, ?8, '[]', ?9, ?9, ?10, ?10, ?11, ?12, ?8, ?13)";
const STATUS_OF: &str = "SELECT status FROM reservations WHERE id = ?1";
/// A move along the life cycle; a cancellation closes the reservation. The schema's
/// triggers release the car's hold, or take it again.
const SET_STATUS: &str = "UPDATE reservations SET status = ?2, last_modified_at = ?3, \
     closed_at = CASE WHEN ?2 LIKE 'cancelled%' THEN ?3 END WHERE id = ?1";
/// A payment of reservation `?2`, when it exists, recorded now.
const PAY: &str = "INSERT INTO payments (id, reservation_id, amount, method, transaction_at, \
     refund_due, created_at) SELECT ?1, id, ?3, ?4, ?5, 0, ?5 FROM reservations WHERE id = ?2";

async fn one_reservation(Path(id): Path<String>) -> Response {
    match with_conn(|c| rows(c, &ONE, [id], 1)) {
        Ok(mut found) if !found.is_empty() => json(&found.swap_remove(0)),
        Ok(_) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failure(e),
    }
}

async fn list_page(Query(q): Params) -> Response {
    let (page, per_page, offset) = paging(&q);
    let sort = q.get("sort").map(String::as_str);
    let mut bits = 0;
    if matches!(sort, Some("startDate" | "-startDate")) {
        bits |= BY_START;
    }
    // Newest first unless a sort is given, as locacar.
    if sort.is_none_or(|s| s.starts_with('-')) {
        bits |= DESCENDING;
    }
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(status) = q.get("status") {
        bits |= STATUS;
        args.push(status.clone().into());
    }
    let (from, to) = (instant(&q, "from"), instant(&q, "to"));
    if from.is_some() || to.is_some() {
        bits |= PERIOD;
        let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
        if to.saturating_sub(from) <= SHORT_PERIOD_MS {
            bits |= SHORT;
        }
        args.extend([from.into(), to.into()]);
    }
    let filtered = args.len();
    args.extend([per_page.into(), offset.into()]);
    let found = with_conn(|c| {
        let items = rows(c, &LIST[bits], params_from_iter(&args), usize::MAX)?;
        let total = match shown_total(offset, per_page, items.len()) {
            Some(total) => total,
            None => c
                .prepare_cached(&LIST_COUNT[bits & (STATUS | PERIOD)])?
                .query_row(params_from_iter(&args[..filtered]), |r| r.get(0))?,
        };
        Ok(envelope(items, total, page, per_page))
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

async fn client_search(Query(q): Params) -> Response {
    let (which, needle) = match (q.get("phone"), q.get("q")) {
        (Some(phone), _) => (0, phone_key(phone)),
        (None, Some(text)) => (1, contains_pattern(text)),
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    let (page, per_page, offset) = paging(&q);
    let found = with_conn(|c| {
        let items = rows(
            c,
            &CLIENT_SEARCH[which],
            (&needle, per_page, offset),
            usize::MAX,
        )?;
        let total = match shown_total(offset, per_page, items.len()) {
            Some(total) => total,
            None => c
                .prepare_cached(&CLIENT_COUNT[which])?
                .query_row([&needle], |r| r.get(0))?,
        };
        Ok(envelope(items, total, page, per_page))
    });
    found.map_or_else(failure, |v| json(&v))
}

async fn create_reservation(Json(body): Json<Value>) -> Response {
    let text = |name: &str| body[name].as_str();
    let (Some(car), Some(client), Some(start), Some(end)) = (
        text("carId"),
        text("clientId"),
        text("startDate").and_then(millis),
        text("endDate").and_then(millis),
    ) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let booked = write(|c| {
        let terms = c
            .prepare_cached(CAR_TERMS)?
            .query_row([car], |r| {
                let status: String = r.get(0)?;
                let terms: (i64, Option<String>, Option<i64>, i64, i64) =
                    (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
                Ok((status, terms))
            })
            .optional()?;
        let (status, (rate, branch, km, km_rate, deposit)) =
            terms.ok_or(Refused(StatusCode::NOT_FOUND))?;
        if status == "out_of_service" {
            return Err(Refused(StatusCode::CONFLICT).into());
        }
        let now = now_millis();
        let year = chrono::DateTime::from_timestamp_millis(now).map_or(1970, |t| t.year());
        let sequence: i64 = c
            .prepare_cached(NEXT_NUMBER)?
            .query_row([year], |r| r.get(0))?;
        let id = new_id();
        let total = (end - start + DAY_MS - 1) / DAY_MS * rate;
        c.prepare_cached(BOOK)?.execute((
            &id,
            format!("LC-{year}-{sequence:06}"),
            car,
            client,
            start,
            end,
            rate,
            total,
            now,
            branch,
            km,
            km_rate,
            deposit,
        ))?;
        Ok(id)
    });
    match booked {
        Ok(id) => (StatusCode::CREATED, json(&json!({ "_id": id }))).into_response(),
        Err(e) => failure(e),
    }
}

/// The statuses a reservation may move to `to` from, of the moves that need no pick-up
/// or return (those write inspections and the car's status: not in the bare server).
fn moves_from(to: &str) -> Option<&'static [&'static str]> {
    match to {
        "confirmed" => Some(&["pending_confirmation"]),
        "cancelled_by_client" | "cancelled_by_agency" => {
            Some(&["pending_confirmation", "confirmed"])
        }
        _ => None,
    }
}

async fn change_status(Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let Some((to, from)) = body["status"]
        .as_str()
        .and_then(|to| Some((to, moves_from(to)?)))
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let moved = write(|c| {
        let status: String = c
            .prepare_cached(STATUS_OF)?
            .query_row([&id], |r| r.get(0))
            .optional()?
            .ok_or(Refused(StatusCode::NOT_FOUND))?;
        if !from.contains(&status.as_str()) {
            return Err(Refused(StatusCode::CONFLICT).into());
        }
        c.prepare_cached(SET_STATUS)?
            .execute((&id, to, now_millis()))?;
        Ok(())
    });
    match moved {
        Ok(()) => json(&json!({ "_id": id, "status": to })),
        Err(e) => failure(e),
    }
}

async fn add_payment(Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let (Some(amount), Some(method)) = (body["amount"].as_f64(), body["method"].as_str()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    // Money is stored in cents (the schema's CHECK refuses an unknown method).
    let cents = (amount * 100.0).round() as i64;
    let paid = write(|c| {
        let payment = new_id();
        let recorded =
            c.prepare_cached(PAY)?
                .execute((&payment, &id, cents, method, now_millis()))?;
        if recorded == 0 {
            return Err(Refused(StatusCode::NOT_FOUND).into());
        }
        Ok(payment)
    });
    match paid {
        Ok(payment) => (StatusCode::CREATED, json(&json!({ "_id": payment }))).into_response(),
        Err(e) => failure(e),
    }
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
const CLIENT: &str = "id, first_name, last_name, phone, email, driver_license_number, cin, \
     date_of_birth, license_issue_date, license_expiry_date, notes, registered_at, \
     registered_by, updated_at, updated_by";

type Failure = Box<dyn std::error::Error>;

/// A request turned down with this status.
#[derive(Debug)]
struct Refused(StatusCode);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused: {}", self.0)
    }
}

impl std::error::Error for Refused {}

/// A connection as locacar opens its own, but with `synchronous=NORMAL`; room for every
/// statement above, so that none is prepared twice.
fn open(path: &FilePath) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Runs `f` on this thread's connection, opening it the first time.
fn with_conn<T>(f: impl FnOnce(&Connection) -> Result<T, Failure>) -> Result<T, Failure> {
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(open(DATABASE.get().ok_or("no database")?)?);
        }
        f(slot.as_ref().ok_or("no connection")?)
    })
}

/// Runs `f` in one write transaction on the writer, committed if it succeeds.
fn write<T>(f: impl FnOnce(&Connection) -> Result<T, Failure>) -> Result<T, Failure> {
    let conn = WRITER
        .get()
        .ok_or("no writer")?
        .lock()
        .map_err(|_| "the writer panicked")?;
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let done = f(&conn).and_then(|v| {
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(v)
    });
    if done.is_err() {
        // Fails only when SQLite has rolled back already.
        let _ = conn
            .prepare_cached("ROLLBACK")
            .and_then(|mut s| s.execute([]));
    }
    done
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
    json!({ "items": items, "total": total, "page": page, "perPage": per_page })
}

/// `page` (from 1) and `perPage` (1 to 100, default 20), and the offset they make.
fn paging(q: &HashMap<String, String>) -> (i64, i64, i64) {
    let number = |name: &str| q.get(name).and_then(|p| p.parse::<i64>().ok());
    let page = number("page").unwrap_or(1).max(1);
    let per_page = number("perPage").unwrap_or(20).clamp(1, 100);
    (page, per_page, (page - 1) * per_page)
}

/// The total a page shows by itself, as locacar counts only when the page cannot
/// tell: the rows before it plus its own, when it is the last page.
fn shown_total(offset: i64, limit: i64, found: usize) -> Option<i64> {
    let found = i64::try_from(found).ok()?;
    (found < limit && (found > 0 || offset == 0)).then_some(offset + found)
}

/// A phone number as locacar keys it: without spaces, dashes, dots or brackets.
fn phone_key(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
        .collect()
}

/// A `LIKE … ESCAPE '\'` pattern matching `needle` anywhere, in lower case.
fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An RFC 3339 query parameter as milliseconds since the epoch.
fn instant(q: &HashMap<String, String>, name: &str) -> Option<i64> {
    millis(q.get(name)?)
}

fn millis(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A new id shaped as locacar's (an ObjectId): 4 bytes of seconds, 5 bytes drawn once
/// per process, 3 bytes of a counter.
fn new_id() -> String {
    static PROCESS: LazyLock<u64> = LazyLock::new(|| {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            & 0xff_ffff_ffff
    });
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let seconds = now_millis() / 1000;
    let count = COUNTER.fetch_add(1, Ordering::Relaxed) & 0xff_ffff;
    format!("{:08x}{:010x}{count:06x}", seconds as u32, *PROCESS)
}

fn json(v: &Value) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => failure(e.into()),
    }
}

/// The status of a failure: a refusal's own; a constraint of the schema, 409 when it
/// is the rule against overlapping holds of a car (a booking's expected clash), 422
/// otherwise; else 500.
fn failure(e: Failure) -> Response {
    if let Some(Refused(status)) = e.downcast_ref() {
        return status.into_response();
    }
    if let Some(rusqlite::Error::SqliteFailure(error, message)) = e.downcast_ref() {
        if error.code == ErrorCode::ConstraintViolation {
            let overlap = message.as_deref().is_some_and(|m| m.contains("no_overlap"));
            let status = if overlap {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return status.into_response();
        }
    }
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}
