//! Login, logout, status, password changes, throttling and sessions, on both engines.

mod common;

use common::{Engine, Options, TestApp, ADMIN_PASSWORD};
use serde_json::json;

both_engines!(login_opens_a_session_with_a_safe_cookie,);

async fn login_opens_a_session_with_a_safe_cookie(engine: Engine) {
    let app = TestApp::start(engine).await;
    let api = app.api();
    let r = api.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["user"]["username"], "admin");
    assert_eq!(r.body["user"]["role"], "admin");
    assert!(r.body["user"].get("passwordHash").is_none());
    let cookie = r.header("set-cookie").expect("cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    let status = api.get("/api/auth/status").await;
    assert_eq!(status.body["authenticated"], true);
    assert_eq!(status.body["user"]["username"], "admin");
    let _ = Options::default();
    let _ = json!({});
}
