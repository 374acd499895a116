//! Races across three server processes on one database: bookings, moves and payments
//! that arrive together never double-book a car or take more than is owed, and a
//! refusal is always true.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration as Days, SecondsFormat, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::common::{all_at_once, id_of, Api, Engine, Options, Resp, Server, TestApp};
use crate::{run_time, seeded};

crate::both_engines!(
    bookings_from_64_desks_on_3_servers_never_overlap,
    a_hundred_identical_bookings_make_one_reservation,
    moves_onto_the_same_dates_never_both_succeed,
    payments_from_3_servers_never_exceed_what_is_owed,
);

const INSTANCES: usize = 3;
const CARS: usize = 5;
const DESKS: usize = 64;
/// Logins are slow on purpose (password hashing): desks share these sessions.
const SESSIONS: usize = 8;
const MANAGER_PASSWORD: &str = "manager-pass-1";
const BLOCKING: &str = "('pending_confirmation', 'confirmed', 'active')";

/// One database, three `locacar` processes on it, and a manager's sessions.
struct Cluster {
    app: TestApp,
    others: Vec<Server>,
    admin: Api,
    sessions: Vec<Api>,
}

impl Cluster {
    async fn start(engine: Engine) -> Cluster {
        let app = TestApp::start(engine).await;
        let others = (1..INSTANCES)
            .map(|_| app.another_instance(&Options::default()))
            .collect();
        let admin = app.admin().await;
        app.manager("racer").await;
        let mut sessions = Vec::new();
        for _ in 0..SESSIONS {
            sessions.push(app.login("racer", MANAGER_PASSWORD).await);
        }
        Cluster {
            app,
            others,
            admin,
            sessions,
        }
    }

    fn base(&self, n: usize) -> &str {
        match n % INSTANCES {
            0 => &self.app.server.base,
            i => &self.others[i - 1].base,
        }
    }

    /// The `n`th desk: a manager's session on the `n % 3`th server.
    fn desk(&self, n: usize) -> Api {
        self.sessions[n % SESSIONS].on(self.base(n))
    }

    async fn cars(&self, count: usize) -> Vec<String> {
        crate::cars(&self.admin, count, 100).await
    }

    async fn client(&self) -> String {
        let r = self
            .admin
            .post(
                "/api/clients",
                json!({
                    "firstName": "Inès",
                    "lastName": "Martin",
                    "phone": "+33612345678",
                    "driverLicenseNumber": "DL-000001",
                }),
            )
            .await;
        assert_eq!(r.status, 201, "create client: {}", r.text);
        id_of(&r.body)
    }

    async fn overlapping_pairs(&self) -> i64 {
        self.app
            .db
            .count(&format!(
                "SELECT COUNT(*) FROM reservations a JOIN reservations b \
                 ON a.car_id = b.car_id AND a.id < b.id \
                 AND a.start_at < b.end_at + b.turnaround_ms \
                 AND b.start_at < a.end_at + a.turnaround_ms \
                 WHERE a.status IN {BLOCKING} AND b.status IN {BLOCKING}"
            ))
            .await
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// 10:00 UTC on the `day`th day from tomorrow.
fn day(day: i64) -> DateTime<Utc> {
    let tomorrow = (Utc::now() + Days::days(1)).date_naive();
    tomorrow.and_hms_opt(10, 0, 0).expect("10:00").and_utc() + Days::days(day)
}

fn booking(car: &str, client: &str, from: i64, days: i64) -> Value {
    json!({
        "carId": car,
        "clientId": client,
        "startDate": rfc3339(day(from)),
        "endDate": rfc3339(day(from + days)),
        "status": "confirmed",
    })
}

fn statuses(answers: &[Resp]) -> Vec<u16> {
    answers.iter().map(|r| r.status).collect()
}

/// The reservation number a refused booking names, if it names one.
fn clash_number(r: &Resp) -> Option<String> {
    let message = r.body["error"].as_str()?;
    let at = message.find("LC-")?;
    Some(message[at..].chars().take_while(|c| *c != ')').collect())
}

// ---------------------------------------------------------------- the long race

/// One booking attempt, as its desk saw it.
struct Attempt {
    car: usize,
    from: i64,
    days: i64,
    sent: Instant,
    answered: Instant,
    status: u16,
    /// The number of the reservation made, or of the one it clashed with.
    number: Option<String>,
}

/// A reservation as the database holds it at the end.
struct Stored {
    car: String,
    start: i64,
    end: i64,
}

#[derive(Default)]
struct Journal {
    attempts: Vec<Attempt>,
    /// When each cancellation was acknowledged, by reservation number.
    cancelled: HashMap<String, Instant>,
    /// When each booking was sent, by the number it was given.
    booked_at: HashMap<String, Instant>,
    failures: Vec<String>,
}

/// 64 desks on 3 servers book 5 cars for random 1–5-day windows, and now and then
/// cancel one of their bookings, for 120 s. Afterwards the data is checked, not trusted.
async fn bookings_from_64_desks_on_3_servers_never_overlap(engine: Engine) {
    let cluster = Arc::new(Cluster::start(engine).await);
    let cars = Arc::new(cluster.cars(CARS).await);
    let client = cluster.client().await;
    let mut rng = seeded("bookings_from_64_desks");
    let journal = Arc::new(Mutex::new(Journal::default()));
    let deadline = Instant::now() + run_time(120);

    let mut desks = Vec::new();
    for n in 0..DESKS {
        let api = cluster.desk(n);
        let (cars, client, journal) = (cars.clone(), client.clone(), journal.clone());
        let seed: u64 = rng.gen();
        desks.push(tokio::spawn(async move {
            desk_loop(api, &cars, &client, &journal, seed, deadline).await
        }));
    }
    for desk in desks {
        desk.await.expect("desk task");
    }

    let journal = Arc::try_unwrap(journal)
        .ok()
        .expect("desks are done")
        .into_inner()
        .expect("journal");
    check_the_race(&cluster, &cars, &journal).await;
}

async fn desk_loop(
    api: Api,
    cars: &[String],
    client: &str,
    journal: &Mutex<Journal>,
    seed: u64,
    deadline: Instant,
) {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut mine: Vec<(String, String)> = Vec::new();
    while Instant::now() < deadline {
        if !mine.is_empty() && rng.gen_ratio(1, 5) {
            let (id, number) = mine.swap_remove(rng.gen_range(0..mine.len()));
            let r = api
                .put(
                    &format!("/api/reservations/{id}/status"),
                    json!({"status": "cancelled_by_client"}),
                )
                .await;
            let mut journal = journal.lock().expect("journal");
            if r.status == 200 {
                journal.cancelled.insert(number, Instant::now());
            } else {
                journal
                    .failures
                    .push(format!("cancel {number}: {} {}", r.status, r.text));
            }
            continue;
        }
        let car = rng.gen_range(0..cars.len());
        let (from, days) = (rng.gen_range(0..1000), rng.gen_range(1..=5));
        let sent = Instant::now();
        let r = api
            .post("/api/reservations", booking(&cars[car], client, from, days))
            .await;
        let answered = Instant::now();
        let number = match r.status {
            201 => r.body["reservationNumber"].as_str().map(str::to_owned),
            _ => clash_number(&r),
        };
        let mut journal = journal.lock().expect("journal");
        if r.status == 201 {
            let number = number.clone().expect("a booking has a number");
            journal.booked_at.insert(number.clone(), sent);
            mine.push((id_of(&r.body), number));
        } else if r.status != 409 {
            journal
                .failures
                .push(format!("booking: {} {}", r.status, r.text));
        }
        journal.attempts.push(Attempt {
            car,
            from,
            days,
            sent,
            answered,
            status: r.status,
            number,
        });
    }
}

async fn stored(cluster: &Cluster) -> HashMap<String, Stored> {
    let rows = cluster
        .app
        .db
        .texts(
            "SELECT reservation_number || '|' || car_id || '|' || start_at || '|' || \
             (end_at + turnaround_ms) FROM reservations",
        )
        .await;
    rows.iter()
        .map(|row| {
            let f: Vec<&str> = row.split('|').collect();
            let number = f[0].to_owned();
            let stored = Stored {
                car: f[1].to_owned(),
                start: f[2].parse().expect("start_at"),
                end: f[3].parse().expect("held until"),
            };
            (number, stored)
        })
        .collect()
}

async fn check_the_race(cluster: &Cluster, cars: &[String], journal: &Journal) {
    let booked = journal.attempts.iter().filter(|a| a.status == 201).count();
    let conflicts = journal.attempts.iter().filter(|a| a.status == 409).count();
    eprintln!(
        "race: {} attempts, {booked} booked, {conflicts} refused as clashes, {} cancelled",
        journal.attempts.len(),
        journal.cancelled.len()
    );
    assert!(journal.failures.is_empty(), "{:#?}", journal.failures);
    assert!(
        journal.attempts.len() >= 5000,
        "too few attempts: the run proves nothing"
    );
    assert!(conflicts >= 500, "too few clashes: the run proves nothing");
    assert_eq!(cluster.overlapping_pairs().await, 0, "overlapping bookings");

    let stored = stored(cluster).await;
    assert_eq!(
        stored.len(),
        booked,
        "every booking made is stored, no other"
    );
    for number in journal.booked_at.keys() {
        assert!(
            stored.contains_key(number),
            "{number} was acknowledged but is lost"
        );
    }
    let mut unnamed = 0;
    for a in journal.attempts.iter().filter(|a| a.status == 409) {
        let (start, end) = (
            day(a.from).timestamp_millis(),
            day(a.from + a.days).timestamp_millis(),
        );
        let overlaps = |s: &Stored| s.car == cars[a.car] && s.start < end && start < s.end;
        match &a.number {
            Some(number) => {
                let s = stored
                    .get(number)
                    .unwrap_or_else(|| panic!("a refusal named {number}, which does not exist"));
                assert!(
                    overlaps(s),
                    "a refusal named {number}, which does not overlap"
                );
                let existed = journal
                    .booked_at
                    .get(number)
                    .is_some_and(|t| *t < a.answered);
                assert!(existed, "a refusal named {number} before it was booked");
                let gone = journal.cancelled.get(number).is_some_and(|t| *t < a.sent);
                assert!(
                    !gone,
                    "a refusal named {number}, cancelled before the request"
                );
            }
            None => {
                // Refused by the database's own constraint: something overlapping exists.
                unnamed += 1;
                assert!(
                    stored.values().any(overlaps),
                    "a refusal with nothing overlapping on that car"
                );
            }
        }
    }
    eprintln!("race: {unnamed} refusals came from the database constraint itself");
}

// ---------------------------------------------------------------- thundering herd

/// 50 rounds of 100 identical bookings released at once across the servers: exactly
/// one is made per round.
async fn a_hundred_identical_bookings_make_one_reservation(engine: Engine) {
    let cluster = Cluster::start(engine).await;
    let car = cluster.cars(1).await.remove(0);
    let client = cluster.client().await;
    for round in 0..50 {
        let body = booking(&car, &client, round * 3, 2);
        let answers = all_at_once(100, |n| {
            let api = cluster.desk(n);
            let body = body.clone();
            async move { api.post("/api/reservations", body).await }
        })
        .await;
        let made = answers.iter().filter(|r| r.status == 201).count();
        assert_eq!(made, 1, "round {round}: {:?}", statuses(&answers));
        for r in answers.iter().filter(|r| r.status != 201) {
            r.assert_error(409, "conflict");
        }
    }
    let count = cluster
        .app
        .db
        .count("SELECT COUNT(*) FROM reservations")
        .await;
    assert_eq!(count, 50);
    assert_eq!(cluster.overlapping_pairs().await, 0);
}

// ---------------------------------------------------------------- moves

/// Two reservations of one car, moved at the same moment: onto each other's dates
/// (both refused: each target is held), or onto the same free dates (one wins).
async fn moves_onto_the_same_dates_never_both_succeed(engine: Engine) {
    let cluster = Cluster::start(engine).await;
    let car = cluster.cars(1).await.remove(0);
    let client = cluster.client().await;
    for round in 0..50 {
        let base = round * 10;
        let a = cluster
            .desk(0)
            .post("/api/reservations", booking(&car, &client, base, 2))
            .await;
        let b = cluster
            .desk(1)
            .post("/api/reservations", booking(&car, &client, base + 3, 2))
            .await;
        assert_eq!((a.status, b.status), (201, 201), "{} {}", a.text, b.text);
        let (a, b) = (id_of(&a.body), id_of(&b.body));
        let dates =
            |from: i64| json!({"startDate": rfc3339(day(from)), "endDate": rfc3339(day(from + 2))});
        let swap = [(a.clone(), dates(base + 3)), (b.clone(), dates(base))];
        let answers = move_at_once(&cluster, swap).await;
        assert_eq!(statuses(&answers), [409, 409], "round {round}: a swap");
        let same = [(a, dates(base + 6)), (b, dates(base + 6))];
        let answers = move_at_once(&cluster, same).await;
        let mut got = statuses(&answers);
        got.sort();
        assert_eq!(got, [200, 409], "round {round}: onto the same dates");
    }
    assert_eq!(cluster.overlapping_pairs().await, 0);
}

/// Sends both moves (reservation id, new dates) at the same moment, from two servers.
async fn move_at_once(cluster: &Cluster, moves: [(String, Value); 2]) -> Vec<Resp> {
    all_at_once(2, |n| {
        let (id, body) = moves[n].clone();
        let api = cluster.desk(n);
        async move { api.put(&format!("/api/reservations/{id}"), body).await }
    })
    .await
}

// ---------------------------------------------------------------- payments

/// 20 payments of 100 on a reservation that costs 1,000, at once from 3 servers: ten
/// are taken, the rest refused, and nothing is overpaid.
async fn payments_from_3_servers_never_exceed_what_is_owed(engine: Engine) {
    let cluster = Cluster::start(engine).await;
    let car = cluster.cars(1).await.remove(0);
    let client = cluster.client().await;
    for round in 0..10 {
        let r = cluster
            .desk(0)
            .post("/api/reservations", booking(&car, &client, round * 20, 10))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["estimatedTotalCost"].to_string(), "1000");
        let id = id_of(&r.body);
        let path = format!("/api/reservations/{id}/payments");
        let answers = all_at_once(20, |n| {
            let api = cluster.desk(n);
            let path = path.clone();
            async move {
                api.post(&path, json!({"amount": 100, "method": "cash"}))
                    .await
            }
        })
        .await;
        let taken = answers.iter().filter(|r| r.status == 201).count();
        for r in answers.iter().filter(|r| r.status != 201) {
            r.assert_error(422, "validation_failed");
        }
        assert_eq!(taken, 10, "round {round}: {:?}", statuses(&answers));
        let details = cluster
            .admin
            .get(&format!("/api/reservations/{id}"))
            .await
            .body["paymentDetails"]
            .clone();
        let paid = Decimal::from_str(&details["amountPaid"].to_string()).expect("amountPaid");
        assert_eq!(paid, Decimal::from(1000), "{details}");
    }
    let payments = cluster.app.db.count("SELECT COUNT(*) FROM payments").await;
    assert_eq!(payments, 100);
    let audited = cluster
        .app
        .db
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'ADD_PAYMENT'")
        .await;
    assert_eq!(audited, 100, "one audit entry per payment");
}
