//! What an operator sees: metrics that move with traffic, and logs that never hold a secret.

mod common;

use common::{Engine, Options, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};

both_engines!(
    metrics_count_requests_per_route_and_status,
    metrics_need_the_token_outside_development,
    logs_are_json_lines_with_the_request_and_no_secret,
);

fn value(metrics: &str, line_start: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn metrics_count_requests_per_route_and_status(engine: Engine) {
    let app = TestApp::start_with(engine, Options::dev()).await;
    let admin = app.admin().await;
    let before = admin.get("/metrics").await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert!(before
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/plain")));
    let meta_line = r#"http_requests_total{method="GET",route="/api/meta",status="200"}"#;
    let base = value(&before.text, meta_line);
    for _ in 0..3 {
        admin.get("/api/meta").await;
    }
    admin.get("/api/cars/0123456789abcdef01234567").await;
    app.api().login("admin", "wrong-password").await;
    let after = admin.get("/metrics").await.text;
    assert_eq!(value(&after, meta_line) - base, 3.0, "{after}");
    assert_eq!(
        value(
            &after,
            r#"http_requests_total{method="GET",route="/api/cars/{id}",status="404"}"#
        ),
        1.0
    );
    assert!(after.contains(
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/meta",status="200",le="#
    ));
    assert!(value(&after, "login_failures_total") >= 1.0);
    assert!(after.contains("http_requests_in_flight"));
    assert!(after.contains(r#"db_pool_connections{state="idle"}"#));
    assert!(after.contains(r#"locacar_cars{status="available"}"#));
    assert!(after.contains("locacar_rentals_overdue"));
}

async fn metrics_need_the_token_outside_development(engine: Engine) {
    let closed = TestApp::start(engine).await;
    closed
        .api()
        .get("/metrics")
        .await
        .assert_error(403, "forbidden");

    let app = TestApp::start_with(
        engine,
        Options::default().env("LOCACAR_METRICS_TOKEN", "s3cret-scrape"),
    )
    .await;
    app.api()
        .get("/metrics")
        .await
        .assert_error(401, "unauthenticated");
    let wrong = app
        .api()
        .request(reqwest::Method::GET, "/metrics")
        .header("Authorization", "Bearer nope");
    app.api()
        .send(wrong)
        .await
        .assert_error(401, "unauthenticated");
    let right = app
        .api()
        .request(reqwest::Method::GET, "/metrics")
        .header("Authorization", "Bearer s3cret-scrape");
    let r = app.api().send(right).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("http_requests_total"));
}

async fn logs_are_json_lines_with_the_request_and_no_secret(engine: Engine) {
    let options = Options::default()
        .env("LOCACAR_LOG_FORMAT", "json")
        .env("LOCACAR_LOG", "debug");
    let mut app = TestApp::start_with(engine, options).await;
    let api = app.admin().await;
    let token = api.cookie().expect("session");
    let new_password = "Brand-New-Secret-42";
    let r = api
        .put(
            "/api/auth/password",
            json!({"currentPassword": ADMIN_PASSWORD, "newPassword": new_password}),
        )
        .await;
    assert_eq!(r.status, 200);
    let traced = api
        .request(reqwest::Method::GET, "/api/managers")
        .header("x-request-id", "trace-me-123");
    assert_eq!(api.send(traced).await.status, 200);
    app.api().login("admin", "a-wrong-guess-77").await;

    // Stopped, so that the log holds every line: the server writes its log in batches.
    assert_eq!(app.server.terminate(), Some(0));
    let log = app.server.log();
    for secret in [
        ADMIN_PASSWORD,
        new_password,
        "a-wrong-guess-77",
        token.as_str(),
        "$argon2",
    ] {
        assert!(!log.contains(secret), "the log holds a secret: {secret}");
    }
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "trace-me-123" && l["status"] == 200)
        .unwrap_or_else(|| panic!("no request line for trace-me-123 in {log}"));
    assert_eq!(request["span"]["method"], "GET");
    assert_eq!(request["span"]["route"], "/api/managers");
    assert!(request["latency_ms"].is_number());
    assert!(
        request["span"]["user_id"]
            .as_str()
            .is_some_and(|id| id.len() == 24),
        "{request}"
    );
}
