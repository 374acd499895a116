//! `/api/reservations` (and `/api/cars/available`): booking without double booking,
//! pricing, the life cycle with the car's status kept in step, payments, lists and the
//! audit trail, on both engines.

mod common;

use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};
use common::{Api, Engine, Options, Resp, TestApp};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::Connection;

const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";

both_engines!(
    reservation_routes_follow_the_role_table,
    create_returns_the_booking_with_number_rate_estimate_and_summaries,
    create_validates_dates_car_client_and_status,
    overlapping_bookings_of_one_car_are_refused_naming_the_clash,
    back_to_back_bookings_are_allowed,
    only_blocking_statuses_hold_the_car,
    the_database_refuses_overlapping_rows_written_directly,
    billable_days_follow_whole_days_grace_and_real_hours,
    without_grace_any_extra_time_is_billed,
    money_is_exact_and_the_booked_rate_is_kept,
    reservation_numbers_increase_and_are_never_reused,
    update_changes_dates_car_client_notes_and_the_estimate,
    update_rechecks_availability_excluding_itself,
    update_is_refused_after_pick_up_and_for_status,
    every_allowed_status_move_succeeds_once,
    forbidden_status_moves_are_409_and_change_nothing,
    pick_up_marks_the_car_rented_and_locks_it,
    pick_up_needs_a_free_usable_car_and_a_driving_licence,
    return_bills_from_pick_up_adds_charges_and_frees_the_car,
    return_before_pick_up_and_misplaced_charges_are_422,
    no_show_only_once_the_start_has_passed,
    a_failed_move_changes_neither_the_reservation_nor_the_car,
    payments_settle_the_balance,
    payments_are_validated_and_refused_when_cancelled,
    list_filters_by_status_car_client_window_number_and_overdue,
    list_sorts_newest_first_by_default,
    client_reservations_are_theirs_newest_first,
    available_cars_are_those_free_for_the_window,
    delete_is_admin_only_and_refused_while_active,
    cars_and_clients_with_reservations_cannot_be_deleted,
    audit_records_one_entry_per_change_and_none_for_refusals,
);

// ---------------------------------------------------------------- helpers

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

/// A valid VIN, different for every `n` below 10 000.
fn vin(n: u32) -> String {
    format!("VF1RFB00X6612{n:04}")
}

/// Creates a car with this daily rate as `admin` and returns its id.
async fn create_car(admin: &Api, n: u32, rate: Value) -> String {
    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Dacia",
                "model": "Logan",
                "year": 2023,
                "licensePlate": format!("{}-A-{}", 10000 + n, n % 10),
                "vin": vin(n),
                "dailyRate": rate,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    id_of(&r.body)
}

/// Creates a client (with a driving licence number or not) and returns its id.
async fn create_client(api: &Api, n: u32, licence: bool) -> String {
    let mut body = json!({
        "firstName": "Amina",
        "lastName": "Alaoui",
        "phone": format!("+2126{n:08}"),
    });
    if licence {
        body["driverLicenseNumber"] = json!(format!("DL-{n:06}"));
    }
    let r = api.post("/api/clients", body).await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    id_of(&r.body)
}

fn booking(car: &str, client: &str, start: &str, end: &str) -> Value {
    json!({"carId": car, "clientId": client, "startDate": start, "endDate": end})
}

/// Books a car; the response is returned as is.
async fn book(api: &Api, car: &str, client: &str, start: &str, end: &str) -> Resp {
    api.post("/api/reservations", booking(car, client, start, end))
        .await
}

/// Books a car with the given initial status; panics unless it is a 201.
async fn book_ok(
    api: &Api,
    car: &str,
    client: &str,
    start: &str,
    end: &str,
    status: &str,
) -> Value {
    let mut body = booking(car, client, start, end);
    body["status"] = json!(status);
    let r = api.post("/api/reservations", body).await;
    assert_eq!(r.status, 201, "book {start} → {end}: {}", r.text);
    r.body
}

async fn move_to(api: &Api, id: &str, body: Value) -> Resp {
    api.put(&format!("/api/reservations/{id}/status"), body)
        .await
}

/// Moves a reservation to `status`; panics unless it is a 200.
async fn move_ok(api: &Api, id: &str, body: Value) -> Value {
    let r = move_to(api, id, body.clone()).await;
    assert_eq!(r.status, 200, "move {body}: {}", r.text);
    r.body
}

async fn get_reservation(api: &Api, id: &str) -> Value {
    let r = api.get(&format!("/api/reservations/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn car_status(api: &Api, car: &str) -> String {
    let r = api.get(&format!("/api/cars/{car}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["status"].as_str().expect("status").to_owned()
}

async fn pay(api: &Api, id: &str, body: Value) -> Resp {
    api.post(&format!("/api/reservations/{id}/payments"), body)
        .await
}

/// The exact value of a money field.
fn money(v: &Value) -> Decimal {
    assert!(v.is_number(), "not a JSON number: {v}");
    let text = v.to_string();
    let value = Decimal::from_str(&text).unwrap_or_else(|_| panic!("not a decimal: {text}"));
    assert!(
        value.normalize().scale() <= 2,
        "more than 2 decimals: {text}"
    );
    value
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal")
}

fn millis(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text)
        .expect("date-time")
        .timestamp_millis()
}

/// Asserts a 422 naming `field`.
fn assert_invalid(r: &Resp, field: &str) {
    r.assert_error(422, "validation_failed");
    assert!(
        r.body["fields"].get(field).is_some(),
        "expected fields.{field}: {}",
        r.text
    );
}

/// Asserts a 409 naming `field`.
fn assert_clash(r: &Resp, field: &str) {
    r.assert_error(409, "conflict");
    assert!(
        r.body["fields"].get(field).is_some(),
        "expected fields.{field}: {}",
        r.text
    );
}

/// Asserts a double-booking refusal naming the reservation it clashes with.
fn assert_double_booking(r: &Resp, clashing_number: &str) {
    assert_clash(r, "carId");
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|m| m.contains(clashing_number)),
        "the message should name {clashing_number}: {}",
        r.text
    );
}

/// The ids of a list response, in order.
fn ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id_of)
        .collect()
}

async fn reservation_rows(app: &TestApp) -> i64 {
    app.db.count("SELECT COUNT(*) FROM reservations").await
}

async fn reservation_audit_rows(app: &TestApp) -> i64 {
    app.db
        .count("SELECT COUNT(*) FROM audit_log WHERE entity_type = 'Reservation'")
        .await
}

/// How many audit entries with `action` the reservation `id` has.
async fn audit_count(app: &TestApp, action: &str, id: &str) -> i64 {
    app.db
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity_type = 'Reservation' \
             AND action = '{action}' AND entity_id = '{id}'"
        ))
        .await
}

/// Runs SQL on the test database directly and tells whether the database accepted it.
async fn try_sql(app: &TestApp, sql: &str) -> Result<(), String> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url)
        .await
        .expect("connect");
    sqlx::raw_sql(sql)
        .execute(&mut conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// An app with an admin session, one car at `rate` and one client with a licence.
async fn setup(engine: Engine, rate: Value) -> (TestApp, Api, String, String) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = create_car(&admin, 1, rate).await;
    let client = create_client(&admin, 1, true).await;
    (app, admin, car, client)
}

fn current_year() -> i32 {
    Utc::now().year()
}

// ---------------------------------------------------------------- access

async fn reservation_routes_follow_the_role_table(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, manager_id) = app.manager("mona").await;
    let anonymous = app.api();
    let car = create_car(&admin, 1, json!(300)).await;
    let client = create_client(&manager, 1, true).await;

    // Managers book, read, change, move and take payments.
    let r = book(
        &manager,
        &car,
        &client,
        "2026-06-01T10:00:00Z",
        "2026-06-03T10:00:00Z",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["createdBy"], manager_id.as_str());
    assert_eq!(r.body["lastModifiedBy"], manager_id.as_str());
    let id = id_of(&r.body);
    let path = format!("/api/reservations/{id}");
    assert_eq!(manager.get("/api/reservations").await.status, 200);
    assert_eq!(manager.get(&path).await.status, 200);
    let r = manager.put(&path, json!({"notes": "Child seat"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    move_ok(&manager, &id, json!({"status": "confirmed"})).await;
    let r = pay(&manager, &id, json!({"amount": 100, "method": "cash"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = manager
        .get("/api/cars/available?start=2026-07-01T00:00:00Z&end=2026-07-02T00:00:00Z")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Only an admin deletes.
    manager.delete(&path).await.assert_error(403, "forbidden");
    assert_eq!(reservation_rows(&app).await, 1);

    // Nobody anonymous reaches any of it.
    for r in [
        anonymous.get("/api/reservations").await,
        anonymous.get(&path).await,
        anonymous
            .post(
                "/api/reservations",
                booking(
                    &car,
                    &client,
                    "2026-08-01T10:00:00Z",
                    "2026-08-02T10:00:00Z",
                ),
            )
            .await,
        anonymous.put(&path, json!({"notes": "x"})).await,
        move_to(&anonymous, &id, json!({"status": "cancelled_by_client"})).await,
        pay(&anonymous, &id, json!({"amount": 1, "method": "cash"})).await,
        anonymous.delete(&path).await,
        anonymous
            .get("/api/cars/available?start=2026-07-01T00:00:00Z&end=2026-07-02T00:00:00Z")
            .await,
        anonymous
            .get(&format!("/api/clients/{client}/reservations"))
            .await,
    ] {
        r.assert_error(401, "unauthenticated");
    }
    assert_eq!(get_reservation(&admin, &id).await["status"], "confirmed");

    let r = admin.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(reservation_rows(&app).await, 0);
}

// ---------------------------------------------------------------- booking

async fn create_returns_the_booking_with_number_rate_estimate_and_summaries(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    let admin_id = admin.get("/api/auth/status").await.body["user"]["_id"]
        .as_str()
        .expect("_id")
        .to_owned();
    let before = Utc::now().timestamp_millis();
    let r = admin
        .post(
            "/api/reservations",
            json!({
                "carId": car,
                "clientId": client,
                "startDate": "2026-06-01T12:00:00+02:00",
                "endDate": "2026-06-04T10:00:00Z",
                "notes": "Airport pick-up",
            }),
        )
        .await;
    let after = Utc::now().timestamp_millis();
    assert_eq!(r.status, 201, "{}", r.text);
    let b = &r.body;
    assert_eq!(
        b["reservationNumber"],
        format!("LC-{}-000001", current_year())
    );
    assert_eq!(b["carId"], car.as_str());
    assert_eq!(b["clientId"], client.as_str());
    assert_eq!(b["startDate"], "2026-06-01T10:00:00Z", "converted to UTC");
    assert_eq!(b["endDate"], "2026-06-04T10:00:00Z");
    assert_eq!(b["status"], "pending_confirmation", "the default status");
    assert_eq!(money(&b["dailyRate"]), dec("300"));
    assert_eq!(money(&b["estimatedTotalCost"]), dec("900"));
    assert!(b["finalTotalCost"].is_null(), "{}", r.text);
    assert!(b["actualPickupDate"].is_null(), "{}", r.text);
    assert!(b["actualReturnDate"].is_null(), "{}", r.text);
    assert_eq!(b["notes"], "Airport pick-up");
    assert_eq!(b["createdBy"], admin_id.as_str());
    let booked_at = millis(b["reservationDate"].as_str().expect("reservationDate"));
    assert!(
        (before - 1000..=after + 1000).contains(&booked_at),
        "{}",
        r.text
    );
    assert!(b["reservationDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        b["car"],
        json!({"_id": car, "make": "Dacia", "model": "Logan", "licensePlate": "10001-A-1"})
    );
    assert_eq!(
        b["client"],
        json!({"_id": client, "firstName": "Amina", "lastName": "Alaoui", "phone": "+212600000001"})
    );
    let pd = &b["paymentDetails"];
    assert_eq!(money(&pd["amountPaid"]), dec("0"));
    assert_eq!(money(&pd["remaining"]), dec("900"));
    assert!(pd["transactionDate"].is_null(), "{}", r.text);
    assert_eq!(pd["payments"], json!([]));

    // GET shows the same document.
    let id = id_of(b);
    assert_eq!(&get_reservation(&admin, &id).await, b);
    assert_eq!(audit_count(&app, "CREATE_RESERVATION", &id).await, 1);

    // A booking may also start confirmed.
    let confirmed = book_ok(
        &admin,
        &car,
        &client,
        "2026-07-01T10:00:00Z",
        "2026-07-02T10:00:00Z",
        "confirmed",
    )
    .await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(
        confirmed["reservationNumber"],
        format!("LC-{}-000002", current_year())
    );
}

async fn create_validates_dates_car_client_and_status(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    let retired = create_car(&admin, 2, json!(300)).await;
    let r = admin
        .put(
            &format!("/api/cars/{retired}"),
            json!({"status": "out_of_service"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (start, end) = ("2026-06-01T10:00:00Z", "2026-06-03T10:00:00Z");

    // The end must come after the start.
    assert_invalid(&book(&admin, &car, &client, start, start).await, "endDate");
    assert_invalid(&book(&admin, &car, &client, end, start).await, "endDate");
    // Date-times need an offset and must be real.
    assert_invalid(
        &book(&admin, &car, &client, "2026-06-01T10:00:00", end).await,
        "startDate",
    );
    assert_invalid(
        &book(&admin, &car, &client, start, "2026-06-03T10:00:00").await,
        "endDate",
    );
    assert_invalid(
        &book(&admin, &car, &client, "2026-02-30T10:00:00Z", end).await,
        "startDate",
    );
    assert_invalid(
        &book(&admin, &car, &client, "next monday", end).await,
        "startDate",
    );
    // The car and the client must exist.
    assert_invalid(
        &book(&admin, UNKNOWN_ID, &client, start, end).await,
        "carId",
    );
    assert_invalid(
        &book(&admin, "not-an-id", &client, start, end).await,
        "carId",
    );
    assert_invalid(
        &book(&admin, &car, UNKNOWN_ID, start, end).await,
        "clientId",
    );
    // A car out of service cannot be booked.
    assert_clash(&book(&admin, &retired, &client, start, end).await, "carId");
    // Every required field, and only known ones.
    for field in ["carId", "clientId", "startDate", "endDate"] {
        let mut body = booking(&car, &client, start, end);
        body.as_object_mut().unwrap().remove(field);
        assert_invalid(&admin.post("/api/reservations", body).await, field);
        let mut body = booking(&car, &client, start, end);
        body[field] = Value::Null;
        assert_invalid(&admin.post("/api/reservations", body).await, field);
    }
    for (field, value) in [
        ("estimatedTotalCost", json!(1)),
        ("dailyRate", json!(1)),
        ("reservationNumber", json!("LC-2026-999999")),
        ("createdBy", json!(UNKNOWN_ID)),
        ("paymentDetails", json!({})),
    ] {
        let mut body = booking(&car, &client, start, end);
        body[field] = value;
        assert_invalid(&admin.post("/api/reservations", body).await, field);
    }
    // A booking starts pending or confirmed, nothing else.
    for status in [
        "active",
        "completed",
        "cancelled_by_client",
        "cancelled_by_agency",
        "no_show",
        "booked",
    ] {
        let mut body = booking(&car, &client, start, end);
        body["status"] = json!(status);
        assert_invalid(&admin.post("/api/reservations", body).await, "status");
    }

    assert_eq!(reservation_rows(&app).await, 0);
    assert_eq!(reservation_audit_rows(&app).await, 0);
    // And the valid booking goes through.
    assert_eq!(book(&admin, &car, &client, start, end).await.status, 201);
}

async fn overlapping_bookings_of_one_car_are_refused_naming_the_clash(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    let other_car = create_car(&admin, 2, json!(300)).await;
    let other_client = create_client(&admin, 2, true).await;
    let first = book_ok(
        &admin,
        &car,
        &client,
        "2026-06-10T10:00:00Z",
        "2026-06-13T10:00:00Z",
        "pending_confirmation",
    )
    .await;
    let number = first["reservationNumber"].as_str().unwrap().to_owned();

    for (start, end) in [
        ("2026-06-10T10:00:00Z", "2026-06-13T10:00:00Z"), // the same period
        ("2026-06-11T10:00:00Z", "2026-06-12T10:00:00Z"), // inside it
        ("2026-06-09T10:00:00Z", "2026-06-14T10:00:00Z"), // around it
        ("2026-06-09T10:00:00Z", "2026-06-10T10:00:01Z"), // over its start
        ("2026-06-13T09:59:59Z", "2026-06-15T10:00:00Z"), // over its end
        ("2026-06-12T11:00:00+01:00", "2026-06-16T10:00:00Z"), // the same, another offset
    ] {
        let r = book(&admin, &car, &other_client, start, end).await;
        assert_double_booking(&r, &number);
    }
    assert_eq!(reservation_rows(&app).await, 1);

    // A confirmed booking holds the car as well.
    move_ok(&admin, &id_of(&first), json!({"status": "confirmed"})).await;
    let r = book(
        &admin,
        &car,
        &other_client,
        "2026-06-11T10:00:00Z",
        "2026-06-12T10:00:00Z",
    )
    .await;
    assert_double_booking(&r, &number);

    // Another car is free for the same period.
    let r = book(
        &admin,
        &other_car,
        &client,
        "2026-06-10T10:00:00Z",
        "2026-06-13T10:00:00Z",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(reservation_rows(&app).await, 2);
}

async fn back_to_back_bookings_are_allowed(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    book_ok(
        &admin,
        &car,
        &client,
        "2026-06-10T10:00:00Z",
        "2026-06-13T10:00:00Z",
        "confirmed",
    )
    .await;
    // The next rental starts when the first ends, the one before ends when it starts,
    // written in another offset too.
    for (start, end) in [
        ("2026-06-13T10:00:00Z", "2026-06-15T10:00:00Z"),
        ("2026-06-08T10:00:00Z", "2026-06-10T10:00:00Z"),
        ("2026-06-15T12:00:00+02:00", "2026-06-16T10:00:00Z"),
    ] {
        let r = book(&admin, &car, &client, start, end).await;
        assert_eq!(r.status, 201, "{start} → {end}: {}", r.text);
    }
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM reservations WHERE car_id = '{car}' \
                 AND status IN ('pending_confirmation', 'confirmed', 'active')"
            ))
            .await,
        4
    );
}

async fn only_blocking_statuses_hold_the_car(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1, true).await;
    let other = create_client(&admin, 2, true).await;
    let (start, end) = ("2026-05-10T10:00:00Z", "2026-05-12T10:00:00Z");

    // Each way out of the blocking statuses frees the period: on its own car each.
    let ends: [&[&str]; 4] = [
        &["cancelled_by_client"],
        &["cancelled_by_agency"],
        &["confirmed", "no_show"],
        &["confirmed", "active", "completed"],
    ];
    for (n, moves) in ends.iter().enumerate() {
        let car = create_car(&admin, 10 + n as u32, json!(300)).await;
        let first = book_ok(&admin, &car, &client, start, end, "pending_confirmation").await;
        let id = id_of(&first);
        let number = first["reservationNumber"].as_str().unwrap().to_owned();
        for status in moves.iter() {
            // While it is pending, confirmed or active, it blocks.
            assert_double_booking(&book(&admin, &car, &other, start, end).await, &number);
            let mut body = json!({"status": status});
            if *status == "active" {
                body["at"] = json!(start);
            }
            if *status == "completed" {
                body["at"] = json!(end);
            }
            move_ok(&admin, &id, body).await;
        }
        let r = book(&admin, &car, &other, start, end).await;
        assert_eq!(r.status, 201, "after {moves:?}: {}", r.text);
    }
}

async fn the_database_refuses_overlapping_rows_written_directly(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    let booked = book_ok(
        &admin,
        &car,
        &client,
        "2026-06-10T10:00:00Z",
        "2026-06-13T10:00:00Z",
        "confirmed",
    )
    .await;
    let insert = |id: &str, number: &str, start: &str, end: &str, status: &str| {
        format!(
            "INSERT INTO reservations (id, reservation_number, car_id, client_id, start_at, end_at, \
             status, daily_rate, estimated_total, additional_charges, reservation_date, \
             last_modified_at) VALUES ('{id}', '{number}', '{car}', '{client}', {}, {}, \
             '{status}', 30000, 30000, '[]', 0, 0)",
            millis(start),
            millis(end)
        )
    };
    let overlapping = ("2026-06-12T10:00:00Z", "2026-06-14T10:00:00Z");

    // Blocking rows that overlap are refused, whatever the blocking status.
    for (n, status) in ["pending_confirmation", "confirmed", "active"]
        .iter()
        .enumerate()
    {
        let sql = insert(
            &format!("aaaaaaaaaaaaaaaaaaaaaaa{n}"),
            &format!("LC-TEST-00000{n}"),
            overlapping.0,
            overlapping.1,
            status,
        );
        assert!(
            try_sql(&app, &sql).await.is_err(),
            "the database took an overlapping {status} row"
        );
    }
    assert_eq!(reservation_rows(&app).await, 1);

    // Rows that do not block, or do not overlap, go in.
    let cancelled = "bbbbbbbbbbbbbbbbbbbbbbb1";
    try_sql(
        &app,
        &insert(
            cancelled,
            "LC-TEST-000011",
            overlapping.0,
            overlapping.1,
            "cancelled_by_client",
        ),
    )
    .await
    .expect("a cancelled row does not block");
    try_sql(
        &app,
        &insert(
            "bbbbbbbbbbbbbbbbbbbbbbb2",
            "LC-TEST-000012",
            "2026-06-13T10:00:00Z",
            "2026-06-14T10:00:00Z",
            "confirmed",
        ),
    )
    .await
    .expect("a back-to-back row does not overlap");

    // An update cannot make a row clash either: neither back to a blocking status...
    let sql = format!("UPDATE reservations SET status = 'confirmed' WHERE id = '{cancelled}'");
    assert!(try_sql(&app, &sql).await.is_err(), "reactivated a clash");
    // ... nor onto another booking's period.
    let sql = format!(
        "UPDATE reservations SET start_at = {} WHERE id = 'bbbbbbbbbbbbbbbbbbbbbbb2'",
        millis("2026-06-12T10:00:00Z")
    );
    assert!(try_sql(&app, &sql).await.is_err(), "moved onto a booking");
    assert_eq!(
        app.db
            .texts(&format!(
                "SELECT status FROM reservations WHERE id = '{cancelled}'"
            ))
            .await,
        vec!["cancelled_by_client".to_owned()]
    );
    // The API still answers with the rows as they are.
    assert_eq!(
        get_reservation(&admin, &id_of(&booked)).await["status"],
        "confirmed"
    );
}

// ---------------------------------------------------------------- pricing

/// Books `[start, end)` on a car of its own at `rate` and returns the estimate.
async fn estimate(
    admin: &Api,
    client: &str,
    n: u32,
    rate: Value,
    start: &str,
    end: &str,
) -> Decimal {
    let car = create_car(admin, n, rate).await;
    let r = book(admin, &car, client, start, end).await;
    assert_eq!(r.status, 201, "{start} → {end}: {}", r.text);
    money(&r.body["estimatedTotalCost"])
}

async fn billable_days_follow_whole_days_grace_and_real_hours(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1, true).await;
    let cases = [
        (
            "2026-05-01T10:00:00Z",
            "2026-05-02T10:00:00Z",
            "100",
            "exactly 24 h",
        ),
        (
            "2026-05-01T10:00:00Z",
            "2026-05-02T11:00:00Z",
            "100",
            "24 h + 60 min of grace",
        ),
        (
            "2026-05-01T10:00:00Z",
            "2026-05-02T11:01:00Z",
            "200",
            "24 h + 61 min",
        ),
        (
            "2026-05-01T10:00:00Z",
            "2026-05-01T10:30:00Z",
            "100",
            "30 min",
        ),
        (
            "2026-05-01T10:00:00Z",
            "2026-05-04T10:00:00Z",
            "300",
            "3 days",
        ),
        (
            "2026-05-01T10:00:00Z",
            "2026-05-04T11:00:00Z",
            "300",
            "3 days + grace",
        ),
        (
            "2026-05-01T10:00:00Z",
            "2026-05-03T09:00:00Z",
            "200",
            "47 h",
        ),
        // Across daylight-saving changes the hours that really pass are billed.
        (
            "2026-03-28T10:00:00+01:00",
            "2026-03-29T10:00:00+02:00",
            "100",
            "23 h (spring)",
        ),
        (
            "2026-10-24T10:00:00+02:00",
            "2026-10-25T10:00:00+01:00",
            "100",
            "25 h (autumn)",
        ),
    ];
    for (n, (start, end, expected, what)) in cases.into_iter().enumerate() {
        let cost = estimate(&admin, &client, n as u32 + 1, json!(100), start, end).await;
        assert_eq!(cost, dec(expected), "{what}");
    }
}

async fn without_grace_any_extra_time_is_billed(engine: Engine) {
    let app =
        TestApp::start_with(engine, Options::default().env("LOCACAR_GRACE_MINUTES", "0")).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1, true).await;
    let cases = [
        (
            "2026-05-01T10:00:00Z",
            "2026-05-02T10:00:00Z",
            "100",
            "exactly 24 h",
        ),
        (
            "2026-05-01T10:00:00Z",
            "2026-05-02T10:01:00Z",
            "200",
            "24 h + 1 min",
        ),
        (
            "2026-10-24T10:00:00+02:00",
            "2026-10-25T10:00:00+01:00",
            "200",
            "25 h (autumn)",
        ),
        (
            "2026-03-28T10:00:00+01:00",
            "2026-03-29T10:00:00+02:00",
            "100",
            "23 h (spring)",
        ),
    ];
    for (n, (start, end, expected, what)) in cases.into_iter().enumerate() {
        let cost = estimate(&admin, &client, n as u32 + 1, json!(100), start, end).await;
        assert_eq!(cost, dec(expected), "{what}");
    }
}

async fn money_is_exact_and_the_booked_rate_is_kept(engine: Engine) {
    let (_app, admin, car, client) = setup(engine, json!(250.5)).await;
    let r = book(
        &admin,
        &car,
        &client,
        "2026-06-01T10:00:00Z",
        "2026-06-04T10:00:00Z",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(money(&r.body["dailyRate"]), dec("250.5"));
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("751.5"));
    assert_eq!(r.body["estimatedTotalCost"].to_string(), "751.5");
    let id = id_of(&r.body);

    // A new rate applies to new bookings only.
    let changed = admin
        .put(&format!("/api/cars/{car}"), json!({"dailyRate": 300}))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let kept = get_reservation(&admin, &id).await;
    assert_eq!(money(&kept["dailyRate"]), dec("250.5"));
    assert_eq!(money(&kept["estimatedTotalCost"]), dec("751.5"));
    // Even when its dates change, the booking keeps its rate.
    let r = admin
        .put(
            &format!("/api/reservations/{id}"),
            json!({"endDate": "2026-06-05T10:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(money(&r.body["dailyRate"]), dec("250.5"));
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("1002"));

    let r = book(
        &admin,
        &car,
        &client,
        "2026-07-01T10:00:00Z",
        "2026-07-04T10:00:00Z",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(money(&r.body["dailyRate"]), dec("300"));
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("900"));
}

async fn reservation_numbers_increase_and_are_never_reused(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let year = current_year();
    let mut numbers = Vec::new();
    let mut last_id = String::new();
    for day in 1..=3 {
        let r = book(
            &admin,
            &car,
            &client,
            &format!("2026-06-0{day}T10:00:00Z"),
            &format!("2026-06-0{day}T20:00:00Z"),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        numbers.push(r.body["reservationNumber"].as_str().unwrap().to_owned());
        last_id = id_of(&r.body);
    }
    assert_eq!(
        numbers,
        [1, 2, 3].map(|n| format!("LC-{year}-{n:06}")).to_vec()
    );
    // A refused booking uses no number.
    let r = book(
        &admin,
        &car,
        &client,
        "2026-06-01T10:00:00Z",
        "2026-06-01T20:00:00Z",
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);
    // Deleting the latest does not free its number.
    let r = admin.delete(&format!("/api/reservations/{last_id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = book(
        &admin,
        &car,
        &client,
        "2026-06-05T10:00:00Z",
        "2026-06-05T20:00:00Z",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["reservationNumber"], format!("LC-{year}-000004"));
    let stored = app
        .db
        .texts("SELECT reservation_number FROM reservations ORDER BY reservation_number")
        .await;
    assert_eq!(
        stored,
        [1, 2, 4].map(|n| format!("LC-{year}-{n:06}")).to_vec()
    );
}

// ---------------------------------------------------------------- changes

async fn update_changes_dates_car_client_notes_and_the_estimate(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    let (manager, manager_id) = app.manager("mona").await;
    let dearer = create_car(&admin, 2, json!(450.25)).await;
    let other_client = create_client(&admin, 2, false).await;
    let created = book_ok(
        &admin,
        &car,
        &client,
        "2026-06-01T10:00:00Z",
        "2026-06-03T10:00:00Z",
        "pending_confirmation",
    )
    .await;
    let id = id_of(&created);
    let path = format!("/api/reservations/{id}");

    // New dates: the estimate follows, at the booked rate.
    let r = manager
        .put(
            &path,
            json!({"startDate": "2026-06-02T10:00:00+02:00", "endDate": "2026-06-06T08:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["startDate"], "2026-06-02T08:00:00Z");
    assert_eq!(r.body["endDate"], "2026-06-06T08:00:00Z");
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("1200"));
    assert_eq!(r.body["lastModifiedBy"], manager_id.as_str());
    assert_eq!(r.body["reservationNumber"], created["reservationNumber"]);
    assert_eq!(r.body["reservationDate"], created["reservationDate"]);

    // Only the end: the start stays.
    let r = manager
        .put(&path, json!({"endDate": "2026-06-05T08:00:00Z"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["startDate"], "2026-06-02T08:00:00Z");
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("900"));

    // Another car brings its own rate and summary.
    let r = manager.put(&path, json!({"carId": dearer})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["carId"], dearer.as_str());
    assert_eq!(r.body["car"]["_id"], dearer.as_str());
    assert_eq!(r.body["car"]["licensePlate"], "10002-A-2");
    assert_eq!(money(&r.body["dailyRate"]), dec("450.25"));
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("1350.75"));
    assert_eq!(
        money(&r.body["paymentDetails"]["remaining"]),
        dec("1350.75")
    );

    // Another client, and notes set then cleared.
    let r = manager
        .put(
            &path,
            json!({"clientId": other_client, "notes": "Late arrival"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["clientId"], other_client.as_str());
    assert_eq!(r.body["client"]["phone"], "+212600000002");
    assert_eq!(r.body["notes"], "Late arrival");
    let r = manager.put(&path, json!({"notes": null})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["notes"].is_null(), "{}", r.text);
    assert_eq!(&get_reservation(&admin, &id).await, &r.body);

    // A confirmed booking can still change.
    move_ok(&admin, &id, json!({"status": "confirmed"})).await;
    let r = manager
        .put(&path, json!({"endDate": "2026-06-04T08:00:00Z"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("900.5"));
    assert_eq!(r.body["status"], "confirmed");

    assert_eq!(audit_count(&app, "UPDATE_RESERVATION", &id).await, 6);
}

async fn update_rechecks_availability_excluding_itself(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let other_car = create_car(&admin, 2, json!(100)).await;
    let mine = book_ok(
        &admin,
        &car,
        &client,
        "2026-06-01T10:00:00Z",
        "2026-06-05T10:00:00Z",
        "confirmed",
    )
    .await;
    let theirs = book_ok(
        &admin,
        &car,
        &client,
        "2026-06-10T10:00:00Z",
        "2026-06-12T10:00:00Z",
        "pending_confirmation",
    )
    .await;
    let on_other_car = book_ok(
        &admin,
        &other_car,
        &client,
        "2026-06-04T10:00:00Z",
        "2026-06-05T10:00:00Z",
        "pending_confirmation",
    )
    .await;
    let id = id_of(&mine);
    let path = format!("/api/reservations/{id}");
    let audit_before = reservation_audit_rows(&app).await;

    // Moving over its own period is no clash.
    let r = admin
        .put(
            &path,
            json!({"startDate": "2026-06-03T10:00:00Z", "endDate": "2026-06-07T10:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Moving onto another booking of the car is.
    let r = admin
        .put(&path, json!({"endDate": "2026-06-10T10:00:01Z"}))
        .await;
    assert_double_booking(&r, theirs["reservationNumber"].as_str().unwrap());
    // So is moving to a car that is taken then.
    let r = admin.put(&path, json!({"carId": other_car})).await;
    assert_double_booking(&r, on_other_car["reservationNumber"].as_str().unwrap());
    // The end before the start is invalid.
    assert_invalid(
        &admin
            .put(&path, json!({"endDate": "2026-06-02T10:00:00Z"}))
            .await,
        "endDate",
    );

    let now = get_reservation(&admin, &id).await;
    assert_eq!(now["carId"], car.as_str());
    assert_eq!(now["startDate"], "2026-06-03T10:00:00Z");
    assert_eq!(now["endDate"], "2026-06-07T10:00:00Z");
    assert_eq!(reservation_audit_rows(&app).await, audit_before + 1);

    // Right up to the next booking is fine.
    let r = admin
        .put(&path, json!({"endDate": "2026-06-10T10:00:00Z"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(money(&r.body["estimatedTotalCost"]), dec("700"));
}

async fn update_is_refused_after_pick_up_and_for_status(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let pending = book_ok(
        &admin,
        &car,
        &client,
        "2026-06-01T10:00:00Z",
        "2026-06-02T10:00:00Z",
        "pending_confirmation",
    )
    .await;
    let pending_path = format!("/api/reservations/{}", id_of(&pending));

    // Status moves have a route of their own; unknown and server-owned fields are refused.
    assert_invalid(
        &admin
            .put(&pending_path, json!({"status": "confirmed"}))
            .await,
        "status",
    );
    assert_invalid(
        &admin
            .put(&pending_path, json!({"status": "confirmed", "notes": "x"}))
            .await,
        "status",
    );
    for (field, value) in [
        ("estimatedTotalCost", json!(1)),
        ("dailyRate", json!(1)),
        ("reservationNumber", json!("LC-2026-999999")),
        ("actualPickupDate", json!("2026-06-01T10:00:00Z")),
    ] {
        assert_invalid(
            &admin.put(&pending_path, json!({field: value})).await,
            field,
        );
    }
    for field in ["carId", "clientId", "startDate", "endDate"] {
        assert_invalid(&admin.put(&pending_path, json!({field: null})).await, field);
    }
    assert_invalid(
        &admin.put(&pending_path, json!({"carId": UNKNOWN_ID})).await,
        "carId",
    );
    assert_invalid(
        &admin
            .put(&pending_path, json!({"clientId": UNKNOWN_ID}))
            .await,
        "clientId",
    );
    assert_invalid(
        &admin
            .put(&pending_path, json!({"startDate": "2026-06-01T09:00:00"}))
            .await,
        "startDate",
    );
    let unchanged = get_reservation(&admin, &id_of(&pending)).await;
    assert_eq!(unchanged["status"], "pending_confirmation");
    assert_eq!(unchanged["startDate"], "2026-06-01T10:00:00Z");

    // Once picked up, returned, cancelled or missed, a booking no longer changes.
    let active = book_ok(
        &admin,
        &car,
        &client,
        "2026-06-05T10:00:00Z",
        "2026-06-06T10:00:00Z",
        "confirmed",
    )
    .await;
    move_ok(&admin, &id_of(&active), json!({"status": "active"})).await;
    move_ok(
        &admin,
        &id_of(&pending),
        json!({"status": "cancelled_by_client"}),
    )
    .await;
    for id in [id_of(&active), id_of(&pending)] {
        let path = format!("/api/reservations/{id}");
        let before = get_reservation(&admin, &id).await;
        for body in [
            json!({"notes": "too late"}),
            json!({"endDate": "2026-06-07T10:00:00Z"}),
        ] {
            admin.put(&path, body).await.assert_error(409, "conflict");
        }
        assert_eq!(get_reservation(&admin, &id).await, before);
        assert_eq!(audit_count(&app, "UPDATE_RESERVATION", &id).await, 0);
    }
    admin
        .put(
            &format!("/api/reservations/{UNKNOWN_ID}"),
            json!({"notes": "x"}),
        )
        .await
        .assert_error(404, "not_found");
    admin
        .put("/api/reservations/nope", json!({"notes": "x"}))
        .await
        .assert_error(400, "bad_request");
}

// ---------------------------------------------------------------- life cycle

async fn every_allowed_status_move_succeeds_once(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    // [starting status, moves]; all in the past, so a no-show may be recorded.
    let paths: [(&str, &[&str]); 7] = [
        ("pending_confirmation", &["confirmed"]),
        ("pending_confirmation", &["cancelled_by_client"]),
        ("pending_confirmation", &["cancelled_by_agency"]),
        ("confirmed", &["cancelled_by_client"]),
        ("confirmed", &["cancelled_by_agency"]),
        ("confirmed", &["no_show"]),
        ("confirmed", &["active", "completed"]),
    ];
    for (n, (initial, moves)) in paths.iter().enumerate() {
        let day = n + 1;
        let created = book_ok(
            &admin,
            &car,
            &client,
            &format!("2026-03-{day:02}T10:00:00Z"),
            &format!("2026-03-{day:02}T18:00:00Z"),
            initial,
        )
        .await;
        let id = id_of(&created);
        for status in moves.iter() {
            let r = move_to(&admin, &id, json!({"status": status})).await;
            assert_eq!(r.status, 200, "{initial} → {status}: {}", r.text);
            assert_eq!(r.body["status"], *status);
            assert_eq!(get_reservation(&admin, &id).await["status"], *status);
        }
        assert_eq!(
            audit_count(&app, "UPDATE_RESERVATION_STATUS", &id).await,
            moves.len() as i64,
            "{initial} → {moves:?}"
        );
    }
}

async fn forbidden_status_moves_are_409_and_change_nothing(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let mut day = 0;
    let mut next_window = || {
        day += 1;
        (
            format!("2026-02-{day:02}T10:00:00Z"),
            format!("2026-02-{day:02}T18:00:00Z"),
        )
    };
    // One reservation in each status.
    let mut in_status = Vec::new();
    for moves in [
        &[][..],
        &["confirmed"][..],
        &["confirmed", "active", "completed"][..],
        &["cancelled_by_client"][..],
        &["cancelled_by_agency"][..],
        &["confirmed", "no_show"][..],
        &["confirmed", "active"][..],
    ] {
        let (start, end) = next_window();
        let id = id_of(&book_ok(&admin, &car, &client, &start, &end, "pending_confirmation").await);
        for status in moves {
            move_ok(&admin, &id, json!({"status": status})).await;
        }
        let status = moves.last().copied().unwrap_or("pending_confirmation");
        in_status.push((status, id));
    }
    let all = [
        "pending_confirmation",
        "confirmed",
        "active",
        "completed",
        "cancelled_by_client",
        "cancelled_by_agency",
        "no_show",
    ];
    let forbidden: Vec<(&str, Vec<&str>)> = vec![
        (
            "pending_confirmation",
            vec!["pending_confirmation", "active", "completed", "no_show"],
        ),
        (
            "confirmed",
            vec!["pending_confirmation", "confirmed", "completed"],
        ),
        (
            "active",
            vec![
                "pending_confirmation",
                "confirmed",
                "active",
                "cancelled_by_client",
                "cancelled_by_agency",
                "no_show",
            ],
        ),
        ("completed", all.to_vec()),
        ("cancelled_by_client", all.to_vec()),
        ("cancelled_by_agency", all.to_vec()),
        ("no_show", all.to_vec()),
    ];
    let audit_before = reservation_audit_rows(&app).await;
    for (from, targets) in &forbidden {
        let id = &in_status.iter().find(|(s, _)| s == from).expect("status").1;
        let before = get_reservation(&admin, id).await;
        for to in targets {
            let r = move_to(&admin, id, json!({"status": to})).await;
            assert_eq!(r.status, 409, "{from} → {to}: {}", r.text);
            r.assert_error(409, "conflict");
        }
        assert_eq!(get_reservation(&admin, id).await, before, "{from}");
    }
    assert_eq!(reservation_audit_rows(&app).await, audit_before);
    // The car stays rented by the one active reservation.
    assert_eq!(car_status(&admin, &car).await, "rented");

    // A status that does not exist, or none at all, is invalid.
    let (_, pending) = &in_status[0];
    for body in [
        json!({"status": "lost"}),
        json!({"status": null}),
        json!({}),
        json!({"status": "confirmed", "when": "now"}),
    ] {
        let r = move_to(&admin, pending, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
    }
    move_to(&admin, UNKNOWN_ID, json!({"status": "confirmed"}))
        .await
        .assert_error(404, "not_found");
}

async fn pick_up_marks_the_car_rented_and_locks_it(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let id = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-11-01T10:00:00Z",
            "2026-11-04T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    let r = move_to(
        &admin,
        &id,
        json!({"status": "active", "at": "2026-11-01T09:30:00+01:00"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["actualPickupDate"], "2026-11-01T08:30:00Z");
    assert!(r.body["actualReturnDate"].is_null(), "{}", r.text);
    assert_eq!(car_status(&admin, &car).await, "rented");
    assert_eq!(audit_count(&app, "UPDATE_RESERVATION_STATUS", &id).await, 1);

    // A rented car changes status only through its reservation, and stays.
    let car_path = format!("/api/cars/{car}");
    for status in ["available", "maintenance", "out_of_service"] {
        let r = admin.put(&car_path, json!({"status": status})).await;
        assert_clash(&r, "status");
    }
    admin.delete(&car_path).await.assert_error(409, "conflict");
    admin
        .delete(&format!("/api/reservations/{id}"))
        .await
        .assert_error(409, "conflict");
    assert_eq!(car_status(&admin, &car).await, "rented");
    assert_eq!(get_reservation(&admin, &id).await["status"], "active");

    // Without `at`, the pick-up is now.
    let other_car = create_car(&admin, 2, json!(100)).await;
    let second = id_of(
        &book_ok(
            &admin,
            &other_car,
            &client,
            "2026-11-01T10:00:00Z",
            "2026-11-04T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    let before = Utc::now().timestamp_millis();
    let r = move_ok(&admin, &second, json!({"status": "active"})).await;
    let after = Utc::now().timestamp_millis();
    let picked = millis(r["actualPickupDate"].as_str().expect("actualPickupDate"));
    assert!((before - 1000..=after + 1000).contains(&picked), "{r}");
    assert_eq!(car_status(&admin, &other_car).await, "rented");
}

async fn pick_up_needs_a_free_usable_car_and_a_driving_licence(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let unlicensed = create_client(&admin, 2, false).await;
    let car_path = format!("/api/cars/{car}");
    let window = |day: u32| {
        (
            format!("2026-04-{day:02}T10:00:00Z"),
            format!("2026-04-{:02}T10:00:00Z", day + 1),
        )
    };
    let (s, e) = window(1);
    let no_licence = id_of(&book_ok(&admin, &car, &unlicensed, &s, &e, "confirmed").await);
    let (s, e) = window(2);
    let first = id_of(&book_ok(&admin, &car, &client, &s, &e, "confirmed").await);
    let (s, e) = window(3);
    let second = id_of(&book_ok(&admin, &car, &client, &s, &e, "confirmed").await);
    let audit_before = reservation_audit_rows(&app).await;

    // The client must have a driving licence number.
    let r = move_to(&admin, &no_licence, json!({"status": "active"})).await;
    assert_invalid(&r, "driverLicenseNumber");
    assert_eq!(car_status(&admin, &car).await, "available");

    // The car must not be in maintenance or out of service.
    for status in ["maintenance", "out_of_service"] {
        let r = admin.put(&car_path, json!({"status": status})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = move_to(&admin, &first, json!({"status": "active"})).await;
        assert_clash(&r, "carId");
        assert_eq!(car_status(&admin, &car).await, status);
    }
    let r = admin.put(&car_path, json!({"status": "available"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for id in [&no_licence, &first, &second] {
        assert_eq!(get_reservation(&admin, id).await["status"], "confirmed");
        assert!(get_reservation(&admin, id).await["actualPickupDate"].is_null());
    }
    assert_eq!(reservation_audit_rows(&app).await, audit_before);

    // Nor still rented by another reservation.
    move_ok(&admin, &first, json!({"status": "active"})).await;
    let r = move_to(&admin, &second, json!({"status": "active"})).await;
    assert_clash(&r, "carId");
    assert_eq!(
        get_reservation(&admin, &second).await["status"],
        "confirmed"
    );

    // Once it is back, the next rental starts; a licence added later is enough.
    move_ok(&admin, &first, json!({"status": "completed"})).await;
    assert_eq!(car_status(&admin, &car).await, "available");
    move_ok(&admin, &second, json!({"status": "active"})).await;
    move_ok(&admin, &second, json!({"status": "completed"})).await;
    let r = admin
        .put(
            &format!("/api/clients/{unlicensed}"),
            json!({"driverLicenseNumber": "DL-777777"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    move_ok(&admin, &no_licence, json!({"status": "active"})).await;
    assert_eq!(car_status(&admin, &car).await, "rented");
}

async fn return_bills_from_pick_up_adds_charges_and_frees_the_car(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    let id = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-01-10T10:00:00Z",
            "2026-01-13T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    let r = pay(&admin, &id, json!({"amount": 500, "method": "cash"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    move_ok(
        &admin,
        &id,
        json!({"status": "active", "at": "2026-01-10T10:00:00Z"}),
    )
    .await;

    // 3 days 2 hours: 4 days at 300, plus fuel.
    let r = move_to(
        &admin,
        &id,
        json!({
            "status": "completed",
            "at": "2026-01-13T12:00:00Z",
            "additionalCharges": [{"label": "Fuel", "amount": 120.75}],
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["status"], "completed");
    assert_eq!(b["actualPickupDate"], "2026-01-10T10:00:00Z");
    assert_eq!(b["actualReturnDate"], "2026-01-13T12:00:00Z");
    assert_eq!(money(&b["finalTotalCost"]), dec("1320.75"));
    assert_eq!(
        money(&b["estimatedTotalCost"]),
        dec("900"),
        "the estimate stays"
    );
    assert_eq!(money(&b["paymentDetails"]["amountPaid"]), dec("500"));
    assert_eq!(money(&b["paymentDetails"]["remaining"]), dec("820.75"));
    assert_eq!(car_status(&admin, &car).await, "available");
    assert_eq!(&get_reservation(&admin, &id).await, b);
    assert_eq!(audit_count(&app, "UPDATE_RESERVATION_STATUS", &id).await, 2);

    // Payments now settle against the final cost.
    let r = pay(&admin, &id, json!({"amount": 820.76, "method": "card"})).await;
    assert_invalid(&r, "amount");
    let r = pay(&admin, &id, json!({"amount": 820.75, "method": "card"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(money(&r.body["paymentDetails"]["remaining"]), dec("0"));

    // Billing runs from the actual pick-up: picked up late, returned within grace.
    let second = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-02-01T10:00:00Z",
            "2026-02-02T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(
        &admin,
        &second,
        json!({"status": "active", "at": "2026-02-01T10:30:00Z"}),
    )
    .await;
    let r = move_ok(
        &admin,
        &second,
        json!({"status": "completed", "at": "2026-02-03T11:30:00Z"}),
    )
    .await;
    assert_eq!(money(&r["finalTotalCost"]), dec("600"));
    // Several charges add up exactly.
    let third = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-02-10T10:00:00Z",
            "2026-02-11T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(
        &admin,
        &third,
        json!({"status": "active", "at": "2026-02-10T10:00:00Z"}),
    )
    .await;
    let r = move_ok(
        &admin,
        &third,
        json!({
            "status": "completed",
            "at": "2026-02-11T10:00:00Z",
            "additionalCharges": [
                {"label": "Fuel", "amount": 0.1},
                {"label": "Cleaning", "amount": 0.2},
                {"label": "Scratch", "amount": 149.7},
            ],
        }),
    )
    .await;
    assert_eq!(money(&r["finalTotalCost"]), dec("450"));
    assert_eq!(car_status(&admin, &car).await, "available");
}

async fn return_before_pick_up_and_misplaced_charges_are_422(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(300)).await;
    let other_car = create_car(&admin, 2, json!(300)).await;
    let active = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-03-10T10:00:00Z",
            "2026-03-12T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(
        &admin,
        &active,
        json!({"status": "active", "at": "2026-03-10T10:00:00Z"}),
    )
    .await;
    let confirmed = id_of(
        &book_ok(
            &admin,
            &other_car,
            &client,
            "2026-03-10T10:00:00Z",
            "2026-03-12T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    let audit_before = reservation_audit_rows(&app).await;
    let fuel = json!([{"label": "Fuel", "amount": 50}]);

    // A return before the pick-up.
    let r = move_to(
        &admin,
        &active,
        json!({"status": "completed", "at": "2026-03-10T09:59:00Z"}),
    )
    .await;
    assert_invalid(&r, "at");
    // Charges belong to a return only.
    for (id, status) in [
        (&confirmed, "active"),
        (&confirmed, "cancelled_by_agency"),
        (&confirmed, "no_show"),
    ] {
        let r = move_to(
            &admin,
            id,
            json!({"status": status, "additionalCharges": fuel}),
        )
        .await;
        assert_invalid(&r, "additionalCharges");
    }
    // Charges are exact positive amounts with a label.
    for charges in [
        json!([{"label": "Fuel", "amount": 10.005}]),
        json!([{"label": "Fuel", "amount": -10}]),
        json!([{"label": "Fuel", "amount": 0}]),
        json!([{"label": "Fuel", "amount": "10"}]),
        json!([{"amount": 10}]),
        json!([{"label": "Fuel", "amount": 10, "vat": 2}]),
    ] {
        let r = move_to(
            &admin,
            &active,
            json!({"status": "completed", "at": "2026-03-12T10:00:00Z", "additionalCharges": charges}),
        )
        .await;
        assert_eq!(r.status, 422, "{charges}: {}", r.text);
        r.assert_error(422, "validation_failed");
    }
    assert_invalid(
        &move_to(
            &admin,
            &active,
            json!({"status": "completed", "at": "yesterday"}),
        )
        .await,
        "at",
    );

    assert_eq!(reservation_audit_rows(&app).await, audit_before);
    let still = get_reservation(&admin, &active).await;
    assert_eq!(still["status"], "active");
    assert!(still["finalTotalCost"].is_null());
    assert!(still["actualReturnDate"].is_null());
    assert_eq!(car_status(&admin, &car).await, "rented");
    assert_eq!(
        get_reservation(&admin, &confirmed).await["status"],
        "confirmed"
    );
    assert_eq!(car_status(&admin, &other_car).await, "available");

    // A return at the very moment of the pick-up is one day.
    let r = move_ok(
        &admin,
        &active,
        json!({"status": "completed", "at": "2026-03-10T10:00:00Z", "additionalCharges": fuel}),
    )
    .await;
    assert_eq!(money(&r["finalTotalCost"]), dec("350"));
}

async fn no_show_only_once_the_start_has_passed(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let next_year = current_year() + 1;
    let future = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            &format!("{next_year}-03-01T10:00:00Z"),
            &format!("{next_year}-03-03T10:00:00Z"),
            "confirmed",
        )
        .await,
    );
    let r = move_to(&admin, &future, json!({"status": "no_show"})).await;
    r.assert_error(409, "conflict");
    assert_eq!(
        get_reservation(&admin, &future).await["status"],
        "confirmed"
    );
    assert_eq!(
        audit_count(&app, "UPDATE_RESERVATION_STATUS", &future).await,
        0
    );

    // Started an hour ago: the client did not come.
    let start = Utc::now() - chrono::Duration::hours(1);
    let end = start + chrono::Duration::days(2);
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let past = id_of(&book_ok(&admin, &car, &client, &fmt(start), &fmt(end), "confirmed").await);
    let r = move_to(&admin, &past, json!({"status": "no_show"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "no_show");
    assert!(r.body["actualPickupDate"].is_null());
    assert_eq!(car_status(&admin, &car).await, "available");
    // The car is free again for that period.
    let r = book(&admin, &car, &client, &fmt(start), &fmt(end)).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn a_failed_move_changes_neither_the_reservation_nor_the_car(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let other_car = create_car(&admin, 2, json!(100)).await;
    let out = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(&admin, &out, json!({"status": "active"})).await;
    let waiting = id_of(
        &book_ok(
            &admin,
            &other_car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    let before_out = get_reservation(&admin, &out).await;
    let before_waiting = get_reservation(&admin, &waiting).await;

    // The audit entry is written in the same transaction: without its table, the
    // reservation's move and the car's new status must both be rolled back.
    app.db.execute("DROP TABLE audit_log").await;
    let r = move_to(&admin, &waiting, json!({"status": "active"})).await;
    r.assert_error(500, "internal");
    let r = move_to(&admin, &out, json!({"status": "completed"})).await;
    r.assert_error(500, "internal");

    assert_eq!(get_reservation(&admin, &waiting).await, before_waiting);
    assert_eq!(car_status(&admin, &other_car).await, "available");
    assert_eq!(get_reservation(&admin, &out).await, before_out);
    assert_eq!(car_status(&admin, &car).await, "rented");
}

// ---------------------------------------------------------------- payments

async fn payments_settle_the_balance(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, manager_id) = app.manager("mona").await;
    let car = create_car(&admin, 1, json!(500)).await;
    let client = create_client(&admin, 1, true).await;
    let id = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );

    let r = pay(
        &manager,
        &id,
        json!({"amount": 300, "method": "cash", "transactionDate": "2026-05-20T10:00:00+01:00"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(id_of(&r.body), id, "the answer is the reservation");
    let pd = &r.body["paymentDetails"];
    assert_eq!(money(&pd["amountPaid"]), dec("300"));
    assert_eq!(money(&pd["remaining"]), dec("700"));
    assert_eq!(pd["transactionDate"], "2026-05-20T09:00:00Z");
    assert_eq!(pd["payments"].as_array().map(Vec::len), Some(1));
    let p = &pd["payments"][0];
    assert_eq!(money(&p["amount"]), dec("300"));
    assert_eq!(p["method"], "cash");
    assert_eq!(p["transactionDate"], "2026-05-20T09:00:00Z");
    assert_eq!(p["recordedBy"], manager_id.as_str());
    assert_eq!(p["refundDue"], false);

    // Entered out of date order, and two on the same date: listed by date, then as entered.
    for (amount, method, date) in [
        (json!(200.25), "card", "2026-05-28T10:00:00Z"),
        (json!(49.75), "transfer", "2026-05-25T10:00:00Z"),
        (json!(50), "cheque", "2026-05-25T10:00:00Z"),
    ] {
        let r = pay(
            &admin,
            &id,
            json!({"amount": amount, "method": method, "transactionDate": date}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let read = get_reservation(&admin, &id).await;
        assert_eq!(r.body, read, "the answer is what a read shows after it");
    }
    let b = get_reservation(&admin, &id).await;
    let pd = &b["paymentDetails"];
    assert_eq!(money(&pd["amountPaid"]), dec("600"));
    assert_eq!(money(&pd["remaining"]), dec("400"));
    assert_eq!(
        pd["transactionDate"], "2026-05-28T10:00:00Z",
        "the latest payment's date"
    );
    let methods: Vec<&str> = pd["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .map(|p| p["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["cash", "transfer", "cheque", "card"]);

    // Without a date the payment is dated now.
    let before = Utc::now().timestamp_millis();
    let r = pay(&admin, &id, json!({"amount": 400, "method": "cheque"})).await;
    let after = Utc::now().timestamp_millis();
    assert_eq!(r.status, 201, "{}", r.text);
    let pd = &r.body["paymentDetails"];
    assert_eq!(money(&pd["remaining"]), dec("0"));
    let dated = millis(pd["transactionDate"].as_str().expect("transactionDate"));
    assert!(
        (before - 1000..=after + 1000).contains(&dated),
        "{}",
        r.text
    );

    // Fully paid: nothing more unless it is marked as a refund due.
    assert_invalid(
        &pay(&admin, &id, json!({"amount": 0.01, "method": "cash"})).await,
        "amount",
    );
    let r = pay(
        &admin,
        &id,
        json!({"amount": 50.5, "method": "cash", "refundDue": true}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let pd = &r.body["paymentDetails"];
    assert_eq!(money(&pd["amountPaid"]), dec("1050.5"));
    assert_eq!(money(&pd["remaining"]), dec("-50.5"));
    let last = pd["payments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["refundDue"] == true)
        .expect("the refund-due payment");
    assert_eq!(money(&last["amount"]), dec("50.5"));

    assert_eq!(audit_count(&app, "ADD_PAYMENT", &id).await, 6);
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM payments WHERE reservation_id = '{id}'"
            ))
            .await,
        6
    );
    // Every list item carries the same payment details.
    let r = admin.get("/api/reservations").await;
    assert_eq!(r.body["items"][0]["paymentDetails"], pd.clone());
}

async fn payments_are_validated_and_refused_when_cancelled(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(500)).await;
    let id = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "pending_confirmation",
        )
        .await,
    );
    for amount in [
        json!(0),
        json!(-5.001),
        json!(10.005),
        json!("100"),
        Value::Null,
        json!(1e12),
    ] {
        let r = pay(&admin, &id, json!({"amount": amount, "method": "cash"})).await;
        assert_invalid(&r, "amount");
    }
    assert_invalid(&pay(&admin, &id, json!({"method": "cash"})).await, "amount");
    for method in [json!("bitcoin"), json!("CASH"), json!(""), Value::Null] {
        let r = pay(&admin, &id, json!({"amount": 10, "method": method})).await;
        assert_invalid(&r, "method");
    }
    assert_invalid(&pay(&admin, &id, json!({"amount": 10})).await, "method");
    assert_invalid(
        &pay(
            &admin,
            &id,
            json!({"amount": 10, "method": "cash", "transactionDate": "2026-06-01T10:00:00"}),
        )
        .await,
        "transactionDate",
    );
    for (field, value) in [
        ("recordedBy", json!(UNKNOWN_ID)),
        ("remaining", json!(0)),
        ("refund", json!(true)),
    ] {
        let mut body = json!({"amount": 10, "method": "cash"});
        body[field] = value;
        assert_invalid(&pay(&admin, &id, body).await, field);
    }
    // More than is owed.
    assert_invalid(
        &pay(&admin, &id, json!({"amount": 1000.01, "method": "cash"})).await,
        "amount",
    );
    pay(&admin, UNKNOWN_ID, json!({"amount": 10, "method": "cash"}))
        .await
        .assert_error(404, "not_found");
    assert_eq!(app.db.count("SELECT COUNT(*) FROM payments").await, 0);
    assert_eq!(audit_count(&app, "ADD_PAYMENT", &id).await, 0);
    let r = pay(&admin, &id, json!({"amount": 1000, "method": "cash"})).await;
    assert_eq!(r.status, 201, "{}", r.text);

    // A refund (a negative payment) says why and gives back at most what was paid.
    assert_invalid(
        &pay(&admin, &id, json!({"amount": -5, "method": "cash"})).await,
        "reason",
    );
    assert_invalid(
        &pay(
            &admin,
            &id,
            json!({"amount": -1000.01, "method": "cash", "reason": "x"}),
        )
        .await,
        "amount",
    );

    // Closed bookings that owe nothing take no payment; a no-show owes its fee.
    move_ok(&admin, &id, json!({"status": "cancelled_by_client"})).await;
    let no_show = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(&admin, &no_show, json!({"status": "no_show"})).await;
    let agency = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(&admin, &agency, json!({"status": "cancelled_by_agency"})).await;
    for target in [&id, &agency] {
        for refund_due in [false, true] {
            let r = pay(
                &admin,
                target,
                json!({"amount": 10, "method": "cash", "refundDue": refund_due}),
            )
            .await;
            r.assert_error(409, "conflict");
        }
    }
    let r = pay(&admin, &no_show, json!({"amount": 10, "method": "cash"})).await;
    assert_eq!(r.status, 201, "the no-show fee is owed: {}", r.text);
    assert_eq!(app.db.count("SELECT COUNT(*) FROM payments").await, 2);
}

// ---------------------------------------------------------------- lists

async fn list_filters_by_status_car_client_window_number_and_overdue(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car_a = create_car(&admin, 1, json!(100)).await;
    let car_b = create_car(&admin, 2, json!(100)).await;
    let kim = create_client(&admin, 1, true).await;
    let lea = create_client(&admin, 2, true).await;
    let next_year = current_year() + 1;

    let r1 = book_ok(
        &admin,
        &car_a,
        &kim,
        "2026-01-10T10:00:00Z",
        "2026-01-12T10:00:00Z",
        "pending_confirmation",
    )
    .await;
    let r2 = book_ok(
        &admin,
        &car_a,
        &lea,
        "2026-02-10T10:00:00Z",
        "2026-02-12T10:00:00Z",
        "confirmed",
    )
    .await;
    let r3 = book_ok(
        &admin,
        &car_b,
        &kim,
        "2026-01-11T10:00:00Z",
        "2026-01-15T10:00:00Z",
        "confirmed",
    )
    .await;
    let r4 = book_ok(
        &admin,
        &car_b,
        &lea,
        &format!("{next_year}-01-01T10:00:00Z"),
        &format!("{next_year}-01-05T10:00:00Z"),
        "pending_confirmation",
    )
    .await;
    let r5 = book_ok(
        &admin,
        &car_a,
        &kim,
        "2026-03-01T10:00:00Z",
        &format!("{next_year}-06-01T10:00:00Z"),
        "confirmed",
    )
    .await;
    let [r1, r2, r3, r4, r5] = [&r1, &r2, &r3, &r4, &r5].map(id_of);
    // r3 is out and late; r5 is out and not due yet; r4 is cancelled.
    move_ok(
        &admin,
        &r3,
        json!({"status": "active", "at": "2026-01-11T10:00:00Z"}),
    )
    .await;
    move_ok(
        &admin,
        &r5,
        json!({"status": "active", "at": "2026-03-01T10:00:00Z"}),
    )
    .await;
    move_ok(&admin, &r4, json!({"status": "cancelled_by_client"})).await;

    let found = |query: String| {
        let admin = admin.clone();
        async move {
            let r = admin.get(&format!("/api/reservations?{query}")).await;
            let mut got = ids(&r);
            assert_eq!(
                r.body["total"].as_i64(),
                Some(got.len() as i64),
                "{query}: {}",
                r.text
            );
            got.sort();
            got
        }
    };
    let set = |items: &[&String]| {
        let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    let number_of = |n: u32| format!("LC-{}-{n:06}", current_year());

    assert_eq!(found(String::new()).await, set(&[&r1, &r2, &r3, &r4, &r5]));
    assert_eq!(found("status=confirmed".into()).await, set(&[&r2]));
    assert_eq!(found("status=active".into()).await, set(&[&r3, &r5]));
    assert_eq!(
        found("status=cancelled_by_client".into()).await,
        set(&[&r4])
    );
    assert_eq!(found("status=completed".into()).await, set(&[]));
    assert_eq!(found(format!("carId={car_a}")).await, set(&[&r1, &r2, &r5]));
    assert_eq!(found(format!("clientId={lea}")).await, set(&[&r2, &r4]));
    assert_eq!(
        found(format!("status=active&carId={car_b}")).await,
        set(&[&r3])
    );
    // Windows: overlap with [from, to), either end open.
    assert_eq!(
        found("from=2026-01-12T09:00:00Z&to=2026-01-12T11:00:00Z".into()).await,
        set(&[&r1, &r3])
    );
    assert_eq!(
        found("from=2026-01-12T10:00:00Z&to=2026-01-13T00:00:00Z".into()).await,
        set(&[&r3]),
        "r1 ends when the window starts"
    );
    assert_eq!(
        found("from=2026-01-01T00:00:00Z&to=2026-01-10T10:00:00Z".into()).await,
        set(&[]),
        "r1 starts when the window ends"
    );
    assert_eq!(
        found(format!("from={next_year}-01-02T00:00:00Z")).await,
        set(&[&r4, &r5])
    );
    assert_eq!(found("to=2026-01-11T00:00:00Z".into()).await, set(&[&r1]));
    // Reservation number, whole or part.
    assert_eq!(found(format!("q={}", number_of(2))).await, set(&[&r2]));
    assert_eq!(found("q=000003".into()).await, set(&[&r3]));
    assert_eq!(found("q=LC-".into()).await, set(&[&r1, &r2, &r3, &r4, &r5]));
    assert_eq!(found("q=000009".into()).await, set(&[]));
    // Overdue: out and past the end.
    assert_eq!(found("overdue=true".into()).await, set(&[&r3]));
    assert_eq!(
        found("overdue=false".into()).await,
        set(&[&r1, &r2, &r3, &r4, &r5])
    );

    // Every item carries its car, client and payments.
    let r = admin
        .get(&format!("/api/reservations?q={}", number_of(3)))
        .await;
    let item = &r.body["items"][0];
    assert_eq!(item["car"]["_id"], car_b.as_str());
    assert_eq!(item["car"]["licensePlate"], "10002-A-2");
    assert_eq!(item["client"]["_id"], kim.as_str());
    assert_eq!(item["client"]["lastName"], "Alaoui");
    assert_eq!(money(&item["paymentDetails"]["remaining"]), dec("400"));
    assert_eq!(item, &get_reservation(&admin, &r3).await);

    for bad in [
        "status=lost",
        "carId=xyz",
        "clientId=123",
        "from=yesterday",
        "to=2026-01-01T00:00:00",
        "overdue=yes",
        "sort=price",
        "sort=-notes",
        "page=0",
        "perPage=101",
    ] {
        admin
            .get(&format!("/api/reservations?{bad}"))
            .await
            .assert_error(400, "bad_request");
    }
}

async fn list_sorts_newest_first_by_default(engine: Engine) {
    let (_app, admin, car, client) = setup(engine, json!(100)).await;
    let mut created = Vec::new();
    for start in [
        "2026-06-20T10:00:00Z",
        "2026-06-01T10:00:00Z",
        "2026-06-10T10:00:00Z",
    ] {
        let end = start.replace("T10", "T20");
        let r = book(&admin, &car, &client, start, &end).await;
        assert_eq!(r.status, 201, "{}", r.text);
        created.push(id_of(&r.body));
        // Distinct booking instants.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (late, early, middle) = (&created[0], &created[1], &created[2]);
    let order = |query: &str| {
        let admin = admin.clone();
        let query = query.to_owned();
        async move { ids(&admin.get(&format!("/api/reservations{query}")).await) }
    };
    assert_eq!(
        order("").await,
        vec![middle.clone(), early.clone(), late.clone()]
    );
    assert_eq!(
        order("?sort=-reservationDate").await,
        vec![middle.clone(), early.clone(), late.clone()]
    );
    assert_eq!(
        order("?sort=reservationDate").await,
        vec![late.clone(), early.clone(), middle.clone()]
    );
    assert_eq!(
        order("?sort=startDate").await,
        vec![early.clone(), middle.clone(), late.clone()]
    );
    assert_eq!(
        order("?sort=-startDate").await,
        vec![late.clone(), middle.clone(), early.clone()]
    );
    // Pages follow the order.
    let r = admin
        .get("/api/reservations?sort=startDate&perPage=2&page=2")
        .await;
    assert_eq!(ids(&r), vec![late.clone()]);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["page"], 2);
    assert_eq!(r.body["perPage"], 2);
}

async fn client_reservations_are_theirs_newest_first(engine: Engine) {
    let (_app, admin, car, kim) = setup(engine, json!(100)).await;
    let lea = create_client(&admin, 2, true).await;
    let mut kims = Vec::new();
    for (n, start) in [
        "2026-06-20T10:00:00Z",
        "2026-06-01T10:00:00Z",
        "2026-06-10T10:00:00Z",
        "2026-06-05T10:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let who = if n == 1 { &lea } else { &kim };
        let end = start.replace("T10", "T20");
        let r = book(&admin, &car, who, start, &end).await;
        assert_eq!(r.status, 201, "{}", r.text);
        if n != 1 {
            kims.push(id_of(&r.body));
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    kims.reverse();
    let r = admin.get(&format!("/api/clients/{kim}/reservations")).await;
    assert_eq!(ids(&r), kims);
    assert_eq!(r.body["total"], 3);
    for item in r.body["items"].as_array().unwrap() {
        assert_eq!(item["clientId"], kim.as_str());
        assert_eq!(item["client"]["_id"], kim.as_str());
        assert!(item["car"].is_object() && item["paymentDetails"].is_object());
    }
    let r = admin
        .get(&format!("/api/clients/{kim}/reservations?perPage=1&page=2"))
        .await;
    assert_eq!(ids(&r), vec![kims[1].clone()]);
    assert_eq!(
        ids(&admin.get(&format!("/api/clients/{lea}/reservations")).await).len(),
        1
    );
    admin
        .get(&format!("/api/clients/{UNKNOWN_ID}/reservations"))
        .await
        .assert_error(404, "not_found");
    admin
        .get("/api/clients/nope/reservations")
        .await
        .assert_error(400, "bad_request");
}

async fn available_cars_are_those_free_for_the_window(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = create_client(&admin, 1, true).await;
    let booked = create_car(&admin, 1, json!(100)).await;
    let in_maintenance = create_car(&admin, 2, json!(100)).await;
    let retired = create_car(&admin, 3, json!(100)).await;
    let cancelled = create_car(&admin, 4, json!(100)).await;
    let next_after = create_car(&admin, 5, json!(100)).await;
    let free = create_car(&admin, 6, json!(100)).await;
    for (car, status) in [
        (&in_maintenance, "maintenance"),
        (&retired, "out_of_service"),
    ] {
        let r = admin
            .put(&format!("/api/cars/{car}"), json!({"status": status}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    book_ok(
        &admin,
        &booked,
        &client,
        "2026-06-10T10:00:00Z",
        "2026-06-13T10:00:00Z",
        "confirmed",
    )
    .await;
    let c = book_ok(
        &admin,
        &cancelled,
        &client,
        "2026-06-10T10:00:00Z",
        "2026-06-13T10:00:00Z",
        "confirmed",
    )
    .await;
    move_ok(&admin, &id_of(&c), json!({"status": "cancelled_by_agency"})).await;
    book_ok(
        &admin,
        &next_after,
        &client,
        "2026-06-13T10:00:00Z",
        "2026-06-15T10:00:00Z",
        "pending_confirmation",
    )
    .await;

    let available = |start: &str, end: &str| {
        let admin = admin.clone();
        let query = format!("/api/cars/available?start={start}&end={end}");
        async move {
            let r = admin.get(&query).await;
            let mut got = ids(&r);
            assert_eq!(
                r.body["total"].as_i64(),
                Some(got.len() as i64),
                "{}",
                r.text
            );
            got.sort();
            got
        }
    };
    let set = |cars: &[&String]| {
        let mut v: Vec<String> = cars.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };

    assert_eq!(
        available("2026-06-10T10:00:00Z", "2026-06-13T10:00:00Z").await,
        set(&[&in_maintenance, &cancelled, &next_after, &free]),
        "the booked and retired cars are out; back-to-back and cancelled are fine"
    );
    assert_eq!(
        available("2026-06-12T10:00:00Z", "2026-06-14T10:00:00Z").await,
        set(&[&in_maintenance, &cancelled, &free])
    );
    assert_eq!(
        available("2026-06-13T10:00:00Z", "2026-06-14T10:00:00Z").await,
        set(&[&booked, &in_maintenance, &cancelled, &free]),
        "a window starting when a booking ends"
    );
    assert_eq!(
        available("2026-06-01T10:00:00Z", "2026-06-10T10:00:00Z").await,
        set(&[&booked, &in_maintenance, &cancelled, &next_after, &free]),
        "a window ending when a booking starts"
    );
    // Offsets are honoured (%2B is a '+').
    assert_eq!(
        available("2026-06-13T11:00:00%2B01:00", "2026-06-14T10:00:00Z").await,
        set(&[&booked, &in_maintenance, &cancelled, &free])
    );
    // The envelope and paging of any car list.
    let r = admin
        .get("/api/cars/available?start=2026-06-01T10:00:00Z&end=2026-06-02T10:00:00Z&perPage=2")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 5);
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(r.body["perPage"], 2);
    // Page by page, in their order, the pages are the whole list, each counting all of
    // it, the one past the end too.
    let window = "/api/cars/available?start=2026-06-01T10:00:00Z&end=2026-06-02T10:00:00Z";
    let whole = ids(&admin.get(window).await);
    let mut paged = Vec::new();
    for (page, size) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
        let r = admin.get(&format!("{window}&perPage=2&page={page}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["total"], 5, "page {page}: {}", r.text);
        let items = ids(&r);
        assert_eq!(items.len(), size, "page {page}: {}", r.text);
        paged.extend(items);
    }
    assert_eq!(paged, whole);

    for bad in [
        "",
        "start=2026-06-10T10:00:00Z",
        "end=2026-06-10T10:00:00Z",
        "start=soon&end=2026-06-10T10:00:00Z",
        "start=2026-06-10T10:00:00&end=2026-06-11T10:00:00Z",
        "start=2026-06-10T10:00:00Z&end=2026-06-10T10:00:00Z",
        "start=2026-06-11T10:00:00Z&end=2026-06-10T10:00:00Z",
    ] {
        admin
            .get(&format!("/api/cars/available?{bad}"))
            .await
            .assert_error(400, "bad_request");
    }
}

// ---------------------------------------------------------------- deletion

async fn delete_is_admin_only_and_refused_while_active(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let (manager, _) = app.manager("mona").await;
    let paid = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    let r = pay(&admin, &paid, json!({"amount": 50, "method": "cash"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let path = format!("/api/reservations/{paid}");

    manager.delete(&path).await.assert_error(403, "forbidden");
    assert_eq!(get_reservation(&admin, &paid).await["status"], "confirmed");

    let r = admin.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.text);
    admin.get(&path).await.assert_error(404, "not_found");
    admin.delete(&path).await.assert_error(404, "not_found");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM payments WHERE reservation_id = '{paid}'"
            ))
            .await,
        0
    );
    assert_eq!(audit_count(&app, "DELETE_RESERVATION", &paid).await, 1);
    // Its period is free again.
    let active = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(&admin, &active, json!({"status": "active"})).await;
    let active_path = format!("/api/reservations/{active}");
    admin
        .delete(&active_path)
        .await
        .assert_error(409, "conflict");
    assert_eq!(get_reservation(&admin, &active).await["status"], "active");
    assert_eq!(audit_count(&app, "DELETE_RESERVATION", &active).await, 0);
    // Returned, it can go.
    move_ok(&admin, &active, json!({"status": "completed"})).await;
    assert_eq!(admin.delete(&active_path).await.status, 204);
    admin
        .delete("/api/reservations/nope")
        .await
        .assert_error(400, "bad_request");
}

async fn cars_and_clients_with_reservations_cannot_be_deleted(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let other_car = create_car(&admin, 2, json!(100)).await;
    let completed = id_of(
        &book_ok(
            &admin,
            &car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "confirmed",
        )
        .await,
    );
    move_ok(
        &admin,
        &completed,
        json!({"status": "active", "at": "2026-06-01T10:00:00Z"}),
    )
    .await;
    move_ok(
        &admin,
        &completed,
        json!({"status": "completed", "at": "2026-06-03T10:00:00Z"}),
    )
    .await;
    let cancelled = id_of(
        &book_ok(
            &admin,
            &other_car,
            &client,
            "2026-06-01T10:00:00Z",
            "2026-06-03T10:00:00Z",
            "pending_confirmation",
        )
        .await,
    );
    move_ok(&admin, &cancelled, json!({"status": "cancelled_by_client"})).await;

    for path in [
        format!("/api/cars/{car}"),
        format!("/api/cars/{other_car}"),
        format!("/api/clients/{client}"),
    ] {
        admin.delete(&path).await.assert_error(409, "conflict");
        assert_eq!(admin.get(&path).await.status, 200, "{path} is still there");
    }
    assert_eq!(
        get_reservation(&admin, &completed).await["status"],
        "completed"
    );

    // Once no reservation refers to them, they can go.
    for id in [&completed, &cancelled] {
        assert_eq!(
            admin
                .delete(&format!("/api/reservations/{id}"))
                .await
                .status,
            204
        );
    }
    for path in [
        format!("/api/cars/{car}"),
        format!("/api/cars/{other_car}"),
        format!("/api/clients/{client}"),
    ] {
        let r = admin.delete(&path).await;
        assert_eq!(r.status, 204, "{path}: {}", r.text);
    }
    assert_eq!(reservation_rows(&app).await, 0);
}

// ---------------------------------------------------------------- audit

async fn audit_records_one_entry_per_change_and_none_for_refusals(engine: Engine) {
    let (app, admin, car, client) = setup(engine, json!(100)).await;
    let (manager, manager_id) = app.manager("mona").await;
    let created = book_ok(
        &manager,
        &car,
        &client,
        "2026-06-01T10:00:00Z",
        "2026-06-03T10:00:00Z",
        "pending_confirmation",
    )
    .await;
    let id = id_of(&created);
    let path = format!("/api/reservations/{id}");
    assert_eq!(
        manager.put(&path, json!({"notes": "VIP"})).await.status,
        200
    );
    move_ok(&manager, &id, json!({"status": "confirmed"})).await;
    assert_eq!(
        pay(&manager, &id, json!({"amount": 100, "method": "card"}))
            .await
            .status,
        201
    );
    move_ok(
        &manager,
        &id,
        json!({"status": "active", "at": "2026-06-01T10:00:00Z"}),
    )
    .await;
    move_ok(
        &manager,
        &id,
        json!({"status": "completed", "at": "2026-06-03T10:00:00Z"}),
    )
    .await;

    for (action, expected) in [
        ("CREATE_RESERVATION", 1),
        ("UPDATE_RESERVATION", 1),
        ("UPDATE_RESERVATION_STATUS", 3),
        ("ADD_PAYMENT", 1),
    ] {
        assert_eq!(audit_count(&app, action, &id).await, expected, "{action}");
    }
    let users = app
        .db
        .texts(&format!(
            "SELECT COALESCE(user_id, '') FROM audit_log WHERE entity_id = '{id}'"
        ))
        .await;
    assert_eq!(users.len(), 6);
    assert!(users.iter().all(|u| *u == manager_id), "{users:?}");
    let afters = app
        .db
        .texts(&format!(
            "SELECT COALESCE(after, '') FROM audit_log WHERE entity_id = '{id}' \
             AND action = 'UPDATE_RESERVATION_STATUS'"
        ))
        .await;
    for status in ["confirmed", "active", "completed"] {
        assert_eq!(
            afters
                .iter()
                .filter(|a| a.contains(&format!("\"{status}\"")))
                .count(),
            1,
            "{status} in {afters:?}"
        );
    }

    // Refused changes write nothing.
    let other = create_client(&admin, 2, true).await;
    assert_eq!(
        book(
            &manager,
            &car,
            &other,
            "2026-06-01T10:00:00Z",
            "2026-06-02T10:00:00Z"
        )
        .await
        .status,
        201
    );
    let before = reservation_audit_rows(&app).await;
    for r in [
        book(
            &manager,
            &car,
            &other,
            "2026-06-01T12:00:00Z",
            "2026-06-02T10:00:00Z",
        )
        .await,
        book(
            &manager,
            &car,
            &other,
            "2026-06-02T10:00:00Z",
            "2026-06-01T10:00:00Z",
        )
        .await,
        manager
            .put(&path, json!({"notes": "after the return"}))
            .await,
        move_to(&manager, &id, json!({"status": "cancelled_by_client"})).await,
        pay(&manager, &id, json!({"amount": 1000, "method": "cash"})).await,
        manager.delete(&path).await,
    ] {
        assert!(
            [403, 409, 422].contains(&r.status),
            "expected a refusal: {}",
            r.text
        );
    }
    assert_eq!(reservation_audit_rows(&app).await, before);

    assert_eq!(admin.delete(&path).await.status, 204);
    assert_eq!(audit_count(&app, "DELETE_RESERVATION", &id).await, 1);
    assert_eq!(reservation_audit_rows(&app).await, before + 1);
}
