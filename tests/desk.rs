//! The rental desk (issue 7): maintenance blocks and their rule against reservations
//! (sequential and under concurrency), the car status an open block sets, the turnaround
//! between rentals, branches (their CRUD, and how cars and reservations follow them,
//! one-way rentals included), and the dashboard's day, branch and month figures.

mod common;

use std::slice::from_ref;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, SecondsFormat, TimeZone, Timelike, Utc};
use common::{all_at_once, Api, Engine, Options, Resp, TestApp};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// A well-formed id that names nothing.
const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";

both_engines!(
    blocks_are_created_listed_changed_deleted_and_audited,
    the_blocks_of_every_car_in_a_window_are_listed_for_the_calendar,
    blocks_and_reservations_never_overlap,
    blocks_and_bookings_racing_for_one_window_make_one_hold,
    an_open_block_keeps_the_car_in_maintenance_until_it_ends,
    the_turnaround_keeps_the_car_between_rentals,
    without_a_turnaround_rentals_fit_back_to_back,
    branches_are_managed_by_admins_with_unique_names,
    cars_and_reservations_follow_their_branches,
    the_dashboard_shows_the_day_by_branch,
    the_dashboard_day_follows_the_agency_time_zone,
    the_dashboard_month_figures_follow_the_rentals,
    a_return_during_a_block_leaves_the_car_in_maintenance,
    blocks_move_the_car_when_they_begin_and_end_by_the_clock,
);

// ---------------------------------------------------------------- helpers

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

/// RFC 3339 in UTC with a `Z`, so that it needs no escaping in a query string.
fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The instant a JSON date-time names.
fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a date-time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// `t` without its sub-second part (what `rfc` sends).
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).expect("valid time")
}

/// The next whole hour after now: windows built on it have round, clear margins.
fn next_hour() -> DateTime<Utc> {
    let now = Utc::now();
    let floor = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .expect("valid time");
    floor + Duration::hours(1)
}

/// Midnight UTC starting `date`.
fn midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
}

fn money(value: &Value) -> Decimal {
    Decimal::from_str(&value.to_string()).expect("a money amount")
}

/// The ids of a list response's items.
fn ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id_of)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Asserts a contract error naming `field`.
fn assert_field_error(r: &Resp, status: u16, code: &str, field: &str) {
    r.assert_error(status, code);
    assert!(
        r.body["fields"][field].is_string(),
        "expected fields.{field}: {}",
        r.text
    );
}

/// Creates a car (plate and VIN unique by `n`) with `extra` fields, as an admin.
async fn create_car(admin: &Api, n: u32, extra: Value) -> Value {
    let mut body = json!({
        "make": "Dacia",
        "model": "Logan",
        "year": 2024,
        "licensePlate": format!("{}-D-{}", 30000 + n, n % 10),
        "vin": format!("VF1DESK{n:010}"),
        "dailyRate": 300,
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    let r = admin.post("/api/cars", body).await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    r.body
}

async fn create_car_id(admin: &Api, n: u32) -> String {
    id_of(&create_car(admin, n, json!({})).await)
}

async fn create_client(api: &Api, n: u32) -> String {
    let r = api
        .post(
            "/api/clients",
            json!({
                "firstName": "Salma",
                "lastName": format!("Desk{n}"),
                "phone": format!("+2126{n:08}"),
                "driverLicenseNumber": format!("DK-{n:06}"),
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    id_of(&r.body)
}

async fn get_car(api: &Api, car: &str) -> Value {
    let r = api.get(&format!("/api/cars/{car}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn set_car_status(admin: &Api, car: &str, status: &str) {
    let r = admin
        .put(&format!("/api/cars/{car}"), json!({ "status": status }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], status);
}

/// The body of a booking of `car` for `[start, end)`, with `extra` fields.
fn booking(
    car: &str,
    client: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    extra: Value,
) -> Value {
    let mut body = json!({
        "carId": car,
        "clientId": client,
        "startDate": rfc(start),
        "endDate": rfc(end),
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    body
}

async fn book(api: &Api, body: Value) -> Resp {
    api.post("/api/reservations", body).await
}

/// A booking that must succeed; returns the reservation.
async fn booked(api: &Api, body: Value) -> Value {
    let r = book(api, body).await;
    assert_eq!(r.status, 201, "book: {}", r.text);
    r.body
}

/// A confirmed booking that must succeed.
async fn confirmed(
    api: &Api,
    car: &str,
    client: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Value {
    booked(
        api,
        booking(car, client, start, end, json!({"status": "confirmed"})),
    )
    .await
}

/// A confirmed booking that started in the past, picked up at its start.
async fn picked_up_at_start(
    admin: &Api,
    car: &str,
    client: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    mut extra: Value,
) -> Value {
    extra["status"] = json!("confirmed");
    let r = booked(admin, booking(car, client, start, end, extra)).await;
    move_to(
        admin,
        &id_of(&r),
        json!({"status": "active", "at": rfc(start)}),
    )
    .await
}

/// Moves a reservation along its life cycle; must succeed.
async fn move_to(api: &Api, reservation: &str, body: Value) -> Value {
    let r = api
        .put(&format!("/api/reservations/{reservation}/status"), body)
        .await;
    assert_eq!(r.status, 200, "status change: {}", r.text);
    r.body
}

fn blocks_path(car: &str) -> String {
    format!("/api/cars/{car}/blocks")
}

fn block_body(start: DateTime<Utc>, end: Option<DateTime<Utc>>, reason: &str) -> Value {
    json!({"start": rfc(start), "end": end.map(rfc), "reason": reason})
}

async fn block(api: &Api, car: &str, body: Value) -> Resp {
    api.post(&blocks_path(car), body).await
}

/// A block that must be accepted; returns it.
async fn blocked(
    api: &Api,
    car: &str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    reason: &str,
) -> Value {
    let r = block(api, car, block_body(start, end, reason)).await;
    assert_eq!(r.status, 201, "block: {}", r.text);
    r.body
}

/// The ids of the cars free for `[start, end)`, with more query parameters if any.
async fn available(api: &Api, start: DateTime<Utc>, end: DateTime<Utc>, more: &str) -> Vec<String> {
    let r = api
        .get(&format!(
            "/api/cars/available?start={}&end={}&perPage=100{more}",
            rfc(start),
            rfc(end)
        ))
        .await;
    ids(&r)
}

/// The audit entries of one action, newest first.
async fn audit(admin: &Api, action: &str) -> Vec<Value> {
    let r = admin.get(&format!("/api/audit?action={action}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().expect("items").clone()
}

async fn create_branch(admin: &Api, name: &str) -> String {
    let r = admin
        .post(
            "/api/branches",
            json!({"name": name, "address": format!("1 rue de {name}")}),
        )
        .await;
    assert_eq!(r.status, 201, "create branch: {}", r.text);
    id_of(&r.body)
}

// ---------------------------------------------------------------- blocks

async fn blocks_are_created_listed_changed_deleted_and_audited(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, manager_id) = app.manager("mechanic").await;
    let admin_id = admin.get("/api/auth/status").await.body["user"]["_id"]
        .as_str()
        .expect("admin id")
        .to_owned();
    let car = create_car_id(&admin, 1).await;
    let other_car = create_car_id(&admin, 2).await;
    let base = next_hour() + Duration::days(7);
    let path = blocks_path(&car);

    // A manager may block a car; the block comes back as given (reason trimmed).
    let r = manager
        .post(
            &path,
            json!({"start": rfc(base), "end": rfc(base + Duration::days(2)), "reason": "  Vidange et freins "}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let closed = r.body.clone();
    let closed_id = id_of(&closed);
    assert_eq!(closed["carId"], car.as_str());
    assert_eq!(instant(&closed["start"]), base);
    assert_eq!(instant(&closed["end"]), base + Duration::days(2));
    assert_eq!(closed["reason"], "Vidange et freins");
    assert_eq!(closed["createdBy"], manager_id.as_str());
    assert_eq!(closed["updatedBy"], manager_id.as_str());
    assert!(closed["createdAt"].is_string() && closed["updatedAt"].is_string());

    // An open block: end null (explicitly) means until it is given an end.
    let r = admin
        .post(
            &path,
            json!({"start": rfc(base + Duration::days(10)), "end": null, "reason": "Contrôle technique"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let open_id = id_of(&r.body);
    assert!(r.body["end"].is_null(), "{}", r.text);
    assert_eq!(r.body["createdBy"], admin_id.as_str());

    // Listed latest start first; each readable on its own.
    let list = manager.get(&path).await;
    assert_eq!(ids(&list), [open_id.clone(), closed_id.clone()]);
    assert_eq!(list.body["total"], 2);
    let one = manager.get(&format!("{path}/{closed_id}")).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body, closed);
    assert_eq!(
        ids(&admin.get(&blocks_path(&other_car)).await),
        Vec::<String>::new()
    );

    // Update: only the given fields change.
    let r = admin
        .put(
            &format!("{path}/{closed_id}"),
            json!({"reason": "Vidange", "end": rfc(base + Duration::days(1))}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["reason"], "Vidange");
    assert_eq!(instant(&r.body["start"]), base);
    assert_eq!(instant(&r.body["end"]), base + Duration::days(1));
    assert_eq!(r.body["createdBy"], manager_id.as_str());
    assert_eq!(r.body["updatedBy"], admin_id.as_str());
    let reopened = admin
        .put(
            &format!("{path}/{open_id}"),
            json!({"end": null, "reason": "CT"}),
        )
        .await;
    assert_eq!(reopened.status, 200, "{}", reopened.text);
    assert!(reopened.body["end"].is_null());

    // Validation: the end comes after the start; start and reason are required.
    for end in [base, base - Duration::hours(1)] {
        let r = admin
            .put(&format!("{path}/{closed_id}"), json!({"end": rfc(end)}))
            .await;
        assert_field_error(&r, 422, "validation_failed", "end");
    }
    let later = base + Duration::days(20);
    let invalid = [
        (
            "end",
            json!({"start": rfc(later), "end": rfc(later), "reason": "x"}),
        ),
        (
            "end",
            json!({"start": rfc(later), "end": rfc(later - Duration::days(1)), "reason": "x"}),
        ),
        (
            "reason",
            json!({"start": rfc(later), "end": rfc(later + Duration::days(1))}),
        ),
        ("reason", json!({"start": rfc(later), "reason": "   "})),
        ("reason", json!({"start": rfc(later), "reason": null})),
        (
            "reason",
            json!({"start": rfc(later), "reason": "x".repeat(201)}),
        ),
        ("start", json!({"end": rfc(later), "reason": "x"})),
        ("start", json!({"start": "tomorrow", "reason": "x"})),
    ];
    for (field, body) in invalid {
        let r = manager.post(&path, body.clone()).await;
        assert_field_error(&r, 422, "validation_failed", field);
    }
    assert_eq!(
        manager.get(&path).await.body["total"],
        2,
        "nothing invalid was kept"
    );

    // Unknown car or block, or a block of another car: 404. Anonymous: 401.
    let unknown_car = blocks_path(UNKNOWN_ID);
    block(&admin, UNKNOWN_ID, block_body(later, None, "x"))
        .await
        .assert_error(404, "not_found");
    admin.get(&unknown_car).await.assert_error(404, "not_found");
    let unknown_block = format!("{path}/{UNKNOWN_ID}");
    admin
        .get(&unknown_block)
        .await
        .assert_error(404, "not_found");
    admin
        .put(&unknown_block, json!({"reason": "x"}))
        .await
        .assert_error(404, "not_found");
    admin
        .delete(&unknown_block)
        .await
        .assert_error(404, "not_found");
    let elsewhere = format!("{}/{closed_id}", blocks_path(&other_car));
    admin.get(&elsewhere).await.assert_error(404, "not_found");
    admin
        .delete(&elsewhere)
        .await
        .assert_error(404, "not_found");
    app.api()
        .get(&path)
        .await
        .assert_error(401, "unauthenticated");
    block(&app.api(), &car, block_body(later, None, "x"))
        .await
        .assert_error(401, "unauthenticated");

    // Delete: 204, then gone.
    let r = manager.delete(&format!("{path}/{closed_id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    manager
        .get(&format!("{path}/{closed_id}"))
        .await
        .assert_error(404, "not_found");
    manager
        .delete(&format!("{path}/{closed_id}"))
        .await
        .assert_error(404, "not_found");
    assert_eq!(ids(&manager.get(&path).await), from_ref(&open_id));

    // The audit trail: entity Car = the car, the block as before/after.
    let created = audit(&admin, "CREATE_BLOCK").await;
    assert_eq!(created.len(), 2, "{created:?}");
    for entry in &created {
        assert_eq!(entry["entityType"], "Car");
        assert_eq!(entry["entityId"], car.as_str());
        assert!(entry["before"].is_null());
    }
    let created_ids = sorted(created.iter().map(|e| id_of(&e["after"])).collect());
    assert_eq!(
        created_ids,
        sorted(vec![closed_id.clone(), open_id.clone()])
    );
    let by_manager = created
        .iter()
        .find(|e| e["after"]["_id"] == closed_id.as_str())
        .expect("the closed block's creation");
    assert_eq!(by_manager["userId"], manager_id.as_str());
    assert_eq!(by_manager["after"]["reason"], "Vidange et freins");

    let updated = audit(&admin, "UPDATE_BLOCK").await;
    assert_eq!(updated.len(), 2, "{updated:?}");
    let first_update = updated
        .iter()
        .find(|e| e["before"]["_id"] == closed_id.as_str())
        .expect("the closed block's update");
    assert_eq!(first_update["entityType"], "Car");
    assert_eq!(first_update["entityId"], car.as_str());
    assert_eq!(first_update["before"]["reason"], "Vidange et freins");
    assert_eq!(first_update["after"]["reason"], "Vidange");

    let deleted = audit(&admin, "DELETE_BLOCK").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["entityType"], "Car");
    assert_eq!(deleted[0]["entityId"], car.as_str());
    assert_eq!(deleted[0]["before"]["_id"], closed_id.as_str());
    assert!(deleted[0]["after"].is_null());

    // A car with blocks but no reservation can go; its blocks and their holds go with it.
    blocked(&admin, &other_car, later, None, "Vente").await;
    let r = admin.delete(&format!("/api/cars/{other_car}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    for table in ["car_blocks", "car_holds"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE car_id = '{other_car}'");
        assert_eq!(app.db.count(&sql).await, 0, "{table}");
    }
}

async fn the_blocks_of_every_car_in_a_window_are_listed_for_the_calendar(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("planner").await;
    let (car, other_car) = (
        create_car_id(&admin, 1).await,
        create_car_id(&admin, 2).await,
    );
    let third_car = create_car_id(&admin, 3).await;
    let base = next_hour() + Duration::days(10);
    let before = blocked(
        &admin,
        &car,
        base - Duration::days(5),
        Some(base - Duration::days(3)),
        "Vidange",
    )
    .await;
    let inside = blocked(
        &admin,
        &car,
        base + Duration::days(1),
        Some(base + Duration::days(2)),
        "Pneus",
    )
    .await;
    let open = blocked(
        &admin,
        &other_car,
        base - Duration::days(1),
        None,
        "Carrosserie",
    )
    .await;
    let after = blocked(
        &admin,
        &third_car,
        base + Duration::days(40),
        Some(base + Duration::days(41)),
        "CT",
    )
    .await;
    let window = |from: DateTime<Utc>, to: DateTime<Utc>| {
        format!("/api/blocks?from={}&to={}", rfc(from), rfc(to))
    };

    // A week from `base`: the block inside it and the open one that began before it,
    // earliest first; not those that ended before or begin after.
    let r = manager.get(&window(base, base + Duration::days(7))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r), [id_of(&open), id_of(&inside)]);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["items"][0]["carId"], json!(other_car));
    // The window is half-open: a block ending at `from` is not in it.
    let r = manager.get(&window(base - Duration::days(3), base)).await;
    assert_eq!(ids(&r), [id_of(&open)]);
    let r = manager
        .get(&window(base - Duration::days(6), base + Duration::days(60)))
        .await;
    assert_eq!(r.body["total"], 4);
    let r = manager
        .get(&format!(
            "{}&perPage=1&page=4",
            window(base - Duration::days(6), base + Duration::days(60))
        ))
        .await;
    assert_eq!(ids(&r), [id_of(&after)]);
    assert!(!ids(&r).contains(&id_of(&before)));

    // The window must be given, in order, and not longer than 400 days.
    for bad in [
        "/api/blocks".to_owned(),
        format!("/api/blocks?from={}", rfc(base)),
        window(base, base),
        window(base, base + Duration::days(401)),
        "/api/blocks?from=2026-12-01&to=2026-12-02".to_owned(),
    ] {
        manager.get(&bad).await.assert_error(400, "bad_request");
    }
    app.api()
        .get(&window(base, base + Duration::days(1)))
        .await
        .assert_error(401, "unauthenticated");
}

async fn blocks_and_reservations_never_overlap(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = create_car_id(&admin, 1).await;
    let client = create_client(&admin, 1).await;
    let base = next_hour() + Duration::days(5);
    let day = Duration::days(1);

    let first = confirmed(&admin, &car, &client, base, base + day * 2).await;
    let number = first["reservationNumber"]
        .as_str()
        .expect("number")
        .to_owned();

    // A block over the reservation, in any way, is refused and names the reservation.
    for (start, end) in [
        (base + day, Some(base + day * 3)),
        (base - day, Some(base + Duration::hours(1))),
        (base + Duration::hours(1), Some(base + Duration::hours(2))),
        (base - day, None),
    ] {
        let r = block(&admin, &car, block_body(start, end, "Révision")).await;
        assert_field_error(&r, 409, "conflict", "start");
        assert!(
            r.body["error"]
                .as_str()
                .is_some_and(|e| e.contains(&number)),
            "the refusal names {number}: {}",
            r.text
        );
    }

    // Adjacent windows fit: a block ending where the rental starts, one starting where it ends.
    let before = blocked(&admin, &car, base - day, Some(base), "Lavage").await;
    let after = blocked(&admin, &car, base + day * 2, Some(base + day * 3), "Pneus").await;

    // A reservation over a block is refused and names the block's reason.
    let r = book(
        &admin,
        booking(
            &car,
            &client,
            base + day * 2 + Duration::hours(12),
            base + day * 4,
            json!({}),
        ),
    )
    .await;
    assert_field_error(&r, 409, "conflict", "carId");
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("Pneus")),
        "the refusal names the block: {}",
        r.text
    );
    // ... and adjacent ones fit on both sides of the blocks.
    confirmed(&admin, &car, &client, base + day * 3, base + day * 4).await;
    let early = booked(
        &admin,
        booking(&car, &client, base - day * 2, base - day, json!({})),
    )
    .await;
    assert_eq!(early["status"], "pending_confirmation");

    // A block over another block is refused too.
    let r = block(
        &admin,
        &car,
        block_body(
            base + Duration::days(2) + Duration::hours(3),
            Some(base + Duration::days(2) + Duration::hours(4)),
            "Autre",
        ),
    )
    .await;
    assert_field_error(&r, 409, "conflict", "start");

    // A pending booking holds the car as well.
    let r = block(
        &admin,
        &car,
        block_body(
            base - day * 2 + Duration::hours(6),
            Some(base - day - Duration::hours(6)),
            "x",
        ),
    )
    .await;
    assert_field_error(&r, 409, "conflict", "start");

    // Moving a block onto a reservation, or a reservation onto a block: refused, unchanged.
    let after_id = id_of(&after);
    let r = admin
        .put(
            &format!("{}/{after_id}", blocks_path(&car)),
            json!({"start": rfc(base + Duration::hours(30))}),
        )
        .await;
    assert_field_error(&r, 409, "conflict", "start");
    let still = admin
        .get(&format!("{}/{after_id}", blocks_path(&car)))
        .await;
    assert_eq!(instant(&still.body["start"]), base + day * 2);
    let r = admin
        .put(
            &format!("/api/reservations/{}", id_of(&first)),
            json!({"endDate": rfc(base + day * 2 + Duration::hours(1))}),
        )
        .await;
    assert_field_error(&r, 409, "conflict", "carId");

    // A cancelled reservation no longer holds the car: the block now fits.
    move_to(
        &admin,
        &id_of(&first),
        json!({"status": "cancelled_by_agency"}),
    )
    .await;
    let over = blocked(&admin, &car, base, Some(base + day * 2), "Carrosserie").await;
    assert_eq!(ids(&admin.get(&blocks_path(&car)).await).len(), 3);
    // The database agrees: one hold per block and per blocking reservation.
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM car_holds WHERE car_id = '{car}'"
            ))
            .await,
        5,
        "3 blocks, a confirmed and a pending reservation"
    );
    // Deleting a block frees its window for a booking.
    let r = admin
        .delete(&format!("{}/{}", blocks_path(&car), id_of(&over)))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = admin
        .delete(&format!("{}/{}", blocks_path(&car), id_of(&before)))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    confirmed(&admin, &car, &client, base - day, base + day * 2).await;
}

async fn blocks_and_bookings_racing_for_one_window_make_one_hold(engine: Engine) {
    const REQUESTS: usize = 8;
    const ROUNDS: u32 = 4;
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1).await;
    app.manager("racer").await;
    // One session per request, logged in one after the other (logins are throttled).
    let mut sessions = Vec::new();
    for _ in 0..REQUESTS {
        sessions.push(app.login("racer", "manager-pass-1").await);
    }
    let base = next_hour() + Duration::days(3);
    let mut winners = Vec::new();
    for round in 0..ROUNDS {
        let car = create_car_id(&admin, round + 1).await;
        // Even requests block, odd ones book; the windows, shifted by an hour each, all overlap.
        // Rounds alternate which kind comes first in the task list.
        let is_block = move |n: usize| (n + round as usize) % 2 == 0;
        let answers = all_at_once(REQUESTS, |n| {
            let api = sessions[n].clone();
            let start = base + Duration::hours(n as i64);
            let end = start + Duration::hours(48);
            let (path, body) = if is_block(n) {
                (
                    blocks_path(&car),
                    block_body(start, Some(end), &format!("Révision {n}")),
                )
            } else {
                (
                    "/api/reservations".to_owned(),
                    booking(&car, &client, start, end, json!({"status": "confirmed"})),
                )
            };
            async move { api.post(&path, body).await }
        })
        .await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        let won: Vec<usize> = (0..REQUESTS)
            .filter(|n| answers[*n].status == 201)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {statuses:?}");
        for (n, r) in answers.iter().enumerate().filter(|(_, r)| r.status != 201) {
            let field = if is_block(n) { "start" } else { "carId" };
            assert_field_error(r, 409, "conflict", field);
        }
        // What the API lists agrees: one block or one reservation, never both.
        let blocks = admin.get(&blocks_path(&car)).await;
        let reservations = admin.get(&format!("/api/reservations?carId={car}")).await;
        let (nb, nr) = (ids(&blocks).len(), ids(&reservations).len());
        let winner_is_block = is_block(won[0]);
        assert_eq!(
            (nb, nr),
            if winner_is_block { (1, 0) } else { (0, 1) },
            "round {round}: {statuses:?}"
        );
        assert_eq!(
            app.db
                .count(&format!(
                    "SELECT COUNT(*) FROM car_holds WHERE car_id = '{car}'"
                ))
                .await,
            1,
            "round {round}"
        );
        winners.push(if winner_is_block {
            "block"
        } else {
            "reservation"
        });
    }
    eprintln!("block vs booking winners: {winners:?}");
}

async fn an_open_block_keeps_the_car_in_maintenance_until_it_ends(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1).await;
    let car = create_car_id(&admin, 1).await;
    let spare = create_car_id(&admin, 2).await;
    let now = whole_second(Utc::now());
    let (soon, later) = (now + Duration::days(1), now + Duration::days(3));

    // An open block in effect now: the car goes to maintenance and is never available.
    let open = blocked(&admin, &car, now - Duration::hours(2), None, "Carrosserie").await;
    let open_path = format!("{}/{}", blocks_path(&car), id_of(&open));
    assert_eq!(get_car(&admin, &car).await["status"], "maintenance");
    let entry = &audit(&admin, "CREATE_BLOCK").await[0];
    assert_eq!(entry["details"]["carStatus"], "maintenance", "{entry}");
    assert_eq!(available(&admin, soon, later, "").await, from_ref(&spare));
    let far = now + Duration::days(400);
    assert_eq!(
        available(&admin, far, far + Duration::days(1), "").await,
        from_ref(&spare)
    );
    let r = book(&admin, booking(&car, &client, soon, later, json!({}))).await;
    assert_field_error(&r, 409, "conflict", "carId");

    // Ending it (an end in the past, after its start): available again.
    let r = admin
        .put(&open_path, json!({"end": rfc(now - Duration::minutes(1))}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(instant(&r.body["end"]), now - Duration::minutes(1));
    assert_eq!(get_car(&admin, &car).await["status"], "available");
    let entry = &audit(&admin, "UPDATE_BLOCK").await[0];
    assert_eq!(entry["details"]["carStatus"], "available", "{entry}");
    assert_eq!(
        sorted(available(&admin, soon, later, "").await),
        sorted(vec![car.clone(), spare.clone()])
    );
    confirmed(&admin, &car, &client, soon, later).await;

    // Deleting a block in effect also ends the maintenance.
    let current = blocked(
        &admin,
        &spare,
        now - Duration::hours(1),
        Some(now + Duration::hours(5)),
        "Vitre",
    )
    .await;
    assert_eq!(get_car(&admin, &spare).await["status"], "maintenance");
    let r = admin
        .delete(&format!("{}/{}", blocks_path(&spare), id_of(&current)))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(get_car(&admin, &spare).await["status"], "available");

    // A future block leaves the status alone.
    let future = blocked(
        &admin,
        &spare,
        later,
        Some(later + Duration::days(1)),
        "Vidange",
    )
    .await;
    assert_eq!(get_car(&admin, &spare).await["status"], "available");

    // A car sent to maintenance by hand stays so when an unrelated block goes.
    set_car_status(&admin, &spare, "maintenance").await;
    let r = admin
        .delete(&format!("{}/{}", blocks_path(&spare), id_of(&future)))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(get_car(&admin, &spare).await["status"], "maintenance");
    let ended = blocked(
        &admin,
        &spare,
        now - Duration::days(3),
        Some(now - Duration::days(2)),
        "Ancien",
    )
    .await;
    let r = admin
        .put(
            &format!("{}/{}", blocks_path(&spare), id_of(&ended)),
            json!({"end": rfc(now - Duration::days(1))}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(get_car(&admin, &spare).await["status"], "maintenance");
}

/// A car returned while a block is in effect goes to the garage, not back on offer. (The
/// hold of an overdue rental ends at its planned end, so a block from now on is accepted
/// while the car is still out.)
async fn a_return_during_a_block_leaves_the_car_in_maintenance(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1).await;
    let car = create_car_id(&admin, 1).await;
    let now = whole_second(Utc::now());
    // Out since three days, an hour late.
    let late = picked_up_at_start(
        &admin,
        &car,
        &client,
        now - Duration::days(3),
        now - Duration::hours(1),
        json!({}),
    )
    .await;
    assert_eq!(get_car(&admin, &car).await["status"], "rented");
    // The repair is booked from now on; the car is still out, so it stays rented.
    let repair = now - Duration::minutes(1);
    blocked(
        &admin,
        &car,
        repair,
        Some(now + Duration::days(1)),
        "Accident",
    )
    .await;
    assert_eq!(get_car(&admin, &car).await["status"], "rented");
    // It comes back in the repair window: it must not look available.
    move_to(&admin, &id_of(&late), json!({"status": "completed"})).await;
    assert_eq!(
        available(
            &admin,
            now + Duration::hours(1),
            now + Duration::hours(2),
            ""
        )
        .await,
        Vec::<String>::new(),
        "the block still holds it"
    );
    assert_eq!(get_car(&admin, &car).await["status"], "maintenance");
}

/// Polls the car until its status is `wanted`, for at most 20 s.
async fn wait_for_status(admin: &Api, car: &str, wanted: &str) {
    for _ in 0..80 {
        if get_car(admin, car).await["status"] == wanted {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("car {car} never became {wanted}");
}

/// Without anyone editing it, a block that begins puts the car in maintenance, and one
/// that ends makes it available again (housekeeping, here every second); each move is
/// audited without a user.
async fn blocks_move_the_car_when_they_begin_and_end_by_the_clock(engine: Engine) {
    let options = Options::dev().env("LOCACAR_HOUSEKEEPING_SECONDS", "1");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    let car = create_car_id(&admin, 1).await;
    let start = whole_second(Utc::now()) + Duration::seconds(3);
    blocked(
        &admin,
        &car,
        start,
        Some(start + Duration::seconds(3)),
        "Vidange",
    )
    .await;
    assert_eq!(get_car(&admin, &car).await["status"], "available");
    wait_for_status(&admin, &car, "maintenance").await;
    wait_for_status(&admin, &car, "available").await;
    let entries = admin
        .get(&format!("/api/audit?action=UPDATE_CAR&entityId={car}"))
        .await;
    let items = entries.body["items"].as_array().expect("entries");
    let reasons: Vec<&str> = items
        .iter()
        .filter_map(|e| e["details"]["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        ["its block ended", "a block began"],
        "{}",
        entries.text
    );
    assert!(items.iter().all(|e| e["userId"].is_null()));
}

// ---------------------------------------------------------------- turnaround

async fn the_turnaround_keeps_the_car_between_rentals(engine: Engine) {
    let options = Options::dev().env("LOCACAR_TURNAROUND_MINUTES", "60");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1).await;
    let car = create_car_id(&admin, 1).await;
    let t = next_hour() + Duration::days(3);
    let (half, hour, day) = (Duration::minutes(30), Duration::hours(1), Duration::days(1));

    let a = confirmed(&admin, &car, &client, t - day * 2, t).await;
    assert_eq!(a["turnaroundMinutes"], 60);
    let number = a["reservationNumber"].as_str().expect("number").to_owned();

    // After A: held until T + 60 min.
    let r = book(&admin, booking(&car, &client, t + half, t + day, json!({}))).await;
    assert_field_error(&r, 409, "conflict", "carId");
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|e| e.contains(&number)),
        "the refusal names {number}: {}",
        r.text
    );
    assert_eq!(
        available(&admin, t + half, t + day, "").await,
        Vec::<String>::new()
    );
    assert_eq!(
        available(&admin, t + hour, t + day, "").await,
        from_ref(&car)
    );
    let r = block(
        &admin,
        &car,
        block_body(t + half, Some(t + hour * 2), "Nettoyage"),
    )
    .await;
    assert_field_error(&r, 409, "conflict", "start");
    let b = confirmed(&admin, &car, &client, t + hour, t + day).await;
    assert_eq!(b["turnaroundMinutes"], 60);

    // Before a booking C: a new rental's own turnaround must end by C's start.
    let u = t + day * 3;
    confirmed(&admin, &car, &client, u, u + day).await;
    let gap_start = t + day + hour * 2;
    assert_eq!(
        available(&admin, gap_start, u - half, "").await,
        Vec::<String>::new()
    );
    assert_eq!(
        available(&admin, gap_start, u - hour, "").await,
        from_ref(&car)
    );
    let r = book(
        &admin,
        booking(&car, &client, gap_start, u - half, json!({})),
    )
    .await;
    assert_field_error(&r, 409, "conflict", "carId");
    confirmed(&admin, &car, &client, gap_start, u - hour).await;

    // Before a block: the same, the rental's turnaround must end by the block's start.
    let other = create_car_id(&admin, 2).await;
    let w = t + day * 10;
    blocked(&admin, &other, w, Some(w + day), "Vidange").await;
    assert_eq!(
        available(&admin, w - day, w - half, "").await,
        from_ref(&car)
    );
    let r = book(
        &admin,
        booking(&other, &client, w - day, w - half, json!({})),
    )
    .await;
    assert_field_error(&r, 409, "conflict", "carId");
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("Vidange")),
        "the refusal names the block: {}",
        r.text
    );
    confirmed(&admin, &other, &client, w - day, w - hour).await;

    // A booking keeps the turnaround it was made with when the setting changes.
    let no_turnaround =
        app.another_instance(&Options::dev().env("LOCACAR_TURNAROUND_MINUTES", "0"));
    let there = admin.on(&no_turnaround.base);
    let r = book(
        &there,
        booking(&car, &client, t + half, t + hour, json!({})),
    )
    .await;
    assert_field_error(&r, 409, "conflict", "carId");
    let r = there
        .put(
            &format!("/api/reservations/{}", id_of(&a)),
            json!({"notes": "Siège bébé"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["turnaroundMinutes"], 60);
    let r = there
        .put(
            &format!("/api/reservations/{}", id_of(&a)),
            json!({"endDate": rfc(t + half)}),
        )
        .await;
    assert_field_error(&r, 409, "conflict", "carId");
    let late = t + day * 20;
    let fresh = confirmed(&there, &car, &client, late, late + day).await;
    assert_eq!(fresh["turnaroundMinutes"], 0);
    confirmed(&admin, &car, &client, late + day, late + day * 2).await;
}

async fn without_a_turnaround_rentals_fit_back_to_back(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1).await;
    let car = create_car_id(&admin, 1).await;
    let t = next_hour() + Duration::days(3);
    let a = confirmed(&admin, &car, &client, t - Duration::days(2), t).await;
    assert_eq!(a["turnaroundMinutes"], 0);
    assert_eq!(
        available(&admin, t, t + Duration::days(1), "").await,
        from_ref(&car)
    );
    let b = confirmed(&admin, &car, &client, t, t + Duration::days(1)).await;
    assert_eq!(b["turnaroundMinutes"], 0);
    blocked(
        &admin,
        &car,
        t + Duration::days(1),
        Some(t + Duration::days(2)),
        "Lavage",
    )
    .await;
}

// ---------------------------------------------------------------- branches

async fn branches_are_managed_by_admins_with_unique_names(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("deskman").await;
    let period = |day: &str, opens: &str, closes: &str| json!({"day": day, "opens": opens, "closes": closes});

    let r = admin
        .post(
            "/api/branches",
            json!({
                "name": "Casablanca Centre",
                "address": "12 boulevard d'Anfa, Casablanca",
                "phone": "+212 522 20 30 40",
                "openingHours": [
                    period("tuesday", "14:00", "18:00"),
                    period("monday", "08:30", "12:30"),
                    period("tuesday", "08:30", "12:30"),
                ],
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let centre = id_of(&r.body);
    assert_eq!(r.body["name"], "Casablanca Centre");
    assert_eq!(r.body["address"], "12 boulevard d'Anfa, Casablanca");
    assert_eq!(r.body["phone"], "+212 522 20 30 40");
    assert_eq!(
        r.body["openingHours"],
        json!([
            period("monday", "08:30", "12:30"),
            period("tuesday", "08:30", "12:30"),
            period("tuesday", "14:00", "18:00"),
        ]),
        "sorted by day and time"
    );
    let created = r.body.clone();
    let rabat = create_branch(&admin, "Rabat Agdal").await;
    let agadir = create_branch(&admin, "agadir Port").await;
    let minimal = admin.get(&format!("/api/branches/{rabat}")).await;
    assert_eq!(minimal.status, 200, "{}", minimal.text);
    assert!(minimal.body["phone"].is_null());
    assert_eq!(minimal.body["openingHours"], json!([]));

    // Staff read; only admins write.
    let list = manager.get("/api/branches").await;
    assert_eq!(
        ids(&list),
        [agadir.clone(), centre.clone(), rabat.clone()],
        "by name, any case"
    );
    assert_eq!(
        manager.get(&format!("/api/branches/{centre}")).await.body,
        created
    );
    manager
        .post("/api/branches", json!({"name": "Fès", "address": "x"}))
        .await
        .assert_error(403, "forbidden");
    manager
        .put(&format!("/api/branches/{rabat}"), json!({"address": "y"}))
        .await
        .assert_error(403, "forbidden");
    manager
        .delete(&format!("/api/branches/{agadir}"))
        .await
        .assert_error(403, "forbidden");
    app.api()
        .get("/api/branches")
        .await
        .assert_error(401, "unauthenticated");
    admin
        .get(&format!("/api/branches/{UNKNOWN_ID}"))
        .await
        .assert_error(404, "not_found");

    // Names are unique whatever the case.
    let r = admin
        .post(
            "/api/branches",
            json!({"name": "  CASABLANCA centre ", "address": "x"}),
        )
        .await;
    assert_field_error(&r, 409, "conflict", "name");
    let r = admin
        .put(
            &format!("/api/branches/{rabat}"),
            json!({"name": "Agadir PORT"}),
        )
        .await;
    assert_field_error(&r, 409, "conflict", "name");

    // Validation.
    let bad_hours = [
        json!([period("funday", "08:00", "12:00")]),
        json!([period("monday", "18:00", "08:00")]),
        json!([period("monday", "08:00", "08:00")]),
        json!([period("monday", "8:00", "12:00")]),
        json!([period("monday", "08:00", "25:00")]),
        json!([
            period("monday", "08:00", "12:00"),
            period("monday", "11:00", "13:00")
        ]),
        json!((0..15)
            .map(|h| period("monday", &format!("{h:02}:00"), &format!("{h:02}:30")))
            .collect::<Vec<_>>()),
    ];
    for hours in bad_hours {
        let r = admin
            .post(
                "/api/branches",
                json!({"name": "Tanger", "address": "x", "openingHours": hours}),
            )
            .await;
        assert_field_error(&r, 422, "validation_failed", "openingHours");
        let r = admin
            .put(
                &format!("/api/branches/{rabat}"),
                json!({"openingHours": hours}),
            )
            .await;
        assert_field_error(&r, 422, "validation_failed", "openingHours");
    }
    let r = admin.post("/api/branches", json!({"address": "x"})).await;
    assert_field_error(&r, 422, "validation_failed", "name");
    let r = admin.post("/api/branches", json!({"name": "Tanger"})).await;
    assert_field_error(&r, 422, "validation_failed", "address");
    assert_eq!(
        ids(&admin.get("/api/branches").await).len(),
        3,
        "nothing invalid was kept"
    );

    // Update: only the given fields change; null clears the phone.
    let r = admin
        .put(
            &format!("/api/branches/{rabat}"),
            json!({"phone": "0537 12 34 56", "openingHours": [period("saturday", "09:00", "12:00")]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "Rabat Agdal");
    assert_eq!(r.body["phone"], "0537 12 34 56");
    assert_eq!(
        r.body["openingHours"],
        json!([period("saturday", "09:00", "12:00")])
    );
    let r = admin
        .put(&format!("/api/branches/{rabat}"), json!({"phone": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["phone"].is_null());

    // A branch a car or a reservation refers to is kept.
    let car = create_car(&admin, 1, json!({"homeBranchId": centre})).await;
    admin
        .delete(&format!("/api/branches/{centre}"))
        .await
        .assert_error(409, "conflict");
    let client = create_client(&admin, 1).await;
    let loose_car = create_car_id(&admin, 2).await;
    let start = next_hour() + Duration::days(2);
    let r = booked(
        &admin,
        booking(
            &loose_car,
            &client,
            start,
            start + Duration::days(1),
            json!({"returnBranchId": rabat}),
        ),
    )
    .await;
    assert!(r["pickupBranchId"].is_null(), "the car stands at no branch");
    assert_eq!(r["returnBranchId"], rabat.as_str());
    admin
        .delete(&format!("/api/branches/{rabat}"))
        .await
        .assert_error(409, "conflict");
    assert_eq!(
        admin.get(&format!("/api/branches/{centre}")).await.status,
        200
    );
    assert_eq!(
        admin.get(&format!("/api/branches/{rabat}")).await.status,
        200
    );
    assert_eq!(
        get_car(&admin, &id_of(&car)).await["homeBranchId"],
        centre.as_str()
    );

    // One nothing refers to goes.
    let r = admin.delete(&format!("/api/branches/{agadir}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    admin
        .get(&format!("/api/branches/{agadir}"))
        .await
        .assert_error(404, "not_found");
    admin
        .delete(&format!("/api/branches/{agadir}"))
        .await
        .assert_error(404, "not_found");

    // The audit trail.
    let created = audit(&admin, "CREATE_BRANCH").await;
    assert_eq!(created.len(), 3, "{created:?}");
    assert!(created.iter().all(|e| e["entityType"] == "Branch"));
    let updated = audit(&admin, "UPDATE_BRANCH").await;
    assert_eq!(updated.len(), 2, "{updated:?}");
    assert!(updated.iter().all(|e| e["entityId"] == rabat.as_str()));
    let deleted = audit(&admin, "DELETE_BRANCH").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["entityType"], "Branch");
    assert_eq!(deleted[0]["entityId"], agadir.as_str());
    assert_eq!(deleted[0]["before"]["name"], "agadir Port");
}

async fn cars_and_reservations_follow_their_branches(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let north = create_branch(&admin, "Nord").await;
    let south = create_branch(&admin, "Sud").await;
    let client = create_client(&admin, 1).await;

    // Where a car stands: its home branch unless told otherwise.
    let car1 = create_car(&admin, 1, json!({"homeBranchId": north})).await;
    assert_eq!(car1["homeBranchId"], north.as_str());
    assert_eq!(car1["currentBranchId"], north.as_str());
    let car1 = id_of(&car1);
    let car2 = create_car(
        &admin,
        2,
        json!({"homeBranchId": north, "currentBranchId": south}),
    )
    .await;
    assert_eq!(car2["homeBranchId"], north.as_str());
    assert_eq!(car2["currentBranchId"], south.as_str());
    let car2 = id_of(&car2);
    let car3 = create_car(&admin, 3, json!({})).await;
    assert!(car3["homeBranchId"].is_null() && car3["currentBranchId"].is_null());
    let car3 = id_of(&car3);

    // Unknown or malformed branches are refused.
    for (field, value) in [
        ("homeBranchId", UNKNOWN_ID),
        ("currentBranchId", UNKNOWN_ID),
        ("homeBranchId", "nope"),
    ] {
        let r = admin
            .post(
                "/api/cars",
                json!({"make": "Kia", "model": "Rio", "year": 2024, "licensePlate": "9-Z-9",
                       "vin": "VF1DESK9999999999", "dailyRate": 100, field: value}),
            )
            .await;
        assert_field_error(&r, 422, "validation_failed", field);
        let r = admin
            .put(&format!("/api/cars/{car3}"), json!({ field: value }))
            .await;
        assert_field_error(&r, 422, "validation_failed", field);
    }
    let r = admin
        .put(
            &format!("/api/cars/{car3}"),
            json!({"homeBranchId": south, "currentBranchId": south}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Lists filter on where the car stands now.
    let cars_at = |branch: &str| format!("/api/cars?branch={branch}");
    assert_eq!(ids(&admin.get(&cars_at(&north)).await), from_ref(&car1));
    assert_eq!(
        sorted(ids(&admin.get(&cars_at(&south)).await)),
        sorted(vec![car2.clone(), car3.clone()])
    );
    admin
        .get("/api/cars?branch=nope")
        .await
        .assert_error(400, "bad_request");
    let start = next_hour() + Duration::days(5);
    let end = start + Duration::days(2);
    let south_filter = format!("&branch={south}");
    assert_eq!(
        sorted(available(&admin, start, end, &south_filter).await),
        sorted(vec![car2.clone(), car3.clone()])
    );
    assert_eq!(
        available(&admin, start, end, &format!("&branch={north}")).await,
        from_ref(&car1)
    );

    // Booking defaults: pick-up where the car stands, return where it is picked up.
    let r1 = booked(&admin, booking(&car2, &client, start, end, json!({}))).await;
    assert_eq!(r1["pickupBranchId"], south.as_str());
    assert_eq!(r1["returnBranchId"], south.as_str());
    assert_eq!(
        available(&admin, start, end, &south_filter).await,
        from_ref(&car3)
    );
    let r2 = booked(
        &admin,
        booking(&car3, &client, start, end, json!({"returnBranchId": north})),
    )
    .await;
    assert_eq!(r2["pickupBranchId"], south.as_str());
    assert_eq!(r2["returnBranchId"], north.as_str());
    let r3 = booked(
        &admin,
        booking(&car1, &client, start, end, json!({"pickupBranchId": south})),
    )
    .await;
    assert_eq!(r3["pickupBranchId"], south.as_str());
    assert_eq!(
        r3["returnBranchId"],
        south.as_str(),
        "defaults to the pick-up branch"
    );
    for field in ["pickupBranchId", "returnBranchId"] {
        let later = end + Duration::days(10);
        let r = book(
            &admin,
            booking(
                &car1,
                &client,
                later,
                later + Duration::days(1),
                json!({ field: UNKNOWN_ID }),
            ),
        )
        .await;
        assert_field_error(&r, 422, "validation_failed", field);
    }
    // Reservations filter on either branch.
    let reservations_at = |branch: &str| format!("/api/reservations?branch={branch}");
    assert_eq!(
        ids(&admin.get(&reservations_at(&north)).await),
        [id_of(&r2)]
    );
    assert_eq!(
        sorted(ids(&admin.get(&reservations_at(&south)).await)),
        sorted(vec![id_of(&r1), id_of(&r2), id_of(&r3)])
    );

    // A one-way rental moves the car to its return branch.
    let now = whole_second(Utc::now());
    let trip = booked(
        &admin,
        booking(
            &car1,
            &client,
            now - Duration::hours(2),
            now + Duration::days(2),
            json!({"status": "confirmed", "returnBranchId": south}),
        ),
    )
    .await;
    assert_eq!(trip["pickupBranchId"], north.as_str());
    let trip = id_of(&trip);
    move_to(&admin, &trip, json!({"status": "active"})).await;
    let out = get_car(&admin, &car1).await;
    assert_eq!(out["status"], "rented");
    assert_eq!(out["currentBranchId"], north.as_str());
    let done = move_to(&admin, &trip, json!({"status": "completed"})).await;
    assert_eq!(done["status"], "completed");
    let back = get_car(&admin, &car1).await;
    assert_eq!(back["status"], "available");
    assert_eq!(back["currentBranchId"], south.as_str());
    assert_eq!(back["homeBranchId"], north.as_str());
    assert_eq!(
        ids(&admin.get(&cars_at(&north)).await),
        Vec::<String>::new()
    );
    assert_eq!(
        sorted(ids(&admin.get(&cars_at(&south)).await)),
        sorted(vec![car1.clone(), car2.clone(), car3.clone()])
    );
}

// ---------------------------------------------------------------- dashboard

/// The numbers of a board list's items, in order, after checking its count.
fn board_numbers(board: &Value, list: &str, count: i64) -> Vec<String> {
    assert_eq!(board[list]["count"], count, "{list}: {board}");
    board[list]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["reservationNumber"].as_str().expect("number").to_owned())
        .collect()
}

fn number(reservation: &Value) -> String {
    reservation["reservationNumber"]
        .as_str()
        .expect("number")
        .to_owned()
}

async fn dashboard(api: &Api, query: &str) -> Value {
    let r = api.get(&format!("/api/dashboard?{query}")).await;
    assert_eq!(r.status, 200, "dashboard?{query}: {}", r.text);
    r.body
}

async fn the_dashboard_shows_the_day_by_branch(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("frontdesk").await;
    let north = create_branch(&admin, "Nord").await;
    let south = create_branch(&admin, "Sud").await;
    let client = create_client(&admin, 1).await;
    let at = |branch: &str| json!({ "homeBranchId": branch });
    let mut cars = Vec::new();
    for (n, branch) in [
        &north, &north, &south, &south, &north, &south, &north, &south,
    ]
    .into_iter()
    .enumerate()
    {
        cars.push(id_of(&create_car(&admin, n as u32 + 1, at(branch)).await));
    }
    let [c1, c2, c3, c4, c5, c6, c7, c8] = <[String; 8]>::try_from(cars).expect("8 cars");
    set_car_status(&admin, &c5, "maintenance").await;
    set_car_status(&admin, &c6, "out_of_service").await;

    let now = whole_second(Utc::now());
    let date = now.date_naive() + Duration::days(10);
    let d = midnight(date);
    let h = Duration::hours;

    // Pick-ups on D: at midnight (S), 09:00 (N), 14:00 pending (S), 16:00 (S); one cancelled.
    let p0 = confirmed(&admin, &c4, &client, d, d + h(5)).await;
    let cancelled = confirmed(&admin, &c4, &client, d + h(6), d + h(7)).await;
    move_to(
        &admin,
        &id_of(&cancelled),
        json!({"status": "cancelled_by_client"}),
    )
    .await;
    let p1 = confirmed(&admin, &c1, &client, d + h(9), d + h(57)).await;
    let p2 = booked(
        &admin,
        booking(&c3, &client, d + h(14), d + h(38), json!({})),
    )
    .await;
    let p3 = confirmed(&admin, &c4, &client, d + h(16), d + h(88)).await;
    // Not on D: pending later (N), confirmed the next midnight (N).
    let pending_later = booked(
        &admin,
        booking(&c1, &client, d + h(120), d + h(130), json!({})),
    )
    .await;
    let next_day = confirmed(&admin, &c2, &client, d + h(24), d + h(48)).await;
    // Out now: back on D at 11:00 to the south (one-way), back the next midnight, overdue.
    let back_on_d = picked_up_at_start(
        &admin,
        &c2,
        &client,
        now - h(24),
        d + h(11),
        json!({"returnBranchId": south}),
    )
    .await;
    let back_next_day =
        picked_up_at_start(&admin, &c8, &client, now - h(24), d + h(24), json!({})).await;
    let overdue =
        picked_up_at_start(&admin, &c7, &client, now - h(72), now - h(1), json!({})).await;

    let all = dashboard(&manager, &format!("date={date}")).await;
    assert_eq!(all["date"], date.to_string());
    assert_eq!(all["timezone"], "UTC");
    assert!(all["branchId"].is_null());
    assert_eq!(all["month"]["month"], date.format("%Y-%m").to_string());
    assert_eq!(
        board_numbers(&all, "pickups", 4),
        [number(&p0), number(&p1), number(&p2), number(&p3)]
    );
    let first = &all["pickups"]["items"][0];
    assert_eq!(first["_id"], id_of(&p0).as_str());
    assert_eq!(first["status"], "confirmed");
    assert_eq!(instant(&first["at"]), d);
    assert_eq!(first["car"]["_id"], c4.as_str());
    assert_eq!(first["car"]["licensePlate"], "30004-D-4");
    assert_eq!(first["client"]["_id"], client.as_str());
    assert_eq!(first["client"]["lastName"], "Desk1");
    assert_eq!(all["pickups"]["items"][2]["status"], "pending_confirmation");
    assert_eq!(board_numbers(&all, "returns", 1), [number(&back_on_d)]);
    assert_eq!(all["returns"]["items"][0]["status"], "active");
    assert_eq!(instant(&all["returns"]["items"][0]["at"]), d + h(11));
    assert_eq!(board_numbers(&all, "overdue", 1), [number(&overdue)]);
    assert_eq!(instant(&all["overdue"]["items"][0]["at"]), now - h(1));
    assert_eq!(
        board_numbers(&all, "awaitingConfirmation", 2),
        [number(&p2), number(&pending_later)]
    );
    assert_eq!(
        all["carsByStatus"],
        json!({"available": 3, "rented": 3, "maintenance": 1, "outOfService": 1})
    );

    let north_board = dashboard(&admin, &format!("date={date}&branch={north}")).await;
    assert_eq!(north_board["branchId"], north.as_str());
    assert_eq!(board_numbers(&north_board, "pickups", 1), [number(&p1)]);
    assert_eq!(
        board_numbers(&north_board, "returns", 0),
        Vec::<String>::new()
    );
    assert_eq!(
        board_numbers(&north_board, "overdue", 1),
        [number(&overdue)]
    );
    assert_eq!(
        board_numbers(&north_board, "awaitingConfirmation", 1),
        [number(&pending_later)]
    );
    assert_eq!(
        north_board["carsByStatus"],
        json!({"available": 1, "rented": 2, "maintenance": 1, "outOfService": 0})
    );

    let south_board = dashboard(&admin, &format!("date={date}&branch={south}")).await;
    assert_eq!(
        board_numbers(&south_board, "pickups", 3),
        [number(&p0), number(&p2), number(&p3)]
    );
    assert_eq!(
        board_numbers(&south_board, "returns", 1),
        [number(&back_on_d)]
    );
    assert_eq!(
        board_numbers(&south_board, "overdue", 0),
        Vec::<String>::new()
    );
    assert_eq!(
        board_numbers(&south_board, "awaitingConfirmation", 1),
        [number(&p2)]
    );
    assert_eq!(
        south_board["carsByStatus"],
        json!({"available": 2, "rented": 1, "maintenance": 0, "outOfService": 1})
    );

    // The next day: its own pick-ups and returns.
    let next = dashboard(&admin, &format!("date={}", date + Duration::days(1))).await;
    assert_eq!(board_numbers(&next, "pickups", 1), [number(&next_day)]);
    assert_eq!(board_numbers(&next, "returns", 1), [number(&back_next_day)]);

    // Bad parameters; staff only.
    for query in [
        "date=2026-02-30",
        "date=20261205",
        "date=05/12/2026",
        "date=",
        "branch=nope",
    ] {
        admin
            .get(&format!("/api/dashboard?{query}"))
            .await
            .assert_error(400, "bad_request");
    }
    app.api()
        .get("/api/dashboard")
        .await
        .assert_error(401, "unauthenticated");
}

async fn the_dashboard_day_follows_the_agency_time_zone(engine: Engine) {
    let options = Options::dev().env("LOCACAR_TIMEZONE", "Asia/Tokyo");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1).await;
    let car = create_car_id(&admin, 1).await;
    let date = Utc::now().date_naive() + Duration::days(10);
    let d = midnight(date);
    // 14:00 UTC is 23:00 in Tokyo (UTC+9, no summer time); 16:00 UTC is 01:00 the next day.
    let late = confirmed(
        &admin,
        &car,
        &client,
        d + Duration::hours(14),
        d + Duration::hours(15),
    )
    .await;
    let after_midnight = confirmed(
        &admin,
        &car,
        &client,
        d + Duration::hours(16),
        d + Duration::hours(17),
    )
    .await;
    let board = dashboard(&admin, &format!("date={date}")).await;
    assert_eq!(board["timezone"], "Asia/Tokyo");
    assert_eq!(board_numbers(&board, "pickups", 1), [number(&late)]);
    let next = dashboard(&admin, &format!("date={}", date + Duration::days(1))).await;
    assert_eq!(
        board_numbers(&next, "pickups", 1),
        [number(&after_midnight)]
    );
}

/// Milliseconds of `[from, to)` within `[start, end)`.
fn overlap_ms(window: (i64, i64), from: i64, to: i64) -> i64 {
    (to.min(window.1) - from.max(window.0)).max(0)
}

/// Days billed for `[from, to)`: started 24-hour periods, the last one free within the
/// default 60-minute grace, at least one.
fn billable_days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    let (day, grace) = (86_400_000, 3_600_000);
    let length = (to - from).num_milliseconds().max(0);
    let (whole, rest) = (length / day, length % day);
    let days = if rest == 0 || (whole > 0 && rest <= grace) {
        whole
    } else {
        whole + 1
    };
    days.max(1)
}

fn round_to(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// A rental picked up and returned at the given instants; returns the completed reservation.
async fn past_rental(
    admin: &Api,
    car: &str,
    client: &str,
    picked_up: DateTime<Utc>,
    returned: DateTime<Utc>,
    charges: Value,
) -> Value {
    let r = confirmed(admin, car, client, picked_up, picked_up + Duration::days(3)).await;
    let id = id_of(&r);
    move_to(
        admin,
        &id,
        json!({"status": "active", "at": rfc(picked_up)}),
    )
    .await;
    let done = move_to(
        admin,
        &id,
        json!({"status": "completed", "at": rfc(returned), "additionalCharges": charges}),
    )
    .await;
    assert_eq!(instant(&done["actualPickupDate"]), picked_up);
    assert_eq!(instant(&done["actualReturnDate"]), returned);
    done
}

async fn the_dashboard_month_figures_follow_the_rentals(engine: Engine) {
    const DAY_MS: f64 = 86_400_000.0;
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let north = create_branch(&admin, "Nord").await;
    let south = create_branch(&admin, "Sud").await;
    let client = create_client(&admin, 1).await;
    let home = |branch: &str, rate: u32| json!({"homeBranchId": branch, "dailyRate": rate});
    let car_a = create_car(&admin, 1, home(&north, 300)).await;
    let car_b = create_car(&admin, 2, home(&south, 450)).await;
    let car_c = create_car(&admin, 3, home(&north, 300)).await;
    let car_d = create_car(&admin, 4, home(&south, 300)).await;
    let car_e = create_car(&admin, 5, home(&south, 300)).await;
    let car_f = create_car(&admin, 6, home(&north, 200)).await;
    let retired = create_car(&admin, 7, home(&north, 300)).await;
    set_car_status(&admin, &id_of(&retired), "out_of_service").await;

    let now = whole_second(Utc::now());
    let today = now.date_naive();
    let month_start = midnight(today.with_day(1).expect("first of the month"));
    let month_end = midnight(
        today
            .with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .expect("next month"),
    );
    // Two rentals within this month (never before its first day), returned by now.
    let picked_up = (now - Duration::hours(50)).max(month_start);
    let span = now - picked_up;
    let returned_a = whole_second(picked_up + span * 2 / 3);
    let returned_b = whole_second(picked_up + span / 3);
    let washing = json!([{"label": "Lavage", "amount": 50}]);
    let rental_a = past_rental(
        &admin,
        &id_of(&car_a),
        &client,
        picked_up,
        returned_a,
        washing,
    )
    .await;
    let rental_b = past_rental(
        &admin,
        &id_of(&car_b),
        &client,
        picked_up,
        returned_b,
        json!([]),
    )
    .await;
    // Car F: one rental wholly last month, one across the month's start.
    let (f_out, f_back) = (
        month_start - Duration::days(5),
        month_start - Duration::days(3),
    );
    past_rental(&admin, &id_of(&car_f), &client, f_out, f_back, json!([])).await;
    let f_picked_up = month_start - Duration::days(2);
    let f_returned = (month_start + Duration::hours(6)).min(now);
    let rental_f = past_rental(
        &admin,
        &id_of(&car_f),
        &client,
        f_picked_up,
        f_returned,
        json!([]),
    )
    .await;
    // Car E is out now, picked up this month.
    let e_picked_up = (now - Duration::hours(10)).max(month_start);
    let out = confirmed(
        &admin,
        &id_of(&car_e),
        &client,
        e_picked_up,
        e_picked_up + Duration::days(3),
    )
    .await;
    move_to(
        &admin,
        &id_of(&out),
        json!({"status": "active", "at": rfc(e_picked_up)}),
    )
    .await;
    // Blocks take their part of the month off: C from now for two days, D open from in an hour.
    let block_end = now + Duration::days(2);
    blocked(&admin, &id_of(&car_c), now, Some(block_end), "Vidange").await;
    blocked(
        &admin,
        &id_of(&car_d),
        now + Duration::hours(1),
        None,
        "Vente",
    )
    .await;

    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    let month = (ms(month_start), ms(month_end));
    let added = |car: &Value| ms(instant(&car["addedAt"]));
    let owned = |car: &Value| overlap_ms(month, added(car), month.1);
    let blocked_c = overlap_ms(month, ms(now).max(added(&car_c)), ms(block_end));
    let blocked_d = overlap_ms(
        month,
        ms(now + Duration::hours(1)).max(added(&car_d)),
        month.1,
    );
    let rented_a = overlap_ms(month, ms(picked_up), ms(returned_a));
    let rented_b = overlap_ms(month, ms(picked_up), ms(returned_b));
    let rented_f = overlap_ms(month, ms(f_picked_up), ms(f_returned));
    let cost_a = money(&rental_a["finalTotalCost"]);
    let cost_b = money(&rental_b["finalTotalCost"]);
    let cost_f = money(&rental_f["finalTotalCost"]);
    assert_eq!(
        cost_a,
        Decimal::from(300 * billable_days(picked_up, returned_a) + 50),
        "the days and the washing"
    );
    assert_eq!(
        cost_b,
        Decimal::from(450 * billable_days(picked_up, returned_b))
    );
    assert_eq!(
        cost_f,
        Decimal::from(200 * billable_days(f_picked_up, f_returned))
    );

    // The rental still out counts until the moment the board is read: a range.
    let board = |query: String| {
        let admin = admin.clone();
        async move {
            let before = Utc::now().timestamp_millis();
            let board = dashboard(&admin, &query).await;
            (board, before, Utc::now().timestamp_millis())
        }
    };
    let check = |(board, before, after): (Value, i64, i64),
                 rented: i64,
                 out: bool,
                 available: i64,
                 revenue: Decimal| {
        let m = &board["month"];
        assert_eq!(
            m["month"],
            format!("{:04}-{:02}", today.year(), today.month())
        );
        let out_until = |t: i64| {
            if out {
                overlap_ms(month, ms(e_picked_up), t)
            } else {
                0
            }
        };
        let (low, high) = (rented + out_until(before), rented + out_until(after));
        let days = |v: i64| round_to(v as f64 / DAY_MS, 2);
        let rented_days = m["rentedCarDays"].as_f64().expect("rentedCarDays");
        assert!(
            days(low) <= rented_days && rented_days <= days(high),
            "{low}..{high} ms: {m}"
        );
        assert_eq!(m["availableCarDays"].as_f64(), Some(days(available)), "{m}");
        let utilisation = m["utilisation"].as_f64().expect("utilisation");
        assert!((0.0..=1.0).contains(&utilisation), "{m}");
        let ratio = |v: i64| round_to((v as f64 / available as f64).clamp(0.0, 1.0), 4);
        assert!(
            ratio(low) <= utilisation && utilisation <= ratio(high),
            "{m}"
        );
        assert_eq!(money(&m["revenue"]), revenue, "{m}");
    };
    check(
        board(format!("date={today}")).await,
        rented_a + rented_b + rented_f,
        true,
        owned(&car_a)
            + owned(&car_b)
            + owned(&car_c)
            + owned(&car_d)
            + owned(&car_e)
            + owned(&car_f)
            - blocked_c
            - blocked_d,
        cost_a + cost_b + cost_f,
    );
    check(
        board(format!("date={today}&branch={north}")).await,
        rented_a + rented_f,
        false,
        owned(&car_a) + owned(&car_c) + owned(&car_f) - blocked_c,
        cost_a + cost_f,
    );
    check(
        board(format!("date={today}&branch={south}")).await,
        rented_b,
        true,
        owned(&car_b) + owned(&car_d) + owned(&car_e) - blocked_d,
        cost_b,
    );
}
