//! Races: requests that arrive together must not double-book a car (on one server or
//! two), leave a car's status out of step with its reservation, or take more money than
//! is owed.

mod common;

use std::str::FromStr;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use common::{all_at_once, id_of, Api, Engine, Options, Resp, TestApp};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const SESSIONS: usize = 32;
const MANAGER_PASSWORD: &str = "manager-pass-1";

both_engines!(
    concurrent_bookings_of_one_car_make_one_reservation,
    a_pick_up_racing_a_cancellation_keeps_the_car_in_step,
    concurrent_payments_never_exceed_what_is_owed,
);

// ---------------------------------------------------------------- helpers

async fn create_car(admin: &Api, n: u32, rate: u32) -> String {
    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Dacia",
                "model": "Sandero",
                "year": 2024,
                "licensePlate": format!("{}-B-{}", 20000 + n, n % 10),
                "vin": format!("VF1RFB00X6612{n:04}"),
                "dailyRate": rate,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    id_of(&r.body)
}

async fn create_client(api: &Api, n: u32) -> String {
    let r = api
        .post(
            "/api/clients",
            json!({
                "firstName": "Youssef",
                "lastName": "Benali",
                "phone": format!("+2127{n:08}"),
                "driverLicenseNumber": format!("DL-{n:06}"),
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    id_of(&r.body)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A booking of `car` whose window is shifted by `n` hours: any two of the first 48 overlap.
fn overlapping_booking(car: &str, client: &str, n: usize) -> Value {
    let base: DateTime<Utc> = "2026-07-01T08:00:00Z".parse().expect("date");
    let start = base + Duration::hours(n as i64);
    json!({
        "carId": car,
        "clientId": client,
        "startDate": rfc3339(start),
        "endDate": rfc3339(start + Duration::hours(48)),
    })
}

/// `SESSIONS` sessions of one manager, each from its own login.
async fn manager_sessions(app: &TestApp) -> Vec<Api> {
    app.manager("racer").await;
    // One after the other: simultaneous logins count as guesses and are throttled.
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        sessions.push(app.login("racer", MANAGER_PASSWORD).await);
    }
    let mut cookies: Vec<_> = sessions.iter().map(|s| s.cookie()).collect();
    cookies.sort();
    cookies.dedup();
    assert_eq!(
        cookies.len(),
        SESSIONS,
        "every login is a session of its own"
    );
    sessions
}

fn statuses(answers: &[Resp]) -> Vec<u16> {
    answers.iter().map(|r| r.status).collect()
}

/// Exactly one booking won; every other was told which reservation it clashed with.
async fn assert_one_booking(app: &TestApp, car: &str, answers: &[Resp]) {
    let won: Vec<&Resp> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(won.len(), 1, "statuses: {:?}", statuses(answers));
    let number = won[0].body["reservationNumber"]
        .as_str()
        .expect("reservationNumber");
    for r in answers.iter().filter(|r| r.status != 201) {
        r.assert_error(409, "conflict");
        assert!(r.body["fields"].get("carId").is_some(), "{}", r.text);
        assert!(
            r.body["error"].as_str().is_some_and(|m| m.contains(number)),
            "a refused booking should name {number}: {}",
            r.text
        );
    }
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM reservations WHERE car_id = '{car}' \
                 AND status IN ('pending_confirmation', 'confirmed', 'active')"
            ))
            .await,
        1,
        "blocking reservations of the car"
    );
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM reservations").await,
        1,
        "no refused booking left a row"
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'CREATE_RESERVATION'")
            .await,
        1
    );
}

/// A car and one client per session, created by the admin.
async fn car_and_clients(app: &TestApp) -> (String, Vec<String>) {
    let admin = app.admin().await;
    let car = create_car(&admin, 1, 300).await;
    let mut clients = Vec::new();
    for n in 0..SESSIONS {
        clients.push(create_client(&admin, n as u32).await);
    }
    (car, clients)
}

// ---------------------------------------------------------------- bookings

async fn concurrent_bookings_of_one_car_make_one_reservation(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (car, clients) = car_and_clients(&app).await;
    let sessions = manager_sessions(&app).await;

    let answers = all_at_once(SESSIONS, |n| {
        let api = sessions[n].clone();
        let body = overlapping_booking(&car, &clients[n], n);
        async move { api.post("/api/reservations", body).await }
    })
    .await;
    assert_one_booking(&app, &car, &answers).await;
}

/// The same race with half the sessions on a second server process sharing the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_bookings_across_two_servers_make_one_reservation() {
    if !common::postgres_enabled() {
        return;
    }
    let app = TestApp::start(Engine::Postgres).await;
    let other = app.another_instance(&Options::default());
    let (car, clients) = car_and_clients(&app).await;
    let sessions: Vec<Api> = manager_sessions(&app)
        .await
        .into_iter()
        .enumerate()
        .map(|(n, api)| if n % 2 == 0 { api } else { api.on(&other.base) })
        .collect();
    // The second server honours the sessions it did not open.
    let r = sessions[1].get("/api/auth/status").await;
    assert_eq!(r.body["authenticated"], true, "{}", r.text);

    let answers = all_at_once(SESSIONS, |n| {
        let api = sessions[n].clone();
        let body = overlapping_booking(&car, &clients[n], n);
        async move { api.post("/api/reservations", body).await }
    })
    .await;
    assert_one_booking(&app, &car, &answers).await;
}

// ---------------------------------------------------------------- life cycle

async fn a_pick_up_racing_a_cancellation_keeps_the_car_in_step(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("desk").await;
    let client = create_client(&admin, 1).await;
    let mut outcomes = Vec::new();
    for round in 0..10u32 {
        let car = create_car(&admin, round + 1, 300).await;
        let r = admin
            .post(
                "/api/reservations",
                json!({
                    "carId": car,
                    "clientId": client,
                    "startDate": "2026-08-01T10:00:00Z",
                    "endDate": "2026-08-03T10:00:00Z",
                    "status": "confirmed",
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = id_of(&r.body);
        let path = format!("/api/reservations/{id}/status");

        let answers = all_at_once(2, |n| {
            let (api, body) = if n == 0 {
                (admin.clone(), json!({"status": "active"}))
            } else {
                (manager.clone(), json!({"status": "cancelled_by_agency"}))
            };
            let path = path.clone();
            async move { api.put(&path, body).await }
        })
        .await;
        let ok = answers.iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1, "round {round}: {:?}", statuses(&answers));
        for r in answers.iter().filter(|r| r.status != 200) {
            r.assert_error(409, "conflict");
        }

        let reservation = admin.get(&format!("/api/reservations/{id}")).await.body;
        let car_status = admin.get(&format!("/api/cars/{car}")).await.body["status"].clone();
        let status = reservation["status"].as_str().expect("status").to_owned();
        let winner = if answers[0].status == 200 {
            "active"
        } else {
            "cancelled_by_agency"
        };
        assert_eq!(status, winner, "round {round}");
        assert_eq!(
            car_status == "rented",
            status == "active",
            "round {round}: car {car_status} with the reservation {status}"
        );
        assert_eq!(
            reservation["actualPickupDate"].is_null(),
            status != "active",
            "round {round}"
        );
        assert_eq!(
            app.db
                .count(&format!(
                    "SELECT COUNT(*) FROM audit_log WHERE entity_id = '{id}' \
                     AND action = 'UPDATE_RESERVATION_STATUS'"
                ))
                .await,
            1,
            "round {round}"
        );
        outcomes.push(status);
    }
    eprintln!("pick-up vs cancellation outcomes: {outcomes:?}");
}

// ---------------------------------------------------------------- payments

async fn concurrent_payments_never_exceed_what_is_owed(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("cashier").await;
    let car = create_car(&admin, 1, 1000).await;
    let client = create_client(&admin, 1).await;
    let r = admin
        .post(
            "/api/reservations",
            json!({
                "carId": car,
                "clientId": client,
                "startDate": "2026-08-01T10:00:00Z",
                "endDate": "2026-08-02T10:00:00Z",
                "status": "confirmed",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["estimatedTotalCost"].to_string(), "1000");
    let id = id_of(&r.body);
    let path = format!("/api/reservations/{id}/payments");

    let answers = all_at_once(20, |n| {
        let api = if n % 2 == 0 {
            admin.clone()
        } else {
            manager.clone()
        };
        let path = path.clone();
        async move {
            api.post(&path, json!({"amount": 100, "method": "cash"}))
                .await
        }
    })
    .await;
    let accepted = answers.iter().filter(|r| r.status == 201).count();
    for r in answers.iter().filter(|r| r.status != 201) {
        r.assert_error(422, "validation_failed");
        assert!(r.body["fields"].get("amount").is_some(), "{}", r.text);
    }

    let details =
        admin.get(&format!("/api/reservations/{id}")).await.body["paymentDetails"].clone();
    let paid = Decimal::from_str(&details["amountPaid"].to_string()).expect("amountPaid");
    let remaining = Decimal::from_str(&details["remaining"].to_string()).expect("remaining");
    assert!(paid <= Decimal::from(1000), "paid {paid}: {details}");
    assert_eq!(paid, Decimal::from(100 * accepted), "{details}");
    assert!(remaining >= Decimal::ZERO, "{details}");
    // A payment was refused only once nothing more was owed.
    assert_eq!(accepted, 10, "statuses: {:?}", statuses(&answers));
    assert_eq!(remaining, Decimal::ZERO, "{details}");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM payments WHERE reservation_id = '{id}'"
            ))
            .await,
        10
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'ADD_PAYMENT'")
            .await,
        10
    );
}
