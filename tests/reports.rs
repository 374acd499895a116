//! Revenue and utilisation reports (issue 8): what they count, their grouping by the
//! agency's calendar, CSV on request, and their refusals.

mod common;

use std::str::FromStr;

use common::{Api, Engine, Options, TestApp};
use rust_decimal::Decimal;
use serde_json::{json, Value};

both_engines!(
    revenue_counts_closed_rentals_by_month_car_and_branch,
    utilisation_counts_rented_and_blocked_days,
    reports_come_as_csv_on_request,
    report_parameters_are_checked,
);

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

fn money(value: &Value) -> Decimal {
    Decimal::from_str(&value.to_string()).expect("a money amount")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal")
}

async fn car(admin: &Api, n: u32, rate: u32) -> String {
    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Dacia",
                "model": "Logan",
                "year": 2024,
                "licensePlate": format!("{}-R-{}", 40000 + n, n % 10),
                "vin": format!("VF1REPT{n:010}"),
                "dailyRate": rate,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    id_of(&r.body)
}

async fn client(admin: &Api, n: u32) -> String {
    let r = admin
        .post(
            "/api/clients",
            json!({
                "firstName": "Omar",
                "lastName": format!("Report{n}"),
                "phone": format!("+2126{n:08}"),
                "driverLicenseNumber": format!("RP-{n:06}"),
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    id_of(&r.body)
}

async fn status(admin: &Api, id: &str, body: Value) -> Value {
    let r = admin
        .put(&format!("/api/reservations/{id}/status"), body)
        .await;
    assert_eq!(r.status, 200, "status: {}", r.text);
    r.body
}

/// A rental picked up at `start` and returned at `end` (both in the past).
async fn rental(admin: &Api, car: &str, client: &str, start: &str, end: &str) -> Value {
    let r = admin
        .post(
            "/api/reservations",
            json!({"carId": car, "clientId": client, "startDate": start, "endDate": end, "status": "confirmed"}),
        )
        .await;
    assert_eq!(r.status, 201, "book: {}", r.text);
    let id = id_of(&r.body);
    status(admin, &id, json!({"status": "active", "at": start})).await;
    status(admin, &id, json!({"status": "completed", "at": end})).await
}

async fn revenue_counts_closed_rentals_by_month_car_and_branch(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (logan, clio) = (car(&admin, 1, 300).await, car(&admin, 2, 450).await);
    let omar = client(&admin, 1).await;
    // Two days in October, three in November, one day of the other car in November.
    rental(
        &admin,
        &logan,
        &omar,
        "2026-10-10T09:00:00Z",
        "2026-10-12T09:00:00Z",
    )
    .await;
    rental(
        &admin,
        &logan,
        &omar,
        "2026-11-02T09:00:00Z",
        "2026-11-05T09:00:00Z",
    )
    .await;
    rental(
        &admin,
        &clio,
        &omar,
        "2026-11-03T09:00:00Z",
        "2026-11-04T09:00:00Z",
    )
    .await;
    // A free cancellation counts for nothing; an open booking is not counted at all.
    let later = admin
        .post(
            "/api/reservations",
            json!({"carId": clio, "clientId": omar, "startDate": "2027-06-01T09:00:00Z", "endDate": "2027-06-03T09:00:00Z"}),
        )
        .await;
    assert_eq!(later.status, 201, "{}", later.text);

    let r = admin
        .get("/api/reports/revenue?from=2026-10-01&to=2026-11-30")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["groupBy"], "month");
    let rows = r.body["rows"].as_array().expect("rows");
    let keys: Vec<_> = rows
        .iter()
        .map(|row| row["key"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(keys, ["2026-10", "2026-11"]);
    assert_eq!(money(&rows[0]["gross"]), dec("600"));
    assert_eq!(money(&rows[1]["gross"]), dec("1350"), "900 + 450");
    assert_eq!(rows[1]["reservations"], 2);
    // Prices include 20 % VAT by default: 600 → 500 + 100.
    assert_eq!(money(&rows[0]["net"]), dec("500"));
    assert_eq!(money(&rows[0]["tax"]), dec("100"));
    assert_eq!(money(&r.body["gross"]), dec("1950"));
    assert_eq!(r.body["reservations"], 3);

    let november = admin
        .get("/api/reports/revenue?from=2026-11-01&to=2026-11-30&groupBy=car")
        .await;
    assert_eq!(november.status, 200, "{}", november.text);
    let by_car: Vec<(String, Decimal)> = november.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            (
                row["key"].as_str().unwrap_or("").to_owned(),
                money(&row["gross"]),
            )
        })
        .collect();
    assert!(by_car.contains(&(logan.clone(), dec("900"))), "{by_car:?}");
    assert!(by_car.contains(&(clio.clone(), dec("450"))), "{by_car:?}");
    let by_branch = admin
        .get("/api/reports/revenue?from=2026-11-01&to=2026-11-30&groupBy=branch")
        .await;
    assert_eq!(
        by_branch.body["rows"][0]["key"], "none",
        "{}",
        by_branch.text
    );
    assert_eq!(money(&by_branch.body["rows"][0]["gross"]), dec("1350"));
    // The last day is included, the day after is not.
    let one_day = admin
        .get("/api/reports/revenue?from=2026-10-12&to=2026-10-12")
        .await;
    assert_eq!(one_day.body["reservations"], 1, "{}", one_day.text);
    let after = admin
        .get("/api/reports/revenue?from=2026-10-13&to=2026-10-31")
        .await;
    assert_eq!(after.body["reservations"], 0, "{}", after.text);
}

async fn utilisation_counts_rented_and_blocked_days(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let logan = car(&admin, 3, 300).await;
    let idle = car(&admin, 4, 300).await;
    let omar = client(&admin, 2).await;
    // 3 days rented (one of them before the window), 2 days blocked, in a 10-day window.
    rental(
        &admin,
        &logan,
        &omar,
        "2026-09-30T00:00:00Z",
        "2026-10-04T00:00:00Z",
    )
    .await;
    let block = admin
        .post(
            &format!("/api/cars/{logan}/blocks"),
            json!({"start": "2026-10-08T00:00:00Z", "end": "2026-10-10T00:00:00Z", "reason": "Vidange"}),
        )
        .await;
    assert_eq!(block.status, 201, "{}", block.text);
    let r = admin
        .get("/api/reports/utilisation?from=2026-10-01&to=2026-10-10")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body["rows"].as_array().expect("rows");
    let row = |id: &str| {
        rows.iter()
            .find(|row| row["carId"] == id)
            .unwrap_or_else(|| panic!("no row for {id}: {}", r.text))
            .clone()
    };
    let used = row(&logan);
    assert_eq!(used["rentedDays"], 3.0);
    assert_eq!(used["blockedDays"], 2.0);
    assert_eq!(
        used["utilisation"], 37.5,
        "3 of the 8 days it could be rented"
    );
    let unused = row(&idle);
    assert_eq!(
        (unused["rentedDays"].clone(), unused["utilisation"].clone()),
        (json!(0.0), json!(0.0))
    );
}

async fn reports_come_as_csv_on_request(engine: Engine) {
    let app = TestApp::start_with(engine, Options::default()).await;
    let admin = app.admin().await;
    let logan = car(&admin, 5, 250).await;
    let omar = client(&admin, 3).await;
    rental(
        &admin,
        &logan,
        &omar,
        "2026-10-10T09:00:00Z",
        "2026-10-11T09:00:00Z",
    )
    .await;
    let req = admin
        .request(
            reqwest::Method::GET,
            "/api/reports/revenue?from=2026-10-01&to=2026-10-31&groupBy=car",
        )
        .header("accept", "text/csv");
    let r = admin.send(req).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "{:?}",
        r.headers
    );
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines[0], "key,label,reservations,net,tax,gross");
    assert_eq!(
        lines[1],
        format!("{logan},Dacia Logan 40005-R-5,1,208.33,41.67,250.00")
    );
    assert_eq!(lines.len(), 2);
    let req = admin
        .request(
            reqwest::Method::GET,
            "/api/reports/utilisation?from=2026-10-01&to=2026-10-31",
        )
        .header("accept", "text/csv");
    let r = admin.send(req).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text
            .starts_with("carId,label,rentedDays,blockedDays,utilisation\n"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains(&format!("{logan},Dacia Logan 40005-R-5,1.00,0.00,3.2")),
        "{}",
        r.text
    );
}

async fn report_parameters_are_checked(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    for path in [
        "/api/reports/revenue?to=2026-10-31",
        "/api/reports/revenue?from=2026-10-01",
        "/api/reports/revenue?from=2026-10-01&to=31/10/2026",
        "/api/reports/revenue?from=2026-10-01&to=2026-10-31&groupBy=week",
        "/api/reports/utilisation?from=2026-02-30&to=2026-03-01",
    ] {
        admin.get(path).await.assert_error(400, "bad_request");
    }
    admin
        .get("/api/reports/revenue?from=2026-10-31&to=2026-10-01")
        .await
        .assert_error(422, "validation_failed");
    admin
        .get("/api/reports/utilisation?from=2020-01-01&to=2026-10-01")
        .await
        .assert_error(422, "validation_failed");
    app.api()
        .get("/api/reports/revenue?from=2026-10-01&to=2026-10-31")
        .await
        .assert_error(401, "unauthenticated");
}
