//! Driver checks at pick-up: licence validity until the planned return, minimum age,
//! and minimum years of driving (issue 7, first part).

mod common;

use chrono::{Duration, Utc};
use common::{Api, Engine, Options, TestApp};
use serde_json::{json, Value};

both_engines!(
    client_dates_are_checked_and_cleared,
    pick_up_checks_the_driving_licence_and_the_driver,
    the_driver_rules_follow_the_settings,
);

fn day(offset_days: i64) -> String {
    (Utc::now() + Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

fn years_ago(years: i64, extra_days: i64) -> String {
    let today = Utc::now().date_naive();
    let back = today
        .checked_sub_months(chrono::Months::new(12 * years as u32))
        .expect("date");
    (back + Duration::days(extra_days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn new_client(api: &Api, phone: &str, extra: Value) -> String {
    let mut body = json!({"firstName": "Ines", "lastName": "Driver", "phone": phone, "driverLicenseNumber": "12/345678"});
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    let r = api.post("/api/clients", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["_id"].as_str().expect("id").to_owned()
}

/// A confirmed booking of a fresh car that started an hour ago and ends in three days.
async fn booking_for(admin: &Api, client: &str, n: u32) -> String {
    let car = admin
        .post(
            "/api/cars",
            json!({"make": "Kia", "model": "Picanto", "year": 2024, "licensePlate": format!("5{n:03}-A-1"),
                   "vin": format!("KNA{n:014}"), "dailyRate": 240}),
        )
        .await;
    assert_eq!(car.status, 201, "{}", car.text);
    let start = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let end = (Utc::now() + Duration::days(3)).to_rfc3339();
    let r = admin
        .post(
            "/api/reservations",
            json!({"carId": car.body["_id"], "clientId": client, "startDate": start, "endDate": end, "status": "confirmed"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["_id"].as_str().expect("id").to_owned()
}

async fn pick_up(admin: &Api, reservation: &str) -> common::Resp {
    admin
        .put(
            &format!("/api/reservations/{reservation}/status"),
            json!({"status": "active"}),
        )
        .await
}

async fn client_dates_are_checked_and_cleared(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = new_client(
        &admin,
        "0611111111",
        json!({"dateOfBirth": "1990-05-17", "licenseIssueDate": "2010-06-01", "licenseExpiryDate": "2031-06-01"}),
    )
    .await;
    let r = admin.get(&format!("/api/clients/{id}")).await;
    assert_eq!(r.body["dateOfBirth"], "1990-05-17");
    assert_eq!(r.body["licenseExpiryDate"], "2031-06-01");
    for (field, value) in [
        ("dateOfBirth", "2026-02-30"),
        ("dateOfBirth", "17/05/1990"),
        ("dateOfBirth", "2999-01-01"),
        ("licenseIssueDate", "1980-01-01"),
        ("licenseExpiryDate", "2009-01-01"),
    ] {
        let r = admin
            .put(&format!("/api/clients/{id}"), json!({ field: value }))
            .await;
        r.assert_error(422, "validation_failed");
        assert!(
            r.body["fields"][field].is_string(),
            "{field}={value}: {}",
            r.text
        );
    }
    let cleared = admin
        .put(
            &format!("/api/clients/{id}"),
            json!({"licenseExpiryDate": null}),
        )
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert!(cleared.body["licenseExpiryDate"].is_null());
}

async fn pick_up_checks_the_driving_licence_and_the_driver(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let cases = [
        ("licenseExpiryDate", json!({"licenseExpiryDate": day(-1)})),
        ("licenseExpiryDate", json!({"licenseExpiryDate": day(1)})),
        ("dateOfBirth", json!({"dateOfBirth": years_ago(21, 1)})),
        (
            "licenseIssueDate",
            json!({"licenseIssueDate": years_ago(2, 1)}),
        ),
    ];
    for (n, (field, dates)) in cases.into_iter().enumerate() {
        let client = new_client(&admin, &format!("06200000{n:02}"), dates.clone()).await;
        let reservation = booking_for(&admin, &client, n as u32).await;
        let r = pick_up(&admin, &reservation).await;
        r.assert_error(422, "validation_failed");
        assert!(r.body["fields"][field].is_string(), "{dates}: {}", r.text);
        let still = admin.get(&format!("/api/reservations/{reservation}")).await;
        assert_eq!(still.body["status"], "confirmed", "nothing changed");
    }
    // On the day: 21 today, licence held exactly 2 years, valid until the return.
    let ok = new_client(
        &admin,
        "0620009999",
        json!({"dateOfBirth": years_ago(21, 0), "licenseIssueDate": years_ago(2, 0), "licenseExpiryDate": day(3)}),
    )
    .await;
    let reservation = booking_for(&admin, &ok, 99).await;
    let r = pick_up(&admin, &reservation).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn the_driver_rules_follow_the_settings(engine: Engine) {
    let options = Options::default()
        .env("LOCACAR_MIN_DRIVER_AGE", "25")
        .env("LOCACAR_MIN_LICENSE_YEARS", "0");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    let young = new_client(
        &admin,
        "0630000001",
        json!({"dateOfBirth": years_ago(24, 0), "licenseIssueDate": day(-10)}),
    )
    .await;
    let reservation = booking_for(&admin, &young, 1).await;
    let r = pick_up(&admin, &reservation).await;
    r.assert_error(422, "validation_failed");
    assert!(r.body["fields"]["dateOfBirth"].is_string());
    let adult = new_client(
        &admin,
        "0630000002",
        json!({"dateOfBirth": years_ago(25, 0), "licenseIssueDate": day(-10)}),
    )
    .await;
    let reservation = booking_for(&admin, &adult, 2).await;
    assert_eq!(pick_up(&admin, &reservation).await.status, 200);
}
