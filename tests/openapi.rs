//! The published OpenAPI document and the API browser.

mod common;

use common::{Engine, Options, TestApp};

/// Every operation of the contract (`../shared/API.md`) and of its extensions (issue 7:
/// blocks, branches, inspections, the dashboard), as `METHOD path`.
const CONTRACT: &[&str] = &[
    "POST /api/auth/login",
    "POST /api/auth/logout",
    "GET /api/auth/status",
    "PUT /api/auth/password",
    "GET /api/managers",
    "POST /api/managers",
    "GET /api/managers/{id}",
    "PUT /api/managers/{id}",
    "DELETE /api/managers/{id}",
    "GET /api/cars",
    "POST /api/cars",
    "GET /api/cars/available",
    "GET /api/cars/{id}",
    "PUT /api/cars/{id}",
    "DELETE /api/cars/{id}",
    "POST /api/cars/{id}/image",
    "GET /api/cars/{id}/image",
    "DELETE /api/cars/{id}/image",
    "GET /api/blocks",
    "GET /api/cars/{id}/blocks",
    "POST /api/cars/{id}/blocks",
    "GET /api/cars/{id}/blocks/{blockId}",
    "PUT /api/cars/{id}/blocks/{blockId}",
    "DELETE /api/cars/{id}/blocks/{blockId}",
    "GET /api/cars/{id}/rates",
    "PUT /api/cars/{id}/rates",
    "GET /api/branches",
    "POST /api/branches",
    "GET /api/branches/{id}",
    "PUT /api/branches/{id}",
    "DELETE /api/branches/{id}",
    "GET /api/extras",
    "POST /api/extras",
    "GET /api/extras/{id}",
    "PUT /api/extras/{id}",
    "DELETE /api/extras/{id}",
    "GET /api/clients",
    "POST /api/clients",
    "GET /api/clients/{id}",
    "PUT /api/clients/{id}",
    "DELETE /api/clients/{id}",
    "GET /api/clients/{id}/reservations",
    "GET /api/reservations",
    "POST /api/reservations",
    "GET /api/reservations/{id}",
    "PUT /api/reservations/{id}",
    "DELETE /api/reservations/{id}",
    "PUT /api/reservations/{id}/status",
    "POST /api/reservations/{id}/return-quote",
    "POST /api/reservations/{id}/payments",
    "POST /api/reservations/{id}/deposit",
    "POST /api/reservations/{id}/fee/waiver",
    "GET /api/reservations/{id}/invoice",
    "GET /api/reservations/{id}/invoices",
    "GET /api/reservations/{id}/invoices/{invoiceId}",
    "POST /api/reservations/{id}/credit-notes",
    "GET /api/quote",
    "POST /api/reservations/{id}/review",
    "POST /api/reservations/{id}/inspections/{kind}/photos",
    "GET /api/reservations/{id}/inspections/{kind}/photos/{photoId}",
    "DELETE /api/reservations/{id}/inspections/{kind}/photos/{photoId}",
    "GET /api/dashboard",
    "GET /api/reports/revenue",
    "GET /api/reports/utilisation",
    "GET /api/audit",
    "GET /api/meta",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
];

fn operations(doc: &serde_json::Value) -> Vec<String> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops.sort();
    ops
}

both_engines!(the_document_describes_every_operation_and_nothing_else);

async fn the_document_describes_every_operation_and_nothing_else(engine: Engine) {
    let app = TestApp::start(engine).await;
    let r = app.api().get("/api/openapi.json").await;
    assert_eq!(r.status, 200, "anyone may read the document");
    assert!(r.body["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));
    let mut expected: Vec<String> = CONTRACT.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(operations(&r.body), expected);
    let schemes = &r.body["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "locacar_session");
    let mut ids = std::collections::HashSet::new();
    for (path, item) in r.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_owned()),
                "{method} {path}: operationId {id:?} missing or reused"
            );
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                !responses.is_empty(),
                "{method} {path} documents no response"
            );
            assert!(op["summary"].is_string(), "{method} {path} has no summary");
        }
    }
    // Creates link to the operations that take the new id, for clients and test tools.
    let links = &r.body["paths"]["/api/reservations"]["post"]["responses"]["201"]["links"];
    assert_eq!(
        links["getReservation"]["parameters"]["id"],
        "$response.body#/_id"
    );
    // Development mode adds the test-user route to what is served and documented.
    let dev = TestApp::start_with(engine, Options::dev()).await;
    let doc = dev.api().get("/api/openapi.json").await.body;
    assert!(operations(&doc).contains(&"POST /api/auth/create_test_user".to_owned()));
}

#[tokio::test]
async fn the_api_browser_is_served_without_any_cdn() {
    let app = TestApp::start(Engine::Sqlite).await;
    let page = app.api().get("/api/docs/").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"));
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-initializer.js",
    ] {
        let r = app.api().get(&format!("/api/docs/{asset}")).await;
        assert_eq!(r.status, 200, "{asset}");
        assert!(
            !r.text.contains("unpkg.com") && !r.text.contains("cdn."),
            "{asset} loads from a CDN"
        );
    }
    let init = app.api().get("/api/docs/swagger-initializer.js").await.text;
    assert!(init.contains("/api/openapi.json"), "{init}");
}

/// The web app's TypeScript types are generated from `web/openapi.json`: a copy of this
/// document that must not drift from what the server publishes.
#[tokio::test]
async fn the_web_apps_copy_of_the_document_is_current() {
    let app = TestApp::start(Engine::Sqlite).await;
    let served: serde_json::Value = app.api().get("/api/openapi.json").await.body;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/web/openapi.json");
    let copy = std::fs::read_to_string(path).unwrap_or_default();
    let copy: serde_json::Value = serde_json::from_str(&copy).unwrap_or_default();
    assert!(
        copy == served,
        "web/openapi.json is not the document the server publishes: \
         run `cargo run -- openapi > web/openapi.json`, then rebuild the web app"
    );
}
