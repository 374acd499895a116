//! The error model and the operational endpoints: every failure answers with the
//! contract's JSON body and nothing internal; meta, health, request ids, dev-only routes.

mod common;

use common::{Api, Engine, Options, Resp, TestApp};
use reqwest::Method;
use serde_json::json;

both_engines!(
    unknown_routes_answer_json_404,
    wrong_methods_answer_json_405,
    malformed_json_is_400_and_non_objects_are_422,
    state_changes_require_a_json_content_type,
    bodies_over_the_default_limit_are_413,
    the_body_limit_follows_the_setting,
    meta_health_and_readiness_answer_anyone,
    meta_follows_the_currency_and_grace_settings,
    every_response_carries_a_request_id,
    create_test_user_is_absent_outside_development,
    create_test_user_makes_accounts_in_development,
    a_database_failure_is_an_opaque_500_and_rolls_back,
);

// ---------------------------------------------------------------- helpers

/// Words that would betray internals in a response body.
const LEAKS: &[&str] = &[
    "sql",
    "postgres",
    "relation",
    "audit_log",
    "select ",
    "insert ",
    "panick",
    "backtrace",
    "src/",
];

/// The contract's error body, sent as JSON, with nothing internal in it.
fn assert_json_error(r: &Resp, status: u16, code: &str) {
    r.assert_error(status, code);
    let content_type = r.header("content-type").unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "content-type {content_type:?} for {}",
        r.text
    );
    let object = r.body.as_object().expect("an object");
    for key in object.keys() {
        assert!(
            ["error", "code", "fields"].contains(&key.as_str()),
            "unexpected key {key}: {}",
            r.text
        );
    }
    let lower = r.text.to_lowercase();
    for leak in LEAKS {
        assert!(!lower.contains(leak), "body mentions {leak:?}: {}", r.text);
    }
}

/// Sends `raw` with the given content type (or none).
async fn send_raw(
    api: &Api,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    raw: impl Into<reqwest::Body>,
) -> Resp {
    let mut req = api.request(method, path).body(raw);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    api.send(req).await
}

fn login_body() -> String {
    json!({"username": "admin", "password": common::ADMIN_PASSWORD}).to_string()
}

/// A JSON object of about `size` bytes, the bulk in a field no route knows.
fn padded_body(size: usize) -> String {
    json!({"username": "admin", "password": "whatever-1", "pad": "x".repeat(size)}).to_string()
}

// ---------------------------------------------------------------- routing

async fn unknown_routes_answer_json_404(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();
    // Outside /api, a path is the web app's (tests/web.rs): it routes in the browser.
    for path in ["/api/nothing", "/api", "/api/managers/abc/def", "/api/auth"] {
        assert_json_error(&api.get(path).await, 404, "not_found");
    }
    assert_json_error(
        &api.post("/api/nothing", json!({"a": 1})).await,
        404,
        "not_found",
    );
    let admin = app.admin().await;
    assert_json_error(&admin.get("/api/nothing").await, 404, "not_found");
}

async fn wrong_methods_answer_json_405(engine: Engine) {
    let app = TestApp::start(engine).await;
    let anonymous = app.api();
    let admin = app.admin().await;
    for api in [&anonymous, &admin] {
        for (method, path) in [
            (Method::PATCH, "/api/managers"),
            (Method::DELETE, "/api/managers"),
            (Method::DELETE, "/api/meta"),
            (Method::POST, "/api/meta"),
            (Method::GET, "/api/auth/login"),
            (Method::PUT, "/healthz"),
        ] {
            let r = api
                .send(
                    api.request(method.clone(), path)
                        .header("content-type", "application/json")
                        .body("{}"),
                )
                .await;
            assert_eq!(r.status, 405, "{method} {path}: {}", r.text);
            assert_json_error(&r, 405, "method_not_allowed");
            assert!(
                r.header("allow").is_some(),
                "{method} {path}: no Allow header"
            );
        }
    }
}

// ---------------------------------------------------------------- bodies

async fn malformed_json_is_400_and_non_objects_are_422(engine: Engine) {
    let app = TestApp::start(engine).await;
    let anonymous = app.api();
    let admin = app.admin().await;
    let json_type = Some("application/json");

    for raw in [
        r#"{"username":"#,
        "not json",
        "",
        r#"{"username": "admin",}"#,
        "{} {}",
    ] {
        let r = send_raw(&anonymous, Method::POST, "/api/auth/login", json_type, raw).await;
        assert_eq!(r.status, 400, "{raw:?}: {}", r.text);
        assert_json_error(&r, 400, "bad_request");
        let r = send_raw(&admin, Method::POST, "/api/managers", json_type, raw).await;
        assert_json_error(&r, 400, "bad_request");
    }
    for raw in [
        r#"[{"username": "admin", "password": "admin-password-1"}]"#,
        r#""admin""#,
        "42",
        "null",
        "true",
    ] {
        let r = send_raw(&anonymous, Method::POST, "/api/auth/login", json_type, raw).await;
        assert_eq!(r.status, 422, "{raw:?}: {}", r.text);
        assert_json_error(&r, 422, "validation_failed");
        let r = send_raw(&admin, Method::POST, "/api/managers", json_type, raw).await;
        assert_json_error(&r, 422, "validation_failed");
    }
    // None of it logged anyone in or created anyone.
    assert_eq!(app.db.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        anonymous.get("/api/auth/status").await.body["authenticated"],
        false
    );
}

async fn state_changes_require_a_json_content_type(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, id) = app.manager("nora").await;

    // A valid login body under the wrong content type does not log in.
    for content_type in [
        Some("text/plain"),
        Some("text/plain; charset=utf-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=xyz"),
        Some("application/jsonp"),
        None,
    ] {
        let anonymous = app.api();
        let r = send_raw(
            &anonymous,
            Method::POST,
            "/api/auth/login",
            content_type,
            login_body(),
        )
        .await;
        assert_eq!(r.status, 415, "{content_type:?}: {}", r.text);
        assert_json_error(&r, 415, "unsupported_media_type");
        assert!(
            r.header("set-cookie").is_none(),
            "{content_type:?} set a cookie"
        );
        assert!(anonymous.cookie().is_none());
    }

    let create =
        json!({"username": "csrf", "password": "manager-pass-1", "fullName": "C"}).to_string();
    for content_type in [Some("text/plain"), None] {
        let r = send_raw(
            &admin,
            Method::POST,
            "/api/managers",
            content_type,
            create.clone(),
        )
        .await;
        assert_json_error(&r, 415, "unsupported_media_type");
        let r = send_raw(
            &admin,
            Method::PUT,
            &format!("/api/managers/{id}"),
            content_type,
            r#"{"isActive": false}"#,
        )
        .await;
        assert_json_error(&r, 415, "unsupported_media_type");
        let r = send_raw(
            &manager,
            Method::PUT,
            "/api/auth/password",
            content_type,
            r#"{"currentPassword": "manager-pass-1", "newPassword": "hijacked-pass-1"}"#,
        )
        .await;
        assert_json_error(&r, 415, "unsupported_media_type");
    }
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM users WHERE username_key = 'csrf'")
            .await,
        0
    );
    let nora = admin.get(&format!("/api/managers/{id}")).await;
    assert_eq!(nora.body["isActive"], true, "{}", nora.text);
    assert_eq!(app.api().login("nora", "manager-pass-1").await.status, 200);

    // Parameters and case in the JSON content type are fine.
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let r = send_raw(
            &app.api(),
            Method::POST,
            "/api/auth/login",
            Some(content_type),
            login_body(),
        )
        .await;
        assert_eq!(r.status, 200, "{content_type}: {}", r.text);
    }
}

async fn bodies_over_the_default_limit_are_413(engine: Engine) {
    let app = TestApp::start(engine).await;
    let anonymous = app.api();
    let admin = app.admin().await;
    let json_type = Some("application/json");

    let r = send_raw(
        &anonymous,
        Method::POST,
        "/api/auth/login",
        json_type,
        padded_body(100_000),
    )
    .await;
    assert_eq!(r.status, 413, "{}", &r.text[..r.text.len().min(300)]);
    assert_json_error(&r, 413, "payload_too_large");

    let huge =
        json!({"username": "big", "password": "manager-pass-1", "fullName": "x".repeat(100_000)});
    let r = admin.post("/api/managers", huge).await;
    assert_json_error(&r, 413, "payload_too_large");
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM users WHERE username_key = 'big'")
            .await,
        0
    );

    // Under 64 KiB the body is read and judged on its content.
    let r = send_raw(
        &anonymous,
        Method::POST,
        "/api/auth/login",
        json_type,
        padded_body(60_000),
    )
    .await;
    assert_json_error(&r, 422, "validation_failed");
    assert!(r.body["fields"].get("pad").is_some(), "{}", r.text);
}

async fn the_body_limit_follows_the_setting(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options::default().env("LOCACAR_JSON_LIMIT_BYTES", "2048"),
    )
    .await;
    let api = app.api();
    let json_type = Some("application/json");

    let r = send_raw(
        &api,
        Method::POST,
        "/api/auth/login",
        json_type,
        padded_body(3_000),
    )
    .await;
    assert_json_error(&r, 413, "payload_too_large");
    let r = send_raw(
        &api,
        Method::POST,
        "/api/auth/login",
        json_type,
        padded_body(1_500),
    )
    .await;
    assert_json_error(&r, 422, "validation_failed");
    assert_eq!(
        app.api()
            .login("admin", common::ADMIN_PASSWORD)
            .await
            .status,
        200
    );
}

// ---------------------------------------------------------------- operations

async fn meta_health_and_readiness_answer_anyone(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();

    let r = api.get("/api/meta").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{}",
        r.text
    );
    assert_eq!(r.body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r.body["currency"], "MAD");
    assert_eq!(r.body["gracePeriodMinutes"], 60);

    for path in ["/healthz", "/readyz"] {
        let r = api.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
}

async fn meta_follows_the_currency_and_grace_settings(engine: Engine) {
    let options = Options::default()
        .env("LOCACAR_CURRENCY", "EUR")
        .env("LOCACAR_GRACE_MINUTES", "30");
    let app = TestApp::start_with(engine, options).await;
    let r = app.api().get("/api/meta").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["currency"], "EUR");
    assert_eq!(r.body["gracePeriodMinutes"], 30);
}

async fn every_response_carries_a_request_id(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();

    let mut ids = Vec::new();
    for path in [
        "/api/meta",
        "/api/meta",
        "/api/nothing",
        "/api/managers",
        "/healthz",
    ] {
        let r = api.get(path).await;
        let id = r.header("x-request-id").unwrap_or("").to_owned();
        assert!(!id.is_empty(), "{path} ({}) has no x-request-id", r.status);
        ids.push(id);
    }
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");

    // A client's own id comes back, on success and on error alike.
    for path in ["/api/meta", "/api/managers"] {
        let r = api
            .send(
                api.request(Method::GET, path)
                    .header("x-request-id", "trace-me-42"),
            )
            .await;
        assert_eq!(r.header("x-request-id"), Some("trace-me-42"), "{path}");
    }
}

// ---------------------------------------------------------------- development mode

async fn create_test_user_is_absent_outside_development(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();
    let r = api
        .post(
            "/api/auth/create_test_user",
            json!({"username": "tester", "password": "tester-pass-1", "role": "admin", "fullName": "T"}),
        )
        .await;
    assert_json_error(&r, 404, "not_found");
    assert_eq!(app.db.count("SELECT COUNT(*) FROM users").await, 1);
    api.login("tester", "tester-pass-1")
        .await
        .assert_error(401, "unauthenticated");
}

async fn create_test_user_makes_accounts_in_development(engine: Engine) {
    let app = TestApp::start_with(engine, Options::dev()).await;
    let api = app.api();

    for (username, role, managers_status) in
        [("dev.admin", "admin", 200), ("dev.manager", "manager", 403)]
    {
        let r = api
            .post(
                "/api/auth/create_test_user",
                json!({"username": username, "password": "tester-pass-1", "role": role, "fullName": "Tester"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["username"], username);
        assert_eq!(r.body["role"], role);
        assert!(r.body.get("passwordHash").is_none(), "{}", r.text);
        let user = app.login(username, "tester-pass-1").await;
        assert_eq!(user.get("/api/managers").await.status, managers_status);
    }

    let r = api
        .post(
            "/api/auth/create_test_user",
            json!({"username": "dev.root", "password": "tester-pass-1", "role": "root", "fullName": "R"}),
        )
        .await;
    assert_json_error(&r, 422, "validation_failed");
    assert!(r.body["fields"].get("role").is_some(), "{}", r.text);
    let r = api
        .post(
            "/api/auth/create_test_user",
            json!({"username": "dev.none", "password": "short", "fullName": "R"}),
        )
        .await;
    assert_json_error(&r, 422, "validation_failed");
    for field in ["role", "password"] {
        assert!(r.body["fields"].get(field).is_some(), "{}", r.text);
    }
    let r = api
        .post(
            "/api/auth/create_test_user",
            json!({"username": "Dev.Admin", "password": "tester-pass-1", "role": "manager", "fullName": "Dup"}),
        )
        .await;
    assert_json_error(&r, 409, "conflict");
}

// ---------------------------------------------------------------- database failure

async fn a_database_failure_is_an_opaque_500_and_rolls_back(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/managers",
            json!({"username": "keep", "password": "manager-pass-1", "fullName": "Kept"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["_id"].as_str().unwrap().to_owned();
    let path = format!("/api/managers/{id}");

    // Every change writes its audit entry in the same transaction: without the
    // table, each change fails as a whole.
    app.db.execute("DROP TABLE audit_log").await;

    let r = admin
        .post(
            "/api/managers",
            json!({"username": "ghost", "password": "manager-pass-1", "fullName": "Ghost"}),
        )
        .await;
    assert_json_error(&r, 500, "internal");
    assert_eq!(r.body["error"], "internal server error");
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM users WHERE username_key = 'ghost'")
            .await,
        0
    );

    let r = admin.put(&path, json!({"fullName": "Changed"})).await;
    assert_json_error(&r, 500, "internal");
    let r = admin.delete(&path).await;
    assert_json_error(&r, 500, "internal");
    let r = admin.get(&path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["fullName"], "Kept");

    // The server itself is fine.
    assert_eq!(app.api().get("/readyz").await.status, 200);
    assert_eq!(app.api().get("/healthz").await.status, 200);
}
