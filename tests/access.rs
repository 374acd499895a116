//! Access control, route by route: every operation the server publishes, called by every
//! kind of caller, gets the answer the contract's role table gives. The policy is the
//! table below; an operation the server publishes without a row here fails the test, so
//! a new route cannot ship without a decision on who may call it.

mod common;

use std::collections::BTreeSet;

use common::{Api, Engine, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone, logged in or not.
    Public,
    /// Managers and admins.
    Staff,
    /// Admins only.
    Admin,
    /// No session opens it: only the metrics token (not set here, so nobody).
    Operator,
}

use Rule::*;

/// The contract's role table (`../shared/API.md`, "Roles"), extended to every operation.
const POLICY: &[(&str, Rule)] = &[
    ("POST /api/auth/login", Public),
    ("GET /api/auth/status", Public),
    ("GET /api/meta", Public),
    ("GET /healthz", Public),
    ("GET /readyz", Public),
    ("GET /metrics", Operator),
    ("PUT /api/auth/password", Staff),
    ("POST /api/auth/logout", Staff),
    ("GET /api/managers", Admin),
    ("POST /api/managers", Admin),
    ("GET /api/managers/{id}", Admin),
    ("PUT /api/managers/{id}", Admin),
    ("DELETE /api/managers/{id}", Admin),
    ("GET /api/cars", Staff),
    ("POST /api/cars", Admin),
    ("GET /api/cars/available", Staff),
    ("GET /api/cars/{id}", Staff),
    ("PUT /api/cars/{id}", Admin),
    ("DELETE /api/cars/{id}", Admin),
    ("POST /api/cars/{id}/image", Admin),
    ("GET /api/cars/{id}/image", Staff),
    ("DELETE /api/cars/{id}/image", Admin),
    ("GET /api/blocks", Staff),
    ("GET /api/cars/{id}/blocks", Staff),
    ("POST /api/cars/{id}/blocks", Staff),
    ("GET /api/cars/{id}/blocks/{blockId}", Staff),
    ("PUT /api/cars/{id}/blocks/{blockId}", Staff),
    ("DELETE /api/cars/{id}/blocks/{blockId}", Staff),
    ("GET /api/cars/{id}/rates", Staff),
    ("PUT /api/cars/{id}/rates", Admin),
    ("GET /api/branches", Staff),
    ("POST /api/branches", Admin),
    ("GET /api/branches/{id}", Staff),
    ("PUT /api/branches/{id}", Admin),
    ("DELETE /api/branches/{id}", Admin),
    ("GET /api/extras", Staff),
    ("POST /api/extras", Admin),
    ("GET /api/extras/{id}", Staff),
    ("PUT /api/extras/{id}", Admin),
    ("DELETE /api/extras/{id}", Admin),
    ("GET /api/clients", Staff),
    ("POST /api/clients", Staff),
    ("GET /api/clients/{id}", Staff),
    ("PUT /api/clients/{id}", Staff),
    ("DELETE /api/clients/{id}", Admin),
    ("GET /api/clients/{id}/reservations", Staff),
    ("GET /api/reservations", Staff),
    ("POST /api/reservations", Staff),
    ("GET /api/reservations/{id}", Staff),
    ("PUT /api/reservations/{id}", Staff),
    ("DELETE /api/reservations/{id}", Admin),
    ("PUT /api/reservations/{id}/status", Staff),
    ("POST /api/reservations/{id}/return-quote", Staff),
    ("POST /api/reservations/{id}/payments", Staff),
    ("POST /api/reservations/{id}/deposit", Staff),
    ("POST /api/reservations/{id}/fee/waiver", Admin),
    ("GET /api/reservations/{id}/invoice", Staff),
    ("GET /api/reservations/{id}/invoices", Staff),
    ("GET /api/reservations/{id}/invoices/{invoiceId}", Staff),
    ("POST /api/reservations/{id}/credit-notes", Admin),
    ("GET /api/quote", Staff),
    ("POST /api/reservations/{id}/review", Staff),
    (
        "POST /api/reservations/{id}/inspections/{kind}/photos",
        Staff,
    ),
    (
        "GET /api/reservations/{id}/inspections/{kind}/photos/{photoId}",
        Staff,
    ),
    (
        "DELETE /api/reservations/{id}/inspections/{kind}/photos/{photoId}",
        Admin,
    ),
    ("GET /api/dashboard", Staff),
    ("GET /api/reports/revenue", Staff),
    ("GET /api/reports/utilisation", Staff),
    ("GET /api/audit", Admin),
];

/// Every kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Manager,
    SecondManager,
    Admin,
    Deactivated,
    LoggedOut,
    Expired,
    Forged,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::Manager,
    Caller::SecondManager,
    Caller::Admin,
    Caller::Deactivated,
    Caller::LoggedOut,
    Caller::Expired,
    Caller::Forged,
];

/// An id of the right shape that names nothing, so that no call changes anything.
const NOBODY: &str = "0123456789abcdef01234567";

/// What the contract says `caller` gets from an operation under `rule`: the status of a
/// refusal, or `None` when the caller is let through (the answer then depends on the
/// request, never 401 or 403).
fn refusal(rule: Rule, caller: Caller) -> Option<u16> {
    let session = matches!(
        caller,
        Caller::Manager | Caller::SecondManager | Caller::Admin
    );
    match rule {
        Public => None,
        Operator => Some(403),
        _ if !session => Some(401),
        Rule::Admin if caller != Caller::Admin => Some(403),
        _ => None,
    }
}

both_engines!(
    every_operation_answers_every_caller_as_the_role_table_says,
    methods_outside_the_contract_are_405_on_every_path,
    deactivation_applies_to_the_next_request_on_every_instance,
    server_owned_fields_are_refused_and_change_nothing,
    browsers_of_other_origins_are_let_in_only_from_configured_origins,
);

async fn every_operation_answers_every_caller_as_the_role_table_says(engine: Engine) {
    let app = TestApp::start(engine).await;
    let callers = callers(&app).await;
    let published = published_operations(&app).await;
    let ruled: BTreeSet<String> = POLICY.iter().map(|(op, _)| (*op).to_owned()).collect();
    let unruled: Vec<_> = published.difference(&ruled).collect();
    assert!(unruled.is_empty(), "operations without a rule: {unruled:?}");
    let stale: Vec<_> = ruled.difference(&published).collect();
    assert!(
        stale.is_empty(),
        "rules for operations not served: {stale:?}"
    );

    let mut checked = 0;
    // Logging out ends the caller's session, so it goes last.
    let (mut order, logout): (Vec<_>, Vec<_>) = POLICY
        .iter()
        .partition(|(op, _)| *op != "POST /api/auth/logout");
    order.extend(logout);
    for (operation, rule) in order {
        for (caller, api) in &callers {
            let r = call(api, operation).await;
            assert!(r.status < 500, "{operation} as {caller:?}: {}", r.text);
            match refusal(rule, *caller) {
                Some(status) => {
                    let code = if status == 401 {
                        "unauthenticated"
                    } else {
                        "forbidden"
                    };
                    assert_eq!(
                        (r.status, r.body["code"].as_str()),
                        (status, Some(code)),
                        "{operation} as {caller:?}: {}",
                        r.text
                    );
                }
                None => assert!(
                    !matches!(r.status, 401 | 403),
                    "{operation} as {caller:?} was refused: {}",
                    r.text
                ),
            }
            checked += 1;
        }
    }
    eprintln!("access matrix ({engine:?}): {checked} calls checked");
    assert_eq!(checked, POLICY.len() * CALLERS.len());
}

async fn methods_outside_the_contract_are_405_on_every_path(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let anonymous = app.api();
    let published = published_operations(&app).await;
    let paths: BTreeSet<&str> = published
        .iter()
        .filter_map(|op| op.split_once(' ').map(|(_, path)| path))
        .collect();
    let mut checked = 0;
    for path in paths {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if published.contains(&format!("{method} {path}")) {
                continue;
            }
            for api in [&admin, &anonymous] {
                let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
                let request = api
                    .request(method.clone(), &concrete(path))
                    .header("Content-Type", "application/json")
                    .body("{}");
                let r = api.send(request).await;
                assert_eq!(r.status, 405, "{method} {path}: {}", r.text);
                assert_eq!(r.body["code"], "method_not_allowed", "{method} {path}");
                checked += 1;
            }
        }
    }
    eprintln!("405 ({engine:?}): {checked} calls checked");
    assert!(checked > 100, "only {checked} method/path pairs checked");
}

/// A browser's preflight for a JSON `POST` from `origin`, and the origin it is allowed.
async fn preflight(api: &Api, origin: &str) -> (u16, Option<String>) {
    let request = api
        .request(reqwest::Method::OPTIONS, "/api/reservations")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type");
    let r = api.send(request).await;
    let allowed = r.header("access-control-allow-origin").map(str::to_owned);
    (r.status, allowed)
}

/// What a page on `origin` may read of a logged-in `GET`: the allowed origin, whether
/// credentials are allowed, and the headers exposed.
async fn cross_origin_get(api: &Api, origin: &str) -> [Option<String>; 3] {
    let r = api
        .send(
            api.request(reqwest::Method::GET, "/api/clients")
                .header("Origin", origin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
    ]
    .map(|name| r.header(name).map(str::to_owned))
}

async fn browsers_of_other_origins_are_let_in_only_from_configured_origins(engine: Engine) {
    const DESK: &str = "https://desk.example.com";
    const OTHER: &str = "https://other.example.com";
    // By default the web app is served from the API's origin, and no other is let in.
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    for origin in [DESK, OTHER] {
        assert_eq!(preflight(&admin, origin).await.1, None, "{origin}");
        assert_eq!(
            cross_origin_get(&admin, origin).await,
            [None, None, None],
            "{origin}"
        );
    }
    let options = common::Options::default().env("LOCACAR_CORS_ORIGINS", DESK);
    let app = TestApp::start_with(engine, options).await;
    let admin = app.admin().await;
    assert_eq!(preflight(&admin, DESK).await, (200, Some(DESK.to_owned())));
    let [allowed, credentials, exposed] = cross_origin_get(&admin, DESK).await;
    assert_eq!(allowed.as_deref(), Some(DESK));
    assert_eq!(credentials.as_deref(), Some("true"));
    assert!(exposed.is_some_and(|e| e.contains("x-request-id")));
    assert_eq!(preflight(&admin, OTHER).await.1, None);
    assert_eq!(cross_origin_get(&admin, OTHER).await[0], None);
}

async fn deactivation_applies_to_the_next_request_on_every_instance(engine: Engine) {
    let app = TestApp::start(engine).await;
    let other = app.another_instance(&common::Options::default());
    let admin = app.admin().await;
    let (manager, id) = app.manager("leaving").await;
    let elsewhere = manager.on(&other.api().base);
    assert_eq!(elsewhere.get("/api/clients").await.status, 200);
    let r = admin
        .put(&format!("/api/managers/{id}"), json!({"isActive": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    elsewhere
        .get("/api/clients")
        .await
        .assert_error(401, "unauthenticated");
    manager
        .get("/api/clients")
        .await
        .assert_error(401, "unauthenticated");
}

/// Fields a client never sets: ids, timestamps, who did what, roles, hashes, computed
/// money and numbers (the contract's list, and the names a guesser would try).
const SERVER_OWNED: &[&str] = &[
    "_id",
    "id",
    "createdAt",
    "updatedAt",
    "addedBy",
    "createdBy",
    "updatedBy",
    "role",
    "passwordHash",
    "isAdmin",
    "totalCost",
    "finalTotalCost",
    "reservationNumber",
    "balance",
    "paid",
];

async fn server_owned_fields_are_refused_and_change_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let writable = writable_resources(&admin).await;
    let mut checked = 0;
    for (collection, body, document) in &writable {
        let before_count = list_total(&admin, collection).await;
        let before = admin.get(document).await.body;
        for field in SERVER_OWNED {
            let value = json!("attacker-value");
            let mut create = body.clone();
            create[*field] = value.clone();
            let r = admin.post(collection, create).await;
            assert_eq!(r.status, 422, "POST {collection} with {field}: {}", r.text);
            let r = admin.put(document, json!({ *field: value })).await;
            assert_eq!(r.status, 422, "PUT {document} with {field}: {}", r.text);
            checked += 2;
        }
        assert_eq!(
            list_total(&admin, collection).await,
            before_count,
            "{collection}"
        );
        assert_eq!(admin.get(document).await.body, before, "{document} changed");
    }
    eprintln!("mass assignment ({engine:?}): {checked} calls checked");
    assert_eq!(checked, writable.len() * SERVER_OWNED.len() * 2);
}

/// Each resource that is created with POST and changed with PUT: its collection, a body
/// that creates one, and the path of one that exists.
async fn writable_resources(admin: &Api) -> Vec<(String, Value, String)> {
    let car = json!({"make": "Dacia", "model": "Sandero", "year": 2024,
                     "licensePlate": "12345-B-6", "vin": "VF1RFB00X66120001", "dailyRate": 300});
    let client = json!({"firstName": "Amina", "lastName": "Benali", "phone": "+212600000001"});
    let manager = json!({"username": "newcomer", "password": "manager-pass-1",
                         "fullName": "A Newcomer"});
    let branch = json!({"name": "Fès", "address": "1 rue de Fès"});
    let extra = json!({"name": "Siège enfant", "pricing": "perDay", "price": 30, "cap": 150});
    let mut writable = Vec::new();
    for (collection, body) in [
        ("/api/cars", car.clone()),
        ("/api/clients", client.clone()),
        ("/api/managers", manager),
        ("/api/branches", branch),
        ("/api/extras", extra),
    ] {
        let r = admin.post(collection, body.clone()).await;
        assert_eq!(r.status, 201, "POST {collection}: {}", r.text);
        let id = common::id_of(&r.body);
        // The create body again, with what must be unique changed.
        let fresh = fresh_copy(collection, &body);
        writable.push((collection.to_owned(), fresh, format!("{collection}/{id}")));
    }
    let car_id = writable[0].2.rsplit('/').next().expect("id").to_owned();
    let client_id = writable[1].2.rsplit('/').next().expect("id").to_owned();
    let booking = json!({"carId": car_id, "clientId": client_id,
                         "startDate": days_ahead(60), "endDate": days_ahead(63)});
    let r = admin.post("/api/reservations", booking).await;
    assert_eq!(r.status, 201, "book: {}", r.text);
    let id = common::id_of(&r.body);
    let later = json!({"carId": car_id, "clientId": client_id,
                       "startDate": days_ahead(90), "endDate": days_ahead(93)});
    writable.push((
        "/api/reservations".to_owned(),
        later,
        format!("/api/reservations/{id}"),
    ));
    let blocks = format!("/api/cars/{car_id}/blocks");
    let block = json!({"start": days_ahead(200), "end": days_ahead(201), "reason": "service"});
    let r = admin.post(&blocks, block).await;
    assert_eq!(r.status, 201, "block: {}", r.text);
    let id = common::id_of(&r.body);
    let later = json!({"start": days_ahead(300), "end": days_ahead(301), "reason": "tyres"});
    writable.push((blocks.clone(), later, format!("{blocks}/{id}")));
    writable
}

/// Midday UTC, `days` from today, as the API writes date-times.
fn days_ahead(days: i64) -> String {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    format!("{day}T12:00:00Z")
}

/// A create body for `collection` that clashes with nothing created yet.
fn fresh_copy(collection: &str, body: &Value) -> Value {
    let mut fresh = body.clone();
    match collection {
        "/api/cars" => {
            fresh["licensePlate"] = json!("54321-B-6");
            fresh["vin"] = json!("VF1RFB00X66120002");
        }
        "/api/clients" => fresh["phone"] = json!("+212600000002"),
        "/api/managers" => fresh["username"] = json!("another"),
        "/api/branches" => fresh["name"] = json!("Rabat"),
        "/api/extras" => fresh["name"] = json!("GPS"),
        _ => {}
    }
    fresh
}

async fn list_total(api: &Api, collection: &str) -> i64 {
    let r = api.get(collection).await;
    assert_eq!(r.status, 200, "GET {collection}: {}", r.text);
    let items = r.body["items"].as_array().or(r.body.as_array());
    r.body["total"]
        .as_i64()
        .or_else(|| items.map(|a| a.len() as i64))
        .expect("a list")
}

/// One client per kind of caller, each in the state its name says.
async fn callers(app: &TestApp) -> Vec<(Caller, Api)> {
    let admin = app.admin().await;
    let (manager, _) = app.manager("first").await;
    let (second, _) = app.manager("second").await;
    let (deactivated, gone) = app.manager("gone").await;
    let r = admin
        .put(&format!("/api/managers/{gone}"), json!({"isActive": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (logged_out, _) = app.manager("out").await;
    assert_eq!(
        logged_out.post("/api/auth/logout", json!({})).await.status,
        200
    );
    let (expired, _) = app.manager("expired").await;
    let token = expired.cookie().expect("session");
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    // Both clocks of the session run out: the idle one and the absolute one.
    app.db
        .execute(&format!(
            "UPDATE sessions SET last_seen_at = 0, created_at = 0 WHERE token_hash = '{hash}'"
        ))
        .await;
    let forged = app.api();
    forged.set_cookie(Some("A".repeat(43)));
    vec![
        (Caller::Anonymous, app.api()),
        (Caller::Manager, manager),
        (Caller::SecondManager, second),
        (Caller::Admin, admin),
        (Caller::Deactivated, deactivated),
        (Caller::LoggedOut, logged_out),
        (Caller::Expired, expired),
        (Caller::Forged, forged),
    ]
}

/// `METHOD path` of every operation in the published OpenAPI document.
async fn published_operations(app: &TestApp) -> BTreeSet<String> {
    let doc: Value = app.api().get("/api/openapi.json").await.body;
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops
}

/// The path with every parameter filled with something of the right shape.
fn concrete(path: &str) -> String {
    path.replace("{kind}", "checkout")
        .replace("{id}", NOBODY)
        .replace("{blockId}", NOBODY)
        .replace("{invoiceId}", NOBODY)
        .replace("{photoId}", NOBODY)
}

/// Calls an operation with a body of the kind it takes, but empty: no call succeeds in
/// changing anything (ids name nothing, bodies lack required fields).
async fn call(api: &Api, operation: &str) -> common::Resp {
    let (method, path) = operation.split_once(' ').expect("METHOD path");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = api.request(method.clone(), &concrete(path));
    let upload = path.ends_with("/image") || path.ends_with("/photos");
    if upload && method == reqwest::Method::POST {
        request = request
            .header("Content-Type", "multipart/form-data; boundary=x")
            .body("--x--\r\n");
    } else if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
        request = request.json(&json!({}));
    }
    api.send(request).await
}
