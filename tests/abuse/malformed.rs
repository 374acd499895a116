//! The malformed input corpus: well over a thousand hostile requests, generated here and
//! sent over HTTP to the real server on both engines, across the routes that write
//! (login; cars, clients, reservations with their status and payment routes; managers;
//! the password change) and the lists beside them.
//!
//! For every case: no 5xx; the exact status this file expects (so both engines give the
//! same answer); the contract's JSON error body, with the `code` of its status and
//! `fields` naming the culprit where the case has one; nothing internal in the body; and,
//! once the whole corpus has run, the same rows and documents as before it.
//!
//! Also: a NUL in any text field is the same 422 on both engines (PostgreSQL cannot store
//! one), usernames are compared after Unicode normalisation, and emoji come back exactly.
//!
//! Where the contract leaves the answer open, the server's choice, asserted here:
//! - a body that is not one JSON value (truncated, a byte-order mark before it, bytes
//!   that are not UTF-8, a `\u` escape of a lone surrogate, text that looks like a number
//!   but is no JSON number, nesting deeper than 128) is malformed: 400;
//! - an object with a key twice is malformed too, whichever copy is valid: 400;
//! - `Content-Type: application/json` with a charset other than UTF-8 is 415;
//! - valid JSON of the wrong shape, type or value (a non-object body, a number out of
//!   range, fractional cents, an impossible date, a NUL) is 422;
//! - a body over the 64 KiB limit is 413 however it is built; a request head over
//!   64 KiB is hyper's bare 431, the one answer without the JSON body.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{Duration, Utc};
use futures::stream::{self, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{id_of, Api, Engine, Resp, TestApp, ADMIN_PASSWORD};

crate::both_engines!(
    malformed_input_corpus,
    usernames_compare_after_unicode_normalisation,
    emoji_round_trip_exactly,
);

/// The contract's body limit for JSON (the server's default).
const JSON_LIMIT: usize = 64 * 1024;
/// Requests in flight at once: enough to finish quickly, few enough for a shared 2-core box.
const IN_FLIGHT: usize = 4;
const MIN_CASES: usize = 300;

// ---------------------------------------------------------------- cases

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
}

/// What `fields` must say about the culprit.
#[derive(Debug, Clone)]
enum Culprit {
    /// Nothing is required of `fields` (beyond its shape when present).
    Unnamed,
    /// `fields` has exactly this key.
    Exact(String),
    /// `fields` has this key, or one below it (`name.sub`, `name[0]`).
    Under(String),
}

#[derive(Debug, Clone)]
struct Case {
    category: &'static str,
    label: String,
    who: Who,
    method: Method,
    path: String,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    status: u16,
    culprit: Culprit,
}

impl Case {
    fn new(category: &'static str, label: impl Into<String>, route: &Route, body: Vec<u8>) -> Case {
        Case {
            category,
            label: format!("{} {}", route.name, label.into()),
            who: route.who,
            method: route.method.clone(),
            path: route.path.clone(),
            content_type: Some("application/json".into()),
            headers: Vec::new(),
            body: Some(body),
            status: 400,
            culprit: Culprit::Unnamed,
        }
    }

    fn bare(
        category: &'static str,
        label: impl Into<String>,
        method: Method,
        path: String,
    ) -> Case {
        Case {
            category,
            label: label.into(),
            who: Who::Admin,
            method,
            path,
            content_type: None,
            headers: Vec::new(),
            body: None,
            status: 400,
            culprit: Culprit::Unnamed,
        }
    }

    fn status(mut self, status: u16) -> Case {
        self.status = status;
        self
    }

    fn culprit(mut self, culprit: Culprit) -> Case {
        self.culprit = culprit;
        self
    }

    fn content_type(mut self, content_type: Option<&str>) -> Case {
        self.content_type = content_type.map(str::to_owned);
        self
    }
}

/// A route that writes, with a body it would accept.
struct Route {
    name: &'static str,
    who: Who,
    method: Method,
    path: String,
    valid: Value,
    /// Top-level fields that may never be null (null clears the others).
    required: &'static [&'static str],
    /// Whether `{}` lacks fields the route requires (a create, a login, a password change).
    needs_fields: bool,
}

/// The documents the `PUT` routes and the bookings refer to.
struct Fixture {
    car: String,
    client: String,
    reservation: String,
    manager: String,
}

/// An instant `days` from now at 09:00 UTC, as the API writes it.
fn day(days: i64) -> String {
    (Utc::now() + Duration::days(days))
        .format("%Y-%m-%dT09:00:00Z")
        .to_string()
}

async fn fixture(app: &TestApp, admin: &Api) -> Fixture {
    let r = admin
        .post(
            "/api/cars",
            json!({"make": "Dacia", "model": "Logan", "year": 2023, "licensePlate": "12345-A-6",
                   "vin": "VF1RFB00X66120001", "dailyRate": 250}),
        )
        .await;
    assert_eq!(r.status, 201, "car: {}", r.text);
    let car = id_of(&r.body);
    let r = admin
        .post(
            "/api/clients",
            json!({"firstName": "Karim", "lastName": "Alaoui", "phone": "0600000001",
                   "driverLicenseNumber": "DL-1"}),
        )
        .await;
    assert_eq!(r.status, 201, "client: {}", r.text);
    let client = id_of(&r.body);
    let r = admin
        .post(
            "/api/reservations",
            json!({"carId": car, "clientId": client, "startDate": day(10), "endDate": day(13),
                   "status": "confirmed", "notes": "Vol AT 205"}),
        )
        .await;
    assert_eq!(r.status, 201, "reservation: {}", r.text);
    let reservation = id_of(&r.body);
    let (_, manager) = app.manager("nora").await;
    Fixture {
        car,
        client,
        reservation,
        manager,
    }
}

fn routes(fx: &Fixture) -> Vec<Route> {
    let res = &fx.reservation;
    vec![
        Route {
            name: "login",
            who: Who::Anonymous,
            method: Method::POST,
            path: "/api/auth/login".into(),
            valid: json!({"username": "admin", "password": ADMIN_PASSWORD}),
            required: &["username", "password"],
            needs_fields: true,
        },
        Route {
            name: "car.create",
            who: Who::Admin,
            method: Method::POST,
            path: "/api/cars".into(),
            valid: json!({"make": "Renault", "model": "Clio", "year": 2022,
                          "licensePlate": "54321-B-7", "vin": "VF1RFB00X66120002",
                          "color": "Blanc", "dailyRate": 250.5, "description": "Climatisée",
                          "odometerKm": 1200, "includedKmPerDay": 250, "extraKmRate": 1.5}),
            required: &[
                "make",
                "model",
                "year",
                "licensePlate",
                "vin",
                "dailyRate",
                "odometerKm",
                "extraKmRate",
            ],
            needs_fields: true,
        },
        Route {
            name: "car.update",
            who: Who::Admin,
            method: Method::PUT,
            path: format!("/api/cars/{}", fx.car),
            valid: json!({"model": "Logan MCV", "dailyRate": 275, "color": "Gris",
                          "odometerKm": 1300, "description": "Toit ouvrant"}),
            required: &["model", "dailyRate", "odometerKm"],
            needs_fields: false,
        },
        Route {
            name: "client.create",
            who: Who::Admin,
            method: Method::POST,
            path: "/api/clients".into(),
            valid: json!({"firstName": "Amal", "lastName": "Benali", "phone": "0611223344",
                          "email": "amal@example.com", "CIN": "AB123456",
                          "driverLicenseNumber": "DL-998877", "dateOfBirth": "1990-05-04",
                          "licenseIssueDate": "2010-06-01", "licenseExpiryDate": "2030-06-01",
                          "notes": "Cliente fidèle"}),
            required: &["firstName", "lastName", "phone"],
            needs_fields: true,
        },
        Route {
            name: "client.update",
            who: Who::Admin,
            method: Method::PUT,
            path: format!("/api/clients/{}", fx.client),
            valid: json!({"lastName": "El Alaoui", "email": "karim@example.com",
                          "licenseExpiryDate": "2031-01-31", "notes": "VIP"}),
            required: &["lastName"],
            needs_fields: false,
        },
        Route {
            name: "reservation.create",
            who: Who::Admin,
            method: Method::POST,
            path: "/api/reservations".into(),
            valid: json!({"carId": fx.car, "clientId": fx.client, "startDate": day(30),
                          "endDate": day(33), "notes": "Siège bébé", "status": "confirmed"}),
            required: &["carId", "clientId", "startDate", "endDate", "status"],
            needs_fields: true,
        },
        Route {
            name: "reservation.update",
            who: Who::Admin,
            method: Method::PUT,
            path: format!("/api/reservations/{res}"),
            valid: json!({"startDate": day(11), "endDate": day(14), "notes": "Vol AT 207"}),
            required: &["startDate", "endDate"],
            needs_fields: false,
        },
        // Well-formed, this move is a 409 (a confirmed booking is not returned): the body
        // carries every field the status route reads.
        Route {
            name: "reservation.status",
            who: Who::Admin,
            method: Method::PUT,
            path: format!("/api/reservations/{res}/status"),
            valid: json!({"status": "completed", "at": day(12),
                          "additionalCharges": [{"label": "Lavage", "amount": 50}],
                          "inspection": {"odometerKm": 42810, "fuelEighths": 5,
                                         "damage": [{"zone": "front", "description": "Rayure"}],
                                         "signedBy": "Karim Alaoui"}}),
            required: &["status"],
            needs_fields: false,
        },
        Route {
            name: "payment",
            who: Who::Admin,
            method: Method::POST,
            path: format!("/api/reservations/{res}/payments"),
            valid: json!({"amount": 100.5, "method": "cash", "transactionDate": day(-1)}),
            required: &["amount", "method"],
            needs_fields: true,
        },
        Route {
            name: "manager.create",
            who: Who::Admin,
            method: Method::POST,
            path: "/api/managers".into(),
            valid: json!({"username": "nadia.b", "password": "manager-pass-2",
                          "fullName": "Nadia Berrada", "isActive": true}),
            required: &["username", "password", "fullName"],
            needs_fields: true,
        },
        Route {
            name: "manager.update",
            who: Who::Admin,
            method: Method::PUT,
            path: format!("/api/managers/{}", fx.manager),
            valid: json!({"fullName": "Nora M", "isActive": true}),
            required: &["fullName"],
            needs_fields: false,
        },
        Route {
            name: "password",
            who: Who::Admin,
            method: Method::PUT,
            path: "/api/auth/password".into(),
            valid: json!({"currentPassword": ADMIN_PASSWORD, "newPassword": "brand-new-pass-1"}),
            required: &["currentPassword", "newPassword"],
            needs_fields: true,
        },
    ]
}

// ---------------------------------------------------------------- editing bodies

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// A path as the server names fields: `inspection.damage[0].zone`.
fn display(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn top(steps: &[Step]) -> String {
    match steps.first() {
        Some(Step::Key(k)) => k.clone(),
        _ => String::new(),
    }
}

/// Every value below the root, containers included, depth first.
fn nodes(value: &Value) -> Vec<(Vec<Step>, Value)> {
    fn walk(value: &Value, at: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, Value)>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    at.push(Step::Key(k.clone()));
                    out.push((at.clone(), v.clone()));
                    walk(v, at, out);
                    at.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    at.push(Step::Index(i));
                    out.push((at.clone(), v.clone()));
                    walk(v, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn strings(value: &Value) -> Vec<Vec<Step>> {
    nodes(value)
        .into_iter()
        .filter(|(_, v)| v.is_string())
        .map(|(steps, _)| steps)
        .collect()
}

/// `value` with the node at `steps` replaced.
fn set(value: &Value, steps: &[Step], new: Value) -> Value {
    let mut out = value.clone();
    let mut node = &mut out;
    for step in steps {
        node = match step {
            Step::Key(k) => &mut node[k.as_str()],
            Step::Index(i) => &mut node[*i],
        };
    }
    *node = new;
    out
}

/// A character no generated body contains, to find a spot in the serialised text.
const MARK: &str = "\u{E000}locacar-mark\u{E000}";

/// The body's text with the node at `steps` written as the raw JSON text `raw`
/// (which need not be valid JSON, nor UTF-8).
fn with_raw(value: &Value, steps: &[Step], raw: &[u8]) -> Vec<u8> {
    splice(value, steps, |_| raw.to_vec())
}

/// Serialises `value` with the node at `steps` replaced by what `make` writes, given the
/// original node's JSON text.
fn splice(value: &Value, steps: &[Step], make: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let mut original = value.clone();
    let mut node = &mut original;
    for step in steps {
        node = match step {
            Step::Key(k) => &mut node[k.as_str()],
            Step::Index(i) => &mut node[*i],
        };
    }
    let old = serde_json::to_vec(node).expect("serialise");
    let marked = set(value, steps, Value::String(MARK.into()));
    let text = serde_json::to_vec(&marked).expect("serialise");
    let needle = serde_json::to_vec(&Value::String(MARK.into())).expect("serialise");
    let at = text
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .expect("mark in body");
    let mut out = text[..at].to_vec();
    out.extend(make(&old));
    out.extend(&text[at + needle.len()..]);
    out
}

/// The body with the member at `steps` given twice: `"key": bad` first or last, the key
/// spelled `spelling` (an escaped form of it) in the bad member.
fn duplicated(
    value: &Value,
    steps: &[Step],
    bad: &str,
    bad_first: bool,
    spelling: &str,
) -> Vec<u8> {
    let Some(Step::Key(key)) = steps.last() else {
        panic!("a duplicate needs a key");
    };
    // The value becomes a placeholder and the two members; cutting the original key and
    // the placeholder then leaves the two members where the one was.
    let text = splice(value, steps, |old| {
        let good = String::from_utf8(old.to_vec()).expect("utf-8");
        let bad_member = format!("\"{spelling}\":{bad}");
        let good_member = format!("\"{key}\":{good}");
        let pair = if bad_first {
            format!("{bad_member},{good_member}")
        } else {
            format!("{good_member},{bad_member}")
        };
        format!("\u{E001}{pair}").into_bytes()
    });
    // `"key":\u{E001}` → the two members.
    let text = String::from_utf8(text).expect("utf-8");
    let prefix = format!("\"{key}\":\u{E001}");
    assert!(text.contains(&prefix), "{text}");
    text.replacen(&prefix, "", 1).into_bytes()
}

fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serialise")
}

// ---------------------------------------------------------------- the corpus

/// Strict prefixes of a valid body: no prefix of an object is JSON.
fn truncated(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        let text = to_bytes(&route.valid);
        let len = text.len();
        let mut cuts: Vec<usize> = vec![0, 1, 2, len - 2, len - 1];
        cuts.extend((1..8).map(|k| len * k / 8));
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts {
            cases.push(Case::new(
                "truncated",
                format!("cut at {cut} of {len}"),
                route,
                text[..cut].to_vec(),
            ));
        }
    }
    cases
}

fn byte_order_marks(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        let text = to_bytes(&route.valid);
        for (label, bom) in [
            ("UTF-8 BOM", &b"\xEF\xBB\xBF"[..]),
            ("UTF-16LE BOM", &b"\xFF\xFE"[..]),
        ] {
            let mut body = bom.to_vec();
            body.extend(&text);
            cases.push(Case::new("bom", label, route, body));
        }
    }
    cases
}

/// Byte sequences that are not UTF-8, each inside a JSON string.
const NOT_UTF8: &[(&str, &[u8])] = &[
    ("0xFF", b"\"ab\xFFcd\""),
    ("lone continuation byte", b"\"\x80\""),
    ("truncated sequence", b"\"caf\xC3\""),
    ("overlong '/'", b"\"\xC0\xAF\""),
    ("UTF-8-encoded surrogate", b"\"\xED\xA0\x80\""),
    ("beyond U+10FFFF", b"\"\xF4\x90\x80\x80\""),
];

fn invalid_utf8(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        let fields = strings(&route.valid);
        for (n, steps) in fields.iter().enumerate() {
            // Every variant on the first text field, one (in turn) on the others.
            let variants: Vec<_> = if n == 0 {
                NOT_UTF8.iter().collect()
            } else {
                vec![&NOT_UTF8[n % NOT_UTF8.len()]]
            };
            for (label, raw) in variants {
                cases.push(Case::new(
                    "invalid-utf8",
                    format!("{label} in {}", display(steps)),
                    route,
                    with_raw(&route.valid, steps, raw),
                ));
            }
        }
    }
    cases
}

/// `\u` escapes of UTF-16 surrogates that do not make a pair.
const LONE_SURROGATES: &[&str] = &[
    r#""\ud800""#,
    r#""\udfff""#,
    r#""ab\ud800cd""#,
    r#""\ud800\ud800""#,
    r#""\udc00\ud800""#,
    r#""Zo\ud83d""#,
];

fn lone_surrogates(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        for (n, steps) in strings(&route.valid).iter().enumerate() {
            let variants: Vec<&str> = if n == 0 {
                LONE_SURROGATES.to_vec()
            } else {
                vec![LONE_SURROGATES[n % LONE_SURROGATES.len()]]
            };
            for raw in variants {
                cases.push(Case::new(
                    "lone-surrogate",
                    format!("{raw} in {}", display(steps)),
                    route,
                    with_raw(&route.valid, steps, raw.as_bytes()),
                ));
            }
        }
    }
    cases
}

/// For each route, a member given twice: once with a value the server must refuse, once
/// with the valid one. Taking either silently would let one copy dodge the checks that a
/// proxy, a log reader or the other copy saw.
fn duplicate_keys(routes: &[Route]) -> Vec<Case> {
    let picks: &[(&str, &[&str], &str)] = &[
        ("login", &["username"], r#""nobody""#),
        ("car.create", &["dailyRate"], "-5"),
        ("car.update", &["dailyRate"], "-5"),
        ("client.create", &["phone"], r#""x""#),
        ("client.update", &["email"], r#""not-an-address""#),
        (
            "reservation.create",
            &["endDate"],
            r#""2020-01-01T00:00:00Z""#,
        ),
        ("reservation.update", &["notes"], "42"),
        ("reservation.status", &["status"], r#""bogus""#),
        ("reservation.status", &["inspection", "odometerKm"], "-1"),
        ("payment", &["amount"], "-1e309"),
        ("manager.create", &["password"], r#""short""#),
        ("manager.update", &["isActive"], r#""no""#),
        ("password", &["newPassword"], r#""short""#),
    ];
    let mut cases = Vec::new();
    for (name, path, bad) in picks {
        let route = routes.iter().find(|r| r.name == *name).expect("route");
        let steps: Vec<Step> = path.iter().map(|k| Step::Key((*k).to_owned())).collect();
        let key = path.last().expect("key");
        // The key written with its first letter escaped: the same key once decoded.
        let mut chars = key.chars();
        let first = chars.next().expect("a key");
        let escaped = format!("\\u{:04x}{}", u32::from(first), chars.as_str());
        for (order, bad_first) in [("bad first", true), ("bad last", false)] {
            cases.push(Case::new(
                "duplicate-key",
                format!("{} twice, {order}", display(&steps)),
                route,
                duplicated(&route.valid, &steps, bad, bad_first, key),
            ));
        }
        cases.push(Case::new(
            "duplicate-key",
            format!("{} twice, once escaped as {escaped}", display(&steps)),
            route,
            duplicated(&route.valid, &steps, bad, true, &escaped),
        ));
    }
    cases
}

/// Numbers that are valid JSON but no amount of money: each must be a 422.
const BAD_AMOUNTS: &[&str] = &[
    "1e309",
    "-1e309",
    "1e-400",
    "250.555",
    "0.001",
    "-250",
    "1e12",
    "123456789012345678901234567890",
    // Fractional cents far past the 28 digits a decimal type keeps: never rounded away.
    "250.00000000000000000000000000001",
    "250.5000000000000000000000000000000001",
    "4.9e-324",
    "1.7976931348623157e308",
    "1e99999999999999999999",
];

/// Numbers that are valid JSON but no count of anything the routes take.
const BAD_COUNTS: &[&str] = &[
    "1e309",
    "2024.5",
    "-1",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "1e99999999999999999999",
];

/// Number-like text that is not JSON at all: each must be a 400.
const NOT_NUMBERS: &[&str] = &[
    "NaN",
    "Infinity",
    "-Infinity",
    "+250",
    ".5",
    "250.",
    "0x10",
    "1_000",
    "01",
    "1e",
    "--1",
];

fn numbers(routes: &[Route]) -> Vec<Case> {
    let money: &[(&str, &[&str])] = &[
        ("car.create", &["dailyRate"]),
        ("car.create", &["extraKmRate"]),
        ("car.update", &["dailyRate"]),
        ("reservation.status", &["additionalCharges"]),
        ("payment", &["amount"]),
    ];
    let counts: &[(&str, &[&str])] = &[
        ("car.create", &["year"]),
        ("car.create", &["odometerKm"]),
        ("car.create", &["includedKmPerDay"]),
        ("reservation.status", &["inspection", "odometerKm"]),
        ("reservation.status", &["inspection", "fuelEighths"]),
    ];
    let mut cases = Vec::new();
    let route = |name: &str| routes.iter().find(|r| r.name == name).expect("route");
    for (name, path) in money {
        let r = route(name);
        let mut steps: Vec<Step> = path.iter().map(|k| Step::Key((*k).to_owned())).collect();
        let culprit = display(&steps);
        if *path == ["additionalCharges"] {
            steps.extend([Step::Index(0), Step::Key("amount".into())]);
        }
        // A negative payment is a refund (checked below), not a malformed amount.
        let amounts = BAD_AMOUNTS
            .iter()
            .filter(|raw| !(*name == "payment" && raw.starts_with('-') && !raw.contains('e')));
        for raw in amounts {
            cases.push(
                Case::new(
                    "numbers",
                    format!("{} = {raw}", display(&steps)),
                    r,
                    with_raw(&r.valid, &steps, raw.as_bytes()),
                )
                .status(422)
                .culprit(Culprit::Under(culprit.clone())),
            );
        }
    }
    for (name, path) in counts {
        let r = route(name);
        let steps: Vec<Step> = path.iter().map(|k| Step::Key((*k).to_owned())).collect();
        for raw in BAD_COUNTS {
            cases.push(
                Case::new(
                    "numbers",
                    format!("{} = {raw}", display(&steps)),
                    r,
                    with_raw(&r.valid, &steps, raw.as_bytes()),
                )
                .status(422)
                .culprit(Culprit::Under(top(&steps))),
            );
        }
    }
    // Negative money where it means a refund: still checked.
    let payment = route("payment");
    for (label, body, culprit) in [
        (
            "a refund without a reason",
            json!({"amount": -250, "method": "cash"}),
            "reason",
        ),
        (
            "a refund of more than was paid",
            json!({"amount": -250, "method": "cash", "reason": "Erreur de saisie"}),
            "amount",
        ),
        (
            "a refund of fractional cents",
            json!({"amount": -0.001, "method": "cash", "reason": "Erreur de saisie"}),
            "amount",
        ),
    ] {
        cases.push(
            Case::new("numbers", label, payment, to_bytes(&body))
                .status(422)
                .culprit(Culprit::Exact(culprit.into())),
        );
    }
    for name in ["car.create", "payment", "reservation.status"] {
        let r = route(name);
        let steps = match name {
            "car.create" => vec![Step::Key("dailyRate".into())],
            "payment" => vec![Step::Key("amount".into())],
            _ => vec![
                Step::Key("inspection".into()),
                Step::Key("fuelEighths".into()),
            ],
        };
        for raw in NOT_NUMBERS {
            cases.push(Case::new(
                "numbers",
                format!("{} = {raw}", display(&steps)),
                r,
                with_raw(&r.valid, &steps, raw.as_bytes()),
            ));
        }
    }
    cases
}

/// Text that is no RFC 3339 date-time with an offset.
const BAD_INSTANTS: &[&str] = &[
    "2026-02-30T10:00:00Z",
    "2026-13-01T10:00:00Z",
    "2026-00-10T10:00:00Z",
    "10000-01-01T00:00:00Z",
    "+10000-01-01T00:00:00Z",
    "2026-12-01T09:00:00",
    "2026-12-01",
    "2026-12-01T24:00:01Z",
    "2026-12-01T09:60:00Z",
    "2026-12-01T09:00:00+25:00",
    "0000-00-00T00:00:00Z",
    "1700000000000",
    "tomorrow",
    "",
];

/// Text that is no `YYYY-MM-DD` calendar date.
const BAD_DATES: &[&str] = &[
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "10000-01-01",
    "1990-1-1",
    "1990-01-01T00:00:00Z",
    "04/05/1990",
    "1990-02-29",
    "  ",
];

fn dates(routes: &[Route]) -> Vec<Case> {
    let instants: &[(&str, &str)] = &[
        ("reservation.create", "startDate"),
        ("reservation.create", "endDate"),
        ("reservation.update", "startDate"),
        ("reservation.update", "endDate"),
        ("reservation.status", "at"),
        ("payment", "transactionDate"),
    ];
    let days: &[(&str, &str)] = &[
        ("client.create", "dateOfBirth"),
        ("client.create", "licenseIssueDate"),
        ("client.create", "licenseExpiryDate"),
        ("client.update", "licenseExpiryDate"),
    ];
    let route = |name: &str| routes.iter().find(|r| r.name == name).expect("route");
    let mut cases = Vec::new();
    for (list, fields) in [(BAD_INSTANTS, instants), (BAD_DATES, days)] {
        for (name, field) in fields {
            let r = route(name);
            for bad in list {
                cases.push(
                    Case::new(
                        "dates",
                        format!("{field} = {bad:?}"),
                        r,
                        to_bytes(&set(&r.valid, &[Step::Key((*field).into())], json!(bad))),
                    )
                    .status(422)
                    .culprit(Culprit::Exact((*field).into())),
                );
            }
        }
    }
    // Periods that are no booking: ending before or as they start, too long, too far ahead.
    for name in ["reservation.create", "reservation.update"] {
        let r = route(name);
        for (label, start, end) in [
            ("end before start", day(20), day(19)),
            (
                "end an hour before start",
                day(20),
                day(20).replace("T09", "T08"),
            ),
            ("end at start", day(20), day(20)),
            ("six years long", day(20), day(20 + 6 * 366)),
            (
                "starting in 2099",
                "2099-01-01T09:00:00Z".into(),
                "2099-01-03T09:00:00Z".into(),
            ),
            (
                "from year 1 to 9999",
                "0001-01-01T00:00:00Z".into(),
                "9999-12-31T23:59:59Z".into(),
            ),
        ] {
            let body = set(&r.valid, &[Step::Key("startDate".into())], json!(start));
            let body = set(&body, &[Step::Key("endDate".into())], json!(end));
            cases.push(
                Case::new("dates", label, r, to_bytes(&body))
                    .status(422)
                    .culprit(Culprit::Unnamed),
            );
        }
    }
    cases
}

/// Values of the wrong JSON type for a node holding `value`.
fn wrong_types(value: &Value) -> Vec<Value> {
    match value {
        Value::String(_) => vec![json!(42), json!(true), json!([]), json!({})],
        Value::Number(_) => vec![json!("250"), json!(false), json!([1]), json!({})],
        Value::Bool(_) => vec![json!("true"), json!(1), json!([])],
        Value::Array(_) => vec![json!({}), json!("x"), json!(7)],
        Value::Object(_) => vec![json!([]), json!("x"), json!(7)],
        Value::Null => vec![],
    }
}

fn wrong_json_types(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        for (steps, value) in nodes(&route.valid) {
            for wrong in wrong_types(&value) {
                cases.push(
                    Case::new(
                        "wrong-type",
                        format!("{} = {wrong}", display(&steps)),
                        route,
                        to_bytes(&set(&route.valid, &steps, wrong)),
                    )
                    .status(422)
                    .culprit(Culprit::Under(top(&steps))),
                );
            }
        }
        for field in route.required {
            cases.push(
                Case::new(
                    "wrong-type",
                    format!("{field} = null"),
                    route,
                    to_bytes(&set(
                        &route.valid,
                        &[Step::Key((*field).into())],
                        Value::Null,
                    )),
                )
                .status(422)
                .culprit(Culprit::Exact((*field).into())),
            );
        }
    }
    cases
}

fn content_types(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        let json_body = to_bytes(&route.valid);
        let form: String = route
            .valid
            .as_object()
            .expect("object")
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map(str::to_owned).unwrap_or(v.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut multipart = Vec::new();
        for (k, v) in route.valid.as_object().expect("object") {
            multipart.extend(
                format!("--locacar\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                    .into_bytes(),
            );
        }
        multipart.extend(b"--locacar--\r\n");
        let variants: Vec<(Option<&str>, Vec<u8>)> = vec![
            (Some("text/plain"), json_body.clone()),
            (Some("text/plain; charset=utf-8"), json_body.clone()),
            (Some("application/x-www-form-urlencoded"), form.into_bytes()),
            (Some("multipart/form-data; boundary=locacar"), multipart),
            (None, json_body.clone()),
            (Some(""), json_body.clone()),
            (Some("application/json; charset=latin1"), json_body.clone()),
            (
                Some("application/json; charset=iso-8859-1"),
                json_body.clone(),
            ),
            (Some("application/json;charset=utf-16"), json_body.clone()),
            (Some("application/jsonp"), json_body.clone()),
            (Some("application/merge-patch+json"), json_body.clone()),
            (Some("application/*"), json_body.clone()),
        ];
        for (content_type, body) in variants {
            cases.push(
                Case::new("content-type", format!("{content_type:?}"), route, body)
                    .content_type(content_type)
                    .status(415),
            );
        }
    }
    cases
}

fn non_objects(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        let valid = route.valid.to_string();
        for raw in [
            "[]".to_owned(),
            format!("[{valid}]"),
            r#""a string""#.to_owned(),
            serde_json::to_string(&valid).expect("serialise"),
            "null".to_owned(),
            "42".to_owned(),
            "-0.5".to_owned(),
            "true".to_owned(),
        ] {
            cases.push(
                Case::new(
                    "non-object",
                    raw.chars().take(40).collect::<String>(),
                    route,
                    raw.into_bytes(),
                )
                .status(422),
            );
        }
        if route.needs_fields {
            cases.push(Case::new("non-object", "{}", route, b"{}".to_vec()).status(422));
        }
        for raw in [
            " \n\t ".to_owned(),
            format!("{valid}{valid}"),
            format!("{valid} x"),
        ] {
            cases.push(Case::new(
                "non-object",
                format!("not one JSON value ({} bytes)", raw.len()),
                route,
                raw.into_bytes(),
            ));
        }
    }
    cases
}

fn nesting(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        let first_text = strings(&route.valid).remove(0);
        let field = display(&first_text);
        let deep_in_field = |depth: usize| {
            let raw = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            with_raw(&route.valid, &first_text, raw.as_bytes())
        };
        let million: String = format!("[{}0]", "0,".repeat(999_999));
        let mut big_field = with_raw(&route.valid, &first_text, million.as_bytes());
        big_field.shrink_to_fit();
        let twenty_k = format!("[{}0]", "0,".repeat(19_999));
        // Over the limit: the size is judged before any parsing.
        for (label, body) in [
            (
                "100,000 open brackets".to_owned(),
                "[".repeat(100_000).into_bytes(),
            ),
            (
                "100,000-deep arrays".to_owned(),
                format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            ),
            (
                "100,000-deep objects".to_owned(),
                format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000)).into_bytes(),
            ),
            (
                "a 10^6-element array".to_owned(),
                million.clone().into_bytes(),
            ),
            (format!("a 10^6-element array in {field}"), big_field),
            ("padding one byte over the limit".to_owned(), {
                let text = to_bytes(&route.valid);
                let mut body = vec![b' '; JSON_LIMIT + 1 - text.len()];
                body.extend(text);
                body
            }),
        ] {
            cases.push(Case::new("size-and-depth", label, route, body).status(413));
        }
        // Under the limit: too deep for the parser, a 400.
        for (label, body) in [
            (
                "30,000-deep arrays".to_owned(),
                format!("{}{}", "[".repeat(30_000), "]".repeat(30_000)).into_bytes(),
            ),
            (
                "10,000-deep objects".to_owned(),
                format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000)).into_bytes(),
            ),
            (format!("200-deep arrays in {field}"), deep_in_field(200)),
        ] {
            cases.push(Case::new("size-and-depth", label, route, body));
        }
        // Under both limits: parsed, and refused for its type.
        for (label, body) in [
            (format!("100-deep arrays in {field}"), deep_in_field(100)),
            (
                format!("a 20,000-element array in {field}"),
                with_raw(&route.valid, &first_text, twenty_k.as_bytes()),
            ),
        ] {
            cases.push(
                Case::new("size-and-depth", label, route, body)
                    .status(422)
                    .culprit(Culprit::Under(top(&first_text))),
            );
        }
    }
    cases
}

fn query_strings(fx: &Fixture) -> Vec<Case> {
    let long_q = "x".repeat(10_000);
    let common: Vec<String> = vec![
        "perPage=1000000000".into(),
        "perPage=0".into(),
        "perPage=101".into(),
        "perPage=-5".into(),
        "page=-1".into(),
        "page=0".into(),
        "page=abc".into(),
        "page=1.5".into(),
        "page=1e3".into(),
        "page=".into(),
        "page=99999999999999999999".into(),
        "page=1&page=2".into(),
        "perPage=5&perPage=5".into(),
        "page=%00".into(),
        "page=%EF%BC%91".into(),
    ];
    // Only lists that sort take `sort` (the others ignore what they do not know).
    let sorted: Vec<String> = vec![
        "sort=nonsense".into(),
        "sort=-".into(),
        "sort=password".into(),
    ];
    let searchable: Vec<String> = vec![format!("q={long_q}"), "q=a%00b".into(), "q=x&q=y".into()];
    let mut lists: Vec<(String, Vec<String>)> = vec![
        (
            "/api/cars".into(),
            vec![
                "status=flying".into(),
                "branch=abc".into(),
                format!("make={long_q}"),
            ],
        ),
        ("/api/clients".into(), vec![]),
        (
            "/api/reservations".into(),
            vec![
                "status=bogus".into(),
                "carId=abc".into(),
                "clientId=zzzzzzzzzzzzzzzzzzzzzzzz".into(),
                "from=2026-02-30T00:00:00Z".into(),
                "from=2026-12-01T00:00:00".into(),
                "to=10000-01-01T00:00:00Z".into(),
                "overdue=yes".into(),
            ],
        ),
        ("/api/managers".into(), vec!["isActive=maybe".into()]),
    ];
    for (_, extra) in &mut lists {
        extra.extend(common.iter().cloned());
        extra.extend(sorted.iter().cloned());
        extra.extend(searchable.iter().cloned());
    }
    lists.push((
        "/api/audit".into(),
        [
            common.clone(),
            vec![
                "entityId=abc".into(),
                "userId=%00".into(),
                "from=2026-13-01T00:00:00Z".into(),
            ],
        ]
        .concat(),
    ));
    lists.push((
        format!("/api/clients/{}/reservations", fx.client),
        common.clone(),
    ));
    let window = format!("start={}&end={}", day(40), day(42));
    let mut available: Vec<String> = vec![
        String::new(),
        format!("start={}", day(40)),
        format!("start={}&end={}", day(42), day(40)),
        format!("start={}&end={}", day(40), day(40)),
        "start=2026-02-30T09:00:00Z&end=2026-03-02T09:00:00Z".into(),
        "start=2026-12-01T09:00:00&end=2026-12-03T09:00:00".into(),
        format!("{window}&start={}", day(41)),
    ];
    available.extend(common.iter().map(|p| format!("{window}&{p}")));
    lists.push(("/api/cars/available".into(), available));

    let mut cases = Vec::new();
    for (path, params) in lists {
        for query in params {
            let label = format!("GET {path}?{}", query.chars().take(60).collect::<String>());
            cases.push(Case::bare(
                "query",
                label,
                Method::GET,
                format!("{path}?{query}"),
            ));
        }
    }
    cases
}

fn path_ids() -> Vec<Case> {
    let bad_ids = [
        "abc",
        "zzzzzzzzzzzzzzzzzzzzzzzz",
        "65a1b2c3d4e5f6a7b8c9d0e1f",
        "65a1b2c3d4e5f6a7b8c9d0e",
        "%00",
        "65a1b2c3d4e5f6a7b8c9d0%00",
        "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
        "65a1b2c3d4e5f6a7b8c9d0e1%20",
        "-1",
        "0x65a1b2c3d4e5f6a7b8c9d0",
    ];
    let res_body = json!({"notes": "x"});
    let templates: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/api/cars/{}", None),
        (Method::PUT, "/api/cars/{}", Some(json!({"color": "Noir"}))),
        (Method::DELETE, "/api/cars/{}", None),
        (Method::GET, "/api/clients/{}", None),
        (Method::PUT, "/api/clients/{}", Some(json!({"notes": "x"}))),
        (Method::DELETE, "/api/clients/{}", None),
        (Method::GET, "/api/clients/{}/reservations", None),
        (Method::GET, "/api/reservations/{}", None),
        (Method::PUT, "/api/reservations/{}", Some(res_body)),
        (Method::DELETE, "/api/reservations/{}", None),
        (
            Method::PUT,
            "/api/reservations/{}/status",
            Some(json!({"status": "cancelled_by_client"})),
        ),
        (
            Method::POST,
            "/api/reservations/{}/payments",
            Some(json!({"amount": 10, "method": "cash"})),
        ),
        (Method::GET, "/api/managers/{}", None),
        (
            Method::PUT,
            "/api/managers/{}",
            Some(json!({"isActive": false})),
        ),
        (Method::DELETE, "/api/managers/{}", None),
    ];
    let mut cases = Vec::new();
    for (method, template, body) in &templates {
        for id in bad_ids {
            let path = template.replace("{}", id);
            let mut case = Case::bare(
                "path-id",
                format!("{method} {}", path.chars().take(70).collect::<String>()),
                method.clone(),
                path,
            );
            if let Some(body) = body {
                case.body = Some(to_bytes(body));
                case.content_type = Some("application/json".into());
            }
            cases.push(case);
        }
    }
    cases
}

fn big_headers(routes: &[Route]) -> Vec<Case> {
    let car = routes
        .iter()
        .find(|r| r.name == "car.create")
        .expect("route");
    let login = routes.iter().find(|r| r.name == "login").expect("route");
    let hundred_k = "a".repeat(100_000);
    let mut cases = Vec::new();
    for (route, name) in [
        (car, "x-padding"),
        (login, "x-padding"),
        (car, "user-agent"),
    ] {
        let mut case = Case::new(
            "headers",
            format!("100 KB {name}"),
            route,
            to_bytes(&route.valid),
        )
        .status(431);
        case.headers.push((name.into(), hundred_k.clone()));
        cases.push(case);
    }
    let mut case = Case::new(
        "headers",
        "200 headers of 500 bytes",
        car,
        to_bytes(&car.valid),
    )
    .status(431);
    for n in 0..200 {
        case.headers.push((format!("x-pad-{n}"), "b".repeat(500)));
    }
    cases.push(case);
    // Under the head limit, a large header is just a header: the body decides.
    let mut case = Case::new(
        "headers",
        "40 KB header, truncated body",
        car,
        b"{\"make\":".to_vec(),
    );
    case.headers.push(("x-padding".into(), "c".repeat(40_000)));
    cases.push(case);
    cases
}

/// A NUL in every text field of every writable resource: the same 422 on both engines,
/// naming the field (PostgreSQL cannot store NUL, so without the check it would fail
/// there only, with a 500).
fn nul_bytes(routes: &[Route]) -> Vec<Case> {
    let mut cases = Vec::new();
    for route in routes {
        for (n, steps) in strings(&route.valid).iter().enumerate() {
            let variants: &[&str] = if n == 0 {
                &["ab\u{0}cd", "\u{0}", "abcdefgh\u{0}", "\u{0}abcdefgh"]
            } else {
                &["ab\u{0}cd"]
            };
            for text in variants {
                cases.push(
                    Case::new(
                        "nul",
                        format!("{} = {text:?}", display(steps)),
                        route,
                        to_bytes(&set(&route.valid, steps, json!(text))),
                    )
                    .status(422)
                    .culprit(Culprit::Exact(display(steps))),
                );
            }
        }
        // A NUL in a key: no field has that name.
        let mut body = route.valid.clone();
        body["ab\u{0}cd"] = json!("x");
        cases.push(
            Case::new("nul", "a NUL in a key", route, to_bytes(&body))
                .status(422)
                .culprit(Culprit::Exact("ab\u{0}cd".into())),
        );
    }
    // The one text a payment carries only with a refund: its reason.
    let payment = routes.iter().find(|r| r.name == "payment").expect("route");
    let refund = json!({"amount": -10, "method": "cash", "reason": "Erreur\u{0}"});
    cases.push(
        Case::new("nul", "reason of a refund", payment, to_bytes(&refund))
            .status(422)
            .culprit(Culprit::Exact("reason".into())),
    );
    cases
}

/// Usernames that are not letters, digits, `.`, `_` and `-`.
fn unicode_usernames(routes: &[Route]) -> Vec<Case> {
    let create = routes
        .iter()
        .find(|r| r.name == "manager.create")
        .expect("route");
    let mut cases = Vec::new();
    for name in [
        "nadia\u{1F469}\u{200D}\u{1F4BB}",
        "\u{1F1F2}\u{1F1E6}\u{1F1F2}\u{1F1E6}",
        "nad\u{200B}ia",
        "nad\u{202E}ia",
        "nadia\u{FE0F}",
        "n\u{0301}\u{0301}\u{0301}",
    ] {
        cases.push(
            Case::new(
                "unicode",
                format!("username {name:?}"),
                create,
                to_bytes(&set(
                    &create.valid,
                    &[Step::Key("username".into())],
                    json!(name),
                )),
            )
            .status(422)
            .culprit(Culprit::Exact("username".into())),
        );
    }
    cases
}

// ---------------------------------------------------------------- judging answers

/// The contract's `code` for each status.
fn code_for(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "bad_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "too_many_requests",
        _ => return None,
    })
}

/// Text that would betray the server's insides, compared in lower case.
const LEAKS: &[&str] = &[
    "select ",
    "insert into",
    "delete from",
    " where ",
    "sqlite",
    "postgres",
    "sqlx",
    "sqlstate",
    "pg_",
    "violates",
    "constraint",
    "syntax error",
    "relation \"",
    "src/",
    ".rs:",
    ".rs\"",
    "::",
    "serde",
    "panicked",
    "backtrace",
    "thread '",
    "anyhow",
    "tokio",
    "hyper",
    "axum",
    "struct ",
    "enum ",
    "option<",
    "vec<",
    "$serde",
];

/// Rust's integer and float type names, as whole words.
const RUST_TYPES: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "usize", "isize", "f32",
    "f64",
];

/// A five-character SQLSTATE (`23505`, `22P05`, `40001`, `XX000`) as a whole word.
fn sqlstate_in(text: &str) -> Option<String> {
    const CLASSES: &[&str] = &[
        "00", "01", "02", "03", "08", "09", "0A", "0B", "0F", "0L", "0P", "0Z", "20", "21", "22",
        "23", "24", "25", "26", "27", "28", "2B", "2D", "2F", "34", "38", "39", "3B", "3D", "3F",
        "40", "42", "44", "53", "54", "55", "57", "58", "72", "F0", "HV", "P0", "XX",
    ];
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| {
            w.len() == 5
                && w.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
                && w.bytes().any(|b| b.is_ascii_digit())
                && CLASSES.contains(&&w[..2])
        })
        .map(str::to_owned)
}

fn leak_in(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if let Some(leak) = LEAKS.iter().find(|l| lower.contains(*l)) {
        return Some((*leak).to_owned());
    }
    if let Some(word) = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| RUST_TYPES.contains(w))
    {
        return Some(word.to_owned());
    }
    sqlstate_in(text)
}

/// Everything wrong with one answer, or nothing.
fn judge(case: &Case, r: &Resp) -> Vec<String> {
    let mut problems = Vec::new();
    if r.status >= 500 {
        problems.push(format!("a {} (server error)", r.status));
    }
    if r.status != case.status {
        problems.push(format!(
            "status {} where {} was expected",
            r.status, case.status
        ));
    }
    if r.status < 400 {
        return problems;
    }
    // hyper answers an oversized head itself, before any of our code runs.
    if r.status == 431 {
        return problems;
    }
    let content_type = r.header("content-type").unwrap_or("");
    if !content_type.starts_with("application/json") {
        problems.push(format!("content-type {content_type:?}"));
    }
    let Some(object) = r.body.as_object() else {
        problems.push("the body is no JSON object".into());
        return problems;
    };
    for key in object.keys() {
        if !["error", "code", "fields"].contains(&key.as_str()) {
            problems.push(format!("unexpected key {key:?}"));
        }
    }
    let message = object.get("error").and_then(Value::as_str).unwrap_or("");
    if message.trim().is_empty() {
        problems.push("no `error` message".into());
    }
    match (
        object.get("code").and_then(Value::as_str),
        code_for(r.status),
    ) {
        (Some(code), Some(expected)) if code == expected => {}
        (code, expected) => problems.push(format!(
            "code {code:?} for status {} ({expected:?})",
            r.status
        )),
    }
    let fields = object.get("fields");
    if let Some(fields) = fields {
        match fields.as_object() {
            Some(map) if map.values().all(Value::is_string) => {}
            _ => problems.push("`fields` is not an object of strings".into()),
        }
    }
    let keys: Vec<&String> = fields
        .and_then(Value::as_object)
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    match &case.culprit {
        Culprit::Unnamed => {}
        Culprit::Exact(name) => {
            if !keys.contains(&name) {
                problems.push(format!("`fields` does not name {name:?}"));
            }
        }
        Culprit::Under(name) => {
            let under = |k: &str| {
                k == name
                    || k.strip_prefix(name.as_str())
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            };
            if !keys.iter().any(|k| under(k)) {
                problems.push(format!("`fields` names nothing under {name:?}"));
            }
        }
    }
    if let Some(leak) = leak_in(&r.text) {
        problems.push(format!("the body mentions {leak:?}"));
    }
    problems
}

// ---------------------------------------------------------------- running

/// How many of each status a category got.
type Tally = BTreeMap<&'static str, BTreeMap<u16, usize>>;

async fn send(api: &Api, case: &Case) -> Result<Resp, String> {
    let mut req = api.request(case.method.clone(), &case.path);
    if let Some(ct) = &case.content_type {
        req = req.header("content-type", ct.as_str());
    }
    for (name, value) in &case.headers {
        req = req.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &case.body {
        req = req.body(body.clone());
    }
    api.try_send(req)
        .await
        .map_err(|e| format!("no answer: {e}"))
}

/// Each case's answer (its number in the corpus → status and body), the ids of the
/// documents made for the run blanked out, so that two engines' answers compare.
type Answers = BTreeMap<usize, String>;

/// The answers of the first engine to finish, for the other one to compare with its own
/// when both run in this process (as `-- malformed` runs them).
static FIRST_ANSWERS: Mutex<Option<(Engine, Answers)>> = Mutex::new(None);

fn fingerprint(r: &Resp) -> String {
    let mut text = String::with_capacity(r.text.len());
    let mut run = String::new();
    // A 24-character run of hex digits is an id, different on each engine's fixture.
    for c in r.text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        text.push_str(if run.len() == 24 { "<id>" } else { &run });
        run.clear();
        text.push(c);
    }
    text.pop();
    format!("{} {text}", r.status)
}

/// Compares this engine's answers with the other engine's, once both have run.
fn compare_engines(engine: Engine, answers: Answers, cases: &[Case]) -> Vec<String> {
    let mut first = FIRST_ANSWERS.lock().unwrap_or_else(|e| e.into_inner());
    let Some((other, theirs)) = first.take().filter(|(other, _)| *other != engine) else {
        *first = Some((engine, answers));
        return Vec::new();
    };
    println!("comparing the answers of {engine:?} with those of {other:?}");
    let mut differences = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let (mine, others) = (answers.get(&n), theirs.get(&n));
        if mine != others {
            differences.push(format!(
                "[{}] {} {} — {engine:?} and {other:?} differ:\n    {engine:?}: {}\n    {other:?}: {}",
                case.category,
                case.method,
                case.label,
                mine.map_or("no answer", String::as_str),
                others.map_or("no answer", String::as_str),
            ));
        }
    }
    differences
}

/// Sends every case and returns the tally, the answers and the failures.
async fn run(anonymous: &Api, admin: &Api, cases: &[Case]) -> (Tally, Answers, Vec<String>) {
    let answers: Vec<(usize, &Case, Result<Resp, String>)> = stream::iter(cases.iter().enumerate())
        .map(|(n, case)| async move {
            let api = match case.who {
                Who::Anonymous => anonymous,
                Who::Admin => admin,
            };
            (n, case, send(api, case).await)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut tally = Tally::new();
    let mut prints = Answers::new();
    let mut failures = Vec::new();
    for (n, case, answer) in answers {
        if let Ok(r) = &answer {
            prints.insert(n, fingerprint(r));
        }
        let problems = match &answer {
            Ok(r) => {
                *tally
                    .entry(case.category)
                    .or_default()
                    .entry(r.status)
                    .or_default() += 1;
                judge(case, r)
            }
            Err(e) => vec![e.clone()],
        };
        if !problems.is_empty() {
            let text = answer
                .as_ref()
                .map(|r| r.text.chars().take(300).collect::<String>())
                .unwrap_or_default();
            failures.push(format!(
                "[{}] {} {} — {}: {}\n    answer: {text}",
                case.category,
                case.method,
                case.label,
                problems.join("; "),
                case.path.chars().take(80).collect::<String>(),
            ));
        }
    }
    (tally, prints, failures)
}

/// What the corpus must leave as it found it: row counts, and the documents it aimed at.
async fn stored_state(app: &TestApp, admin: &Api, fx: &Fixture) -> Vec<(String, String)> {
    let mut state = Vec::new();
    for table in [
        "users",
        "sessions",
        "login_attempts",
        "audit_log",
        "cars",
        "clients",
        "reservations",
        "payments",
        "car_holds",
        "inspections",
        "deposit_movements",
    ] {
        let n = app.db.count(&format!("SELECT COUNT(*) FROM {table}")).await;
        state.push((format!("rows in {table}"), n.to_string()));
    }
    for path in [
        format!("/api/cars/{}", fx.car),
        format!("/api/clients/{}", fx.client),
        format!("/api/reservations/{}", fx.reservation),
        format!("/api/managers/{}", fx.manager),
        "/api/auth/status".to_owned(),
    ] {
        let r = admin.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        state.push((path, r.text));
    }
    state
}

async fn malformed_input_corpus(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let anonymous = app.api();
    let fx = fixture(&app, &admin).await;
    let routes = routes(&fx);

    let cases: Vec<Case> = [
        truncated(&routes),
        byte_order_marks(&routes),
        invalid_utf8(&routes),
        lone_surrogates(&routes),
        duplicate_keys(&routes),
        numbers(&routes),
        dates(&routes),
        wrong_json_types(&routes),
        content_types(&routes),
        non_objects(&routes),
        nesting(&routes),
        query_strings(&fx),
        path_ids(),
        big_headers(&routes),
        nul_bytes(&routes),
        unicode_usernames(&routes),
    ]
    .concat();

    let before = stored_state(&app, &admin, &fx).await;
    let started = Instant::now();
    let (tally, answers, mut failures) = run(&anonymous, &admin, &cases).await;
    let elapsed = started.elapsed();
    let after = stored_state(&app, &admin, &fx).await;

    println!(
        "malformed corpus on {engine:?}: {} cases in {:.1} s",
        cases.len(),
        elapsed.as_secs_f64()
    );
    for (category, statuses) in &tally {
        let total: usize = statuses.values().sum();
        let detail: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        println!("  {category:<15} {total:>5}  {}", detail.join(" "));
    }
    failures.extend(compare_engines(engine, answers, &cases));
    assert!(
        failures.is_empty(),
        "{} of {} cases were answered wrongly on {engine:?}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    for ((what, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "{what} changed on {engine:?}");
    }
    assert!(
        cases.len() >= MIN_CASES,
        "only {} cases; the corpus must have at least {MIN_CASES}",
        cases.len()
    );
    // The server is still well: a valid request still works.
    assert_eq!(app.api().get("/readyz").await.status, 200);
    let r = admin.get(&format!("/api/cars/{}", fx.car)).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

// ---------------------------------------------------------------- Unicode

async fn usernames_compare_after_unicode_normalisation(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let create = |username: &str| json!({"username": username, "password": "manager-pass-1", "fullName": "Same Name"});
    // (composed, decomposed) spellings of one name.
    let pairs = [
        ("am\u{e9}lie.b", "ame\u{301}lie.b"),
        ("zo\u{eb}.k", "zoe\u{308}.k"),
    ];
    let mut ids = Vec::new();
    for (n, (nfc, nfd)) in pairs.iter().enumerate() {
        // The first pair is created composed, the second decomposed: the other form clashes.
        let (first, second) = if n == 0 { (nfc, nfd) } else { (nfd, nfc) };
        let r = admin.post("/api/managers", create(first)).await;
        assert_eq!(r.status, 201, "{first:?}: {}", r.text);
        assert_eq!(r.body["username"], *nfc, "stored composed: {}", r.text);
        ids.push(id_of(&r.body));
        let users = app.db.count("SELECT COUNT(*) FROM users").await;
        let r = admin.post("/api/managers", create(second)).await;
        r.assert_error(409, "conflict");
        assert!(r.body["fields"].get("username").is_some(), "{}", r.text);
        assert_eq!(app.db.count("SELECT COUNT(*) FROM users").await, users);
    }
    // Renaming one account to the other's name, spelled the other way, clashes too.
    let r = admin
        .put(
            &format!("/api/managers/{}", ids[1]),
            json!({"username": pairs[0].1}),
        )
        .await;
    r.assert_error(409, "conflict");

    // Either spelling logs in, and upper case too; the account is the same.
    for (nfc, nfd) in pairs {
        let upper_nfd: String = nfd.to_uppercase();
        for typed in [nfc, nfd, upper_nfd.as_str()] {
            let api = app.api();
            let r = api.login(typed, "manager-pass-1").await;
            assert_eq!(r.status, 200, "login as {typed:?}: {}", r.text);
            assert_eq!(r.body["user"]["username"], nfc, "{}", r.text);
        }
        let r = app.api().login(nfd, "wrong-password-1").await;
        r.assert_error(401, "unauthenticated");
    }
}

/// Emoji of every shape: ZWJ sequences, flags, skin tones, keycaps, variation selectors,
/// astral letters; and a decomposed accent, which text fields keep as typed.
const EMOJI: &[&str] = &[
    "\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}",
    "\u{1F1F2}\u{1F1E6}\u{1F1EB}\u{1F1F7}",
    "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}",
    "\u{1F44D}\u{1F3FD}",
    "1\u{FE0F}\u{20E3}",
    "\u{1F9D1}\u{1F3FE}\u{200D}\u{1F680}",
    "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
    "\u{1D518}\u{1D52B}\u{1D526}",
    "Zoe\u{308} \u{645}\u{631}\u{62D}\u{628}\u{627} \u{4E2D}\u{6587}",
];

async fn emoji_round_trip_exactly(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let all = EMOJI.join(" ");
    let notes = EMOJI.join("\n");

    let client = json!({"firstName": format!("Amal {}", EMOJI[0]), "lastName": EMOJI[1],
                        "phone": "0611223344", "notes": notes});
    let r = admin.post("/api/clients", client.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let client_id = id_of(&r.body);
    let car = json!({"make": format!("Dacia {}", EMOJI[2]), "model": EMOJI[5], "year": 2023,
                     "licensePlate": "12345-A-6", "vin": "VF1RFB00X66120001", "dailyRate": 250,
                     "color": EMOJI[4], "description": all});
    let r = admin.post("/api/cars", car.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let car_id = id_of(&r.body);
    let booking = json!({"carId": car_id, "clientId": client_id, "startDate": day(5),
                         "endDate": day(7), "notes": all});
    let r = admin.post("/api/reservations", booking.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let reservation_id = id_of(&r.body);
    let r = admin
        .post(
            "/api/managers",
            json!({"username": "nadia.b", "password": "manager-pass-1", "fullName": format!("Nadia {}", EMOJI[3])}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let manager_id = id_of(&r.body);

    let same = |doc: &Value, sent: &Value, fields: &[&str]| {
        for field in fields {
            assert_eq!(doc[*field], sent[*field], "{field} on {engine:?}: {doc}");
        }
    };
    let r = admin.get(&format!("/api/clients/{client_id}")).await;
    same(&r.body, &client, &["firstName", "lastName", "notes"]);
    let r = admin.get(&format!("/api/cars/{car_id}")).await;
    same(&r.body, &car, &["make", "model", "color", "description"]);
    let r = admin
        .get(&format!("/api/reservations/{reservation_id}"))
        .await;
    same(&r.body, &booking, &["notes"]);
    let r = admin.get(&format!("/api/managers/{manager_id}")).await;
    assert_eq!(
        r.body["fullName"],
        format!("Nadia {}", EMOJI[3]),
        "{}",
        r.text
    );

    // A change keeps them too, and a search finds them as typed.
    let changed = json!({"notes": EMOJI.iter().rev().cloned().collect::<Vec<_>>().join(" ")});
    let r = admin
        .put(&format!("/api/clients/{client_id}"), changed.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin.get(&format!("/api/clients/{client_id}")).await;
    same(&r.body, &changed, &["notes"]);
    let r = admin
        .send(
            admin
                .request(Method::GET, "/api/clients")
                .query(&[("q", EMOJI[1])]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 1, "{}", r.text);
    assert_eq!(r.body["items"][0]["lastName"], EMOJI[1], "{}", r.text);
}
