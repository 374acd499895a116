//! Issue 7 at the rental desk: the hand-over and return inspections (odometer, fuel,
//! damage, signature) recorded on the reservation, the return charges they bring
//! (kilometres beyond the allowance, missing fuel), damage review, additional drivers
//! checked at pick-up, inspection photos, and mileage terms copied at booking, on both
//! engines.

mod common;

use std::io::Cursor;
use std::str::FromStr;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use common::{download, Api, Engine, Options, Resp, TestApp};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";
const BOUNDARY: &str = "----locacar-inspection-boundary-Qx81";
const SIGNED_BY: &str = "K. Alaoui";

both_engines!(
    a_return_charges_extra_kilometres_missing_fuel_and_agent_lines,
    unlimited_mileage_a_fuller_tank_and_the_allowance_charge_nothing,
    without_a_fuel_setting_missing_fuel_is_not_charged,
    odometer_readings_cannot_go_back_and_a_refusal_changes_nothing,
    invalid_inspections_are_422_naming_the_field,
    inspections_are_recorded_on_the_reservation_and_in_the_audit,
    damage_not_noted_at_pick_up_needs_a_review,
    additional_drivers_are_validated_listed_and_replaced,
    every_additional_driver_is_checked_at_pick_up,
    an_additional_driver_cannot_be_deleted,
    inspection_photos_upload_download_and_delete,
    mileage_terms_are_copied_at_booking,
    a_return_quote_bills_what_the_return_records_and_saves_nothing,
);

// ---------------------------------------------------------------- helpers

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

/// Now, to the millisecond (what the server stores), so instants compare exactly.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now")
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn millis(value: &Value) -> i64 {
    DateTime::parse_from_rfc3339(value.as_str().expect("a date-time"))
        .expect("RFC 3339")
        .timestamp_millis()
}

/// A calendar day `offset` days from today (UTC), as YYYY-MM-DD.
fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// The date `years` years ago today, as YYYY-MM-DD.
fn years_ago(years: u32) -> String {
    Utc::now()
        .date_naive()
        .checked_sub_months(chrono::Months::new(12 * years))
        .expect("date")
        .format("%Y-%m-%d")
        .to_string()
}

/// The exact value of a money field: a JSON number with at most 2 decimals.
fn money(v: &Value) -> Decimal {
    assert!(v.is_number(), "not a JSON number: {v}");
    let value = Decimal::from_str(&v.to_string()).expect("a decimal");
    assert!(value.normalize().scale() <= 2, "more than 2 decimals: {v}");
    value
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal")
}

/// `base` with the keys of `extra` set over it (`null` included).
fn merged(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().expect("an object") {
        base[k] = v.clone();
    }
    base
}

/// Asserts a 422 whose `fields` names `field`.
fn assert_invalid(r: &Resp, field: &str) {
    r.assert_error(422, "validation_failed");
    assert!(
        r.body["fields"][field]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "expected fields[{field:?}]: {}",
        r.text
    );
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The ids of a list page, sorted; the page must hold the whole list.
fn id_set(page: &Value) -> Vec<String> {
    let items = page["items"].as_array().expect("items");
    assert_eq!(page["total"], items.len(), "one page: {page}");
    sorted(items.iter().map(id_of).collect())
}

async fn get_ok(api: &Api, path: &str) -> Value {
    let r = api.get(path).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.body
}

/// A car at 300 a day (with the new fields in `extra`); returns its document.
async fn new_car(admin: &Api, n: u32, extra: Value) -> Value {
    let body = merged(
        json!({
            "make": "Dacia", "model": "Sandero", "year": 2024,
            "licensePlate": format!("{}-B-{}", 20000 + n, n % 10),
            "vin": format!("VF1RFB00X6612{n:04}"), "dailyRate": 300,
        }),
        extra,
    );
    let r = admin.post("/api/cars", body).await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    r.body
}

/// A client with a licence number and no dates (unless `extra` says otherwise).
async fn new_client(api: &Api, n: u32, extra: Value) -> String {
    let body = merged(
        json!({
            "firstName": format!("Driver{n}"), "lastName": "Benali",
            "phone": format!("+2126{n:08}"), "driverLicenseNumber": format!("DL-{n:06}"),
        }),
        extra,
    );
    let r = api.post("/api/clients", body).await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    id_of(&r.body)
}

/// The body of a confirmed booking, with `extra` fields (e.g. additionalDriverIds).
fn booking(
    car: &str,
    client: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    extra: Value,
) -> Value {
    merged(
        json!({"carId": car, "clientId": client, "startDate": stamp(start),
               "endDate": stamp(end), "status": "confirmed"}),
        extra,
    )
}

async fn book_ok(api: &Api, body: Value) -> Value {
    let r = api.post("/api/reservations", body.clone()).await;
    assert_eq!(r.status, 201, "book {body}: {}", r.text);
    r.body
}

async fn move_to(api: &Api, id: &str, body: Value) -> Resp {
    api.put(&format!("/api/reservations/{id}/status"), body)
        .await
}

async fn move_ok(api: &Api, id: &str, body: Value) -> Value {
    let r = move_to(api, id, body.clone()).await;
    assert_eq!(r.status, 200, "move {body}: {}", r.text);
    r.body
}

/// An inspection as sent, signed by the client.
fn inspection(odometer_km: i64, fuel_eighths: i64, damage: Value) -> Value {
    json!({"odometerKm": odometer_km, "fuelEighths": fuel_eighths, "damage": damage, "signedBy": SIGNED_BY})
}

/// The additional charges of a reservation, as (source, amount, label).
fn charges(reservation: &Value) -> Vec<(String, Decimal, String)> {
    reservation["additionalCharges"]
        .as_array()
        .expect("additionalCharges")
        .iter()
        .map(|c| {
            (
                c["source"].as_str().expect("source").to_owned(),
                money(&c["amount"]),
                c["label"].as_str().expect("label").to_owned(),
            )
        })
        .collect()
}

fn sources(reservation: &Value) -> Vec<String> {
    charges(reservation).into_iter().map(|c| c.0).collect()
}

/// A rental picked up (at its start) three days and two hours ago, due back two hours ago.
struct Rental {
    id: String,
    car: String,
    picked_up_at: DateTime<Utc>,
}

impl Rental {
    /// Exactly three days after the pick-up (two hours ago): three billable days.
    fn back_at(&self) -> DateTime<Utc> {
        self.picked_up_at + Duration::days(3)
    }
}

/// Books car `n` (300 a day, `car` fields) for client `n` and picks it up three days and
/// two hours ago, with the `checkout` inspection if any.
async fn start_rental(admin: &Api, n: u32, car: Value, checkout: Option<Value>) -> Rental {
    let car = id_of(&new_car(admin, n, car).await);
    let client = new_client(admin, n, json!({})).await;
    let picked_up_at = now() - Duration::days(3) - Duration::hours(2);
    let reservation = book_ok(
        admin,
        booking(
            &car,
            &client,
            picked_up_at,
            picked_up_at + Duration::days(3),
            json!({}),
        ),
    )
    .await;
    let id = id_of(&reservation);
    let mut body = json!({"status": "active", "at": stamp(picked_up_at)});
    if let Some(checkout) = checkout {
        body["inspection"] = checkout;
    }
    let picked = move_ok(admin, &id, body).await;
    assert_eq!(picked["status"], "active");
    Rental {
        id,
        car,
        picked_up_at,
    }
}

/// The return of `rental` three days after its pick-up, with the `checkin` inspection
/// and agent `charges`.
async fn give_back(api: &Api, rental: &Rental, checkin: Option<Value>, charges: Value) -> Resp {
    let mut body =
        json!({"status": "completed", "at": stamp(rental.back_at()), "additionalCharges": charges});
    if let Some(checkin) = checkin {
        body["inspection"] = checkin;
    }
    move_to(api, &rental.id, body).await
}

async fn give_back_ok(api: &Api, rental: &Rental, checkin: Option<Value>, charges: Value) -> Value {
    let r = give_back(api, rental, checkin, charges).await;
    assert_eq!(r.status, 200, "return: {}", r.text);
    assert_eq!(r.body["status"], "completed");
    r.body
}

/// The audit entries of a reservation with `action`, newest first.
async fn audit_entries(admin: &Api, reservation: &str, action: &str) -> Vec<Value> {
    let body = get_ok(
        admin,
        &format!("/api/audit?entityId={reservation}&action={action}"),
    )
    .await;
    body["items"].as_array().expect("items").clone()
}

async fn admin_id(admin: &Api) -> String {
    let status = get_ok(admin, "/api/auth/status").await;
    status["user"]["_id"].as_str().expect("user id").to_owned()
}

// ---------------------------------------------------------------- images

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode test image");
    out.into_inner()
}

/// Uploads `bytes` as the `image` field of a multipart form to an inspection.
async fn upload(api: &Api, reservation: &str, kind: &str, bytes: &[u8]) -> Resp {
    let mut body = Vec::new();
    body.extend(format!("--{BOUNDARY}\r\n").as_bytes());
    body.extend(b"Content-Disposition: form-data; name=\"image\"; filename=\"car.png\"\r\n");
    body.extend(b"Content-Type: image/png\r\n\r\n");
    body.extend(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let path = format!("/api/reservations/{reservation}/inspections/{kind}/photos");
    api.send(
        api.request(Method::POST, &path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body),
    )
    .await
}

// ---------------------------------------------------------------- return charges

async fn a_return_charges_extra_kilometres_missing_fuel_and_agent_lines(engine: Engine) {
    let options = Options::default().env("LOCACAR_FUEL_CHARGE_PER_EIGHTH", "80");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    let terms = json!({"includedKmPerDay": 200, "extraKmRate": 1.50});
    let rental = start_rental(&admin, 1, terms, Some(inspection(10_000, 8, json!([])))).await;
    let car = get_ok(&admin, &format!("/api/cars/{}", rental.car)).await;
    assert_eq!(car["odometerKm"], 10_000, "the pick-up reading: {car}");
    assert_eq!(car["status"], "rented");

    // 810 km in 3 days: 600 included, 210 over at 1.50; 3 eighths missing at 80.
    let back = give_back_ok(
        &admin,
        &rental,
        Some(inspection(10_810, 5, json!([]))),
        json!([{"label": "Lavage", "amount": 50}]),
    )
    .await;
    let lines = charges(&back);
    assert_eq!(lines.len(), 3, "{}", back["additionalCharges"]);
    for source in ["agent", "mileage", "fuel"] {
        assert_eq!(
            lines.iter().filter(|l| l.0 == source).count(),
            1,
            "one {source} line: {}",
            back["additionalCharges"]
        );
    }
    let line = |source: &str| lines.iter().find(|l| l.0 == source).expect("line").clone();
    let (_, amount, label) = line("agent");
    assert_eq!((amount, label.as_str()), (dec("50"), "Lavage"));
    let (_, amount, label) = line("mileage");
    assert_eq!(amount, dec("315"));
    assert!(
        label.contains("210 km") && label.contains("1.50"),
        "{label}"
    );
    let (_, amount, label) = line("fuel");
    assert_eq!(amount, dec("240"));
    assert!(label.contains("3/8") && label.contains("80.00"), "{label}");

    assert_eq!(money(&back["estimatedTotalCost"]), dec("900"));
    assert_eq!(
        money(&back["finalTotalCost"]),
        dec("1505"),
        "3 × 300 + 50 + 315 + 240"
    );
    assert_eq!(money(&back["paymentDetails"]["remaining"]), dec("1505"));
    assert_eq!(money(&back["paymentDetails"]["amountPaid"]), dec("0"));
    assert_eq!(
        millis(&back["actualReturnDate"]),
        rental.back_at().timestamp_millis()
    );

    // What was returned is what is stored.
    let stored = get_ok(&admin, &format!("/api/reservations/{}", rental.id)).await;
    assert_eq!(stored, back);
    let car = get_ok(&admin, &format!("/api/cars/{}", rental.car)).await;
    assert_eq!(car["odometerKm"], 10_810, "the return reading: {car}");
    assert_eq!(car["status"], "available");

    // The agent cannot set a line's source: computed lines come from the server only.
    let forged = start_rental(&admin, 2, json!({}), None).await;
    let r = give_back(
        &admin,
        &forged,
        None,
        json!([{"label": "Kilomètres", "amount": 10, "source": "mileage"}]),
    )
    .await;
    r.assert_error(422, "validation_failed");
    assert!(
        r.body["fields"]
            .as_object()
            .is_some_and(|f| f.keys().any(|k| k.starts_with("additionalCharges"))),
        "{}",
        r.text
    );
    let still = get_ok(&admin, &format!("/api/reservations/{}", forged.id)).await;
    assert_eq!(still["status"], "active");
}

async fn a_return_quote_bills_what_the_return_records_and_saves_nothing(engine: Engine) {
    let options = Options::default().env("LOCACAR_FUEL_CHARGE_PER_EIGHTH", "80");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    let terms = json!({"includedKmPerDay": 200, "extraKmRate": 1.50});
    let rental = start_rental(&admin, 1, terms, Some(inspection(10_000, 8, json!([])))).await;
    let paid = admin
        .post(
            &format!("/api/reservations/{}/payments", rental.id),
            json!({"amount": 400, "method": "cash"}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    let before = get_ok(&admin, &format!("/api/reservations/{}", rental.id)).await;
    let audit_before = audit_entries(&admin, &rental.id, "UPDATE_RESERVATION_STATUS").await;
    let quote_path = format!("/api/reservations/{}/return-quote", rental.id);
    let body = json!({
        "at": stamp(rental.back_at()),
        "additionalCharges": [{"label": "Lavage", "amount": 50}],
        "inspection": inspection(10_810, 5, json!([{"zone": "rear", "description": "Bosse"}])),
    });

    let quote = admin.post(&quote_path, body.clone()).await;
    assert_eq!(quote.status, 200, "{}", quote.text);
    let quoted = quote.body;
    // 3 × 300 + 50 + 210 km × 1.50 + 3 eighths × 80, less the 400 paid.
    assert_eq!(money(&quoted["finalTotalCost"]), dec("1505"), "{quoted}");
    assert_eq!(money(&quoted["paymentDetails"]["remaining"]), dec("1105"));
    assert_eq!(quoted["status"], "completed");
    assert_eq!(quoted["reviewRequired"], true, "new damage at return");

    // Nothing was saved: the reservation, the car and the audit trail are as they were.
    let after = get_ok(&admin, &format!("/api/reservations/{}", rental.id)).await;
    assert_eq!(after, before);
    let car = get_ok(&admin, &format!("/api/cars/{}", rental.car)).await;
    assert_eq!(
        (car["status"].as_str(), car["odometerKm"].as_i64()),
        (Some("rented"), Some(10_000))
    );
    assert_eq!(
        audit_entries(&admin, &rental.id, "UPDATE_RESERVATION_STATUS")
            .await
            .len(),
        audit_before.len()
    );

    // The return itself, with the same details, records exactly what was quoted.
    let mut return_body = body.clone();
    return_body["status"] = json!("completed");
    let back = move_ok(&admin, &rental.id, return_body).await;
    for field in [
        "finalTotalCost",
        "priceLines",
        "totals",
        "additionalCharges",
        "paymentDetails",
        "actualReturnDate",
        "closedAt",
    ] {
        assert_eq!(back[field], quoted[field], "{field}");
    }

    // Only a rental that is out can be quoted a return, and the details are checked.
    admin
        .post(&quote_path, json!({}))
        .await
        .assert_error(409, "conflict");
    let other = start_rental(&admin, 2, json!({}), Some(inspection(500, 8, json!([])))).await;
    let other_path = format!("/api/reservations/{}/return-quote", other.id);
    let early = stamp(other.picked_up_at - Duration::hours(1));
    assert_invalid(&admin.post(&other_path, json!({"at": early})).await, "at");
    let backwards = json!({"inspection": inspection(499, 8, json!([]))});
    assert_invalid(
        &admin.post(&other_path, backwards).await,
        "inspection.odometerKm",
    );
    let unknown = json!({"status": "completed"});
    admin
        .post(&other_path, unknown)
        .await
        .assert_error(422, "validation_failed");
    admin
        .post(
            &format!("/api/reservations/{UNKNOWN_ID}/return-quote"),
            json!({}),
        )
        .await
        .assert_error(404, "not_found");
}

async fn unlimited_mileage_a_fuller_tank_and_the_allowance_charge_nothing(engine: Engine) {
    let options = Options::default().env("LOCACAR_FUEL_CHARGE_PER_EIGHTH", "80");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;

    // Unlimited mileage (includedKmPerDay null), even with a rate: 9000 km cost nothing.
    // A fuller tank than at pick-up is no charge (and no credit).
    let unlimited = json!({"includedKmPerDay": null, "extraKmRate": 1.50});
    let car = new_car(&admin, 9, unlimited.clone()).await;
    assert!(car["includedKmPerDay"].is_null(), "{car}");
    let r = start_rental(&admin, 1, unlimited, Some(inspection(20_000, 4, json!([])))).await;
    let back = give_back_ok(
        &admin,
        &r,
        Some(inspection(29_000, 6, json!([]))),
        json!([]),
    )
    .await;
    assert_eq!(back["additionalCharges"], json!([]), "{back}");
    assert_eq!(money(&back["finalTotalCost"]), dec("900"));

    // Exactly the allowance (3 × 200 km), same fuel: nothing.
    let limited = json!({"includedKmPerDay": 200, "extraKmRate": 1.50});
    let r = start_rental(
        &admin,
        2,
        limited.clone(),
        Some(inspection(1_000, 8, json!([]))),
    )
    .await;
    let back = give_back_ok(&admin, &r, Some(inspection(1_600, 8, json!([]))), json!([])).await;
    assert_eq!(back["additionalCharges"], json!([]), "{back}");
    assert_eq!(money(&back["finalTotalCost"]), dec("900"));

    // One kilometre over, one eighth short: one line each.
    let r = start_rental(&admin, 3, limited, Some(inspection(1_000, 8, json!([])))).await;
    let back = give_back_ok(&admin, &r, Some(inspection(1_601, 7, json!([]))), json!([])).await;
    let lines: Vec<(String, Decimal)> = charges(&back).into_iter().map(|l| (l.0, l.1)).collect();
    assert_eq!(
        lines,
        [
            ("mileage".to_owned(), dec("1.5")),
            ("fuel".to_owned(), dec("80"))
        ]
    );
    assert_eq!(money(&back["finalTotalCost"]), dec("981.5"));

    // An allowance without a rate (extraKmRate defaults to 0): nothing either.
    let r = start_rental(
        &admin,
        5,
        json!({"includedKmPerDay": 100}),
        Some(inspection(0, 8, json!([]))),
    )
    .await;
    let back = give_back_ok(&admin, &r, Some(inspection(5_000, 8, json!([]))), json!([])).await;
    assert_eq!(money(&back["extraKmRate"]), dec("0"));
    assert_eq!(back["additionalCharges"], json!([]), "{back}");

    // Without a pick-up inspection there is no reading to charge from.
    let r = start_rental(
        &admin,
        4,
        json!({"includedKmPerDay": 10, "extraKmRate": 5}),
        None,
    )
    .await;
    let back = give_back_ok(
        &admin,
        &r,
        Some(inspection(50_000, 0, json!([]))),
        json!([]),
    )
    .await;
    assert_eq!(back["additionalCharges"], json!([]), "{back}");
    assert_eq!(money(&back["finalTotalCost"]), dec("900"));
}

async fn without_a_fuel_setting_missing_fuel_is_not_charged(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let terms = json!({"includedKmPerDay": 200, "extraKmRate": 1.50});
    let r = start_rental(&admin, 1, terms, Some(inspection(10_000, 8, json!([])))).await;
    let back = give_back_ok(
        &admin,
        &r,
        Some(inspection(10_810, 0, json!([]))),
        json!([]),
    )
    .await;
    assert_eq!(sources(&back), ["mileage"], "{}", back["additionalCharges"]);
    assert_eq!(
        money(&back["finalTotalCost"]),
        dec("1215"),
        "900 + 315, no fuel"
    );
}

// ---------------------------------------------------------------- validation

async fn odometer_readings_cannot_go_back_and_a_refusal_changes_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = new_car(&admin, 1, json!({"odometerKm": 5000})).await;
    assert_eq!(car["odometerKm"], 5000, "{car}");
    let car = id_of(&car);
    let client = new_client(&admin, 1, json!({})).await;
    let start = now() - Duration::hours(1);
    let id = id_of(
        &book_ok(
            &admin,
            booking(&car, &client, start, start + Duration::days(3), json!({})),
        )
        .await,
    );
    let car_path = format!("/api/cars/{car}");
    let path = format!("/api/reservations/{id}");

    let r = move_to(
        &admin,
        &id,
        json!({"status": "active", "inspection": inspection(4999, 8, json!([]))}),
    )
    .await;
    assert_invalid(&r, "inspection.odometerKm");
    let still = get_ok(&admin, &path).await;
    assert_eq!(still["status"], "confirmed");
    assert!(still["actualPickupDate"].is_null());
    assert!(still["checkoutInspection"].is_null());
    let car_now = get_ok(&admin, &car_path).await;
    assert_eq!(car_now["status"], "available");
    assert_eq!(car_now["odometerKm"], 5000);

    // The same reading as the car's is fine.
    let picked = move_ok(
        &admin,
        &id,
        json!({"status": "active", "inspection": inspection(5000, 8, json!([]))}),
    )
    .await;
    assert_eq!(picked["checkoutInspection"]["odometerKm"], 5000);

    // At return, below the pick-up's reading.
    let r = move_to(
        &admin,
        &id,
        json!({"status": "completed", "inspection": inspection(4999, 8, json!([])),
               "additionalCharges": [{"label": "Lavage", "amount": 50}]}),
    )
    .await;
    assert_invalid(&r, "inspection.odometerKm");
    let still = get_ok(&admin, &path).await;
    assert_eq!(still["status"], "active");
    assert!(still["actualReturnDate"].is_null());
    assert!(still["finalTotalCost"].is_null());
    assert!(still["checkinInspection"].is_null());
    assert_eq!(still["additionalCharges"], json!([]));
    let car_now = get_ok(&admin, &car_path).await;
    assert_eq!(car_now["status"], "rented");
    assert_eq!(car_now["odometerKm"], 5000);

    let back = move_ok(
        &admin,
        &id,
        json!({"status": "completed", "inspection": inspection(5000, 8, json!([]))}),
    )
    .await;
    assert_eq!(back["checkinInspection"]["odometerKm"], 5000);

    // Without a pick-up inspection, the car's own reading is the floor at return.
    let car2 = id_of(&new_car(&admin, 2, json!({"odometerKm": 7000})).await);
    let id2 = id_of(
        &book_ok(
            &admin,
            booking(&car2, &client, start, start + Duration::days(3), json!({})),
        )
        .await,
    );
    move_ok(&admin, &id2, json!({"status": "active"})).await;
    let r = move_to(
        &admin,
        &id2,
        json!({"status": "completed", "inspection": inspection(6999, 8, json!([]))}),
    )
    .await;
    assert_invalid(&r, "inspection.odometerKm");
    assert_eq!(
        get_ok(&admin, &format!("/api/reservations/{id2}")).await["status"],
        "active"
    );
    move_ok(
        &admin,
        &id2,
        json!({"status": "completed", "inspection": inspection(7250, 8, json!([]))}),
    )
    .await;
    assert_eq!(
        get_ok(&admin, &format!("/api/cars/{car2}")).await["odometerKm"],
        7250
    );
}

async fn invalid_inspections_are_422_naming_the_field(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = id_of(&new_car(&admin, 1, json!({"odometerKm": 100})).await);
    let client = new_client(&admin, 1, json!({})).await;
    let start = now() - Duration::hours(1);
    let id = id_of(
        &book_ok(
            &admin,
            booking(&car, &client, start, start + Duration::days(3), json!({})),
        )
        .await,
    );
    let good = inspection(100, 8, json!([]));
    let with = |key: &str, value: Value| {
        let mut i = good.clone();
        i[key] = value;
        i
    };
    let mut unsigned = good.clone();
    unsigned.as_object_mut().expect("object").remove("signedBy");
    let cases = [
        (with("fuelEighths", json!(9)), "inspection.fuelEighths"),
        (with("fuelEighths", json!(-1)), "inspection.fuelEighths"),
        (with("odometerKm", json!(-1)), "inspection.odometerKm"),
        (
            with("odometerKm", json!(10_000_001)),
            "inspection.odometerKm",
        ),
        (
            with(
                "damage",
                json!([{"zone": "bonnet", "description": "Rayure"}]),
            ),
            "inspection.damage[0].zone",
        ),
        (
            with("damage", json!([{"zone": "front", "description": "  "}])),
            "inspection.damage[0].description",
        ),
        (unsigned, "inspection"),
        (with("signedBy", json!("   ")), "inspection.signedBy"),
    ];
    for (body, field) in cases {
        let r = move_to(&admin, &id, json!({"status": "active", "inspection": body})).await;
        assert_invalid(&r, field);
    }
    // An inspection goes only with a pick-up or a return.
    let r = move_to(
        &admin,
        &id,
        json!({"status": "cancelled_by_agency", "inspection": good}),
    )
    .await;
    assert_invalid(&r, "inspection");

    let still = get_ok(&admin, &format!("/api/reservations/{id}")).await;
    assert_eq!(still["status"], "confirmed");
    assert!(still["checkoutInspection"].is_null());
    let car_now = get_ok(&admin, &format!("/api/cars/{car}")).await;
    assert_eq!(car_now["status"], "available");
    assert_eq!(car_now["odometerKm"], 100);
    let entries = audit_entries(&admin, &id, "UPDATE_RESERVATION_STATUS").await;
    assert!(entries.is_empty(), "no entry for a refusal: {entries:?}");
}

// ---------------------------------------------------------------- recording and review

async fn inspections_are_recorded_on_the_reservation_and_in_the_audit(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = admin_id(&admin).await;
    let out = inspection(
        12_000,
        6,
        json!([{"zone": "rear", "description": "Rayure coffre"}]),
    );
    let rental = start_rental(&admin, 1, json!({}), Some(out)).await;
    let path = format!("/api/reservations/{}", rental.id);

    let picked = get_ok(&admin, &path).await;
    let checkout = &picked["checkoutInspection"];
    assert_eq!(checkout["odometerKm"], 12_000, "{checkout}");
    assert_eq!(checkout["fuelEighths"], 6);
    assert_eq!(
        checkout["damage"],
        json!([{"zone": "rear", "description": "Rayure coffre"}])
    );
    assert_eq!(checkout["signedBy"], SIGNED_BY);
    assert_eq!(
        millis(&checkout["recordedAt"]),
        rental.picked_up_at.timestamp_millis()
    );
    assert_eq!(checkout["recordedBy"], admin_id.as_str());
    assert_eq!(checkout["photos"], json!([]));
    assert!(picked["checkinInspection"].is_null(), "{picked}");
    assert_eq!(picked["reviewRequired"], false);
    // Lists show it too.
    let listed = get_ok(&admin, &format!("/api/reservations?carId={}", rental.car)).await;
    assert_eq!(listed["items"][0]["checkoutInspection"], *checkout);

    let back = give_back_ok(
        &admin,
        &rental,
        Some(inspection(
            12_345,
            6,
            json!([{"zone": "rear", "description": "Rayure coffre"}]),
        )),
        json!([]),
    )
    .await;
    let checkin = &back["checkinInspection"];
    assert_eq!(checkin["odometerKm"], 12_345, "{checkin}");
    assert_eq!(checkin["fuelEighths"], 6);
    assert_eq!(
        checkin["damage"],
        json!([{"zone": "rear", "description": "Rayure coffre"}])
    );
    assert_eq!(checkin["signedBy"], SIGNED_BY);
    assert_eq!(
        millis(&checkin["recordedAt"]),
        rental.back_at().timestamp_millis()
    );
    assert_eq!(checkin["recordedBy"], admin_id.as_str());
    assert_eq!(checkin["photos"], json!([]));
    assert_eq!(back["checkoutInspection"], *checkout, "the pick-up's stays");

    // Each status change's audit entry holds the inspection it recorded.
    let entries = audit_entries(&admin, &rental.id, "UPDATE_RESERVATION_STATUS").await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (returned, pick_up) = (&entries[0], &entries[1]);
    assert_eq!(pick_up["entityType"], "Reservation");
    assert!(pick_up["before"]["checkoutInspection"].is_null());
    assert_eq!(pick_up["after"]["checkoutInspection"], *checkout);
    assert_eq!(pick_up["after"]["status"], "active");
    assert!(returned["before"]["checkinInspection"].is_null());
    assert_eq!(returned["after"]["checkinInspection"], *checkin);
    assert_eq!(returned["after"]["status"], "completed");
}

async fn damage_not_noted_at_pick_up_needs_a_review(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let scratch = json!([{"zone": "front", "description": "Rayure pare-choc"}]);
    let out = || Some(inspection(1_000, 8, scratch.clone()));

    // The same damage written differently is not new.
    let same = start_rental(&admin, 1, json!({}), out()).await;
    let back = give_back_ok(
        &admin,
        &same,
        Some(inspection(
            1_100,
            8,
            json!([{"zone": "front", "description": "rayure  PARE-CHOC"}]),
        )),
        json!([]),
    )
    .await;
    assert_eq!(back["reviewRequired"], false, "{back}");

    // A dented door is.
    let dented = start_rental(&admin, 2, json!({}), out()).await;
    let back = give_back_ok(
        &admin,
        &dented,
        Some(inspection(
            1_100,
            8,
            json!([{"zone": "front", "description": "rayure  PARE-CHOC"},
                   {"zone": "left", "description": "Portière enfoncée"}]),
        )),
        json!([]),
    )
    .await;
    assert_eq!(back["reviewRequired"], true, "{back}");
    assert_eq!(back["checkinInspection"]["damage"][1]["zone"], "left");

    // Without a pick-up inspection, any damage at return is new.
    let unchecked = start_rental(&admin, 3, json!({}), None).await;
    let back = give_back_ok(
        &admin,
        &unchecked,
        Some(inspection(1_100, 8, scratch.clone())),
        json!([]),
    )
    .await;
    assert_eq!(back["reviewRequired"], true, "{back}");

    // Case and accents do not make damage new; another zone does; damage gone is fine.
    let mut clear_ids = vec![same.id.clone()];
    let mut flagged_ids = vec![dented.id.clone(), unchecked.id.clone()];
    let door = |text: &str| json!([{"zone": "left", "description": text}]);
    let cases = [
        (
            door("Portière enfoncée"),
            door("PORTIÈRE   ENFONCÉE"),
            false,
        ),
        (
            scratch.clone(),
            json!([{"zone": "rear", "description": "Rayure pare-choc"}]),
            true,
        ),
        (scratch.clone(), json!([]), false),
    ];
    for (n, (at_pick_up, at_return, new_damage)) in cases.into_iter().enumerate() {
        let r = start_rental(
            &admin,
            4 + n as u32,
            json!({}),
            Some(inspection(1_000, 8, at_pick_up)),
        )
        .await;
        let back = give_back_ok(&admin, &r, Some(inspection(1_100, 8, at_return)), json!([])).await;
        assert_eq!(back["reviewRequired"], new_damage, "{back}");
        let list = if new_damage {
            &mut flagged_ids
        } else {
            &mut clear_ids
        };
        list.push(r.id);
    }

    let flagged = get_ok(&admin, "/api/reservations?reviewRequired=true").await;
    assert_eq!(id_set(&flagged), sorted(flagged_ids));
    let clear = get_ok(&admin, "/api/reservations?reviewRequired=false").await;
    assert_eq!(id_set(&clear), sorted(clear_ids));
    admin
        .get("/api/reservations?reviewRequired=maybe")
        .await
        .assert_error(400, "bad_request");

    // Resolving: only what is flagged, with a resolution, once.
    let review = |id: &str| format!("/api/reservations/{id}/review");
    admin
        .post(&review(&same.id), json!({"resolution": "Rien à signaler"}))
        .await
        .assert_error(409, "conflict");
    let r = admin
        .post(&review(&dented.id), json!({"resolution": "   "}))
        .await;
    assert_invalid(&r, "resolution");
    let r = admin
        .post(
            &review(&dented.id),
            json!({"resolution": "Facturé au client"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["reviewRequired"], false);
    assert_eq!(r.body["_id"], dented.id.as_str());
    assert_eq!(
        get_ok(&admin, &format!("/api/reservations/{}", dented.id)).await["reviewRequired"],
        false
    );
    admin
        .post(
            &review(&dented.id),
            json!({"resolution": "Facturé au client"}),
        )
        .await
        .assert_error(409, "conflict");
    admin
        .post(
            &review(UNKNOWN_ID),
            json!({"resolution": "Facturé au client"}),
        )
        .await
        .assert_error(404, "not_found");
    let flagged = get_ok(&admin, "/api/reservations?reviewRequired=true").await;
    assert!(!id_set(&flagged).contains(&dented.id), "{flagged}");
    assert_eq!(flagged["total"], 2);

    let entries = audit_entries(&admin, &dented.id, "RESOLVE_REVIEW").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["entityType"], "Reservation");
    assert_eq!(entries[0]["details"]["resolution"], "Facturé au client");
    assert_eq!(entries[0]["before"]["reviewRequired"], true);
    assert_eq!(entries[0]["after"]["reviewRequired"], false);
    assert!(audit_entries(&admin, &same.id, "RESOLVE_REVIEW")
        .await
        .is_empty());
}

// ---------------------------------------------------------------- additional drivers

async fn additional_drivers_are_validated_listed_and_replaced(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = id_of(&new_car(&admin, 1, json!({})).await);
    let mut clients = Vec::new();
    for n in 1..=6 {
        clients.push(new_client(&admin, n, json!({})).await);
    }
    let [main, c2, c3, c4, c5, c6] = clients.clone().try_into().expect("six clients");
    let start = now() + Duration::days(1);
    let body = |drivers: Value| {
        booking(
            &car,
            &main,
            start,
            start + Duration::days(3),
            json!({"additionalDriverIds": drivers}),
        )
    };
    let summary = |id: &str, n: u32| json!({"_id": id, "firstName": format!("Driver{n}"), "lastName": "Benali", "phone": format!("+2126{n:08}")});

    let invalid = [
        json!([c2, main]),
        json!([c2, c2]),
        json!([c2, UNKNOWN_ID]),
        json!([c2, c3, c4, c5, c6]),
        json!(["not-an-id"]),
    ];
    for drivers in &invalid {
        let r = admin.post("/api/reservations", body(drivers.clone())).await;
        assert_invalid(&r, "additionalDriverIds");
    }
    assert_eq!(
        get_ok(&admin, "/api/reservations").await["total"],
        0,
        "nothing was booked"
    );

    // Listed in the order given.
    let created = book_ok(&admin, body(json!([c3, c2]))).await;
    assert_eq!(
        created["additionalDrivers"],
        json!([summary(&c3, 3), summary(&c2, 2)])
    );
    let id = id_of(&created);
    let path = format!("/api/reservations/{id}");
    assert_eq!(
        get_ok(&admin, &path).await["additionalDrivers"],
        created["additionalDrivers"]
    );

    // Four is the most.
    let r = admin
        .put(&path, json!({"additionalDriverIds": [c2, c3, c4, c5]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["additionalDrivers"].as_array().map(Vec::len),
        Some(4)
    );

    // PUT replaces the list, with the same rules.
    let r = admin.put(&path, json!({"additionalDriverIds": [c6]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["additionalDrivers"], json!([summary(&c6, 6)]));
    for drivers in &invalid {
        let r = admin
            .put(&path, json!({"additionalDriverIds": drivers}))
            .await;
        assert_invalid(&r, "additionalDriverIds");
    }
    // The main driver cannot become one of the additional drivers by a change of client.
    let r = admin.put(&path, json!({"clientId": c6})).await;
    assert_invalid(&r, "additionalDriverIds");
    assert_eq!(
        get_ok(&admin, &path).await["additionalDrivers"],
        json!([summary(&c6, 6)])
    );
    // Other changes keep the list.
    let r = admin.put(&path, json!({"notes": "Siège bébé"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["additionalDrivers"], json!([summary(&c6, 6)]));
    let r = admin.put(&path, json!({"additionalDriverIds": []})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["additionalDrivers"], json!([]));
    assert_eq!(get_ok(&admin, &path).await["additionalDrivers"], json!([]));
}

async fn every_additional_driver_is_checked_at_pick_up(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let adult = json!({"dateOfBirth": years_ago(40), "licenseIssueDate": years_ago(20), "licenseExpiryDate": day(365)});
    let main = new_client(&admin, 1, adult.clone()).await;
    let fine = new_client(&admin, 2, adult.clone()).await;
    let young = new_client(
        &admin,
        3,
        merged(
            adult.clone(),
            json!({"dateOfBirth": years_ago(19), "licenseIssueDate": years_ago(2)}),
        ),
    )
    .await;
    let expiring = new_client(
        &admin,
        4,
        merged(adult.clone(), json!({"licenseExpiryDate": day(1)})),
    )
    .await;
    let unlicensed = new_client(&admin, 5, json!({"driverLicenseNumber": null})).await;

    let start = now() - Duration::hours(1);
    let cases = [
        (
            json!([fine, young]),
            "additionalDrivers[1].dateOfBirth",
            young.clone(),
            json!({"dateOfBirth": years_ago(30)}),
        ),
        (
            json!([expiring]),
            "additionalDrivers[0].licenseExpiryDate",
            expiring.clone(),
            json!({"licenseExpiryDate": day(30)}),
        ),
        (
            json!([unlicensed]),
            "additionalDrivers[0].driverLicenseNumber",
            unlicensed.clone(),
            json!({"driverLicenseNumber": "DL-999999"}),
        ),
    ];
    for (n, (drivers, field, culprit, fix)) in cases.into_iter().enumerate() {
        let car = id_of(&new_car(&admin, n as u32 + 1, json!({})).await);
        let id = id_of(
            &book_ok(
                &admin,
                booking(
                    &car,
                    &main,
                    start,
                    start + Duration::days(3),
                    json!({"additionalDriverIds": drivers}),
                ),
            )
            .await,
        );
        let r = move_to(&admin, &id, json!({"status": "active"})).await;
        assert_invalid(&r, field);
        let fields = r.body["fields"].as_object().expect("fields");
        assert_eq!(fields.len(), 1, "only the driver at fault: {}", r.text);
        let still = get_ok(&admin, &format!("/api/reservations/{id}")).await;
        assert_eq!(still["status"], "confirmed");
        assert_eq!(
            get_ok(&admin, &format!("/api/cars/{car}")).await["status"],
            "available"
        );

        let fixed = admin.put(&format!("/api/clients/{culprit}"), fix).await;
        assert_eq!(fixed.status, 200, "{}", fixed.text);
        let picked = move_ok(&admin, &id, json!({"status": "active"})).await;
        assert_eq!(picked["status"], "active");
    }
}

async fn an_additional_driver_cannot_be_deleted(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = id_of(&new_car(&admin, 1, json!({})).await);
    let main = new_client(&admin, 1, json!({})).await;
    let driver = new_client(&admin, 2, json!({})).await;
    let bystander = new_client(&admin, 3, json!({})).await;
    let start = now() + Duration::days(2);
    let id = id_of(
        &book_ok(
            &admin,
            booking(
                &car,
                &main,
                start,
                start + Duration::days(1),
                json!({"additionalDriverIds": [driver]}),
            ),
        )
        .await,
    );
    admin
        .delete(&format!("/api/clients/{driver}"))
        .await
        .assert_error(409, "conflict");
    get_ok(&admin, &format!("/api/clients/{driver}")).await;
    let kept = get_ok(&admin, &format!("/api/reservations/{id}")).await;
    assert_eq!(kept["additionalDrivers"][0]["_id"], driver.as_str());
    // A client on no reservation goes.
    assert_eq!(
        admin
            .delete(&format!("/api/clients/{bystander}"))
            .await
            .status,
        204
    );
    // Once the reservation is gone, so can the driver be.
    assert_eq!(
        admin
            .delete(&format!("/api/reservations/{id}"))
            .await
            .status,
        204
    );
    assert_eq!(
        admin.delete(&format!("/api/clients/{driver}")).await.status,
        204
    );
}

// ---------------------------------------------------------------- photos

async fn inspection_photos_upload_download_and_delete(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let rental = start_rental(&admin, 1, json!({}), Some(inspection(500, 8, json!([])))).await;
    let id = rental.id.clone();

    // Before the return there is no check-in inspection to attach to.
    upload(&admin, &id, "checkin", &png(64, 48))
        .await
        .assert_error(404, "not_found");
    upload(&admin, UNKNOWN_ID, "checkout", &png(64, 48))
        .await
        .assert_error(404, "not_found");

    let r = upload(&manager, &id, "checkout", &png(640, 480)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let photos = r.body["checkoutInspection"]["photos"]
        .as_array()
        .expect("photos")
        .clone();
    assert_eq!(photos.len(), 1, "{}", r.text);
    let photo = &photos[0];
    let photo_id = id_of(photo);
    let url = format!("/api/reservations/{id}/inspections/checkout/photos/{photo_id}");
    assert_eq!(photo["url"], url.as_str());
    assert_eq!(photo["thumbnailUrl"], format!("{url}?size=thumb"));
    assert!(millis(&photo["uploadedAt"]) > rental.picked_up_at.timestamp_millis());
    assert_eq!(
        get_ok(&admin, &format!("/api/reservations/{id}")).await["checkoutInspection"]["photos"],
        json!(photos)
    );

    // Not an image: 415, and nothing added.
    upload(&admin, &id, "checkout", b"this is plain text, not a photo")
        .await
        .assert_error(415, "unsupported_media_type");
    let now_listed = get_ok(&admin, &format!("/api/reservations/{id}")).await;
    assert_eq!(
        now_listed["checkoutInspection"]["photos"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let full = download(&manager, &url, None).await;
    assert_eq!(full.status, 200);
    assert_eq!(full.header("content-type"), "image/png");
    let etag = full.header("etag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let decoded = image::load_from_memory(&full.bytes).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (640, 480));
    let again = download(&manager, &url, Some(&etag)).await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    let thumb = download(
        &manager,
        photo["thumbnailUrl"].as_str().expect("thumb"),
        None,
    )
    .await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type"), "image/png");
    let small = image::load_from_memory(&thumb.bytes).expect("decodes");
    assert!(
        small.width() <= 320 && small.height() <= 320,
        "{}×{}",
        small.width(),
        small.height()
    );
    // The photo belongs to the check-out inspection only.
    let wrong_kind = format!("/api/reservations/{id}/inspections/checkin/photos/{photo_id}");
    assert_eq!(download(&admin, &wrong_kind, None).await.status, 404);
    app.api()
        .get(&url)
        .await
        .assert_error(401, "unauthenticated");

    // After the return, the check-in inspection takes photos of its own.
    give_back_ok(
        &admin,
        &rental,
        Some(inspection(900, 8, json!([]))),
        json!([]),
    )
    .await;
    let r = upload(&admin, &id, "checkin", &png(64, 48)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body["checkinInspection"]["photos"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(r.body["checkoutInspection"]["photos"], json!(photos));

    // Only admins remove photos.
    manager.delete(&url).await.assert_error(403, "forbidden");
    assert_eq!(download(&admin, &url, None).await.status, 200);
    assert_eq!(admin.delete(&url).await.status, 204);
    admin.get(&url).await.assert_error(404, "not_found");
    admin.delete(&url).await.assert_error(404, "not_found");
    let after = get_ok(&admin, &format!("/api/reservations/{id}")).await;
    assert_eq!(after["checkoutInspection"]["photos"], json!([]));
    assert_eq!(
        after["checkinInspection"]["photos"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let uploads = audit_entries(&admin, &id, "UPLOAD_INSPECTION_PHOTO").await;
    assert_eq!(uploads.len(), 2, "{uploads:?}");
    let deletes = audit_entries(&admin, &id, "DELETE_INSPECTION_PHOTO").await;
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0]["entityType"], "Reservation");

    // Deleting the reservation takes its inspections and their photos with it.
    assert_eq!(
        admin
            .delete(&format!("/api/reservations/{id}"))
            .await
            .status,
        204
    );
    for table in ["inspections", "inspection_photos"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE reservation_id = '{id}'");
        assert_eq!(app.db.count(&sql).await, 0, "{table}");
    }
}

// ---------------------------------------------------------------- booking terms

async fn mileage_terms_are_copied_at_booking(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = new_car(
        &admin,
        1,
        json!({"includedKmPerDay": 100, "extraKmRate": 2}),
    )
    .await;
    assert_eq!(car["includedKmPerDay"], 100);
    assert_eq!(money(&car["extraKmRate"]), dec("2"));
    let car = id_of(&car);
    let client = new_client(&admin, 1, json!({})).await;
    let start = now() - Duration::days(3) - Duration::hours(2);
    let booked = book_ok(
        &admin,
        booking(&car, &client, start, start + Duration::days(3), json!({})),
    )
    .await;
    assert_eq!(booked["includedKmPerDay"], 100);
    assert_eq!(money(&booked["extraKmRate"]), dec("2"));
    let id = id_of(&booked);
    let path = format!("/api/reservations/{id}");

    let r = admin
        .put(
            &format!("/api/cars/{car}"),
            json!({"includedKmPerDay": 50, "extraKmRate": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(money(&r.body["extraKmRate"]), dec("5"));
    // Neither the change of the car nor a change of the booking brings the new terms.
    let r = admin.put(&path, json!({"notes": "Client fidèle"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["includedKmPerDay"], 100);
    assert_eq!(money(&r.body["extraKmRate"]), dec("2"));

    move_ok(&admin, &id, json!({"status": "active", "at": stamp(start), "inspection": inspection(1_000, 8, json!([]))})).await;
    // 400 km in 3 days at the booked terms: 100 over at 2 = 200
    // (the car's new terms would make it 250 over at 5 = 1250).
    let back = move_ok(
        &admin,
        &id,
        json!({"status": "completed", "at": stamp(start + Duration::days(3)),
               "inspection": inspection(1_400, 8, json!([]))}),
    )
    .await;
    let lines: Vec<(String, Decimal)> = charges(&back).into_iter().map(|l| (l.0, l.1)).collect();
    assert_eq!(lines, [("mileage".to_owned(), dec("200"))]);
    assert!(
        charges(&back)[0].2.contains("100 km"),
        "{}",
        back["additionalCharges"]
    );
    assert_eq!(money(&back["finalTotalCost"]), dec("1100"));

    // A new booking takes the car's current terms.
    let later = now() + Duration::days(10);
    let fresh = book_ok(
        &admin,
        booking(&car, &client, later, later + Duration::days(1), json!({})),
    )
    .await;
    assert_eq!(fresh["includedKmPerDay"], 50);
    assert_eq!(money(&fresh["extraKmRate"]), dec("5"));
}
