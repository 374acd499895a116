//! The web app served at `/` by the same server as the API, on the real socket.

mod common;

use common::{Engine, TestApp};

/// scripts/test.sh builds the web app before the Rust tests and says so; a bare
/// `cargo test` may run without a build, and then `/` must say how to make one.
fn web_app_is_built() -> bool {
    std::env::var("LOCACAR_TEST_WEB_BUILT").is_ok_and(|v| v == "1")
}

#[tokio::test]
async fn the_app_opens_at_any_of_its_paths_and_the_api_keeps_its_errors() {
    let app = TestApp::start(Engine::Sqlite).await;
    let api = app.api();
    for path in ["/", "/cars", "/clients/65a1b2c3d4e5f6a7b8c9d0e1"] {
        let r = api.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        if web_app_is_built() {
            assert!(r
                .header("content-type")
                .is_some_and(|v| v.starts_with("text/html")));
            assert!(r.text.contains("<div id=\"root\">"), "{path}: {}", r.text);
            let csp = r.header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("script-src 'self'"), "{csp}");
        } else {
            assert!(r.text.contains("npm --prefix web run build"), "{}", r.text);
        }
    }
    api.get("/api/no-such-thing")
        .await
        .assert_error(404, "not_found");
    api.get("/assets/no-such-file.js")
        .await
        .assert_error(404, "not_found");
    api.post("/cars", serde_json::json!({}))
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn the_apps_scripts_are_served_with_their_type_and_cached() {
    if !web_app_is_built() {
        eprintln!("skipped: the web app is not built (scripts/test.sh builds it)");
        return;
    }
    let app = TestApp::start(Engine::Sqlite).await;
    let api = app.api();
    let index = api.get("/").await.text;
    let script = index
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    assert!(script.starts_with("/assets/"), "{index}");
    let r = api.get(&script).await;
    assert_eq!(r.status, 200, "{script}");
    assert!(r
        .header("content-type")
        .is_some_and(|v| v.contains("javascript")));
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}
