//! `/api/cars`: the fleet, read by staff and changed by admins; its validation,
//! uniqueness, status rules, lists and audit trail, on both engines.

mod common;

use chrono::Datelike;
use common::{Api, Engine, Resp, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";

both_engines!(
    car_routes_follow_the_role_table,
    create_returns_the_car_with_server_set_fields,
    create_requires_and_checks_every_field,
    daily_rates_are_exact_money,
    server_owned_and_unknown_fields_are_refused,
    plates_and_vins_are_unique,
    concurrent_creates_of_one_plate_or_vin_make_one_car,
    status_values_and_the_rented_rule,
    update_changes_only_the_given_fields,
    delete_removes_the_car_and_ids_are_checked,
    list_filters_by_status_make_and_text,
    list_sorts_pages_and_checks_its_parameters,
    audit_records_one_entry_per_change,
);

// ---------------------------------------------------------------- helpers

/// A valid VIN, different for every `n` below 10 000.
fn vin(n: u32) -> String {
    format!("VF1RFB00X6612{n:04}")
}

/// A valid car body.
fn car(plate: &str, vin: &str) -> Value {
    json!({
        "make": "Renault",
        "model": "Clio",
        "year": 2022,
        "licensePlate": plate,
        "vin": vin,
        "color": "White",
        "dailyRate": 250,
    })
}

/// Creates a car as `admin` and returns it.
async fn create(admin: &Api, body: Value) -> Value {
    let r = admin.post("/api/cars", body).await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    r.body
}

async fn create_id(admin: &Api, body: Value) -> String {
    id_of(&create(admin, body).await)
}

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

/// The `_id` of the user a client is logged in as.
async fn my_id(api: &Api) -> String {
    let r = api.get("/api/auth/status").await;
    assert_eq!(r.body["authenticated"], true, "{}", r.text);
    r.body["user"]["_id"].as_str().expect("_id").to_owned()
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

/// Sends a JSON body written by hand, so numbers go out exactly as typed.
async fn send_text(api: &Api, method: Method, path: &str, text: &str) -> Resp {
    api.send(
        api.request(method, path)
            .header("content-type", "application/json")
            .body(text.to_owned()),
    )
    .await
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

fn next_year() -> i64 {
    i64::from(chrono::Utc::now().year()) + 1
}

async fn car_rows(app: &TestApp) -> i64 {
    app.db.count("SELECT COUNT(*) FROM cars").await
}

/// entity_type, user_id, before, after and details of the one entry with this action
/// on this entity ("" for NULL).
async fn audit_entry(app: &TestApp, action: &str, id: &str) -> Vec<String> {
    let mut columns = Vec::new();
    for column in ["entity_type", "user_id", "before", "after", "details"] {
        let rows = app
            .db
            .texts(&format!(
                "SELECT COALESCE({column}, '') FROM audit_log WHERE action = '{action}' AND entity_id = '{id}'"
            ))
            .await;
        assert_eq!(rows.len(), 1, "{action} entries for {id}: {rows:?}");
        columns.push(rows[0].clone());
    }
    columns
}

fn json_of(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(text).expect("audit column is JSON")
    }
}

async fn car_audit_rows(app: &TestApp) -> i64 {
    app.db
        .count("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%CAR%'")
        .await
}

// ---------------------------------------------------------------- access

async fn car_routes_follow_the_role_table(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let anonymous = app.api();
    let id = create_id(&admin, car("11111-A-1", &vin(1))).await;
    let one = format!("/api/cars/{id}");

    // Reading: managers and admins.
    for api in [&manager, &admin] {
        let r = api.get("/api/cars").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["total"], 1);
        let r = api.get(&one).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["licensePlate"], "11111-A-1");
    }

    // Changing: admins only.
    for (api, status, code) in [
        (&anonymous, 401, "unauthenticated"),
        (&manager, 403, "forbidden"),
    ] {
        if status == 401 {
            api.get("/api/cars").await.assert_error(status, code);
            api.get(&one).await.assert_error(status, code);
        }
        api.post("/api/cars", car("22222-B-2", &vin(2)))
            .await
            .assert_error(status, code);
        api.put(&one, json!({"color": "Black"}))
            .await
            .assert_error(status, code);
        api.delete(&one).await.assert_error(status, code);
    }
    assert_eq!(car_rows(&app).await, 1);
    let r = admin.get(&one).await;
    assert_eq!(r.body["color"], "White", "{}", r.text);

    let r = admin.put(&one, json!({"color": "Black"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(admin.delete(&one).await.status, 204);
}

// ---------------------------------------------------------------- create

async fn create_returns_the_car_with_server_set_fields(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = my_id(&admin).await;

    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Dacia",
                "model": "Logan",
                "year": 2021,
                "licensePlate": "12345-A-6",
                "vin": "vf1rfb00x66123456",
                "dailyRate": 199.99,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut keys: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "_id",
            "addedAt",
            "addedBy",
            "color",
            "currentBranchId",
            "dailyRate",
            "description",
            "extraKmRate",
            "homeBranchId",
            "imageUrl",
            "includedKmPerDay",
            "licensePlate",
            "make",
            "model",
            "odometerKm",
            "status",
            "updatedAt",
            "updatedBy",
            "vin",
            "year"
        ]
    );
    let id = id_of(&r.body);
    assert!(
        id.len() == 24
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "_id {id}"
    );
    assert_eq!(r.body["make"], "Dacia");
    assert_eq!(r.body["model"], "Logan");
    assert_eq!(r.body["year"], 2021);
    assert_eq!(r.body["licensePlate"], "12345-A-6");
    // A lower-case VIN is accepted and stored upper-case.
    assert_eq!(r.body["vin"], "VF1RFB00X66123456");
    assert_eq!(r.body["dailyRate"].to_string(), "199.99");
    assert_eq!(r.body["status"], "available");
    for absent in ["color", "description", "imageUrl"] {
        assert_eq!(r.body[absent], Value::Null, "{absent}: {}", r.text);
    }
    assert_eq!(r.body["addedBy"], admin_id.as_str());
    assert_eq!(r.body["updatedBy"], admin_id.as_str());
    for field in ["addedAt", "updatedAt"] {
        let at = r.body[field].as_str().unwrap();
        assert!(at.ends_with('Z'), "{field} {at}");
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
        let age = chrono::Utc::now().signed_duration_since(at);
        assert!(age.num_seconds().abs() < 60, "{field} {at}");
    }
    assert_eq!(
        app.db
            .texts(&format!("SELECT vin FROM cars WHERE id = '{id}'"))
            .await,
        ["VF1RFB00X66123456"]
    );

    let fetched = admin.get(&format!("/api/cars/{id}")).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text);
    assert_eq!(fetched.body, r.body);

    // Optional fields may be given, and a non-rented status.
    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Peugeot", "model": "208", "year": 2023, "licensePlate": "777-B-7",
                "vin": vin(7), "color": "Blue", "description": "Diesel, 5 seats",
                "status": "maintenance", "dailyRate": 300,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["color"], "Blue");
    assert_eq!(r.body["description"], "Diesel, 5 seats");
    assert_eq!(r.body["status"], "maintenance");
}

async fn create_requires_and_checks_every_field(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    let r = admin.post("/api/cars", json!({})).await;
    for field in ["make", "model", "year", "licensePlate", "vin", "dailyRate"] {
        assert_invalid(&r, field);
    }

    let next = next_year();
    let bad: Vec<(&str, Value)> = vec![
        // VIN: 17 characters of A–Z and 0–9, without I, O and Q.
        ("vin", json!("VF1RFB00X6612345")),
        ("vin", json!("VF1RFB00X661234567")),
        ("vin", json!("VF1RFB00I66123456")),
        ("vin", json!("VF1RFB00O66123456")),
        ("vin", json!("VF1RFB00Q66123456")),
        ("vin", json!("vf1rfb00q66123456")),
        ("vin", json!("VF1RFB00X6612345-")),
        ("vin", json!("VF1RFB00X6612345É")),
        ("vin", json!(12345678901234567_u64)),
        // Year: 1950 to next year.
        ("year", json!(1949)),
        ("year", json!(next + 1)),
        ("year", json!(3000)),
        ("year", json!("2020")),
        ("year", json!(2020.5)),
        // Daily rate: a number above zero.
        ("dailyRate", json!(0)),
        ("dailyRate", json!(-10)),
        ("dailyRate", json!("250")),
        // Plates and text fields.
        ("licensePlate", json!("")),
        ("licensePlate", json!("12/34")),
        ("licensePlate", json!("<script>")),
        ("make", json!("")),
        ("make", json!("   ")),
        ("model", json!(42)),
    ];
    for (field, value) in bad {
        let mut body = car("12345-A-6", &vin(1));
        body[field] = value.clone();
        let r = admin.post("/api/cars", body).await;
        assert_eq!(r.status, 422, "{field} = {value}: {}", r.text);
        assert_invalid(&r, field);
    }
    assert_eq!(car_rows(&app).await, 0);

    // The limits themselves are accepted.
    create(&admin, {
        let mut b = car("1950-A-1", &vin(2));
        b["year"] = json!(1950);
        b
    })
    .await;
    create(&admin, {
        let mut b = car("NEXT-A-1", &vin(3));
        b["year"] = json!(next);
        b
    })
    .await;
    create(&admin, {
        let mut b = car("CENT-A-1", &vin(4));
        b["dailyRate"] = json!(0.01);
        b
    })
    .await;
    // Every allowed VIN character.
    create(&admin, car("ALPHA-1", "ABCDEFGHJKLMNPRST")).await;
    create(&admin, car("ALPHA-2", "UVWXYZ01234567890")).await;
    assert_eq!(car_rows(&app).await, 5);
}

async fn daily_rates_are_exact_money(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let template = |plate: &str, n: u32, rate: &str| {
        format!(
            r#"{{"make":"Kia","model":"Picanto","year":2020,"licensePlate":"{plate}","vin":"{}","dailyRate":{rate}}}"#,
            vin(n)
        )
    };

    for (n, sent, shown, cents) in [
        (1, "250.5", "250.5", 25050),
        (2, "250.50", "250.5", 25050),
        (3, "199.99", "199.99", 19999),
        (4, "0.1", "0.1", 10),
        (5, "1e2", "100", 10000),
        (6, "450.500", "450.5", 45050),
        (7, "1234567.89", "1234567.89", 123456789),
    ] {
        let plate = format!("RATE-{n}");
        let r = send_text(
            &admin,
            Method::POST,
            "/api/cars",
            &template(&plate, n, sent),
        )
        .await;
        assert_eq!(r.status, 201, "{sent}: {}", r.text);
        // Rendered as a JSON number with at most 2 decimals, never 250.50000001.
        assert_eq!(r.body["dailyRate"].to_string(), shown, "{sent}: {}", r.text);
        assert!(
            r.text.contains(&format!("\"dailyRate\":{shown}")),
            "{}",
            r.text
        );
        let id = id_of(&r.body);
        assert_eq!(
            app.db
                .count(&format!("SELECT daily_rate FROM cars WHERE id = '{id}'"))
                .await,
            cents,
            "{sent}"
        );
    }

    // More than two decimals is refused, never rounded.
    for sent in ["250.555", "0.001", "19.999", "1e-3"] {
        let r = send_text(
            &admin,
            Method::POST,
            "/api/cars",
            &template("RATE-X", 99, sent),
        )
        .await;
        assert_invalid(&r, "dailyRate");
    }
    let id = create_id(&admin, car("RATE-Y", &vin(98))).await;
    let path = format!("/api/cars/{id}");
    let r = send_text(&admin, Method::PUT, &path, r#"{"dailyRate": 250.555}"#).await;
    assert_invalid(&r, "dailyRate");
    let r = send_text(&admin, Method::PUT, &path, r#"{"dailyRate": 320.1}"#).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["dailyRate"].to_string(), "320.1");
    assert_eq!(
        admin.get(&path).await.body["dailyRate"].to_string(),
        "320.1"
    );
    assert_eq!(car_rows(&app).await, 8);
}

async fn server_owned_and_unknown_fields_are_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (_, manager_id) = app.manager("mona").await;
    let id = create_id(&admin, car("11111-A-1", &vin(1))).await;
    let path = format!("/api/cars/{id}");
    let original = admin.get(&path).await.body;

    for (field, value) in [
        ("addedBy", json!(manager_id)),
        ("updatedBy", json!(manager_id)),
        ("addedAt", json!("2020-01-01T00:00:00Z")),
        ("updatedAt", json!("2020-01-01T00:00:00Z")),
        ("_id", json!(UNKNOWN_ID)),
        ("imageUrl", json!("https://evil.example/x.png")),
        ("mileage", json!(12000)),
        ("license_plate", json!("99999-Z-9")),
    ] {
        let mut body = car("22222-B-2", &vin(2));
        body[field] = value.clone();
        let r = admin.post("/api/cars", body).await;
        assert_invalid(&r, field);

        let r = admin
            .put(&path, json!({ field: value, "color": "Green" }))
            .await;
        assert_invalid(&r, field);
    }
    assert_eq!(car_rows(&app).await, 1);
    assert_eq!(admin.get(&path).await.body, original);
}

// ---------------------------------------------------------------- uniqueness

async fn plates_and_vins_are_unique(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    create(&admin, car("12345-A-6", &vin(1))).await;

    // The plate is compared without case, spaces and dashes.
    for (n, plate) in [
        (2, "12345-A-6"),
        (3, "12345-a-6"),
        (4, "12345 A 6"),
        (5, "12345a6"),
        (6, " 1-2-3-4-5 a6 "),
    ] {
        let r = admin.post("/api/cars", car(plate, &vin(n))).await;
        assert_clash(&r, "licensePlate");
    }
    // The VIN too, whatever the case it is typed in.
    for vin in [vin(1), vin(1).to_lowercase()] {
        let r = admin.post("/api/cars", car("99999-Z-9", &vin)).await;
        assert_clash(&r, "vin");
    }
    assert_eq!(car_rows(&app).await, 1);

    // Changing another car onto a taken plate or VIN is a clash too.
    let other = create_id(&admin, car("54321-B-1", &vin(2))).await;
    let path = format!("/api/cars/{other}");
    assert_clash(
        &admin.put(&path, json!({"licensePlate": "12345A6"})).await,
        "licensePlate",
    );
    assert_clash(
        &admin
            .put(&path, json!({"vin": vin(1).to_lowercase()}))
            .await,
        "vin",
    );
    let r = admin.get(&path).await;
    assert_eq!(r.body["licensePlate"], "54321-B-1");
    assert_eq!(r.body["vin"], vin(2));

    // Re-typing a car's own plate is no clash.
    let r = admin.put(&path, json!({"licensePlate": "54321 b 1"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Different plates and VINs are fine.
    create(&admin, car("12345-A-7", &vin(3))).await;
    assert_eq!(car_rows(&app).await, 3);
}

async fn concurrent_creates_of_one_plate_or_vin_make_one_car(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    // One plate typed eight ways, eight different VINs.
    let plates = [
        "55555-C-5",
        "55555 C 5",
        "55555c5",
        "55555-c-5",
        "55555C5",
        "5 5 5 5 5 C 5",
        "55555-C5",
        "55555-C-5",
    ];
    let responses = futures::future::join_all(
        plates
            .iter()
            .enumerate()
            .map(|(i, plate)| admin.post("/api/cars", car(plate, &vin(10 + i as u32)))),
    )
    .await;
    let texts: Vec<&String> = responses.iter().map(|r| &r.text).collect();
    assert_eq!(
        responses.iter().filter(|r| r.status == 201).count(),
        1,
        "{texts:?}"
    );
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_clash(r, "licensePlate");
    }

    // One VIN, in both cases, on eight different plates.
    let responses = futures::future::join_all((0..8).map(|i| {
        let v = if i % 2 == 0 {
            vin(50)
        } else {
            vin(50).to_lowercase()
        };
        let plate = format!("6666{i}-D-6");
        let admin = admin.clone();
        async move { admin.post("/api/cars", car(&plate, &v)).await }
    }))
    .await;
    let texts: Vec<&String> = responses.iter().map(|r| &r.text).collect();
    assert_eq!(
        responses.iter().filter(|r| r.status == 201).count(),
        1,
        "{texts:?}"
    );
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_clash(r, "vin");
    }

    assert_eq!(car_rows(&app).await, 2);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'CREATE_CAR'")
            .await,
        2
    );

    // Two cars changed at once onto one new plate: one of them gets it.
    let a = create_id(&admin, car("70000-A-1", &vin(70))).await;
    let b = create_id(&admin, car("70000-B-1", &vin(71))).await;
    let (path_a, path_b) = (format!("/api/cars/{a}"), format!("/api/cars/{b}"));
    let (ra, rb) = futures::join!(
        admin.put(&path_a, json!({"licensePlate": "77777-Q-7"})),
        admin.put(&path_b, json!({"licensePlate": "77777 q 7"})),
    );
    let statuses = [ra.status, rb.status];
    assert!(
        statuses == [200, 409] || statuses == [409, 200],
        "{} / {}",
        ra.text,
        rb.text
    );
    assert_clash(if ra.status == 409 { &ra } else { &rb }, "licensePlate");
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM cars WHERE plate_key = '77777Q7'")
            .await,
        1
    );
}

// ---------------------------------------------------------------- status

async fn status_values_and_the_rented_rule(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    // Unknown values are invalid; `rented` is a state only reservations give.
    for bad in ["broken", "Available", "AVAILABLE", "out of service", ""] {
        let mut body = car("11111-A-1", &vin(1));
        body["status"] = json!(bad);
        assert_invalid(&admin.post("/api/cars", body).await, "status");
    }
    let mut body = car("11111-A-1", &vin(1));
    body["status"] = json!("rented");
    admin
        .post("/api/cars", body)
        .await
        .assert_error(409, "conflict");
    assert_eq!(car_rows(&app).await, 0);

    let id = create_id(&admin, car("11111-A-1", &vin(1))).await;
    let path = format!("/api/cars/{id}");
    for status in ["maintenance", "out_of_service", "available"] {
        let r = admin.put(&path, json!({ "status": status })).await;
        assert_eq!(r.status, 200, "{status}: {}", r.text);
        assert_eq!(r.body["status"], status);
    }
    assert_invalid(&admin.put(&path, json!({"status": null})).await, "status");
    assert_invalid(&admin.put(&path, json!({"status": "lost"})).await, "status");
    // Setting rented by hand, even along with another change, changes nothing.
    admin
        .put(&path, json!({"status": "rented", "color": "Black"}))
        .await
        .assert_error(409, "conflict");
    let r = admin.get(&path).await;
    assert_eq!(r.body["status"], "available");
    assert_eq!(r.body["color"], "White");

    // A car rented through a reservation (set here in the database) cannot be
    // taken out of `rented` by hand, nor deleted.
    app.db
        .execute(&format!(
            "UPDATE cars SET status = 'rented' WHERE id = '{id}'"
        ))
        .await;
    let audit = car_audit_rows(&app).await;
    for status in ["available", "maintenance", "out_of_service"] {
        admin
            .put(&path, json!({ "status": status }))
            .await
            .assert_error(409, "conflict");
    }
    admin.delete(&path).await.assert_error(409, "conflict");
    let r = admin.get(&path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "rented");
    assert_eq!(car_audit_rows(&app).await, audit);
    // Its other details may still be corrected.
    let r = admin.put(&path, json!({"color": "Grey"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "rented");
    assert_eq!(r.body["color"], "Grey");

    // The status filter knows the same four values.
    let r = admin.get("/api/cars?status=rented").await;
    assert_eq!(ids(&r), std::slice::from_ref(&id));
}

// ---------------------------------------------------------------- update

async fn update_changes_only_the_given_fields(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = my_id(&admin).await;
    let mut body = car("11111-A-1", &vin(1));
    body["description"] = json!("Air conditioning");
    let original = create(&admin, body).await;
    let id = id_of(&original);
    let path = format!("/api/cars/{id}");
    // Make the change visible in updatedAt even on a fast machine.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    let r = admin.put(&path, json!({"color": "Red"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["color"], "Red");
    for (key, value) in original.as_object().unwrap() {
        if !["color", "updatedAt", "updatedBy"].contains(&key.as_str()) {
            assert_eq!(&r.body[key], value, "{key} changed: {}", r.text);
        }
    }
    assert_ne!(r.body["updatedAt"], original["updatedAt"]);
    assert_eq!(r.body["updatedBy"], admin_id.as_str());
    assert_eq!(admin.get(&path).await.body, r.body);

    // Several fields at once; a lower-case VIN is stored upper-case.
    let r = admin
        .put(
            &path,
            json!({"make": "Dacia", "model": "Sandero", "year": 2019, "vin": vin(9).to_lowercase(), "dailyRate": 180}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["make"], "Dacia");
    assert_eq!(r.body["model"], "Sandero");
    assert_eq!(r.body["year"], 2019);
    assert_eq!(r.body["vin"], vin(9));
    assert_eq!(r.body["dailyRate"].to_string(), "180");
    assert_eq!(r.body["color"], "Red");
    assert_eq!(r.body["description"], "Air conditioning");

    // null clears an optional field.
    let r = admin
        .put(&path, json!({"color": null, "description": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["color"], Value::Null);
    assert_eq!(r.body["description"], Value::Null);
    let stored = admin.get(&path).await.body;
    assert_eq!(stored["color"], Value::Null);
    assert_eq!(stored["description"], Value::Null);
    assert_eq!(stored["make"], "Dacia");

    // null on a required field is invalid, and one bad field spoils the change.
    for field in [
        "make",
        "model",
        "year",
        "licensePlate",
        "vin",
        "dailyRate",
        "status",
    ] {
        let r = admin
            .put(&path, json!({ field: null, "color": "Pink" }))
            .await;
        assert_invalid(&r, field);
    }
    let r = admin
        .put(&path, json!({"color": "Pink", "year": 1900}))
        .await;
    assert_invalid(&r, "year");
    assert_eq!(admin.get(&path).await.body, stored);

    // An empty change changes nothing.
    let r = admin.put(&path, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, stored);
}

async fn delete_removes_the_car_and_ids_are_checked(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = create_id(&admin, car("11111-A-1", &vin(1))).await;
    let kept = create_id(&admin, car("22222-B-2", &vin(2))).await;
    let path = format!("/api/cars/{id}");

    let r = admin.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty(), "{}", r.text);
    admin.get(&path).await.assert_error(404, "not_found");
    admin.delete(&path).await.assert_error(404, "not_found");
    assert_eq!(ids(&admin.get("/api/cars").await), [kept]);

    // Its plate and VIN are free again.
    create(&admin, car("11111 a 1", &vin(1))).await;

    // Malformed ids are 400, unknown ones 404.
    for bad in [
        "nothex",
        "123",
        "zzzzzzzzzzzzzzzzzzzzzzzz",
        "65a1b2c3d4e5f6a7b8c9d0e1f",
    ] {
        let path = format!("/api/cars/{bad}");
        admin.get(&path).await.assert_error(400, "bad_request");
        admin
            .put(&path, json!({"color": "Red"}))
            .await
            .assert_error(400, "bad_request");
        admin.delete(&path).await.assert_error(400, "bad_request");
    }
    let path = format!("/api/cars/{UNKNOWN_ID}");
    admin.get(&path).await.assert_error(404, "not_found");
    admin
        .put(&path, json!({"color": "Red"}))
        .await
        .assert_error(404, "not_found");
    admin.delete(&path).await.assert_error(404, "not_found");
    assert_eq!(car_rows(&app).await, 2);
}

// ---------------------------------------------------------------- list

async fn list_filters_by_status_make_and_text(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let mk = |make: &str, model: &str, plate: &str, n: u32| {
        let mut b = car(plate, &vin(n));
        b["make"] = json!(make);
        b["model"] = json!(model);
        b
    };
    let clio = create_id(&admin, mk("Renault", "Clio", "11111-A-1", 1)).await;
    let megane = create_id(&admin, mk("Renault", "Megane", "22222-B-2", 2)).await;
    let logan = create_id(&admin, mk("Dacia", "Logan", "33333-C-3", 3)).await;
    let trucks = create_id(&admin, mk("Renault Trucks", "Master", "44444-D-4", 4)).await;
    let golf = create_id(&admin, car("55555-E-5", "WVWZZZ1KZ6W000123")).await;
    for (id, change) in [
        (&golf, json!({"make": "Volkswagen", "model": "Golf"})),
        (&megane, json!({"status": "maintenance"})),
        (&logan, json!({"status": "out_of_service"})),
    ] {
        let r = admin.put(&format!("/api/cars/{id}"), change).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    let get = |query: String| {
        let admin = admin.clone();
        async move {
            let r = admin.get(&format!("/api/cars?{query}")).await;
            let mut found = ids(&r);
            assert_eq!(r.body["total"], found.len(), "{query}: {}", r.text);
            found.sort();
            found
        }
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<String>>()
    };

    assert_eq!(get(String::new()).await.len(), 5);
    assert_eq!(
        get("status=maintenance".into()).await,
        std::slice::from_ref(&megane)
    );
    assert_eq!(
        get("status=out_of_service".into()).await,
        std::slice::from_ref(&logan)
    );
    assert_eq!(
        get("status=available".into()).await,
        sorted(vec![&clio, &trucks, &golf])
    );
    assert_eq!(get("status=rented".into()).await, Vec::<String>::new());

    // make: exact, without case.
    for make in ["Renault", "renault", "RENAULT"] {
        assert_eq!(
            get(format!("make={make}")).await,
            sorted(vec![&clio, &megane]),
            "{make}"
        );
    }
    assert_eq!(
        get("make=Renault%20Trucks".into()).await,
        std::slice::from_ref(&trucks)
    );
    assert_eq!(get("make=Ren".into()).await, Vec::<String>::new());
    assert_eq!(
        get("make=renault&status=available".into()).await,
        std::slice::from_ref(&clio)
    );

    // q: make, model, plate or VIN, without case, anywhere in them.
    assert_eq!(get("q=MEGA".into()).await, std::slice::from_ref(&megane));
    assert_eq!(get("q=ogan".into()).await, std::slice::from_ref(&logan));
    assert_eq!(get("q=volks".into()).await, std::slice::from_ref(&golf));
    assert_eq!(get("q=33333".into()).await, std::slice::from_ref(&logan));
    assert_eq!(get("q=44444-d".into()).await, std::slice::from_ref(&trucks));
    assert_eq!(get("q=wvwzzz".into()).await, std::slice::from_ref(&golf));
    assert_eq!(
        get(format!("q={}", &vin(2)[9..])).await,
        std::slice::from_ref(&megane)
    );
    assert_eq!(
        get("q=renault".into()).await,
        sorted(vec![&clio, &megane, &trucks])
    );
    assert_eq!(
        get("q=renault&status=available".into()).await,
        sorted(vec![&clio, &trucks])
    );
    assert_eq!(get("q=peugeot".into()).await, Vec::<String>::new());
    // LIKE wildcards are searched for literally.
    assert_eq!(get("q=%25".into()).await, Vec::<String>::new());
    assert_eq!(get("q=_".into()).await, Vec::<String>::new());
}

async fn list_sorts_pages_and_checks_its_parameters(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    // make, model, year, rate.
    let fleet = [
        ("Toyota", "Yaris", 2020, json!(220.5)),
        ("Renault", "Clio", 2020, json!(250)),
        ("Dacia", "Logan", 2020, json!(180)),
        ("Renault", "Megane", 2021, json!(300)),
        ("Peugeot", "3008", 2022, json!(1000)),
    ];
    let mut models = std::collections::HashMap::new();
    for (n, (make, model, year, rate)) in fleet.iter().enumerate() {
        let mut b = car(&format!("{n}{n}{n}-S-1"), &vin(n as u32));
        b["make"] = json!(make);
        b["model"] = json!(model);
        b["year"] = json!(year);
        b["dailyRate"] = rate.clone();
        let id = create_id(&admin, b).await;
        models.insert(id, model.to_string());
        // Distinct creation instants for the addedAt order.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let order = |sort: &'static str| {
        let (admin, models) = (admin.clone(), models.clone());
        async move {
            let r = admin.get(&format!("/api/cars?sort={sort}")).await;
            ids(&r)
                .iter()
                .map(|id| models[id].clone())
                .collect::<Vec<_>>()
        }
    };

    // Prices sort as numbers, not as text.
    assert_eq!(
        order("dailyRate").await,
        ["Logan", "Yaris", "Clio", "Megane", "3008"]
    );
    assert_eq!(
        order("-dailyRate").await,
        ["3008", "Megane", "Clio", "Yaris", "Logan"]
    );
    assert_eq!(
        order("addedAt").await,
        ["Yaris", "Clio", "Logan", "Megane", "3008"]
    );
    assert_eq!(
        order("-addedAt").await,
        ["3008", "Megane", "Logan", "Clio", "Yaris"]
    );
    let by_make = order("make").await;
    assert_eq!(by_make[0], "Logan");
    assert_eq!(by_make[1], "3008");
    assert_eq!(by_make[4], "Yaris");
    let by_make_desc = order("-make").await;
    assert_eq!(by_make_desc[0], "Yaris");
    assert_eq!(by_make_desc[3], "3008");
    assert_eq!(by_make_desc[4], "Logan");
    let by_year = order("year").await;
    assert_eq!(&by_year[3..], ["Megane", "3008"]);
    let by_year_desc = order("-year").await;
    assert_eq!(&by_year_desc[..2], ["3008", "Megane"]);

    // Equal sort keys everywhere: pages still neither repeat nor skip a car, and
    // follow the one order of the whole list.
    app.db
        .execute("UPDATE cars SET added_at = 1700000000000, year = 2020")
        .await;
    for sort in ["addedAt", "-addedAt", "year", "-year", "make", "-make"] {
        let whole = ids(&admin
            .get(&format!("/api/cars?sort={sort}&perPage=100"))
            .await);
        assert_eq!(whole.len(), 5);
        for per_page in [1, 2] {
            let mut paged = Vec::new();
            for page in 1..=(5 / per_page + 1) {
                let r = admin
                    .get(&format!(
                        "/api/cars?sort={sort}&perPage={per_page}&page={page}"
                    ))
                    .await;
                assert_eq!(r.body["total"], 5, "{}", r.text);
                assert_eq!(r.body["page"], page);
                assert_eq!(r.body["perPage"], per_page);
                paged.extend(ids(&r));
            }
            assert_eq!(paged, whole, "sort={sort} perPage={per_page}");
        }
    }
    let r = admin.get("/api/cars").await;
    assert_eq!(r.body["page"], 1, "{}", r.text);
    assert_eq!(r.body["perPage"], 20);
    let r = admin.get("/api/cars?page=9").await;
    assert_eq!(ids(&r), Vec::<String>::new());
    assert_eq!(r.body["total"], 5);

    // Bad parameters are 400 naming the parameter.
    for (query, param) in [
        ("sort=color", "sort"),
        ("sort=vin", "sort"),
        ("sort=-", "sort"),
        ("sort=%2Bmake", "sort"),
        ("sort=Make", "sort"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("perPage=0", "perPage"),
        ("perPage=101", "perPage"),
        ("perPage=1.5", "perPage"),
        ("status=broken", "status"),
        ("status=Available", "status"),
    ] {
        let r = admin.get(&format!("/api/cars?{query}")).await;
        r.assert_error(400, "bad_request");
        assert!(
            r.body["error"].as_str().unwrap().contains(param),
            "{query}: the error should name {param}: {}",
            r.text
        );
    }
}

// ---------------------------------------------------------------- audit

async fn audit_records_one_entry_per_change(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = my_id(&admin).await;
    let id = create_id(&admin, car("11111-A-1", &vin(1))).await;
    create(&admin, car("22222-B-2", &vin(2))).await;
    let path = format!("/api/cars/{id}");

    let entry = |action: &'static str| audit_entry(&app, action, &id);
    let created = entry("CREATE_CAR").await;
    assert_eq!(created[0], "Car");
    assert_eq!(created[1], admin_id);
    assert_eq!(json_of(&created[2]), Value::Null);
    assert_eq!(json_of(&created[3])["licensePlate"], "11111-A-1");

    assert_eq!(
        admin.put(&path, json!({"dailyRate": 275.5})).await.status,
        200
    );
    let updated = entry("UPDATE_CAR").await;
    assert_eq!(updated[0], "Car");
    assert_eq!(json_of(&updated[2])["dailyRate"].to_string(), "250");
    assert_eq!(json_of(&updated[3])["dailyRate"].to_string(), "275.5");
    assert_eq!(json_of(&updated[4])["changedFields"], json!(["dailyRate"]));

    // Failed changes leave no entry.
    let before = car_audit_rows(&app).await;
    assert_clash(
        &admin.post("/api/cars", car("22222b2", &vin(3))).await,
        "licensePlate",
    );
    assert_invalid(
        &admin.post("/api/cars", car("33333-C-3", "short")).await,
        "vin",
    );
    assert_clash(&admin.put(&path, json!({"vin": vin(2)})).await, "vin");
    assert_invalid(&admin.put(&path, json!({"year": null})).await, "year");
    admin
        .put(&path, json!({"status": "rented"}))
        .await
        .assert_error(409, "conflict");
    admin
        .delete(&format!("/api/cars/{UNKNOWN_ID}"))
        .await
        .assert_error(404, "not_found");
    let (manager, _) = app.manager("mona").await;
    manager.delete(&path).await.assert_error(403, "forbidden");
    // An empty change is no change.
    assert_eq!(admin.put(&path, json!({})).await.status, 200);
    assert_eq!(car_audit_rows(&app).await, before);

    assert_eq!(admin.delete(&path).await.status, 204);
    let deleted = entry("DELETE_CAR").await;
    assert_eq!(deleted[0], "Car");
    assert_eq!(deleted[1], admin_id);
    assert_eq!(json_of(&deleted[2])["dailyRate"].to_string(), "275.5");
    assert_eq!(json_of(&deleted[3]), Value::Null);
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity_id = '{id}'"
            ))
            .await,
        3
    );
}
