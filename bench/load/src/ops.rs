//! The desk's operations as goose transactions, and the login bursts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, Timelike, Utc};
use goose::prelude::*;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

use crate::data::{self, fixture};

/// The transactions of `ops` with their weights (twentieths of the mix: each desk's
/// round of 20 requests holds them in these numbers). Each makes one request, named as
/// its transaction, so that the summary can set the request's statuses beside the
/// transaction's time (see [`crate::summary`]).
pub fn scenario(ops: &str) -> anyhow::Result<Scenario> {
    let all = [
        ("available", "available cars", 6, transaction!(available)),
        ("list", "reservation list page", 4, transaction!(list_page)),
        ("get", "one reservation", 4, transaction!(one_reservation)),
        ("search", "client search", 2, transaction!(client_search)),
        ("create", "create reservation", 2, transaction!(create)),
        ("status", "status change", 1, transaction!(status_change)),
        ("payment", "payment", 1, transaction!(payment)),
    ];
    let mut scenario = scenario!("desk").register_transaction(transaction!(log_in).set_on_start());
    let mut chosen = 0;
    for (op, name, weight, transaction) in all {
        if ops == "mixed" || ops == op {
            let weight = if ops == "mixed" { weight } else { 1 };
            let transaction = transaction.set_name_for_transaction_and_requests(name);
            scenario = scenario.register_transaction(transaction.set_weight(weight)?);
            chosen += 1;
        }
    }
    anyhow::ensure!(chosen > 0, "LOAD_OPS={ops}: not an operation");
    Ok(scenario)
}

/// Each desk's own session, and the bookings it made (which it later confirms).
#[derive(Clone)]
struct Desk {
    created: Vec<String>,
}

/// Takes up the desk's session, opened before the attack.
async fn log_in(user: &mut GooseUser) -> TransactionResult {
    let cookie = data::fixture()
        .sessions
        .get(user.weighted_users_index)
        .ok_or_else(|| Box::new(TransactionError::Custom("a desk without a session".into())))?;
    let mut headers = reqwest::header::HeaderMap::new();
    let value = cookie
        .parse()
        .map_err(|_| Box::new(TransactionError::Custom("a strange cookie".into())))?;
    headers.insert(reqwest::header::COOKIE, value);
    user.set_client_builder(reqwest::Client::builder().default_headers(headers))
        .await?;
    user.set_session_data(Desk {
        created: Vec::new(),
    });
    Ok(())
}

/// A day `from..=to` days from today, at `hour` UTC.
fn day(from: i64, to: i64, hour: u32) -> DateTime<Utc> {
    let days = rand::thread_rng().gen_range(from..=to);
    let at = Utc::now() + Days::days(days);
    at.with_hour(hour)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A window of 1 to 7 days starting `from..=to` days from today.
fn window(from: i64, to: i64) -> (String, String) {
    let start = day(from, to, 9);
    let end = start + Days::days(rand::thread_rng().gen_range(1..=7));
    (stamp(start), stamp(end))
}

/// GETs `path` and reads the answer to its end, as a browser does. Goose times a
/// request to its headers and leaves the body to the transaction; a body left unread
/// also closes the connection, so that every large answer cost a new one.
async fn read(user: &mut GooseUser, path: &str) -> TransactionResult {
    if let Ok(response) = user.get(path).await?.response {
        response.bytes().await.map_err(cut_short)?;
    }
    Ok(())
}

/// An answer whose body could not be read to its end.
fn cut_short(error: reqwest::Error) -> Box<TransactionError> {
    Box::new(TransactionError::Reqwest(error))
}

fn pick<T>(items: &[T]) -> &T {
    items
        .choose(&mut rand::thread_rng())
        .expect("the fixture is not empty")
}

async fn available(user: &mut GooseUser) -> TransactionResult {
    let (start, end) = window(0, 90);
    let extra = std::env::var("LOAD_AVAILABLE_QUERY").unwrap_or_default();
    let path = format!("/api/cars/available?start={start}&end={end}&perPage=100{extra}");
    read(user, &path).await
}

async fn list_page(user: &mut GooseUser) -> TransactionResult {
    let path = list_path();
    read(user, &path).await
}

/// Any page of all rentals, a page of one status, or the rentals of a week.
fn list_path() -> String {
    let pages = fixture().reservations.len().div_ceil(20).max(1);
    let mut rng = rand::thread_rng();
    match rng.gen_range(0..10) {
        0..=3 => format!("/api/reservations?page={}", rng.gen_range(1..=pages)),
        4..=6 => {
            let status = pick(&["completed", "confirmed", "cancelled_by_client"]);
            let page = rng.gen_range(1..=pages.div_ceil(4));
            format!("/api/reservations?status={status}&page={page}&sort=-startDate")
        }
        _ => {
            let (from, to) = window(-180, 180);
            format!("/api/reservations?from={from}&to={to}")
        }
    }
}

async fn one_reservation(user: &mut GooseUser) -> TransactionResult {
    let path = format!("/api/reservations/{}", pick(&fixture().reservations));
    read(user, &path).await
}

async fn client_search(user: &mut GooseUser) -> TransactionResult {
    let client = pick(&fixture().clients);
    let path = if rand::random() {
        format!("/api/clients?phone={}", client.phone.replace('+', "%2B"))
    } else {
        format!("/api/clients?q={}", client.last_name)
    };
    read(user, &path).await
}

/// Sends a JSON body and reads the answer (see [`read`]); `expected` statuses other than
/// 2xx count as successes. The answer's JSON when it is a success.
async fn send(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    body: &Value,
    expected: &[u16],
) -> Result<Option<Value>, Box<TransactionError>> {
    let builder = user.get_request_builder(&method, path)?.json(body);
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .set_request_builder(builder)
        .build();
    let mut goose = user.request(request).await?;
    if expected.contains(&goose.request.status_code) {
        user.set_success(&mut goose.request)?;
    }
    let Ok(response) = goose.response else {
        return Ok(None);
    };
    let success = response.status().is_success();
    let body = response.bytes().await.map_err(cut_short)?;
    Ok(success
        .then(|| serde_json::from_slice(&body).ok())
        .flatten())
}

async fn create(user: &mut GooseUser) -> TransactionResult {
    let fixture = fixture();
    let (start, end) = window(1, 400);
    let body = json!({
        "carId": pick(&fixture.cars),
        "clientId": pick(&fixture.clients).id,
        "startDate": start,
        "endDate": end,
    });
    let made = send(user, GooseMethod::Post, "/api/reservations", &body, &[409]).await?;
    if let Some(id) = made.as_ref().and_then(|r| r["_id"].as_str()) {
        if let Some(desk) = user.get_session_data_mut::<Desk>() {
            desk.created.push(id.to_string());
        }
    }
    Ok(())
}

/// Fixture reservations moved so far, so that each is moved once.
static MOVED: AtomicUsize = AtomicUsize::new(0);

async fn status_change(user: &mut GooseUser) -> TransactionResult {
    let own = user
        .get_session_data_mut::<Desk>()
        .and_then(|desk| desk.created.pop());
    let (id, to) = match own {
        Some(id) => (id, "confirmed"),
        None => {
            let movable = &fixture().movable;
            let next = MOVED.fetch_add(1, Ordering::Relaxed) % movable.len().max(1);
            match movable.get(next) {
                Some((id, to)) => (id.clone(), *to),
                None => return Ok(()),
            }
        }
    };
    let path = format!("/api/reservations/{id}/status");
    send(user, GooseMethod::Put, &path, &json!({ "status": to }), &[]).await?;
    Ok(())
}

async fn payment(user: &mut GooseUser) -> TransactionResult {
    let path = format!("/api/reservations/{}/payments", pick(&fixture().payable));
    let body = json!({ "amount": 0.01, "method": "cash" });
    send(user, GooseMethod::Post, &path, &body, &[]).await?;
    Ok(())
}

/// Burst logins use the accounts from this one on, apart from the desks'.
pub const BURST_FIRST: usize = 500;

static BURST_TIMES: Mutex<Vec<(u16, Duration)>> = Mutex::new(Vec::new());

/// Every two seconds, `n` logins at once, each on its own connection.
pub async fn login_bursts(host: String, n: usize) {
    tokio::time::sleep(Duration::from_secs(2)).await;
    loop {
        let logins = (0..n).map(|k| one_login(host.clone(), BURST_FIRST + k));
        let times = futures::future::join_all(logins).await;
        if let Ok(mut all) = BURST_TIMES.lock() {
            all.extend(times);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn one_login(host: String, desk: usize) -> (u16, Duration) {
    let http = reqwest::Client::new();
    let begun = Instant::now();
    let status = http
        .post(format!("{host}/api/auth/login"))
        .json(&data::credentials(desk))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16());
    (status, begun.elapsed())
}

/// The status and time of every burst login so far.
pub fn burst_times() -> Vec<(u16, Duration)> {
    BURST_TIMES.lock().map(|t| t.clone()).unwrap_or_default()
}
