//! Login, logout, status, password changes, throttling and sessions, on both engines.

mod common;

use common::{Api, Engine, Options, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};
use sha2::Digest;

both_engines!(
    login_opens_a_session_with_a_safe_cookie,
    development_cookies_are_not_secure,
    wrong_username_and_wrong_password_look_the_same,
    an_inactive_account_is_refused_only_with_the_right_password,
    status_tells_who_is_logged_in,
    logout_ends_the_session_on_the_server,
    every_login_issues_a_new_session_and_ends_the_planted_one,
    a_forged_cookie_is_not_a_session,
    changing_the_password_ends_the_other_sessions,
    a_wrong_current_password_or_short_new_one_is_refused,
    repeated_failures_for_one_username_are_throttled,
    repeated_failures_from_one_address_are_throttled,
    a_browser_that_logged_in_before_keeps_its_own_budget,
    forwarded_addresses_count_only_from_a_trusted_proxy,
    sessions_expire_when_idle_and_at_their_absolute_limit,
    werkzeug_hashes_log_in_and_are_upgraded_to_argon2id,
    logins_and_logouts_are_audited_without_secrets,
    usernames_are_compared_ignoring_case,
);

async fn login_opens_a_session_with_a_safe_cookie(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();
    let r = api.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["user"]["username"], "admin");
    assert_eq!(r.body["user"]["role"], "admin");
    assert_eq!(r.body["user"]["isActive"], true);
    assert!(r.body["user"].get("passwordHash").is_none());
    let cookie = r.set_cookie("locacar_session").expect("cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    let token = api.cookie().expect("token");
    assert!(
        token.len() >= 43,
        "a 256-bit token is at least 43 base64 characters"
    );
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
            ))
            .await,
        0,
        "only the token's hash is stored"
    );
    assert_eq!(app.db.count("SELECT COUNT(*) FROM sessions").await, 1);
}

async fn development_cookies_are_not_secure(engine: Engine) {
    let app = TestApp::start_with(engine, Options::dev()).await;
    let r = app.api().login("admin", ADMIN_PASSWORD).await;
    let cookie = r.set_cookie("locacar_session").expect("cookie");
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

async fn wrong_username_and_wrong_password_look_the_same(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();
    let wrong_password = api.login("admin", "not-the-password").await;
    let wrong_user = api.login("nobody-here", "not-the-password").await;
    wrong_password.assert_error(401, "unauthenticated");
    assert_eq!(wrong_password.body, wrong_user.body);
    assert!(wrong_password.header("set-cookie").is_none());
    let missing = api
        .post("/api/auth/login", json!({"username": "admin"}))
        .await;
    missing.assert_error(422, "validation_failed");
    assert!(missing.body["fields"]["password"].is_string());
}

async fn an_inactive_account_is_refused_only_with_the_right_password(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (_, id) = app.manager("sleepy").await;
    let admin = app.admin().await;
    let r = admin
        .put(&format!("/api/managers/{id}"), json!({"isActive": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.api()
        .login("sleepy", "manager-pass-1")
        .await
        .assert_error(403, "forbidden");
    app.api()
        .login("sleepy", "wrong-password")
        .await
        .assert_error(401, "unauthenticated");
}

async fn status_tells_who_is_logged_in(engine: Engine) {
    let app = TestApp::start(engine).await;
    let anonymous = app.api().get("/api/auth/status").await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.body, json!({"authenticated": false}));
    let (manager, id) = app.manager("desk1").await;
    let r = manager.get("/api/auth/status").await;
    assert_eq!(r.body["authenticated"], true);
    assert_eq!(r.body["user"]["_id"], id.as_str());
    assert_eq!(r.body["user"]["role"], "manager");
}

async fn logout_ends_the_session_on_the_server(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let stolen = admin.cookie();
    let r = admin.post("/api/auth/logout", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r
        .header("set-cookie")
        .is_some_and(|c| c.contains("locacar_session=")));
    // Even a copy of the cookie kept by someone else no longer works.
    let replay = app.api();
    replay.set_cookie(stolen);
    replay
        .get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(app.db.count("SELECT COUNT(*) FROM sessions").await, 0);
    app.api()
        .post("/api/auth/logout", json!({}))
        .await
        .assert_error(401, "unauthenticated");
}

async fn every_login_issues_a_new_session_and_ends_the_planted_one(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.admin().await;
    let first = api.cookie();
    let r = api.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200);
    let second = api.cookie();
    assert_ne!(first, second, "a new session id at every login");
    let old = app.api();
    old.set_cookie(first);
    old.get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(api.get("/api/managers").await.status, 200);
}

async fn a_forged_cookie_is_not_a_session(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();
    for forged in [
        "x",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "' OR 1=1 --",
    ] {
        api.set_cookie(Some(forged.to_owned()));
        api.get("/api/managers")
            .await
            .assert_error(401, "unauthenticated");
        assert_eq!(
            api.get("/api/auth/status").await.body["authenticated"],
            false
        );
    }
}

async fn changing_the_password_ends_the_other_sessions(engine: Engine) {
    let app = TestApp::start(engine).await;
    let here = app.admin().await;
    let elsewhere = app.admin().await;
    let r = here
        .put(
            "/api/auth/password",
            json!({"currentPassword": ADMIN_PASSWORD, "newPassword": "a-brand-new-one"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        here.get("/api/managers").await.status,
        200,
        "the current session stays"
    );
    elsewhere
        .get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");
    app.api()
        .login("admin", ADMIN_PASSWORD)
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(
        app.api().login("admin", "a-brand-new-one").await.status,
        200
    );
}

async fn a_wrong_current_password_or_short_new_one_is_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.admin().await;
    let wrong = api
        .put(
            "/api/auth/password",
            json!({"currentPassword": "nope-nope", "newPassword": "long-enough-1"}),
        )
        .await;
    wrong.assert_error(422, "validation_failed");
    assert!(wrong.body["fields"]["currentPassword"].is_string());
    let short = api
        .put(
            "/api/auth/password",
            json!({"currentPassword": ADMIN_PASSWORD, "newPassword": "short"}),
        )
        .await;
    short.assert_error(422, "validation_failed");
    assert!(short.body["fields"]["newPassword"].is_string());
    app.api()
        .put(
            "/api/auth/password",
            json!({"currentPassword": "x", "newPassword": "long-enough-1"}),
        )
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(
        app.api().login("admin", ADMIN_PASSWORD).await.status,
        200,
        "unchanged"
    );
}

async fn repeated_failures_for_one_username_are_throttled(engine: Engine) {
    let options = Options::default().env("LOCACAR_LOGIN_MAX_FAILURES", "3");
    let app = TestApp::start_with(engine, options).await;
    let api = app.api();
    for _ in 0..3 {
        api.login("admin", "guess-guess")
            .await
            .assert_error(401, "unauthenticated");
    }
    let throttled = api.login("admin", "guess-guess").await;
    throttled.assert_error(429, "too_many_requests");
    let retry: u64 = throttled
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    // Even the right password waits: the budget is spent.
    api.login("admin", ADMIN_PASSWORD)
        .await
        .assert_error(429, "too_many_requests");
    // Other accounts are not affected.
    let admin_via_other = app.api().login("Admin2", "whatever-1").await;
    admin_via_other.assert_error(401, "unauthenticated");
}

async fn repeated_failures_from_one_address_are_throttled(engine: Engine) {
    let options = Options::default().env("LOCACAR_LOGIN_MAX_FAILURES_PER_ADDRESS", "4");
    let app = TestApp::start_with(engine, options).await;
    let api = app.api();
    for n in 0..4 {
        api.login(&format!("user{n}"), "guess-guess")
            .await
            .assert_error(401, "unauthenticated");
    }
    api.login("user9", "guess-guess")
        .await
        .assert_error(429, "too_many_requests");
}

async fn a_browser_that_logged_in_before_keeps_its_own_budget(engine: Engine) {
    let options = Options::default().env("LOCACAR_LOGIN_MAX_FAILURES", "3");
    let app = TestApp::start_with(engine, options).await;
    let owner = app.api();
    let first = owner.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let device = first.set_cookie("locacar_device").expect("device cookie");
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/auth/login",
        "Secure",
        "Max-Age=7776000",
    ] {
        assert!(device.contains(flag), "{flag} missing in {device}");
    }
    let token = owner.device_cookie().expect("device token");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM login_devices WHERE token_hash = '{token}'"
            ))
            .await,
        0,
        "only the token's hash is stored"
    );
    owner.post("/api/auth/logout", json!({})).await;

    // A guesser elsewhere spends the account's budget...
    let guesser = app.api();
    for _ in 0..3 {
        guesser
            .login("admin", "guess-guess")
            .await
            .assert_error(401, "unauthenticated");
    }
    guesser
        .login("admin", ADMIN_PASSWORD)
        .await
        .assert_error(429, "too_many_requests");
    // ...but the owner's browser still gets in, and that does not refill the guesser's.
    let back = owner.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(back.status, 200, "{}", back.text);
    guesser
        .login("admin", "guess-guess")
        .await
        .assert_error(429, "too_many_requests");
    // The owner's browser has a budget of its own, throttled like any other.
    for _ in 0..3 {
        owner
            .login("admin", "typo-typo")
            .await
            .assert_error(401, "unauthenticated");
    }
    owner
        .login("admin", ADMIN_PASSWORD)
        .await
        .assert_error(429, "too_many_requests");
    // A device cookie known for another account earns nothing here.
    let stranger = app.api();
    stranger.set_device_cookie(Some(token));
    stranger
        .login("Admin", ADMIN_PASSWORD)
        .await
        .assert_error(429, "too_many_requests");
}

async fn forwarded_addresses_count_only_from_a_trusted_proxy(engine: Engine) {
    async fn guess(api: &Api, n: usize, forwarded_for: &str) -> u16 {
        let body = json!({"username": format!("user{n}"), "password": "guess-guess"});
        let request = api
            .request(reqwest::Method::POST, "/api/auth/login")
            .header("X-Forwarded-For", forwarded_for)
            .json(&body);
        api.send(request).await.status
    }
    let budget = ("LOCACAR_LOGIN_MAX_FAILURES_PER_ADDRESS", "3");
    // Without a trusted proxy, a client that claims a new address at each guess is
    // still counted at its own.
    let app = TestApp::start_with(engine, Options::default().env(budget.0, budget.1)).await;
    let api = app.api();
    for n in 0..3 {
        assert_eq!(guess(&api, n, &format!("198.51.100.{n}")).await, 401);
    }
    assert_eq!(guess(&api, 3, "198.51.100.99").await, 429);

    // Behind a trusted proxy (here the test itself), each client has its own budget.
    let options = Options::default()
        .env(budget.0, budget.1)
        .env("LOCACAR_TRUSTED_PROXIES", "127.0.0.1");
    let app = TestApp::start_with(engine, options).await;
    let api = app.api();
    for n in 0..3 {
        assert_eq!(guess(&api, n, "198.51.100.1").await, 401);
    }
    assert_eq!(guess(&api, 3, "198.51.100.1").await, 429);
    assert_eq!(guess(&api, 4, "198.51.100.2").await, 401);
    // What a client prepends itself does not move it to a fresh budget.
    assert_eq!(guess(&api, 5, "203.0.113.5, 198.51.100.1").await, 429);
}

async fn sessions_expire_when_idle_and_at_their_absolute_limit(engine: Engine) {
    const MINUTE: i64 = 60_000;
    let options = Options::default()
        .env("LOCACAR_SESSION_IDLE_MINUTES", "30")
        .env("LOCACAR_SESSION_MAX_HOURS", "2");
    let app = TestApp::start_with(engine, options).await;
    let now = chrono::Utc::now().timestamp_millis();
    // Moves the session's clocks back instead of waiting: last use and creation.
    let age = |api: &Api, idle: i64, created: i64| {
        let hash = hex::encode(sha2::Sha256::digest(
            api.cookie().expect("session").as_bytes(),
        ));
        format!(
            "UPDATE sessions SET last_seen_at = {}, created_at = {} WHERE token_hash = '{hash}'",
            now - idle,
            now - created
        )
    };
    let admin = app.admin().await;
    app.db.execute(&age(&admin, 29 * MINUTE, 29 * MINUTE)).await;
    assert_eq!(
        admin.get("/api/managers").await.status,
        200,
        "29 minutes idle"
    );
    // That use refreshes the idle clock in the background: let it land before aging again.
    for _ in 0..100 {
        let fresh = format!("SELECT COUNT(*) FROM sessions WHERE last_seen_at >= {now}");
        if app.db.count(&fresh).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.db.execute(&age(&admin, 31 * MINUTE, 31 * MINUTE)).await;
    admin
        .get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");

    // Busy all along, but older than the absolute limit.
    let admin = app.admin().await;
    // Used 30 s ago: too recent for a refresh of the idle clock to run.
    app.db.execute(&age(&admin, MINUTE / 2, 119 * MINUTE)).await;
    assert_eq!(admin.get("/api/managers").await.status, 200, "1 h 59 old");
    app.db.execute(&age(&admin, MINUTE / 2, 121 * MINUTE)).await;
    admin
        .get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");
}

async fn werkzeug_hashes_log_in_and_are_upgraded_to_argon2id(engine: Engine) {
    let app = TestApp::start(engine).await;
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/werkzeug/hashes.json")).expect("fixture");
    for (n, case) in fixture["hashes"]
        .as_array()
        .expect("hashes")
        .iter()
        .enumerate()
    {
        let (password, hash) = (
            case["password"].as_str().unwrap(),
            case["hash"].as_str().unwrap(),
        );
        let username = format!("legacy{n}");
        app.db
            .execute(&format!(
                "INSERT INTO users (id, username, username_key, role, full_name, password_hash, \
                 is_active, search_key, created_at, updated_at) VALUES \
                 ('65f0a1b2c3d4e5f6a7b8c9{n:02}', '{username}', '{username}', 'manager', 'Legacy', \
                 '{hash}', 1, '{username} legacy', 1714800000000, 1714800000000)"
            ))
            .await;
        app.api()
            .login(&username, "wrong-password")
            .await
            .assert_error(401, "unauthenticated");
        let r = app.api().login(&username, password).await;
        assert_eq!(r.status, 200, "{} ({}): {}", case["method"], hash, r.text);
        let stored = app
            .db
            .texts(&format!(
                "SELECT password_hash FROM users WHERE username = '{username}'"
            ))
            .await;
        assert!(
            stored[0].starts_with("$argon2id$"),
            "upgraded: {}",
            stored[0]
        );
        assert_eq!(
            app.api().login(&username, password).await.status,
            200,
            "still works after the upgrade"
        );
    }
}

async fn logins_and_logouts_are_audited_without_secrets(engine: Engine) {
    let app = TestApp::start(engine).await;
    app.api().login("admin", "wrong-password-x").await;
    let api = app.admin().await;
    api.put(
        "/api/auth/password",
        json!({"currentPassword": ADMIN_PASSWORD, "newPassword": "next-password-2"}),
    )
    .await;
    api.post("/api/auth/logout", json!({})).await;
    let actions = app
        .db
        .texts("SELECT action FROM audit_log ORDER BY timestamp, id")
        .await;
    for expected in [
        "LOGIN_ATTEMPT_FAILURE",
        "LOGIN_SUCCESS",
        "CHANGE_PASSWORD",
        "LOGOUT",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
    let failure = app
        .db
        .texts("SELECT details FROM audit_log WHERE action = 'LOGIN_ATTEMPT_FAILURE'")
        .await;
    let details: Value = serde_json::from_str(&failure[0]).expect("json");
    assert_eq!(details["attemptedUsername"], "admin");
    assert!(details["ipAddress"].is_string() && details["userAgent"].is_string());
    let change = app
        .db
        .texts("SELECT details FROM audit_log WHERE action = 'CHANGE_PASSWORD'")
        .await;
    assert!(
        change[0].contains("\"password\""),
        "changedFields names the password: {}",
        change[0]
    );
    let everything = app
        .db
        .texts("SELECT COALESCE(details, '') || COALESCE(before, '') || COALESCE(after, '') FROM audit_log")
        .await
        .join("\n");
    for secret in [
        "wrong-password-x",
        ADMIN_PASSWORD,
        "next-password-2",
        "argon2",
        "passwordHash",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked into the audit log"
        );
    }
}

async fn usernames_are_compared_ignoring_case(engine: Engine) {
    let app = TestApp::start(engine).await;
    assert_eq!(app.api().login("ADMIN", ADMIN_PASSWORD).await.status, 200);
    assert_eq!(app.api().login(" Admin ", ADMIN_PASSWORD).await.status, 200);
}
