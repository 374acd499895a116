//! Issue 8, money at the agency: car rate plans (length tiers, seasons, deposit), the
//! extras catalogue on bookings, quotes that are exactly the booked price, terms frozen at
//! booking, VAT per line, cancellation and no-show fees and their waiver, refunds, the
//! security deposit, the balance-due filter, and invoices and credit notes as PDFs, on
//! both engines.

mod common;

use std::process::Command;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, SecondsFormat, Utc};
use common::{Api, Engine, Options, Resp, TestApp};
use reqwest::header::HeaderMap;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::Connection;

/// A well-formed id that names nothing.
const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";

both_engines!(
    rates_are_set_by_admins_checked_sorted_and_audited,
    the_extras_catalogue_is_managed_by_admins,
    a_quote_is_exactly_the_booked_price,
    quotes_refuse_bad_requests_and_tell_availability,
    booked_terms_are_frozen,
    tax_is_computed_per_line_on_either_basis,
    late_cancellations_cost_a_fee,
    a_no_show_fee_is_paid_or_waived,
    refunds_need_a_reason_and_never_exceed_what_was_paid,
    the_deposit_is_held_captured_and_released,
    a_return_is_priced_from_the_days_as_they_happened,
    the_balance_due_filter_lists_closed_reservations_by_what_they_owe,
    invoices_and_credit_notes_are_numbered_frozen_pdfs,
    concurrent_invoice_requests_issue_one_invoice,
);

// ---------------------------------------------------------------- helpers

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

/// Now, to the second (what `stamp` sends).
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now")
}

/// RFC 3339 in UTC with a `Z`, usable as is in a query string.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn next_year() -> i32 {
    Utc::now().year() + 1
}

/// The exact value of a money field: a JSON number with at most 2 decimals.
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

/// `base` with the value at JSON `pointer` replaced.
fn with(mut base: Value, pointer: &str, value: Value) -> Value {
    *base
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the body")) = value;
    base
}

/// `base` with the keys of `extra` set over it.
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

async fn get_ok(api: &Api, path: &str) -> Value {
    let r = api.get(path).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.body
}

async fn user_id(api: &Api) -> String {
    let status = get_ok(api, "/api/auth/status").await;
    status["user"]["_id"].as_str().expect("user id").to_owned()
}

/// A car (plate and VIN unique by `n`) at `daily` a day, with no other rate.
async fn new_car(admin: &Api, n: u32, daily: Value) -> String {
    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Dacia",
                "model": "Logan",
                "year": 2024,
                "licensePlate": format!("{}-M-{}", 40000 + n, n % 10),
                "vin": format!("VF1MNY{n:011}"),
                "dailyRate": daily,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    id_of(&r.body)
}

fn plate(n: u32) -> String {
    format!("{}-M-{}", 40000 + n, n % 10)
}

/// A client with a driving licence (all pick-up needs with the default settings).
async fn new_client(api: &Api, n: u32, first: &str, last: &str) -> String {
    let r = api
        .post(
            "/api/clients",
            json!({
                "firstName": first,
                "lastName": last,
                "phone": format!("+2126{n:08}"),
                "driverLicenseNumber": format!("DM-{n:06}"),
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    id_of(&r.body)
}

async fn put_rates(api: &Api, car: &str, body: Value) -> Resp {
    api.put(&format!("/api/cars/{car}/rates"), body).await
}

async fn rates_ok(admin: &Api, car: &str, body: Value) -> Value {
    let r = put_rates(admin, car, body).await;
    assert_eq!(r.status, 200, "PUT rates: {}", r.text);
    r.body
}

/// Adds an extra to the catalogue; returns its id.
async fn new_extra(admin: &Api, body: Value) -> String {
    let r = admin.post("/api/extras", body).await;
    assert_eq!(r.status, 201, "create extra: {}", r.text);
    id_of(&r.body)
}

/// The body of a confirmed booking, with `extra` fields.
fn booking(car: &str, client: &str, start: &str, end: &str, extra: Value) -> Value {
    merged(
        json!({"carId": car, "clientId": client, "startDate": start, "endDate": end,
               "status": "confirmed"}),
        extra,
    )
}

async fn book(api: &Api, body: Value) -> Resp {
    api.post("/api/reservations", body).await
}

async fn booked(api: &Api, body: Value) -> Value {
    let r = book(api, body.clone()).await;
    assert_eq!(r.status, 201, "book {body}: {}", r.text);
    r.body
}

async fn update(api: &Api, id: &str, body: Value) -> Resp {
    api.put(&format!("/api/reservations/{id}"), body).await
}

async fn update_ok(api: &Api, id: &str, body: Value) -> Value {
    let r = update(api, id, body.clone()).await;
    assert_eq!(r.status, 200, "update {body}: {}", r.text);
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

async fn reservation(api: &Api, id: &str) -> Value {
    get_ok(api, &format!("/api/reservations/{id}")).await
}

async fn pay(api: &Api, id: &str, body: Value) -> Resp {
    api.post(&format!("/api/reservations/{id}/payments"), body)
        .await
}

async fn pay_ok(api: &Api, id: &str, body: Value) -> Value {
    let r = pay(api, id, body.clone()).await;
    assert_eq!(r.status, 201, "pay {body}: {}", r.text);
    // The answer is built from the reservation read before the payment; it must be what
    // a read after it shows.
    let read = reservation(api, id).await;
    assert_eq!(r.body, read, "pay {body}: answer and later read differ");
    r.body
}

async fn deposit(api: &Api, id: &str, body: Value) -> Resp {
    api.post(&format!("/api/reservations/{id}/deposit"), body)
        .await
}

async fn deposit_ok(api: &Api, id: &str, body: Value) -> Value {
    let r = deposit(api, id, body.clone()).await;
    assert_eq!(r.status, 201, "deposit {body}: {}", r.text);
    assert_deposit_balances(&r.body);
    r.body
}

async fn waive(api: &Api, id: &str, reason: &str) -> Resp {
    api.post(
        &format!("/api/reservations/{id}/fee/waiver"),
        json!({ "reason": reason }),
    )
    .await
}

/// A confirmed booking of `[start, end)` picked up at `start` and returned at `end`
/// with `charges`; returns the completed reservation.
async fn completed_rental(
    admin: &Api,
    car: &str,
    client: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    charges: Value,
) -> Value {
    let r = booked(
        admin,
        booking(car, client, &stamp(start), &stamp(end), json!({})),
    )
    .await;
    let id = id_of(&r);
    move_ok(admin, &id, json!({"status": "active", "at": stamp(start)})).await;
    let done = move_ok(
        admin,
        &id,
        json!({"status": "completed", "at": stamp(end), "additionalCharges": charges}),
    )
    .await;
    assert_eq!(done["status"], "completed");
    done
}

/// How many audit entries of `action` name the entity `id`.
async fn audit_count(app: &TestApp, entity_type: &str, action: &str, id: &str) -> i64 {
    app.db
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE entity_type = '{entity_type}' \
             AND action = '{action}' AND entity_id = '{id}'"
        ))
        .await
}

/// The audit entries of `action` about `id`, newest first.
async fn audit_entries(admin: &Api, action: &str, id: &str) -> Vec<Value> {
    let body = get_ok(admin, &format!("/api/audit?action={action}&entityId={id}")).await;
    body["items"].as_array().expect("items").clone()
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

fn quote_path(car: &str, start: &str, end: &str, extras: &str) -> String {
    let mut path = format!("/api/quote?carId={car}&start={start}&end={end}");
    if !extras.is_empty() {
        path.push_str(&format!("&extras={extras}"));
    }
    path
}

// ---------------------------------------------------------------- price lines

/// One price line, with exact amounts.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    kind: String,
    label: String,
    quantity: i64,
    unit_price: Decimal,
    net: Decimal,
    tax: Decimal,
    gross: Decimal,
}

/// The line expected: `[unitPrice, net, tax, gross]`.
fn line(kind: &str, label: &str, quantity: i64, amounts: [&str; 4]) -> Line {
    Line {
        kind: kind.to_owned(),
        label: label.to_owned(),
        quantity,
        unit_price: dec(amounts[0]),
        net: dec(amounts[1]),
        tax: dec(amounts[2]),
        gross: dec(amounts[3]),
    }
}

fn lines(v: &Value) -> Vec<Line> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list of lines: {v}"))
        .iter()
        .map(|l| Line {
            kind: l["kind"].as_str().expect("kind").to_owned(),
            label: l["label"].as_str().expect("label").to_owned(),
            quantity: l["quantity"].as_i64().expect("quantity"),
            unit_price: money(&l["unitPrice"]),
            net: money(&l["net"]),
            tax: money(&l["tax"]),
            gross: money(&l["gross"]),
        })
        .collect()
}

/// `[net, tax, gross]` of a totals object.
fn totals(v: &Value) -> [Decimal; 3] {
    [money(&v["net"]), money(&v["tax"]), money(&v["gross"])]
}

fn amounts(net: &str, tax: &str, gross: &str) -> [Decimal; 3] {
    [dec(net), dec(tax), dec(gross)]
}

/// Every line's net + tax is its gross, and the totals are the sums of the lines.
fn assert_sums(line_list: &Value, total: &Value) {
    let mut sum = [Decimal::ZERO; 3];
    for l in lines(line_list) {
        assert_eq!(l.net + l.tax, l.gross, "net + tax = gross: {l:?}");
        sum[0] += l.net;
        sum[1] += l.tax;
        sum[2] += l.gross;
    }
    assert_eq!(totals(total), sum, "totals are the sums of {line_list}");
}

/// A reservation's lines add up to its totals, whose gross is the cost it shows.
fn assert_priced(r: &Value) {
    assert_sums(&r["priceLines"], &r["totals"]);
    let closed = [
        "completed",
        "cancelled_by_client",
        "cancelled_by_agency",
        "no_show",
    ]
    .contains(&r["status"].as_str().expect("status"));
    let cost = if closed {
        &r["finalTotalCost"]
    } else {
        &r["estimatedTotalCost"]
    };
    assert_eq!(money(cost), money(&r["totals"]["gross"]), "{r}");
}

/// held = captured + released + outstanding, outstanding ≥ 0.
fn assert_deposit_balances(r: &Value) {
    let d = &r["deposit"];
    let (held, captured, released, outstanding) = (
        money(&d["held"]),
        money(&d["captured"]),
        money(&d["released"]),
        money(&d["outstanding"]),
    );
    assert_eq!(held, captured + released + outstanding, "{d}");
    assert!(outstanding >= Decimal::ZERO, "{d}");
}

fn deposit_state(r: &Value) -> [Decimal; 4] {
    let d = &r["deposit"];
    [
        money(&d["held"]),
        money(&d["captured"]),
        money(&d["released"]),
        money(&d["outstanding"]),
    ]
}

fn four(held: &str, captured: &str, released: &str, outstanding: &str) -> [Decimal; 4] {
    [dec(held), dec(captured), dec(released), dec(outstanding)]
}

// ---------------------------------------------------------------- PDF

/// GETs a PDF: status, headers and the raw bytes.
async fn get_pdf(api: &Api, path: &str) -> (u16, HeaderMap, Vec<u8>) {
    let res = api
        .request(Method::GET, path)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("body").to_vec();
    (status, headers, bytes)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// The text of a PDF as `pdftotext -layout` reads it; fails when poppler is missing.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(
        bytes.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("document.pdf");
    std::fs::write(&file, bytes).expect("write the PDF");
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `pdftotext` ({e}): these tests need poppler-utils installed")
        });
    assert!(
        output.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("pdftotext prints UTF-8")
}

/// The first line of `text` holding `needle`.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

fn assert_has(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

/// Asserts that the first line holding `label` ends with ` AMOUNT MAD` (so that
/// `1020.50` does not match `-1020.50`).
fn assert_amount(text: &str, label: &str, amount: &str) {
    let found = line_with(text, label).trim_end();
    assert!(
        found.ends_with(&format!(" {amount} MAD")),
        "expected {amount} MAD on the line {found:?} in:\n{text}"
    );
}

/// Checks an invoice number's form (`F-YYYY-NNNNNN` of this year) and returns its sequence.
fn sequence(number: &str, prefix: &str) -> u32 {
    let year = Utc::now().year();
    let rest = number
        .strip_prefix(&format!("{prefix}-{year}-"))
        .unwrap_or_else(|| panic!("{number} is not {prefix}-{year}-NNNNNN"));
    assert!(
        rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_digit()),
        "{number} is not {prefix}-YYYY-NNNNNN"
    );
    rest.parse().expect("sequence")
}

/// GETs the invoice in force: asserts a PDF and returns its number and text.
async fn invoice(api: &Api, id: &str) -> (String, String) {
    let (status, headers, bytes) = get_pdf(api, &format!("/api/reservations/{id}/invoice")).await;
    assert_eq!(status, 200, "invoice: {}", String::from_utf8_lossy(&bytes));
    assert_eq!(header(&headers, "content-type"), "application/pdf");
    let number = header(&headers, "x-invoice-number").to_owned();
    sequence(&number, "F");
    let disposition = header(&headers, "content-disposition");
    assert!(
        disposition.starts_with("inline") && disposition.contains(&number),
        "{disposition}"
    );
    (number, pdf_text(&bytes))
}

async fn invoice_status(api: &Api, id: &str) -> Resp {
    api.get(&format!("/api/reservations/{id}/invoice")).await
}

// ---------------------------------------------------------------- rates

async fn rates_are_set_by_admins_checked_sorted_and_audited(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let car = new_car(&admin, 1, json!(300)).await;
    let path = format!("/api/cars/{car}/rates");
    let y = next_year();

    // A new car's plan is its daily rate alone.
    let initial = get_ok(&manager, &path).await;
    assert_eq!(money(&initial["base"]["daily"]), dec("300"), "{initial}");
    assert!(initial["base"]["weekly"].is_null(), "{initial}");
    assert!(initial["base"]["monthly"].is_null(), "{initial}");
    assert_eq!(initial["seasons"], json!([]));
    assert_eq!(money(&initial["deposit"]), dec("0"));

    let summer = json!({"name": "Été", "firstDay": format!("{y}-07-01"), "lastDay": format!("{y}-08-31"),
                        "rates": {"daily": 400, "weekly": 350, "monthly": null}});
    let spring = json!({"name": "Printemps", "firstDay": format!("{y}-04-01"), "lastDay": format!("{y}-04-30"),
                        "rates": {"daily": 350, "weekly": null, "monthly": null}});
    let plan = json!({
        "base": {"daily": 320, "weekly": 250, "monthly": 200},
        "seasons": [summer, spring],
        "deposit": 5000,
    });

    // Managers read it; only admins change it.
    put_rates(&manager, &car, plan.clone())
        .await
        .assert_error(403, "forbidden");
    assert_eq!(get_ok(&admin, &path).await, initial);
    assert_eq!(audit_count(&app, "Car", "UPDATE_CAR_RATES", &car).await, 0);

    let set = rates_ok(&admin, &car, plan.clone()).await;
    assert_eq!(money(&set["base"]["daily"]), dec("320"));
    assert_eq!(money(&set["base"]["weekly"]), dec("250"));
    assert_eq!(money(&set["base"]["monthly"]), dec("200"));
    assert_eq!(money(&set["deposit"]), dec("5000"));
    let names: Vec<&str> = set["seasons"]
        .as_array()
        .expect("seasons")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Printemps", "Été"], "sorted by firstDay: {set}");
    let s = &set["seasons"][1];
    assert_eq!(s["firstDay"], format!("{y}-07-01"));
    assert_eq!(s["lastDay"], format!("{y}-08-31"));
    assert_eq!(money(&s["rates"]["daily"]), dec("400"));
    assert_eq!(money(&s["rates"]["weekly"]), dec("350"));
    assert!(s["rates"]["monthly"].is_null(), "{set}");
    assert!(set["seasons"][0]["rates"]["weekly"].is_null(), "{set}");
    assert_eq!(get_ok(&manager, &path).await, set, "GET gives what PUT set");
    // base.daily is the car's dailyRate.
    let car_doc = get_ok(&admin, &format!("/api/cars/{car}")).await;
    assert_eq!(money(&car_doc["dailyRate"]), dec("320"));

    // One audit entry, entity Car, with the plans before and after.
    assert_eq!(audit_count(&app, "Car", "UPDATE_CAR_RATES", &car).await, 1);
    let entries = audit_entries(&admin, "UPDATE_CAR_RATES", &car).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["entityType"], "Car");
    assert_eq!(entries[0]["entityId"], car.as_str());
    assert_eq!(money(&entries[0]["before"]["base"]["daily"]), dec("300"));
    assert_eq!(money(&entries[0]["after"]["base"]["daily"]), dec("320"));
    assert_eq!(money(&entries[0]["after"]["deposit"]), dec("5000"));

    // The same plan again (seasons in either order) changes nothing and is not audited.
    assert_eq!(rates_ok(&admin, &car, plan.clone()).await, set);
    assert_eq!(rates_ok(&admin, &car, set.clone()).await, set);
    assert_eq!(audit_count(&app, "Car", "UPDATE_CAR_RATES", &car).await, 1);

    // Invalid plans are 422 naming the field; nothing changes.
    let invalid = [
        (
            with(plan.clone(), "/base/weekly", json!(330)),
            "base.weekly",
        ),
        (with(plan.clone(), "/base/daily", json!(0)), "base.daily"),
        (
            with(plan.clone(), "/seasons/0/rates/monthly", json!(380)),
            "seasons[0].rates.monthly",
        ),
        (
            with(plan.clone(), "/seasons/1/rates/weekly", json!(360)),
            "seasons[1].rates.weekly",
        ),
        (
            with(
                plan.clone(),
                "/seasons/1/lastDay",
                json!(format!("{y}-07-01")),
            ),
            "seasons",
        ),
        (
            with(plan.clone(), "/seasons/1/name", json!("été")),
            "seasons[1].name",
        ),
        (with(plan.clone(), "/deposit", json!(-1)), "deposit"),
        (merged(plan.clone(), json!({"color": "red"})), "color"),
    ];
    for (body, field) in invalid {
        let r = put_rates(&admin, &car, body).await;
        assert_invalid(&r, field);
    }
    assert_eq!(get_ok(&admin, &path).await, set);
    let car_doc = get_ok(&admin, &format!("/api/cars/{car}")).await;
    assert_eq!(money(&car_doc["dailyRate"]), dec("320"));
    assert_eq!(audit_count(&app, "Car", "UPDATE_CAR_RATES", &car).await, 1);
    // The car's own PUT cannot take the daily rate below the weekly one.
    let r = admin
        .put(&format!("/api/cars/{car}"), json!({"dailyRate": 240}))
        .await;
    assert_invalid(&r, "dailyRate");
    let r = admin
        .put(&format!("/api/cars/{car}"), json!({"dailyRate": 330}))
        .await;
    assert_eq!(
        r.status, 200,
        "a dearer daily rate keeps the plan valid: {}",
        r.text
    );
    assert_eq!(
        money(&get_ok(&admin, &path).await["base"]["daily"]),
        dec("330")
    );
    let r = admin
        .put(&format!("/api/cars/{car}"), json!({"dailyRate": 320}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // A real change is audited once more.
    let cheaper = with(plan, "/deposit", json!(4000));
    assert_eq!(
        money(&rates_ok(&admin, &car, cheaper).await["deposit"]),
        dec("4000")
    );
    assert_eq!(audit_count(&app, "Car", "UPDATE_CAR_RATES", &car).await, 2);
}

// ---------------------------------------------------------------- extras

async fn the_extras_catalogue_is_managed_by_admins(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let admin_id = user_id(&admin).await;
    let seat_body = json!({"name": "Siège enfant", "pricing": "perDay", "price": 30, "cap": 150});

    manager
        .post("/api/extras", seat_body.clone())
        .await
        .assert_error(403, "forbidden");
    let r = admin.post("/api/extras", seat_body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let seat = r.body;
    let seat_id = id_of(&seat);
    assert_eq!(seat["name"], "Siège enfant");
    assert_eq!(seat["pricing"], "perDay");
    assert_eq!(money(&seat["price"]), dec("30"));
    assert_eq!(money(&seat["cap"]), dec("150"));
    assert_eq!(seat["active"], true);
    assert_eq!(seat["createdBy"], admin_id.as_str());
    assert_eq!(seat["updatedBy"], admin_id.as_str());
    assert!(
        seat["createdAt"].is_string() && seat["updatedAt"].is_string(),
        "{seat}"
    );
    assert_eq!(
        get_ok(&manager, &format!("/api/extras/{seat_id}")).await,
        seat
    );

    // Names are unique whatever the case.
    let r = admin
        .post(
            "/api/extras",
            with(seat_body.clone(), "/name", json!("SIÈGE ENFANT")),
        )
        .await;
    r.assert_error(409, "conflict");
    assert!(r.body["fields"]["name"].is_string(), "{}", r.text);

    // Invalid extras: 422 naming the field.
    let invalid = [
        (with(seat_body.clone(), "/price", json!(-1)), "price"),
        (with(seat_body.clone(), "/price", json!(1.234)), "price"),
        (with(seat_body.clone(), "/cap", json!(-5)), "cap"),
        (with(seat_body.clone(), "/cap", json!(10.001)), "cap"),
        (
            with(seat_body.clone(), "/pricing", json!("perWeek")),
            "pricing",
        ),
        (json!({"pricing": "perDay", "price": 30}), "name"),
        (
            merged(seat_body.clone(), json!({"colour": "red"})),
            "colour",
        ),
    ];
    for (body, field) in invalid {
        // Another name, so that only `field` is wrong.
        let body = match body.get("name") {
            Some(_) => with(body, "/name", json!(format!("Autre {field}"))),
            None => body,
        };
        let r = admin.post("/api/extras", body).await;
        assert_invalid(&r, field);
    }

    let gps = new_extra(
        &admin,
        json!({"name": "GPS", "pricing": "perRental", "price": 50}),
    )
    .await;
    let insurance = new_extra(
        &admin,
        json!({"name": "Assurance", "pricing": "perRental", "price": 99.99, "active": false}),
    )
    .await;
    let list = get_ok(&manager, "/api/extras").await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["Assurance", "GPS", "Siège enfant"],
        "by name: {list}"
    );
    assert_eq!(list["items"][0]["active"], false);
    assert!(list["items"][1]["cap"].is_null(), "{list}");

    // Partial changes; a null cap clears it.
    let path = format!("/api/extras/{seat_id}");
    manager
        .put(&path, json!({"price": 35}))
        .await
        .assert_error(403, "forbidden");
    let r = admin.put(&path, json!({"price": 35})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(money(&r.body["price"]), dec("35"));
    assert_eq!(money(&r.body["cap"]), dec("150"));
    assert_eq!(r.body["name"], "Siège enfant");
    let r = admin.put(&path, json!({"cap": null})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["cap"].is_null(), "{}", r.text);
    assert_eq!(money(&r.body["price"]), dec("35"));
    let r = admin.put(&path, json!({"name": "gps"})).await;
    r.assert_error(409, "conflict");
    assert!(r.body["fields"]["name"].is_string(), "{}", r.text);
    let r = admin.put(&path, json!({"price": -1})).await;
    assert_invalid(&r, "price");
    assert_eq!(money(&get_ok(&admin, &path).await["price"]), dec("35"));

    // Deletion.
    manager
        .delete(&format!("/api/extras/{gps}"))
        .await
        .assert_error(403, "forbidden");
    let r = admin.delete(&format!("/api/extras/{gps}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    admin
        .get(&format!("/api/extras/{gps}"))
        .await
        .assert_error(404, "not_found");
    assert_eq!(
        get_ok(&admin, "/api/extras").await["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // The audit trail, entity Extra.
    for (action, id, count) in [
        ("CREATE_EXTRA", &seat_id, 1),
        ("CREATE_EXTRA", &gps, 1),
        ("CREATE_EXTRA", &insurance, 1),
        ("UPDATE_EXTRA", &seat_id, 2),
        ("DELETE_EXTRA", &gps, 1),
        ("DELETE_EXTRA", &seat_id, 0),
    ] {
        assert_eq!(
            audit_count(&app, "Extra", action, id).await,
            count,
            "{action} {id}"
        );
    }
}

// ---------------------------------------------------------------- quotes

/// A car at 300 (250 a week, 200 a month) with a summer at 400 (350 a week) and a
/// deposit of 2000; a child seat at 30 a day capped at 150, and a GPS at 50 a rental.
async fn priced_setup(app: &TestApp) -> (Api, String, String, String, String) {
    let admin = app.admin().await;
    let y = next_year();
    let car = new_car(&admin, 1, json!(300)).await;
    rates_ok(
        &admin,
        &car,
        json!({
            "base": {"daily": 300, "weekly": 250, "monthly": 200},
            "seasons": [{"name": "Été", "firstDay": format!("{y}-07-01"), "lastDay": format!("{y}-08-31"),
                         "rates": {"daily": 400, "weekly": 350, "monthly": null}}],
            "deposit": 2000,
        }),
    )
    .await;
    let seat = new_extra(
        &admin,
        json!({"name": "Siège enfant", "pricing": "perDay", "price": 30, "cap": 150}),
    )
    .await;
    let gps = new_extra(
        &admin,
        json!({"name": "GPS", "pricing": "perRental", "price": 50}),
    )
    .await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    (admin, car, client, seat, gps)
}

async fn a_quote_is_exactly_the_booked_price(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (admin, car, client, seat, gps) = priced_setup(&app).await;
    let (manager, _) = app.manager("mona").await;
    let y = next_year();
    let start = format!("{y}-06-28T10:00:00Z");
    let end = format!("{y}-07-06T10:00:00Z");

    // 8 days: the weekly tier; 3 days before the summer, 5 in it; the seat's cap applies.
    let q = get_ok(
        &manager,
        &quote_path(&car, &start, &end, &format!("{seat}:2,{gps}")),
    )
    .await;
    assert_eq!(q["carId"], car.as_str());
    assert_eq!(q["billableDays"], 8);
    assert_eq!(q["priceBasis"], "inclusive");
    assert_eq!(money(&q["vatRate"]), dec("20"));
    assert_eq!(money(&q["deposit"]), dec("2000"));
    assert_eq!(q["available"], true);
    let expected = vec![
        line(
            "rental",
            "Location : 3 jours × 250.00, tarif semaine",
            3,
            ["250", "625", "125", "750"],
        ),
        line(
            "rental",
            "Location : 5 jours × 350.00, tarif semaine (Été)",
            5,
            ["350", "1458.33", "291.67", "1750"],
        ),
        line("extra", "Siège enfant × 2", 2, ["150", "250", "50", "300"]),
        line("extra", "GPS × 1", 1, ["50", "41.67", "8.33", "50"]),
    ];
    assert_eq!(lines(&q["lines"]), expected, "{q}");
    assert_eq!(totals(&q["total"]), amounts("2375", "475", "2850"));
    assert_sums(&q["lines"], &q["total"]);

    // The booking of the same car, period and extras holds exactly those lines.
    let r = booked(
        &manager,
        booking(
            &car,
            &client,
            &start,
            &end,
            json!({"extras": [{"extraId": seat, "quantity": 2}, {"extraId": gps, "quantity": 1}]}),
        ),
    )
    .await;
    assert_eq!(r["priceLines"], q["lines"], "{r}");
    assert_eq!(money(&r["estimatedTotalCost"]), money(&q["total"]["gross"]));
    assert_eq!(money(&r["estimatedTotalCost"]), dec("2850"));
    assert_eq!(totals(&r["totals"]), totals(&q["total"]));
    assert_eq!(r["priceBasis"], "inclusive");
    assert_eq!(money(&r["vatRate"]), dec("20"));
    assert_eq!(money(&r["deposit"]["required"]), dec("2000"));
    assert_eq!(money(&r["deposit"]["held"]), dec("0"));
    assert!(r["fee"].is_null(), "{r}");
    assert!(r["closedAt"].is_null(), "{r}");
    assert_priced(&r);
    // The extras' terms are frozen into the booking.
    let extras = r["extras"].as_array().expect("extras");
    assert_eq!(extras.len(), 2, "{r}");
    assert_eq!(extras[0]["extraId"], seat.as_str());
    assert_eq!(extras[0]["name"], "Siège enfant");
    assert_eq!(extras[0]["pricing"], "perDay");
    assert_eq!(money(&extras[0]["price"]), dec("30"));
    assert_eq!(money(&extras[0]["cap"]), dec("150"));
    assert_eq!(extras[0]["quantity"], 2);
    assert_eq!(extras[1]["extraId"], gps.as_str());
    assert_eq!(extras[1]["pricing"], "perRental");
    assert!(extras[1]["cap"].is_null(), "{r}");
    assert_eq!(extras[1]["quantity"], 1);
    assert_eq!(money(&r["ratePlan"]["base"]["daily"]), dec("300"));
    assert_eq!(money(&r["ratePlan"]["base"]["weekly"]), dec("250"));
    assert_eq!(r["ratePlan"]["seasons"][0]["name"], "Été");
    assert_eq!(reservation(&admin, &id_of(&r)).await, r);

    // Seasons are calendar days in the agency's time zone: 20:00 UTC on 30 June is
    // already 1 July in Tokyo.
    let (tz_start, tz_end) = (
        format!("{y}-06-30T20:00:00Z"),
        format!("{y}-07-02T20:00:00Z"),
    );
    let q = get_ok(&manager, &quote_path(&car, &tz_start, &tz_end, "")).await;
    assert_eq!(
        lines(&q["lines"]),
        vec![
            line(
                "rental",
                "Location : 1 jour × 300.00",
                1,
                ["300", "250", "50", "300"]
            ),
            line(
                "rental",
                "Location : 1 jour × 400.00 (Été)",
                1,
                ["400", "333.33", "66.67", "400"]
            ),
        ],
        "{q}"
    );
    let tokyo = app.another_instance(&Options::default().env("LOCACAR_TIMEZONE", "Asia/Tokyo"));
    let q = get_ok(
        &manager.on(&tokyo.base),
        &quote_path(&car, &tz_start, &tz_end, ""),
    )
    .await;
    assert_eq!(
        lines(&q["lines"]),
        vec![line(
            "rental",
            "Location : 2 jours × 400.00 (Été)",
            2,
            ["400", "666.67", "133.33", "800"]
        )],
        "{q}"
    );

    // Short rentals take the daily rates; across the season's end, two lines.
    let q = get_ok(
        &manager,
        &quote_path(
            &car,
            &format!("{y}-08-30T10:00:00Z"),
            &format!("{y}-09-02T10:00:00Z"),
            "",
        ),
    )
    .await;
    assert_eq!(
        lines(&q["lines"]),
        vec![
            line(
                "rental",
                "Location : 2 jours × 400.00 (Été)",
                2,
                ["400", "666.67", "133.33", "800"]
            ),
            line(
                "rental",
                "Location : 1 jour × 300.00",
                1,
                ["300", "250", "50", "300"]
            ),
        ],
        "{q}"
    );
    assert_eq!(totals(&q["total"]), amounts("916.67", "183.33", "1100"));

    // 28 days: the monthly tier.
    let q = get_ok(
        &manager,
        &quote_path(
            &car,
            &format!("{y}-09-10T10:00:00Z"),
            &format!("{y}-10-08T10:00:00Z"),
            &format!("{seat}:1"),
        ),
    )
    .await;
    assert_eq!(q["billableDays"], 28);
    assert_eq!(
        lines(&q["lines"]),
        vec![
            line(
                "rental",
                "Location : 28 jours × 200.00, tarif mois",
                28,
                ["200", "4666.67", "933.33", "5600"]
            ),
            line("extra", "Siège enfant × 1", 1, ["150", "125", "25", "150"]),
        ],
        "{q}"
    );
    assert_eq!(totals(&q["total"]), amounts("4791.67", "958.33", "5750"));

    // A car with its daily rate only: days × dailyRate, short or long.
    let flat = new_car(&admin, 2, json!(275.5)).await;
    let r = booked(
        &admin,
        booking(
            &flat,
            &client,
            &format!("{y}-06-28T10:00:00Z"),
            &format!("{y}-07-01T10:00:00Z"),
            json!({}),
        ),
    )
    .await;
    assert_eq!(money(&r["estimatedTotalCost"]), dec("826.50"));
    assert_eq!(
        lines(&r["priceLines"]),
        vec![line(
            "rental",
            "Location : 3 jours × 275.50",
            3,
            ["275.50", "688.75", "137.75", "826.50"]
        )]
    );
    assert_priced(&r);
    let r = booked(
        &admin,
        booking(
            &flat,
            &client,
            &format!("{y}-07-10T10:00:00Z"),
            &format!("{y}-07-20T10:00:00Z"),
            json!({}),
        ),
    )
    .await;
    assert_eq!(money(&r["estimatedTotalCost"]), dec("2755"), "10 × 275.50");
    let l = &lines(&r["priceLines"]);
    assert_eq!(l.len(), 1, "{r}");
    assert_eq!((l[0].quantity, l[0].unit_price), (10, dec("275.50")));
    assert_priced(&r);
}

async fn quotes_refuse_bad_requests_and_tell_availability(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (admin, car, client, seat, gps) = priced_setup(&app).await;
    let y = next_year();
    let start = format!("{y}-03-02T10:00:00Z");
    let end = format!("{y}-03-05T10:00:00Z");
    let ok = quote_path(&car, &start, &end, "");
    assert_eq!(get_ok(&admin, &ok).await["available"], true);

    // Only staff may ask.
    app.api()
        .get(&ok)
        .await
        .assert_error(401, "unauthenticated");

    // Missing or malformed parameters: 400.
    for path in [
        format!("/api/quote?start={start}&end={end}"),
        format!("/api/quote?carId={car}&end={end}"),
        format!("/api/quote?carId={car}&start={start}"),
        quote_path(&car, &start, &end, "not-an-id:2"),
        quote_path(&car, &start, &end, &format!("{seat}:two")),
    ] {
        let r = admin.get(&path).await;
        r.assert_error(400, "bad_request");
    }

    // Unknown car or extra, end not after start: 422 naming the field.
    let r = admin.get(&quote_path(UNKNOWN_ID, &start, &end, "")).await;
    assert_invalid(&r, "carId");
    let r = admin.get(&quote_path(&car, &start, &end, UNKNOWN_ID)).await;
    assert_invalid(&r, "extras[0].extraId");
    let r = admin
        .get(&quote_path(
            &car,
            &start,
            &end,
            &format!("{gps}:1,{UNKNOWN_ID}:1"),
        ))
        .await;
    assert_invalid(&r, "extras[1].extraId");
    let r = admin
        .get(&quote_path(&car, &start, &end, &format!("{seat}:21")))
        .await;
    assert_invalid(&r, "extras[0].quantity");
    let r = admin.get(&quote_path(&car, &start, &start, "")).await;
    assert_invalid(&r, "end");
    let r = admin.get(&quote_path(&car, &end, &start, "")).await;
    assert_invalid(&r, "end");

    // Once the car is booked for the period (or part of it), it is not available.
    booked(&admin, booking(&car, &client, &start, &end, json!({}))).await;
    let q = get_ok(&admin, &ok).await;
    assert_eq!(q["available"], false, "{q}");
    let overlapping = quote_path(
        &car,
        &format!("{y}-03-04T10:00:00Z"),
        &format!("{y}-03-08T10:00:00Z"),
        "",
    );
    assert_eq!(get_ok(&admin, &overlapping).await["available"], false);
    let later = quote_path(
        &car,
        &format!("{y}-03-10T10:00:00Z"),
        &format!("{y}-03-12T10:00:00Z"),
        "",
    );
    assert_eq!(get_ok(&admin, &later).await["available"], true);
    // The price is still given.
    assert_eq!(money(&q["total"]["gross"]), dec("900"));

    // A car out of service is not quoted.
    let broken = new_car(&admin, 2, json!(300)).await;
    let r = admin
        .put(
            &format!("/api/cars/{broken}"),
            json!({"status": "out_of_service"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    admin
        .get(&quote_path(&broken, &start, &end, ""))
        .await
        .assert_error(409, "conflict");
}

// ---------------------------------------------------------------- frozen terms

async fn booked_terms_are_frozen(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let y = next_year();
    let car = new_car(&admin, 1, json!(300)).await;
    rates_ok(
        &admin,
        &car,
        json!({"base": {"daily": 300, "weekly": 250, "monthly": null}, "seasons": [], "deposit": 1000}),
    )
    .await;
    let seat = new_extra(
        &admin,
        json!({"name": "Siège enfant", "pricing": "perDay", "price": 30}),
    )
    .await;
    let gps = new_extra(
        &admin,
        json!({"name": "GPS", "pricing": "perRental", "price": 50}),
    )
    .await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;

    let r = booked(
        &admin,
        booking(
            &car,
            &client,
            &format!("{y}-05-04T09:00:00Z"),
            &format!("{y}-05-07T09:00:00Z"),
            json!({"extras": [{"extraId": seat, "quantity": 1}, {"extraId": gps, "quantity": 1}]}),
        ),
    )
    .await;
    let id = id_of(&r);
    let booked_lines = vec![
        line(
            "rental",
            "Location : 3 jours × 300.00",
            3,
            ["300", "750", "150", "900"],
        ),
        line("extra", "Siège enfant × 1", 1, ["90", "75", "15", "90"]),
        line("extra", "GPS × 1", 1, ["50", "41.67", "8.33", "50"]),
    ];
    assert_eq!(lines(&r["priceLines"]), booked_lines);
    assert_eq!(money(&r["estimatedTotalCost"]), dec("1040"));

    // The car's rates and the catalogue change; the GPS is no longer offered.
    rates_ok(
        &admin,
        &car,
        json!({"base": {"daily": 500, "weekly": 450, "monthly": null}, "seasons": [], "deposit": 3000}),
    )
    .await;
    let e = admin
        .put(&format!("/api/extras/{seat}"), json!({"price": 45}))
        .await;
    assert_eq!(e.status, 200, "{}", e.text);
    let e = admin
        .put(&format!("/api/extras/{gps}"), json!({"active": false}))
        .await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert_eq!(e.body["active"], false);

    // The booking is as it was.
    let now_r = reservation(&admin, &id).await;
    assert_eq!(now_r["priceLines"], r["priceLines"]);
    assert_eq!(money(&now_r["estimatedTotalCost"]), dec("1040"));
    assert_eq!(money(&now_r["ratePlan"]["base"]["daily"]), dec("300"));
    assert_eq!(money(&now_r["deposit"]["required"]), dec("1000"));
    assert_eq!(money(&now_r["extras"][0]["price"]), dec("30"));
    assert_eq!(now_r["extras"][1]["extraId"], gps.as_str());

    // Changing only the notes changes no price.
    let u = update_ok(&admin, &id, json!({"notes": "Client fidèle"})).await;
    assert_eq!(u["notes"], "Client fidèle");
    assert_eq!(u["priceLines"], r["priceLines"]);
    assert_eq!(money(&u["estimatedTotalCost"]), dec("1040"));

    // New dates are priced with the frozen plan and extras: 8 days at the old weekly rate.
    let u = update_ok(
        &admin,
        &id,
        json!({"endDate": format!("{y}-05-12T09:00:00Z")}),
    )
    .await;
    assert_eq!(
        lines(&u["priceLines"]),
        vec![
            line(
                "rental",
                "Location : 8 jours × 250.00, tarif semaine",
                8,
                ["250", "1666.67", "333.33", "2000"]
            ),
            line("extra", "Siège enfant × 1", 1, ["240", "200", "40", "240"]),
            line("extra", "GPS × 1", 1, ["50", "41.67", "8.33", "50"]),
        ],
        "{u}"
    );
    assert_eq!(money(&u["estimatedTotalCost"]), dec("2290"));
    assert_priced(&u);
    assert_eq!(
        reservation(&admin, &id).await["priceLines"],
        u["priceLines"]
    );

    // A list naming extras already on the booking keeps their booked terms, even the
    // GPS no longer offered.
    let u = update_ok(
        &admin,
        &id,
        json!({"extras": [{"extraId": seat, "quantity": 2}, {"extraId": gps, "quantity": 1}]}),
    )
    .await;
    assert_eq!(
        lines(&u["priceLines"])[1..],
        [
            line("extra", "Siège enfant × 2", 2, ["240", "400", "80", "480"]),
            line("extra", "GPS × 1", 1, ["50", "41.67", "8.33", "50"]),
        ],
        "{u}"
    );
    assert_eq!(money(&u["estimatedTotalCost"]), dec("2530"));

    // Once dropped, the inactive GPS cannot be chosen again.
    let u = update_ok(
        &admin,
        &id,
        json!({"extras": [{"extraId": seat, "quantity": 2}]}),
    )
    .await;
    assert_eq!(money(&u["estimatedTotalCost"]), dec("2480"));
    let r2 = update(
        &admin,
        &id,
        json!({"extras": [{"extraId": seat, "quantity": 2}, {"extraId": gps, "quantity": 1}]}),
    )
    .await;
    assert_invalid(&r2, "extras[1].extraId");
    assert_eq!(
        reservation(&admin, &id).await,
        u,
        "a refused change changes nothing"
    );

    // A new booking takes the new plan and prices, and cannot choose the GPS.
    let later = |d: u32| format!("{y}-06-{d:02}T09:00:00Z");
    let fresh = booked(
        &admin,
        booking(
            &car,
            &client,
            &later(1),
            &later(4),
            json!({"extras": [{"extraId": seat, "quantity": 1}]}),
        ),
    )
    .await;
    assert_eq!(
        lines(&fresh["priceLines"]),
        vec![
            line(
                "rental",
                "Location : 3 jours × 500.00",
                3,
                ["500", "1250", "250", "1500"]
            ),
            line(
                "extra",
                "Siège enfant × 1",
                1,
                ["135", "112.50", "22.50", "135"]
            ),
        ]
    );
    assert_eq!(money(&fresh["estimatedTotalCost"]), dec("1635"));
    assert_eq!(money(&fresh["deposit"]["required"]), dec("3000"));
    let r3 = book(
        &admin,
        booking(
            &car,
            &client,
            &later(10),
            &later(12),
            json!({"extras": [{"extraId": gps, "quantity": 1}]}),
        ),
    )
    .await;
    assert_invalid(&r3, "extras[0].extraId");
    let r3 = admin
        .get(&quote_path(&car, &later(10), &later(12), &gps))
        .await;
    assert_invalid(&r3, "extras[0].extraId");
    // Each extra once.
    let r3 = book(
        &admin,
        booking(
            &car,
            &client,
            &later(10),
            &later(12),
            json!({"extras": [{"extraId": seat, "quantity": 1}, {"extraId": seat, "quantity": 1}]}),
        ),
    )
    .await;
    assert_invalid(&r3, "extras[1].extraId");
    // Bad quantities name the quantity.
    for quantity in [0, 21] {
        let r3 = book(
            &admin,
            booking(
                &car,
                &client,
                &later(10),
                &later(12),
                json!({"extras": [{"extraId": seat, "quantity": quantity}]}),
            ),
        )
        .await;
        assert_invalid(&r3, "extras[0].quantity");
    }

    // Moving the booking to another car takes that car's plan.
    let other = new_car(&admin, 2, json!(200)).await;
    let moved = update_ok(&admin, &id, json!({"carId": other})).await;
    assert_eq!(money(&moved["ratePlan"]["base"]["daily"]), dec("200"));
    let first = &lines(&moved["priceLines"])[0];
    assert_eq!(
        (first.kind.as_str(), first.quantity, first.unit_price),
        ("rental", 8, dec("200"))
    );
    assert_eq!(
        [first.net, first.tax, first.gross],
        amounts("1333.33", "266.67", "1600")
    );
    assert_eq!(money(&moved["estimatedTotalCost"]), dec("2080"));
    assert_priced(&moved);
}

// ---------------------------------------------------------------- tax

async fn tax_is_computed_per_line_on_either_basis(engine: Engine) {
    let y = next_year();
    let start = format!("{y}-03-02T10:00:00Z");

    // Prices without tax, VAT at 10 %.
    let options = Options::default()
        .env("LOCACAR_PRICES_INCLUDE_TAX", "false")
        .env("LOCACAR_VAT_RATE", "10");
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    let car = new_car(&admin, 1, json!(300)).await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let insurance = new_extra(
        &admin,
        json!({"name": "Assurance", "pricing": "perRental", "price": 33.35}),
    )
    .await;
    let seat = new_extra(
        &admin,
        json!({"name": "Siège", "pricing": "perDay", "price": 12.25}),
    )
    .await;
    let end = format!("{y}-03-04T10:00:00Z");
    let extras = json!([{"extraId": insurance, "quantity": 1}, {"extraId": seat, "quantity": 3}]);
    let r = booked(
        &admin,
        booking(&car, &client, &start, &end, json!({ "extras": extras })),
    )
    .await;
    assert_eq!(r["priceBasis"], "exclusive");
    assert_eq!(money(&r["vatRate"]), dec("10"));
    assert_eq!(
        lines(&r["priceLines"]),
        vec![
            line(
                "rental",
                "Location : 2 jours × 300.00",
                2,
                ["300", "600", "60", "660"]
            ),
            // 3.335 rounds half away from zero.
            line(
                "extra",
                "Assurance × 1",
                1,
                ["33.35", "33.35", "3.34", "36.69"]
            ),
            line("extra", "Siège × 3", 3, ["24.50", "73.50", "7.35", "80.85"]),
        ],
        "{r}"
    );
    assert_eq!(totals(&r["totals"]), amounts("706.85", "70.69", "777.54"));
    assert_eq!(money(&r["estimatedTotalCost"]), dec("777.54"));
    assert_priced(&r);
    let q = get_ok(
        &admin,
        &quote_path(&car, &start, &end, &format!("{insurance}:1,{seat}:3")),
    )
    .await;
    assert_eq!(q["priceBasis"], "exclusive");
    assert_eq!(q["lines"], r["priceLines"]);
    drop(app);

    // The default: prices include 20 % VAT.
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = new_car(&admin, 1, json!(300)).await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let cleaning = new_extra(
        &admin,
        json!({"name": "Nettoyage", "pricing": "perRental", "price": 100}),
    )
    .await;
    let bottle = new_extra(
        &admin,
        json!({"name": "Eau", "pricing": "perRental", "price": 1.23}),
    )
    .await;
    let r = booked(
        &admin,
        booking(
            &car,
            &client,
            &start,
            &format!("{y}-03-03T10:00:00Z"),
            json!({"extras": [{"extraId": cleaning, "quantity": 1}, {"extraId": bottle, "quantity": 1}]}),
        ),
    )
    .await;
    assert_eq!(r["priceBasis"], "inclusive");
    assert_eq!(money(&r["vatRate"]), dec("20"));
    assert_eq!(
        lines(&r["priceLines"]),
        vec![
            line(
                "rental",
                "Location : 1 jour × 300.00",
                1,
                ["300", "250", "50", "300"]
            ),
            line(
                "extra",
                "Nettoyage × 1",
                1,
                ["100", "83.33", "16.67", "100"]
            ),
            // 1.025 rounds half away from zero.
            line("extra", "Eau × 1", 1, ["1.23", "1.03", "0.20", "1.23"]),
        ],
        "{r}"
    );
    assert_eq!(totals(&r["totals"]), amounts("334.36", "66.87", "401.23"));
    assert_eq!(money(&r["estimatedTotalCost"]), dec("401.23"));
    assert_priced(&r);
}

// ---------------------------------------------------------------- fees

async fn late_cancellations_cost_a_fee(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let soon = now() + Duration::hours(24);

    // Inside the window: the first day's rate (here the weekly one, 8 days booked).
    let weekly = new_car(&admin, 1, json!(300)).await;
    rates_ok(
        &admin,
        &weekly,
        json!({"base": {"daily": 300, "weekly": 250, "monthly": null}, "seasons": [], "deposit": 0}),
    )
    .await;
    let r = booked(
        &admin,
        booking(
            &weekly,
            &client,
            &stamp(soon),
            &stamp(soon + Duration::days(8)),
            json!({}),
        ),
    )
    .await;
    assert_eq!(money(&r["priceLines"][0]["unitPrice"]), dec("250"));
    let c = move_ok(&admin, &id_of(&r), json!({"status": "cancelled_by_client"})).await;
    assert_eq!(c["fee"]["kind"], "cancellation", "{c}");
    assert_eq!(money(&c["fee"]["amount"]), dec("250"));
    assert!(c["fee"]["waiver"].is_null(), "{c}");
    assert_eq!(
        lines(&c["priceLines"]),
        vec![line(
            "fee",
            "Frais d'annulation",
            1,
            ["250", "208.33", "41.67", "250"]
        )],
        "{c}"
    );
    assert_eq!(money(&c["finalTotalCost"]), dec("250"));
    assert!(c["closedAt"].is_string(), "{c}");
    assert_priced(&c);
    assert_eq!(reservation(&admin, &id_of(&r)).await, c);

    // A pending booking starting in 47 hours: inside the window too (one day at 300).
    let car = new_car(&admin, 2, json!(300)).await;
    let p = booked(
        &admin,
        booking(
            &car,
            &client,
            &stamp(now() + Duration::hours(47)),
            &stamp(now() + Duration::hours(47 + 72)),
            json!({"status": "pending_confirmation"}),
        ),
    )
    .await;
    let c = move_ok(&admin, &id_of(&p), json!({"status": "cancelled_by_client"})).await;
    assert_eq!(c["fee"]["kind"], "cancellation", "{c}");
    assert_eq!(money(&c["fee"]["amount"]), dec("300"));
    assert_eq!(money(&c["finalTotalCost"]), dec("300"));

    // Just outside the window (49 hours ahead): free.
    let edge = booked(
        &admin,
        booking(
            &car,
            &client,
            &stamp(now() + Duration::hours(49)),
            &stamp(now() + Duration::hours(49 + 24)),
            json!({}),
        ),
    )
    .await;
    let c = move_ok(
        &admin,
        &id_of(&edge),
        json!({"status": "cancelled_by_client"}),
    )
    .await;
    assert!(c["fee"].is_null(), "{c}");
    assert_eq!(money(&c["finalTotalCost"]), dec("0"));

    // Outside the window (10 days ahead): free.
    let far = now() + Duration::days(10);
    let f = booked(
        &admin,
        booking(
            &car,
            &client,
            &stamp(far),
            &stamp(far + Duration::days(3)),
            json!({}),
        ),
    )
    .await;
    let c = move_ok(&admin, &id_of(&f), json!({"status": "cancelled_by_client"})).await;
    assert!(c["fee"].is_null(), "{c}");
    assert_eq!(c["priceLines"], json!([]));
    assert_eq!(money(&c["finalTotalCost"]), dec("0"));
    assert_eq!(totals(&c["totals"]), amounts("0", "0", "0"));
    assert!(c["closedAt"].is_string(), "{c}");
    // Nothing to invoice.
    invoice_status(&admin, &id_of(&f))
        .await
        .assert_error(409, "conflict");

    // The agency's own cancellation never costs the client.
    let a = booked(
        &admin,
        booking(
            &car,
            &client,
            &stamp(soon),
            &stamp(soon + Duration::days(2)),
            json!({}),
        ),
    )
    .await;
    let c = move_ok(&admin, &id_of(&a), json!({"status": "cancelled_by_agency"})).await;
    assert!(c["fee"].is_null(), "{c}");
    assert_eq!(c["priceLines"], json!([]));
    assert_eq!(money(&c["finalTotalCost"]), dec("0"));
    assert!(c["closedAt"].is_string(), "{c}");

    // A fixed fee, on a server set so (same database).
    let fixed = app.another_instance(&Options::default().env("LOCACAR_CANCELLATION_FEE", "150"));
    let admin2 = admin.on(&fixed.base);
    let b = booked(
        &admin2,
        booking(
            &car,
            &client,
            &stamp(soon),
            &stamp(soon + Duration::days(3)),
            json!({}),
        ),
    )
    .await;
    let c = move_ok(
        &admin2,
        &id_of(&b),
        json!({"status": "cancelled_by_client"}),
    )
    .await;
    assert_eq!(c["fee"]["kind"], "cancellation", "{c}");
    assert_eq!(money(&c["fee"]["amount"]), dec("150"));
    assert_eq!(
        lines(&c["priceLines"]),
        vec![line(
            "fee",
            "Frais d'annulation",
            1,
            ["150", "125", "25", "150"]
        )]
    );
    assert_eq!(money(&c["finalTotalCost"]), dec("150"));
}

async fn a_no_show_fee_is_paid_or_waived(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let admin_id = user_id(&admin).await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let start = now() - Duration::hours(1);
    let end = start + Duration::days(2);

    // Booked, started an hour ago, never picked up.
    let car = new_car(&admin, 1, json!(300)).await;
    let r = booked(
        &admin,
        booking(&car, &client, &stamp(start), &stamp(end), json!({})),
    )
    .await;
    let id = id_of(&r);
    let n = move_ok(&admin, &id, json!({"status": "no_show"})).await;
    assert_eq!(n["fee"]["kind"], "noShow", "{n}");
    assert_eq!(money(&n["fee"]["amount"]), dec("300"));
    assert!(n["fee"]["waiver"].is_null());
    assert_eq!(
        lines(&n["priceLines"]),
        vec![line(
            "fee",
            "Frais de non-présentation",
            1,
            ["300", "250", "50", "300"]
        )],
        "{n}"
    );
    assert_eq!(money(&n["finalTotalCost"]), dec("300"));
    assert_eq!(money(&n["paymentDetails"]["remaining"]), dec("300"));
    assert!(n["closedAt"].is_string(), "{n}");
    assert_priced(&n);

    // Owed until paid.
    assert_eq!(
        ids(&admin.get("/api/reservations?balanceDue=true").await),
        std::slice::from_ref(&id)
    );
    assert!(ids(&admin.get("/api/reservations?balanceDue=false").await).is_empty());
    let r = pay(&admin, &id, json!({"amount": 300.01, "method": "cash"})).await;
    assert_invalid(&r, "amount");
    let p = pay_ok(&manager, &id, json!({"amount": 300, "method": "cash"})).await;
    assert_eq!(money(&p["paymentDetails"]["amountPaid"]), dec("300"));
    assert_eq!(money(&p["paymentDetails"]["remaining"]), dec("0"));
    assert!(ids(&admin.get("/api/reservations?balanceDue=true").await).is_empty());
    assert_eq!(
        ids(&admin.get("/api/reservations?balanceDue=false").await),
        std::slice::from_ref(&id)
    );
    pay(&admin, &id, json!({"amount": 1, "method": "cash"}))
        .await
        .assert_error(409, "conflict");

    // Another no-show, waived by an admin.
    let other = new_car(&admin, 2, json!(300)).await;
    let w = booked(
        &admin,
        booking(&other, &client, &stamp(start), &stamp(end), json!({})),
    )
    .await;
    let wid = id_of(&w);
    move_ok(&admin, &wid, json!({"status": "no_show"})).await;
    waive(&manager, &wid, "Vol annulé")
        .await
        .assert_error(403, "forbidden");
    assert_eq!(audit_count(&app, "Reservation", "WAIVE_FEE", &wid).await, 0);
    let r = waive(&admin, &wid, "  ").await;
    assert_invalid(&r, "reason");
    let r = waive(&admin, &wid, "Vol annulé").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let waived = r.body;
    assert_eq!(waived["fee"]["kind"], "noShow");
    assert_eq!(
        money(&waived["fee"]["amount"]),
        dec("300"),
        "the fee is kept"
    );
    assert_eq!(waived["fee"]["waiver"]["reason"], "Vol annulé");
    assert_eq!(waived["fee"]["waiver"]["by"], admin_id.as_str());
    assert!(waived["fee"]["waiver"]["at"].is_string(), "{waived}");
    let l = lines(&waived["priceLines"]);
    assert_eq!(l.len(), 1, "{waived}");
    assert_eq!(l[0].kind, "fee");
    assert_eq!(
        l[0].label,
        "Frais de non-présentation (annulés : Vol annulé)"
    );
    assert_eq!(
        (l[0].net, l[0].tax, l[0].gross),
        (dec("0"), dec("0"), dec("0"))
    );
    assert_eq!(money(&waived["finalTotalCost"]), dec("0"));
    assert_eq!(money(&waived["paymentDetails"]["remaining"]), dec("0"));
    assert_priced(&waived);
    assert_eq!(reservation(&admin, &wid).await, waived);
    assert_eq!(audit_count(&app, "Reservation", "WAIVE_FEE", &wid).await, 1);
    let entries = audit_entries(&admin, "WAIVE_FEE", &wid).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0]["details"]["reason"], "Vol annulé",
        "{:?}",
        entries[0]
    );
    // A waived fee is settled.
    assert!(!ids(&admin.get("/api/reservations?balanceDue=true").await).contains(&wid));

    // Twice, or without a fee: 409.
    waive(&admin, &wid, "Encore")
        .await
        .assert_error(409, "conflict");
    let far = now() + Duration::days(10);
    let free = booked(
        &admin,
        booking(
            &other,
            &client,
            &stamp(far),
            &stamp(far + Duration::days(1)),
            json!({}),
        ),
    )
    .await;
    waive(&admin, &id_of(&free), "Rien")
        .await
        .assert_error(409, "conflict");
    move_ok(
        &admin,
        &id_of(&free),
        json!({"status": "cancelled_by_client"}),
    )
    .await;
    waive(&admin, &id_of(&free), "Rien")
        .await
        .assert_error(409, "conflict");
    assert_eq!(audit_count(&app, "Reservation", "WAIVE_FEE", &wid).await, 1);
    assert_eq!(
        audit_count(&app, "Reservation", "WAIVE_FEE", &id_of(&free)).await,
        0
    );

    // With LOCACAR_NO_SHOW_FEE=none (another server, same database), no fee.
    let no_fee = app.another_instance(&Options::default().env("LOCACAR_NO_SHOW_FEE", "none"));
    let admin2 = admin.on(&no_fee.base);
    let third = new_car(&admin2, 3, json!(300)).await;
    let r = booked(
        &admin2,
        booking(&third, &client, &stamp(start), &stamp(end), json!({})),
    )
    .await;
    let n = move_ok(&admin2, &id_of(&r), json!({"status": "no_show"})).await;
    assert!(n["fee"].is_null(), "{n}");
    assert_eq!(n["priceLines"], json!([]));
    assert_eq!(money(&n["finalTotalCost"]), dec("0"));
    assert!(n["closedAt"].is_string(), "{n}");
}

// ---------------------------------------------------------------- refunds

async fn refunds_need_a_reason_and_never_exceed_what_was_paid(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = new_car(&admin, 1, json!(300)).await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let far = now() + Duration::days(10);
    let r = booked(
        &admin,
        booking(
            &car,
            &client,
            &stamp(far),
            &stamp(far + Duration::days(3)),
            json!({}),
        ),
    )
    .await;
    let id = id_of(&r);
    assert_eq!(money(&r["estimatedTotalCost"]), dec("900"));

    let p = pay_ok(&admin, &id, json!({"amount": 500, "method": "card"})).await;
    assert_eq!(money(&p["paymentDetails"]["amountPaid"]), dec("500"));
    assert_eq!(money(&p["paymentDetails"]["remaining"]), dec("400"));

    let p = pay_ok(
        &admin,
        &id,
        json!({"amount": -200, "method": "card", "reason": "Geste commercial"}),
    )
    .await;
    let payments = p["paymentDetails"]["payments"]
        .as_array()
        .expect("payments");
    assert_eq!(payments.len(), 2, "{p}");
    assert_eq!(money(&payments[0]["amount"]), dec("500"));
    assert!(payments[0]["reason"].is_null(), "{p}");
    assert_eq!(money(&payments[1]["amount"]), dec("-200"));
    assert_eq!(payments[1]["reason"], "Geste commercial");
    assert_eq!(payments[1]["method"], "card");
    assert_eq!(money(&p["paymentDetails"]["amountPaid"]), dec("300"));
    assert_eq!(money(&p["paymentDetails"]["remaining"]), dec("600"));
    assert_eq!(money(&p["paymentDetails"]["refundOwed"]), dec("0"));
    assert_eq!(
        audit_count(&app, "Reservation", "ADD_PAYMENT", &id).await,
        2
    );

    // Refused: no reason, more than was paid, zero.
    let r = pay(&admin, &id, json!({"amount": -100, "method": "card"})).await;
    assert_invalid(&r, "reason");
    let r = pay(
        &admin,
        &id,
        json!({"amount": -300.01, "method": "card", "reason": "Trop"}),
    )
    .await;
    assert_invalid(&r, "amount");
    let r = pay(&admin, &id, json!({"amount": 0, "method": "card"})).await;
    assert_invalid(&r, "amount");
    assert_eq!(reservation(&admin, &id).await, p, "refusals change nothing");
    assert_eq!(
        audit_count(&app, "Reservation", "ADD_PAYMENT", &id).await,
        2
    );

    // A free cancellation of a paid booking: the agency owes back what was paid.
    let c = move_ok(&admin, &id, json!({"status": "cancelled_by_client"})).await;
    assert_eq!(money(&c["finalTotalCost"]), dec("0"));
    assert_eq!(money(&c["paymentDetails"]["refundOwed"]), dec("300"));
    assert_eq!(money(&c["paymentDetails"]["remaining"]), dec("0"));
    pay(&admin, &id, json!({"amount": 10, "method": "cash"}))
        .await
        .assert_error(409, "conflict");
    let back = pay_ok(
        &admin,
        &id,
        json!({"amount": -300, "method": "transfer", "reason": "Annulation gratuite"}),
    )
    .await;
    assert_eq!(money(&back["paymentDetails"]["refundOwed"]), dec("0"));
    assert_eq!(money(&back["paymentDetails"]["amountPaid"]), dec("0"));
    assert_eq!(money(&back["paymentDetails"]["remaining"]), dec("0"));
    assert_eq!(
        back["paymentDetails"]["payments"][2]["reason"],
        "Annulation gratuite"
    );
    let r = pay(
        &admin,
        &id,
        json!({"amount": -0.01, "method": "cash", "reason": "Encore"}),
    )
    .await;
    assert_invalid(&r, "amount");
    assert_eq!(
        audit_count(&app, "Reservation", "ADD_PAYMENT", &id).await,
        3
    );
}

// ---------------------------------------------------------------- deposit

async fn the_deposit_is_held_captured_and_released(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = new_car(&admin, 1, json!(1000)).await;
    rates_ok(
        &admin,
        &car,
        json!({"base": {"daily": 1000, "weekly": null, "monthly": null}, "seasons": [], "deposit": 5000}),
    )
    .await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let start = now() - Duration::hours(1);
    let r = booked(
        &admin,
        booking(
            &car,
            &client,
            &stamp(start),
            &stamp(start + Duration::days(2)),
            json!({}),
        ),
    )
    .await;
    let id = id_of(&r);
    assert_eq!(money(&r["deposit"]["required"]), dec("5000"));
    assert_eq!(deposit_state(&r), four("0", "0", "0", "0"));
    assert_eq!(money(&r["estimatedTotalCost"]), dec("2000"));

    // No hold before the pick-up.
    deposit(&admin, &id, json!({"kind": "hold"}))
        .await
        .assert_error(409, "conflict");

    // The pick-up holds the required deposit.
    let a = move_ok(&admin, &id, json!({"status": "active"})).await;
    assert_eq!(deposit_state(&a), four("5000", "0", "0", "5000"), "{a}");
    assert_deposit_balances(&a);
    let moves = a["deposit"]["movements"].as_array().expect("movements");
    assert_eq!(moves.len(), 1, "{a}");
    assert_eq!(moves[0]["kind"], "hold");
    assert_eq!(money(&moves[0]["amount"]), dec("5000"));
    assert_eq!(moves[0]["reason"], "pick-up");
    let audited = audit_count(&app, "Reservation", "RECORD_DEPOSIT", &id).await;

    // A capture says why, and takes at most what is outstanding.
    let r = deposit(&admin, &id, json!({"kind": "capture", "amount": 1200})).await;
    assert_invalid(&r, "reason");
    let c = deposit_ok(
        &admin,
        &id,
        json!({"kind": "capture", "amount": 1200, "reason": "Rayure portière avant"}),
    )
    .await;
    assert_eq!(deposit_state(&c), four("5000", "1200", "0", "3800"), "{c}");
    assert_eq!(money(&c["paymentDetails"]["depositApplied"]), dec("1200"));
    assert_eq!(
        money(&c["paymentDetails"]["amountPaid"]),
        dec("0"),
        "not a payment"
    );
    assert_eq!(c["paymentDetails"]["payments"], json!([]));
    assert_eq!(money(&c["paymentDetails"]["remaining"]), dec("800"));
    let last = &c["deposit"]["movements"][1];
    assert_eq!(last["kind"], "capture");
    assert_eq!(money(&last["amount"]), dec("1200"));
    assert_eq!(last["reason"], "Rayure portière avant");
    assert_eq!(
        audit_count(&app, "Reservation", "RECORD_DEPOSIT", &id).await,
        audited + 1
    );
    let r = deposit(
        &admin,
        &id,
        json!({"kind": "capture", "amount": 3800.01, "reason": "Trop"}),
    )
    .await;
    assert_invalid(&r, "amount");

    // A release without an amount releases all that is outstanding.
    let rel = deposit_ok(&admin, &id, json!({"kind": "release"})).await;
    assert_eq!(
        deposit_state(&rel),
        four("5000", "1200", "3800", "0"),
        "{rel}"
    );
    assert_eq!(
        money(&rel["deposit"]["movements"][2]["amount"]),
        dec("3800")
    );
    assert_eq!(money(&rel["paymentDetails"]["remaining"]), dec("800"));
    let r = deposit(&admin, &id, json!({"kind": "release"})).await;
    assert_invalid(&r, "amount");
    let r = deposit(&admin, &id, json!({"kind": "release", "amount": 1})).await;
    assert_invalid(&r, "amount");
    let r = deposit(&admin, &id, json!({"kind": "capture", "reason": "Plein"})).await;
    assert_invalid(&r, "amount");
    assert_eq!(reservation(&admin, &id).await["deposit"], rel["deposit"]);
    assert_eq!(
        audit_count(&app, "Reservation", "RECORD_DEPOSIT", &id).await,
        audited + 2
    );
    let entries = audit_entries(&admin, "RECORD_DEPOSIT", &id).await;
    assert!(
        entries
            .iter()
            .any(|e| e["details"]["reason"] == "Rayure portière avant"),
        "{entries:?}"
    );

    // Returned (one billable day, 1000): the captured 1200 exceeds it by 200.
    let done = move_ok(&admin, &id, json!({"status": "completed"})).await;
    assert_deposit_balances(&done);
    assert_eq!(deposit_state(&done), four("5000", "1200", "3800", "0"));
    assert_eq!(money(&done["finalTotalCost"]), dec("1000"));
    assert_eq!(money(&done["paymentDetails"]["remaining"]), dec("0"));
    assert_eq!(money(&done["paymentDetails"]["refundOwed"]), dec("200"));
    deposit(&admin, &id, json!({"kind": "hold", "amount": 100}))
        .await
        .assert_error(409, "conflict");
    assert_eq!(
        audit_count(&app, "Reservation", "RECORD_DEPOSIT", &id).await,
        audited + 2
    );
}

// ---------------------------------------------------------------- return

async fn a_return_is_priced_from_the_days_as_they_happened(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = new_car(&admin, 1, json!(300)).await;
    rates_ok(
        &admin,
        &car,
        json!({"base": {"daily": 300, "weekly": 250, "monthly": null}, "seasons": [], "deposit": 0}),
    )
    .await;
    let seat = new_extra(
        &admin,
        json!({"name": "Siège enfant", "pricing": "perDay", "price": 30, "cap": 150}),
    )
    .await;
    let gps = new_extra(
        &admin,
        json!({"name": "GPS", "pricing": "perRental", "price": 50}),
    )
    .await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;

    // Booked for 3 days, kept 8: the weekly tier of the booked plan, the seat's cap.
    let start = now() - Duration::days(8) - Duration::hours(1);
    let r = booked(
        &admin,
        booking(
            &car,
            &client,
            &stamp(start),
            &stamp(start + Duration::days(3)),
            json!({"extras": [{"extraId": seat, "quantity": 1}, {"extraId": gps, "quantity": 2}]}),
        ),
    )
    .await;
    let id = id_of(&r);
    assert_eq!(
        money(&r["estimatedTotalCost"]),
        dec("1090"),
        "900 + 90 + 100"
    );
    // The car's plan changes after booking: the rental keeps its own.
    rates_ok(
        &admin,
        &car,
        json!({"base": {"daily": 900, "weekly": 800, "monthly": null}, "seasons": [], "deposit": 0}),
    )
    .await;
    let a = move_ok(&admin, &id, json!({"status": "active", "at": stamp(start)})).await;
    assert_eq!(
        a["priceLines"], r["priceLines"],
        "on the road: the booked period"
    );
    assert_eq!(money(&a["estimatedTotalCost"]), dec("1090"));
    assert!(a["closedAt"].is_null(), "{a}");
    let done = move_ok(
        &admin,
        &id,
        json!({"status": "completed", "at": stamp(start + Duration::days(8)),
               "additionalCharges": [{"label": "Lavage", "amount": 20}]}),
    )
    .await;
    assert_eq!(
        lines(&done["priceLines"]),
        vec![
            line(
                "rental",
                "Location : 8 jours × 250.00, tarif semaine",
                8,
                ["250", "1666.67", "333.33", "2000"]
            ),
            line("extra", "Siège enfant × 1", 1, ["150", "125", "25", "150"]),
            line("extra", "GPS × 2", 2, ["50", "83.33", "16.67", "100"]),
            line("charge", "Lavage", 1, ["20", "16.67", "3.33", "20"]),
        ],
        "{done}"
    );
    assert_eq!(money(&done["finalTotalCost"]), dec("2270"));
    assert_eq!(
        totals(&done["totals"]),
        amounts("1891.67", "378.33", "2270")
    );
    assert!(done["closedAt"].is_string(), "{done}");
    assert!(done["fee"].is_null(), "{done}");
    assert_priced(&done);
    assert_eq!(money(&done["paymentDetails"]["remaining"]), dec("2270"));
}

// ---------------------------------------------------------------- balance due

async fn the_balance_due_filter_lists_closed_reservations_by_what_they_owe(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let past = now() - Duration::days(5);
    let back = past + Duration::days(3);
    let mut cars = Vec::new();
    for n in 1..=8 {
        cars.push(new_car(&admin, n, json!(300)).await);
    }

    // Completed, nothing paid: owes 900.
    let unpaid = id_of(&completed_rental(&admin, &cars[0], &client, past, back, json!([])).await);
    // Completed and paid in full.
    let paid = id_of(&completed_rental(&admin, &cars[1], &client, past, back, json!([])).await);
    pay_ok(&admin, &paid, json!({"amount": 900, "method": "cash"})).await;
    // Completed with a charge, partly paid: owes 100.
    let partly = completed_rental(
        &admin,
        &cars[2],
        &client,
        past,
        back,
        json!([{"label": "Carburant", "amount": 100}]),
    )
    .await;
    assert_eq!(money(&partly["finalTotalCost"]), dec("1000"));
    let partly = id_of(&partly);
    pay_ok(&admin, &partly, json!({"amount": 900, "method": "card"})).await;
    // Completed, settled by the captured deposit.
    rates_ok(
        &admin,
        &cars[3],
        json!({"base": {"daily": 300, "weekly": null, "monthly": null}, "seasons": [], "deposit": 1000}),
    )
    .await;
    let by_deposit =
        id_of(&completed_rental(&admin, &cars[3], &client, past, back, json!([])).await);
    let d = deposit_ok(
        &admin,
        &by_deposit,
        json!({"kind": "capture", "amount": 900, "reason": "Solde de la location"}),
    )
    .await;
    assert_eq!(money(&d["paymentDetails"]["remaining"]), dec("0"));
    // A no-show whose fee is unpaid.
    let start = now() - Duration::hours(2);
    let no_show = id_of(
        &booked(
            &admin,
            booking(
                &cars[4],
                &client,
                &stamp(start),
                &stamp(start + Duration::days(1)),
                json!({}),
            ),
        )
        .await,
    );
    move_ok(&admin, &no_show, json!({"status": "no_show"})).await;
    // A free cancellation.
    let far = now() + Duration::days(10);
    let cancelled = id_of(
        &booked(
            &admin,
            booking(
                &cars[5],
                &client,
                &stamp(far),
                &stamp(far + Duration::days(1)),
                json!({}),
            ),
        )
        .await,
    );
    move_ok(&admin, &cancelled, json!({"status": "cancelled_by_client"})).await;
    // Open reservations, unpaid: never listed.
    let confirmed = id_of(
        &booked(
            &admin,
            booking(
                &cars[6],
                &client,
                &stamp(far),
                &stamp(far + Duration::days(2)),
                json!({}),
            ),
        )
        .await,
    );
    let active = id_of(
        &booked(
            &admin,
            booking(
                &cars[7],
                &client,
                &stamp(start),
                &stamp(start + Duration::days(2)),
                json!({}),
            ),
        )
        .await,
    );
    move_ok(&admin, &active, json!({"status": "active"})).await;
    // Neither open reservation can be invoiced yet.
    for open in [&confirmed, &active] {
        invoice_status(&admin, open)
            .await
            .assert_error(409, "conflict");
    }

    let owing = admin.get("/api/reservations?balanceDue=true").await;
    assert_eq!(
        sorted(ids(&owing)),
        sorted(vec![unpaid.clone(), partly.clone(), no_show.clone()]),
        "{}",
        owing.text
    );
    assert_eq!(owing.body["total"], 3, "{}", owing.text);
    let settled = admin.get("/api/reservations?balanceDue=false").await;
    assert_eq!(
        sorted(ids(&settled)),
        sorted(vec![paid.clone(), by_deposit.clone(), cancelled.clone()]),
        "{}",
        settled.text
    );
    assert_eq!(settled.body["total"], 3, "{}", settled.text);
    for open in [&confirmed, &active] {
        assert!(!ids(&owing).contains(open) && !ids(&settled).contains(open));
    }
    assert_eq!(ids(&admin.get("/api/reservations").await).len(), 8);

    // Paying the rest moves a reservation from one list to the other.
    pay_ok(&admin, &partly, json!({"amount": 100, "method": "cash"})).await;
    assert_eq!(
        sorted(ids(&admin.get("/api/reservations?balanceDue=true").await)),
        sorted(vec![unpaid.clone(), no_show.clone()])
    );
    assert!(ids(&admin.get("/api/reservations?balanceDue=false").await).contains(&partly));
}

// ---------------------------------------------------------------- invoices

async fn invoices_and_credit_notes_are_numbered_frozen_pdfs(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let car = new_car(&admin, 10, json!(300)).await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let start = now() - Duration::days(3) - Duration::hours(2);
    let back = start + Duration::days(3);

    // 3 days at 300 and 120.50 of fuel; 500 paid in cash.
    let done = completed_rental(
        &admin,
        &car,
        &client,
        start,
        back,
        json!([{"label": "Carburant", "amount": 120.5}]),
    )
    .await;
    let id = id_of(&done);
    let number_of_reservation = done["reservationNumber"]
        .as_str()
        .expect("number")
        .to_owned();
    assert_eq!(
        lines(&done["priceLines"]),
        vec![
            line(
                "rental",
                "Location : 3 jours × 300.00",
                3,
                ["300", "750", "150", "900"]
            ),
            line(
                "charge",
                "Carburant",
                1,
                ["120.50", "100.42", "20.08", "120.50"]
            ),
        ],
        "{done}"
    );
    assert_eq!(money(&done["finalTotalCost"]), dec("1020.50"));
    pay_ok(&admin, &id, json!({"amount": 500, "method": "cash"})).await;

    // The first request issues the invoice.
    let (first, text) = invoice(&manager, &id).await;
    let first_seq = sequence(&first, "F");
    assert_has(
        &text,
        &[
            "FACTURE",
            &first,
            "LocaCar",
            "Amina Alaoui",
            &plate(10),
            "Dacia Logan",
            &number_of_reservation,
            "Location : 3 jours × 300.00",
            "Carburant",
            "Paiements",
        ],
    );
    assert_amount(&text, "Total TTC", "1020.50");
    assert_amount(&text, "Total HT", "850.42");
    assert_amount(&text, "TVA 20 %", "170.08");
    assert_amount(&text, "Location : 3 jours × 300.00", "900.00");
    assert_amount(&text, "Carburant", "120.50");
    assert_amount(&text, "Espèces", "500.00");
    assert_amount(&text, "Reste à payer", "520.50");
    assert_eq!(
        audit_count(&app, "Reservation", "ISSUE_INVOICE", &id).await,
        1
    );
    let entries = audit_entries(&admin, "ISSUE_INVOICE", &id).await;
    assert_eq!(
        entries[0]["details"]["number"],
        first.as_str(),
        "{entries:?}"
    );

    // Later requests give the same document, even after a new payment.
    let (again, again_text) = invoice(&admin, &id).await;
    assert_eq!(
        (again.as_str(), again_text.as_str()),
        (first.as_str(), text.as_str())
    );
    pay_ok(&admin, &id, json!({"amount": 100, "method": "card"})).await;
    let (again, again_text) = invoice(&admin, &id).await;
    assert_eq!(again, first);
    assert_eq!(again_text, text, "an issued invoice never changes");
    assert_eq!(
        audit_count(&app, "Reservation", "ISSUE_INVOICE", &id).await,
        1
    );

    // Not closed yet, or closed with nothing to invoice: 409.
    let future = now() + Duration::days(10);
    let confirmed = id_of(
        &booked(
            &admin,
            booking(
                &car,
                &client,
                &stamp(future),
                &stamp(future + Duration::days(2)),
                json!({}),
            ),
        )
        .await,
    );
    invoice_status(&admin, &confirmed)
        .await
        .assert_error(409, "conflict");
    move_ok(&admin, &confirmed, json!({"status": "cancelled_by_client"})).await;
    invoice_status(&admin, &confirmed)
        .await
        .assert_error(409, "conflict");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM invoices WHERE reservation_id = '{confirmed}'"
            ))
            .await,
        0
    );

    // A reservation with an invoice cannot be deleted.
    admin
        .delete(&format!("/api/reservations/{id}"))
        .await
        .assert_error(409, "conflict");
    assert_eq!(reservation(&admin, &id).await["status"], "completed");

    // A credit note cancels it (admins only).
    let credit = format!("/api/reservations/{id}/credit-notes");
    let r = admin.post(&credit, json!({"reason": ""})).await;
    assert_invalid(&r, "reason");
    manager
        .post(&credit, json!({"reason": "Erreur de carburant"}))
        .await
        .assert_error(403, "forbidden");
    let r = admin
        .post(&credit, json!({"reason": "Erreur de carburant"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let note = r.body;
    assert_eq!(note["kind"], "creditNote");
    let note_number = note["number"].as_str().expect("number").to_owned();
    let note_seq = sequence(&note_number, "AV");
    assert_eq!(note["credits"], first.as_str());
    assert_eq!(note["credited"], false);
    assert_eq!(note["issuedBy"], user_id(&admin).await.as_str());
    assert_eq!(
        totals(&note["total"]),
        amounts("-850.42", "-170.08", "-1020.50")
    );

    // The next request issues a new invoice, numbered next, from the reservation as it is.
    let (second, second_text) = invoice(&admin, &id).await;
    assert_eq!(
        sequence(&second, "F"),
        first_seq + 1,
        "{first} then {second}"
    );
    assert_amount(&second_text, "Total TTC", "1020.50");
    assert_amount(&second_text, "Reste à payer", "420.50");
    assert_amount(&second_text, "Espèces", "500.00");
    assert_amount(&second_text, "Carte", "100.00");
    assert_eq!(
        audit_count(&app, "Reservation", "ISSUE_INVOICE", &id).await,
        2
    );

    // The documents, in issue order.
    let list = get_ok(&admin, &format!("/api/reservations/{id}/invoices")).await;
    let items = list["items"].as_array().expect("items");
    let summary: Vec<(&str, &str, bool)> = items
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().expect("kind"),
                d["number"].as_str().expect("number"),
                d["credited"].as_bool().expect("credited"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("invoice", first.as_str(), true),
            ("creditNote", note_number.as_str(), false),
            ("invoice", second.as_str(), false),
        ],
        "{list}"
    );
    assert_eq!(items[1]["_id"], note["_id"]);
    assert!(items[0]["credits"].is_null(), "{list}");
    assert_eq!(items[1]["credits"], first.as_str());
    assert_eq!(money(&items[0]["total"]["gross"]), dec("1020.50"));

    // Each document stays readable as it was issued.
    let (status, headers, bytes) = get_pdf(
        &admin,
        &format!("/api/reservations/{id}/invoices/{}", id_of(&note)),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(header(&headers, "content-type"), "application/pdf");
    assert_eq!(header(&headers, "x-invoice-number"), note_number);
    let note_text = pdf_text(&bytes);
    assert_has(&note_text, &["AVOIR", &note_number, &first, "Amina Alaoui"]);
    assert_amount(&note_text, "Total TTC", "-1020.50");
    let first_id = items[0]["_id"].as_str().expect("id");
    let (status, _, bytes) = get_pdf(
        &admin,
        &format!("/api/reservations/{id}/invoices/{first_id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        pdf_text(&bytes),
        text,
        "the cancelled invoice is kept as it was"
    );

    // A second credit note cancels the new invoice; then none is in force.
    let r = admin
        .post(&credit, json!({"reason": "Remise accordée"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["credits"], second.as_str());
    let second_note = r.body["number"].as_str().expect("number").to_owned();
    assert_eq!(sequence(&second_note, "AV"), note_seq + 1);
    admin
        .post(&credit, json!({"reason": "Encore"}))
        .await
        .assert_error(409, "conflict");
    admin
        .post(
            &format!("/api/reservations/{confirmed}/credit-notes"),
            json!({"reason": "Rien"}),
        )
        .await
        .assert_error(409, "conflict");
    assert_eq!(
        audit_count(&app, "Reservation", "ISSUE_CREDIT_NOTE", &id).await,
        2
    );

    // Invoices of other reservations take the next numbers: a completed rental, then a
    // no-show with its fee.
    let other_car = new_car(&admin, 11, json!(200)).await;
    let other = completed_rental(&admin, &other_car, &client, start, back, json!([])).await;
    let (third, third_text) = invoice(&admin, &id_of(&other)).await;
    assert_eq!(
        sequence(&third, "F"),
        first_seq + 2,
        "{second} then {third}"
    );
    assert_amount(&third_text, "Total TTC", "600.00");
    assert_amount(&third_text, "Reste à payer", "600.00");
    let ns_start = now() - Duration::hours(1);
    let ns = id_of(
        &booked(
            &admin,
            booking(
                &other_car,
                &client,
                &stamp(ns_start),
                &stamp(ns_start + Duration::days(1)),
                json!({}),
            ),
        )
        .await,
    );
    move_ok(&admin, &ns, json!({"status": "no_show"})).await;
    let (fourth, fourth_text) = invoice(&admin, &ns).await;
    assert_eq!(
        sequence(&fourth, "F"),
        first_seq + 3,
        "{third} then {fourth}"
    );
    assert_has(&fourth_text, &["Frais de non-présentation"]);
    assert_amount(&fourth_text, "Total TTC", "200.00");
    // Waiving the fee afterwards leaves the issued invoice as it was.
    let r = waive(&admin, &ns, "Geste commercial").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(money(&r.body["finalTotalCost"]), dec("0"));
    assert_eq!(invoice(&admin, &ns).await, (fourth, fourth_text));
}

async fn concurrent_invoice_requests_issue_one_invoice(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let car = new_car(&admin, 1, json!(300)).await;
    let client = new_client(&admin, 1, "Amina", "Alaoui").await;
    let start = now() - Duration::days(3) - Duration::hours(2);
    let done = completed_rental(
        &admin,
        &car,
        &client,
        start,
        start + Duration::days(3),
        json!([]),
    )
    .await;
    let id = id_of(&done);

    let path = format!("/api/reservations/{id}/invoice");
    let replies = futures::future::join_all((0..8).map(|_| get_pdf(&admin, &path))).await;
    let mut numbers = Vec::new();
    for (status, headers, bytes) in &replies {
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(bytes));
        assert!(bytes.starts_with(b"%PDF-"));
        numbers.push(header(headers, "x-invoice-number").to_owned());
    }
    sequence(&numbers[0], "F");
    assert!(numbers.iter().all(|n| *n == numbers[0]), "{numbers:?}");
    assert_eq!(
        audit_count(&app, "Reservation", "ISSUE_INVOICE", &id).await,
        1
    );
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM invoices WHERE reservation_id = '{id}'"
            ))
            .await,
        1
    );
    let (number, _) = invoice(&admin, &id).await;
    assert_eq!(number, numbers[0]);

    // The database itself refuses to change or remove an issued invoice.
    let update =
        format!("UPDATE invoices SET number = 'F-0000-000000' WHERE reservation_id = '{id}'");
    assert!(
        try_sql(&app, &update).await.is_err(),
        "UPDATE of an invoice"
    );
    let delete = format!("DELETE FROM invoices WHERE reservation_id = '{id}'");
    assert!(
        try_sql(&app, &delete).await.is_err(),
        "DELETE of an invoice"
    );
    assert_eq!(
        app.db
            .texts(&format!(
                "SELECT number FROM invoices WHERE reservation_id = '{id}'"
            ))
            .await,
        [numbers[0].clone()]
    );
}
