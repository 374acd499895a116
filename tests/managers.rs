//! `/api/managers`: admin-only manager accounts, their validation, sessions and audit
//! trail, on both engines.

mod common;

use common::{Api, Engine, Resp, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const PASSWORD: &str = "manager-pass-1";
const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";

both_engines!(
    managers_routes_require_an_admin,
    create_makes_an_active_manager_without_exposing_the_hash,
    create_requires_valid_username_password_and_full_name,
    create_rejects_unknown_and_server_owned_fields,
    usernames_are_unique_regardless_of_case,
    concurrent_creates_of_one_username_make_one_account,
    list_holds_only_managers_in_the_envelope_and_pages,
    list_filters_by_active_and_text,
    list_sorts_by_username_and_creation,
    list_rejects_bad_query_parameters,
    ids_are_checked_and_the_admin_is_not_a_manager,
    update_changes_only_the_given_fields,
    update_rejects_null_and_invalid_values,
    deactivation_ends_sessions_until_reactivated,
    password_change_ends_sessions,
    delete_removes_the_manager_and_their_sessions,
    audit_records_one_entry_per_change,
    failed_changes_leave_no_audit_entry,
);

// ---------------------------------------------------------------- helpers

fn body(username: &str, full_name: &str) -> Value {
    json!({"username": username, "password": PASSWORD, "fullName": full_name})
}

/// Creates a manager as `admin` and returns their id.
async fn create(admin: &Api, username: &str, full_name: &str) -> String {
    let r = admin.post("/api/managers", body(username, full_name)).await;
    assert_eq!(r.status, 201, "create {username}: {}", r.text);
    r.body["_id"].as_str().expect("_id").to_owned()
}

/// The `_id` of the user a client is logged in as.
async fn my_id(api: &Api) -> String {
    let r = api.get("/api/auth/status").await;
    assert_eq!(r.body["authenticated"], true, "{}", r.text);
    r.body["user"]["_id"].as_str().expect("_id").to_owned()
}

/// Asserts a 422 naming `field`.
fn assert_invalid(r: &Resp, field: &str) {
    r.assert_error(422, "validation_failed");
    assert!(
        r.body["fields"].get(field).is_some(),
        "expected fields.{field}: {}",
        r.text
    );
}

fn usernames(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["username"].as_str().expect("username").to_owned())
        .collect()
}

async fn users_named(app: &TestApp, key: &str) -> i64 {
    app.db
        .count(&format!(
            "SELECT COUNT(*) FROM users WHERE username_key = '{key}'"
        ))
        .await
}

/// Audit entries of manager changes made by someone (the first admin's creation at
/// start-up is recorded too, with no actor).
async fn manager_audit_rows(app: &TestApp) -> i64 {
    app.db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE '%MANAGER' AND user_id IS NOT NULL",
        )
        .await
}

/// One column of the single audit entry with this action on this entity.
async fn audit_column(app: &TestApp, action: &str, id: &str, column: &str) -> String {
    let rows = app
        .db
        .texts(&format!(
            "SELECT COALESCE({column}, '') FROM audit_log WHERE action = '{action}' AND entity_id = '{id}'"
        ))
        .await;
    assert_eq!(rows.len(), 1, "{action} entries for {id}: {rows:?}");
    rows.into_iter().next().unwrap()
}

async fn audit_json(app: &TestApp, action: &str, id: &str, column: &str) -> Value {
    let text = audit_column(app, action, id, column).await;
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("audit column is JSON")
    }
}

// ---------------------------------------------------------------- access

async fn managers_routes_require_an_admin(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (manager, id) = app.manager("mona").await;
    let anonymous = app.api();
    let one = format!("/api/managers/{id}");
    let change = json!({"fullName": "Changed"});

    for (api, status, code) in [
        (&anonymous, 401, "unauthenticated"),
        (&manager, 403, "forbidden"),
    ] {
        api.get("/api/managers").await.assert_error(status, code);
        api.get(&one).await.assert_error(status, code);
        api.post("/api/managers", body("intruder", "X"))
            .await
            .assert_error(status, code);
        api.put(&one, change.clone())
            .await
            .assert_error(status, code);
        api.delete(&one).await.assert_error(status, code);
    }
    assert_eq!(users_named(&app, "intruder").await, 0);
    let admin = app.admin().await;
    let r = admin.get(&one).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["fullName"], "A Manager");
}

// ---------------------------------------------------------------- create

async fn create_makes_an_active_manager_without_exposing_the_hash(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    let r = admin
        .post("/api/managers", body("Nadia.B", "Nadia Benali"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut keys: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "_id",
            "createdAt",
            "fullName",
            "isActive",
            "role",
            "updatedAt",
            "username"
        ]
    );
    let id = r.body["_id"].as_str().unwrap();
    assert!(
        id.len() == 24
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "_id {id}"
    );
    assert_eq!(r.body["username"], "Nadia.B");
    assert_eq!(r.body["fullName"], "Nadia Benali");
    assert_eq!(r.body["role"], "manager");
    assert_eq!(r.body["isActive"], true);
    for field in ["createdAt", "updatedAt"] {
        let at = r.body[field].as_str().unwrap();
        assert!(at.ends_with('Z'), "{field} {at}");
        chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
    }

    let fetched = admin.get(&format!("/api/managers/{id}")).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text);
    assert_eq!(fetched.body, r.body);
    let hashes = app
        .db
        .texts(&format!(
            "SELECT password_hash FROM users WHERE id = '{id}'"
        ))
        .await;
    assert!(hashes[0].starts_with("$argon2id$"), "{}", hashes[0]);
    assert!(!hashes[0].contains(PASSWORD));

    let login = app.api().login("Nadia.B", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["user"]["role"], "manager");

    // isActive may be given; an inactive account exists but cannot log in.
    let r = admin
        .post(
            "/api/managers",
            json!({"username": "idle", "password": PASSWORD, "fullName": "Idle", "isActive": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["isActive"], false);
    app.api()
        .login("idle", PASSWORD)
        .await
        .assert_error(403, "forbidden");
}

async fn create_requires_valid_username_password_and_full_name(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    let r = admin.post("/api/managers", json!({})).await;
    for field in ["username", "password", "fullName"] {
        assert_invalid(&r, field);
    }

    let too_long = "a".repeat(51);
    for bad in [
        "ab",
        too_long.as_str(),
        "two words",
        "x@y.ma",
        "semi;colon",
        "",
    ] {
        let r = admin.post("/api/managers", body(bad, "Bad Name")).await;
        assert_invalid(&r, "username");
    }
    let r = admin
        .post(
            "/api/managers",
            json!({"username": "shortpw", "password": "1234567", "fullName": "Short"}),
        )
        .await;
    assert_invalid(&r, "password");

    // Wrong JSON types are 422 too.
    for wrong in [
        json!({"username": 42, "password": PASSWORD, "fullName": "N"}),
        json!({"username": "typed", "password": 12345678, "fullName": "N"}),
        json!({"username": "typed", "password": PASSWORD, "fullName": ["N"]}),
        json!({"username": "typed", "password": PASSWORD, "fullName": "N", "isActive": "yes"}),
    ] {
        admin
            .post("/api/managers", wrong)
            .await
            .assert_error(422, "validation_failed");
    }
    assert_eq!(app.db.count("SELECT COUNT(*) FROM users").await, 1);

    // The limits themselves are allowed.
    let fifty = "b".repeat(50);
    create(&admin, &fifty, "Fifty").await;
    create(&admin, "a.b", "Three").await;
    create(&admin, "under_score-dash.dot9", "Chars").await;
    let r = admin
        .post(
            "/api/managers",
            json!({"username": "eightpw", "password": "12345678", "fullName": "Eight"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn create_rejects_unknown_and_server_owned_fields(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    for (field, value) in [
        ("role", json!("admin")),
        (
            "passwordHash",
            json!("$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB"),
        ),
        ("_id", json!(UNKNOWN_ID)),
        ("createdAt", json!("2020-01-01T00:00:00Z")),
        ("updatedAt", json!("2020-01-01T00:00:00Z")),
        ("nickname", json!("sneaky")),
    ] {
        let mut sent = body("sneaky", "Sneaky");
        sent[field] = value;
        let r = admin.post("/api/managers", sent).await;
        assert_invalid(&r, field);
    }
    assert_eq!(users_named(&app, "sneaky").await, 0);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
}

async fn usernames_are_unique_regardless_of_case(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    create(&admin, "Alice", "Alice One").await;

    for clash in ["Alice", "alice", "ALICE", "Admin"] {
        let r = admin.post("/api/managers", body(clash, "Another")).await;
        r.assert_error(409, "conflict");
        assert!(r.body["fields"].get("username").is_some(), "{}", r.text);
    }
    // A look-alike spelling of an existing name (full-width letters) takes nobody's place.
    let r = admin
        .post("/api/managers", body("ＡＤＭＩＮ", "Look-alike"))
        .await;
    assert!([409, 422].contains(&r.status), "{}", r.text);
    assert_eq!(users_named(&app, "alice").await, 1);
    assert_eq!(users_named(&app, "admin").await, 1);
    assert_eq!(app.db.count("SELECT COUNT(*) FROM users").await, 2);
}

async fn concurrent_creates_of_one_username_make_one_account(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let spellings = ["Zed", "zed", "ZED", "zEd", "Zed", "zed", "zeD", "ZeD"];

    let responses = futures::future::join_all(
        spellings
            .iter()
            .map(|name| admin.post("/api/managers", body(name, "Zed"))),
    )
    .await;

    let created = responses.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        responses.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    for r in responses.iter().filter(|r| r.status != 201) {
        r.assert_error(409, "conflict");
        assert!(r.body["fields"].get("username").is_some(), "{}", r.text);
    }
    assert_eq!(users_named(&app, "zed").await, 1);
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'CREATE_MANAGER' AND user_id IS NOT NULL"
            )
            .await,
        1
    );
}

// ---------------------------------------------------------------- list

async fn list_holds_only_managers_in_the_envelope_and_pages(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    for name in ["mgr1", "mgr2", "mgr3", "mgr4", "mgr5"] {
        create(&admin, name, "Someone").await;
    }

    let r = admin.get("/api/managers").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 5);
    assert_eq!(r.body["page"], 1);
    assert_eq!(r.body["perPage"], 20);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    for item in items {
        assert_eq!(item["role"], "manager");
        assert!(item.get("passwordHash").is_none(), "{item}");
    }
    assert!(!usernames(&r).contains(&"admin".to_owned()));

    // Pages of two: 2, 2, 1, then an empty page; the total never changes.
    let mut seen = Vec::new();
    for (page, expected) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
        let r = admin
            .get(&format!("/api/managers?perPage=2&page={page}"))
            .await;
        assert_eq!(r.body["total"], 5, "{}", r.text);
        assert_eq!(r.body["page"], page);
        assert_eq!(r.body["perPage"], 2);
        let names = usernames(&r);
        assert_eq!(names.len(), expected, "page {page}: {names:?}");
        seen.extend(names);
    }
    seen.sort();
    assert_eq!(seen, ["mgr1", "mgr2", "mgr3", "mgr4", "mgr5"]);

    // Equal creation instants: the order is still total, so paging neither
    // repeats nor skips anyone.
    app.db
        .execute("UPDATE users SET created_at = 1700000000000 WHERE role = 'manager'")
        .await;
    for sort in ["createdAt", "-createdAt"] {
        let mut seen = Vec::new();
        for page in 1..=5 {
            let r = admin
                .get(&format!("/api/managers?sort={sort}&perPage=1&page={page}"))
                .await;
            seen.extend(usernames(&r));
        }
        seen.sort();
        assert_eq!(
            seen,
            ["mgr1", "mgr2", "mgr3", "mgr4", "mgr5"],
            "sort={sort}"
        );
    }
    let r = admin.get("/api/managers?perPage=100").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["perPage"], 100);
}

async fn list_filters_by_active_and_text(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    create(&admin, "alice", "Alice Martin").await;
    create(&admin, "bob", "Bob Stone").await;
    let carol = create(&admin, "carol", "Carol Khalil").await;
    create(&admin, "dave_k", "David King").await;
    let r = admin
        .put(
            &format!("/api/managers/{carol}"),
            json!({"isActive": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let get = |query: &'static str| {
        let admin = admin.clone();
        async move {
            let r = admin.get(&format!("/api/managers?{query}")).await;
            let mut names = usernames(&r);
            names.sort();
            assert_eq!(r.body["total"], names.len(), "{query}: {}", r.text);
            names
        }
    };
    assert_eq!(get("isActive=true").await, ["alice", "bob", "dave_k"]);
    assert_eq!(get("isActive=false").await, ["carol"]);
    // q matches username or full name, in any case.
    assert_eq!(get("q=ALI").await, ["alice", "carol"]);
    assert_eq!(get("q=king").await, ["dave_k"]);
    assert_eq!(get("q=sTONE").await, ["bob"]);
    assert_eq!(get("q=ali&isActive=true").await, ["alice"]);
    assert_eq!(get("q=nobody").await, Vec::<String>::new());
    // LIKE wildcards are searched for literally.
    assert_eq!(get("q=_").await, ["dave_k"]);
    assert_eq!(get("q=%25").await, Vec::<String>::new());
}

async fn list_sorts_by_username_and_creation(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    // Created in the reverse of alphabetical order.
    for name in ["dora", "carl", "bea", "abel"] {
        create(&admin, name, "Someone").await;
    }
    let order = |sort: &'static str| {
        let admin = admin.clone();
        async move { usernames(&admin.get(&format!("/api/managers?sort={sort}")).await) }
    };
    assert_eq!(order("username").await, ["abel", "bea", "carl", "dora"]);
    assert_eq!(order("-username").await, ["dora", "carl", "bea", "abel"]);
    assert_eq!(order("createdAt").await, ["dora", "carl", "bea", "abel"]);
    assert_eq!(order("-createdAt").await, ["abel", "bea", "carl", "dora"]);
}

async fn list_rejects_bad_query_parameters(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    for query in [
        "isActive=yes",
        "isActive=1",
        "sort=password",
        "sort=-fullName",
        "sort=role",
        "page=0",
        "page=-1",
        "page=two",
        "perPage=0",
        "perPage=101",
        "perPage=1.5",
    ] {
        let r = admin.get(&format!("/api/managers?{query}")).await;
        assert_eq!(r.status, 400, "{query}: {}", r.text);
        r.assert_error(400, "bad_request");
    }
}

// ---------------------------------------------------------------- one manager

async fn ids_are_checked_and_the_admin_is_not_a_manager(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = my_id(&admin).await;

    for bad in [
        "nothex",
        "123",
        "zzzzzzzzzzzzzzzzzzzzzzzz",
        "65a1b2c3d4e5f6a7b8c9d0e1f",
    ] {
        let path = format!("/api/managers/{bad}");
        admin.get(&path).await.assert_error(400, "bad_request");
        admin
            .put(&path, json!({"fullName": "X"}))
            .await
            .assert_error(400, "bad_request");
        admin.delete(&path).await.assert_error(400, "bad_request");
    }
    for missing in [UNKNOWN_ID, admin_id.as_str()] {
        let path = format!("/api/managers/{missing}");
        admin.get(&path).await.assert_error(404, "not_found");
        admin
            .put(&path, json!({"fullName": "Renamed", "isActive": false}))
            .await
            .assert_error(404, "not_found");
        admin.delete(&path).await.assert_error(404, "not_found");
    }
    // The admin account came through all that untouched.
    let status = admin.get("/api/auth/status").await;
    assert_eq!(
        status.body["user"]["fullName"], "Administrator",
        "{}",
        status.text
    );
    assert_eq!(status.body["user"]["isActive"], true);
}

// ---------------------------------------------------------------- update

async fn update_changes_only_the_given_fields(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (erin, id) = app.manager("erin").await;
    let admin = app.admin().await;
    create(&admin, "frank", "Frank").await;
    let path = format!("/api/managers/{id}");
    let original = admin.get(&path).await.body;

    let r = admin.put(&path, json!({"fullName": "Erin Renamed"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["fullName"], "Erin Renamed");
    for same in ["_id", "username", "role", "isActive", "createdAt"] {
        assert_eq!(r.body[same], original[same], "{same}");
    }
    assert_ne!(r.body["updatedAt"], original["updatedAt"]);
    assert_eq!(admin.get(&path).await.body, r.body);
    // A name change leaves the manager logged in.
    assert_eq!(
        erin.get("/api/auth/status").await.body["authenticated"],
        true
    );

    // An empty change is accepted and changes nothing, not even updatedAt.
    let before_empty = r.body.clone();
    let r = admin.put(&path, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, before_empty);
    assert_eq!(admin.get(&path).await.body, before_empty);

    // Renaming: the new name logs in, the old one no longer does.
    let r = admin.put(&path, json!({"username": "erin.b"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["username"], "erin.b");
    assert_eq!(r.body["fullName"], "Erin Renamed");
    assert_eq!(app.api().login("erin.b", PASSWORD).await.status, 200);
    app.api()
        .login("erin", PASSWORD)
        .await
        .assert_error(401, "unauthenticated");
    // Re-casing one's own name is not a clash; taking another's is.
    let r = admin.put(&path, json!({"username": "Erin.B"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["username"], "Erin.B");
    for clash in ["FRANK", "admin"] {
        let r = admin.put(&path, json!({"username": clash})).await;
        r.assert_error(409, "conflict");
        assert!(r.body["fields"].get("username").is_some(), "{}", r.text);
    }
    assert_eq!(admin.get(&path).await.body["username"], "Erin.B");
}

async fn update_rejects_null_and_invalid_values(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = create(&admin, "gina", "Gina").await;
    let path = format!("/api/managers/{id}");
    let original = admin.get(&path).await.body;

    for field in ["username", "password", "fullName", "isActive"] {
        let r = admin.put(&path, json!({ field: null })).await;
        assert_invalid(&r, field);
    }
    for (field, value) in [
        ("username", json!("no spaces allowed")),
        ("username", json!("ab")),
        ("password", json!("short")),
        ("isActive", json!("no")),
        ("fullName", json!(7)),
        ("role", json!("admin")),
        ("passwordHash", json!("$argon2id$whatever")),
        ("_id", json!(UNKNOWN_ID)),
        ("createdAt", json!("2020-01-01T00:00:00Z")),
    ] {
        let r = admin.put(&path, json!({ field: value })).await;
        assert_invalid(&r, field);
    }
    // One bad field spoils the whole change.
    let r = admin
        .put(&path, json!({"fullName": "Half Done", "password": "short"}))
        .await;
    assert_invalid(&r, "password");

    assert_eq!(admin.get(&path).await.body, original);
    assert_eq!(app.api().login("gina", PASSWORD).await.status, 200);
}

// ---------------------------------------------------------------- sessions

async fn deactivation_ends_sessions_until_reactivated(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (hana, id) = app.manager("hana").await;
    let second_session = app.login("hana", PASSWORD).await;
    let admin = app.admin().await;
    let path = format!("/api/managers/{id}");
    // Logged in: the manager is known, merely not allowed here.
    hana.get("/api/managers")
        .await
        .assert_error(403, "forbidden");

    let r = admin.put(&path, json!({"isActive": false})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["isActive"], false);

    for session in [&hana, &second_session] {
        session
            .get("/api/managers")
            .await
            .assert_error(401, "unauthenticated");
        assert_eq!(
            session.get("/api/auth/status").await.body["authenticated"],
            false
        );
    }
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE user_id = '{id}'"
            ))
            .await,
        0
    );
    app.api()
        .login("hana", PASSWORD)
        .await
        .assert_error(403, "forbidden");
    app.api()
        .login("hana", "wrong-password")
        .await
        .assert_error(401, "unauthenticated");
    // The admin's own session is untouched.
    assert_eq!(admin.get("/api/managers").await.status, 200);

    let r = admin.put(&path, json!({"isActive": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.api().login("hana", PASSWORD).await.status, 200);
}

async fn password_change_ends_sessions(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ivan, id) = app.manager("ivan").await;
    let admin = app.admin().await;

    let r = admin
        .put(
            &format!("/api/managers/{id}"),
            json!({"password": "a-brand-new-secret"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body.get("passwordHash").is_none() && r.body.get("password").is_none());

    ivan.get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");
    app.api()
        .login("ivan", PASSWORD)
        .await
        .assert_error(401, "unauthenticated");
    let fresh = app.login("ivan", "a-brand-new-secret").await;
    fresh
        .get("/api/managers")
        .await
        .assert_error(403, "forbidden");
    assert_eq!(admin.get("/api/managers").await.status, 200);
}

async fn delete_removes_the_manager_and_their_sessions(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (jade, id) = app.manager("jade").await;
    let admin = app.admin().await;
    let path = format!("/api/managers/{id}");

    // A DELETE carries no body and needs no content type.
    let r = admin.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty(), "{}", r.text);

    admin.get(&path).await.assert_error(404, "not_found");
    admin.delete(&path).await.assert_error(404, "not_found");
    assert_eq!(admin.get("/api/managers").await.body["total"], 0);
    assert_eq!(
        jade.get("/api/auth/status").await.body["authenticated"],
        false
    );
    jade.get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE user_id = '{id}'"
            ))
            .await,
        0
    );
    app.api()
        .login("jade", PASSWORD)
        .await
        .assert_error(401, "unauthenticated");
    // The name is free again.
    create(&admin, "Jade", "Jade Again").await;
}

// ---------------------------------------------------------------- audit

async fn audit_records_one_entry_per_change(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = my_id(&admin).await;

    let r = admin
        .send(
            admin
                .request(Method::POST, "/api/managers")
                .header("user-agent", "audit-test/1.0")
                .json(&body("kim", "Kim Old")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["_id"].as_str().unwrap().to_owned();

    // Creation.
    assert_eq!(
        audit_column(&app, "CREATE_MANAGER", &id, "entity_type").await,
        "User"
    );
    assert_eq!(
        audit_column(&app, "CREATE_MANAGER", &id, "user_id").await,
        admin_id
    );
    assert_eq!(
        audit_column(&app, "CREATE_MANAGER", &id, "user_username").await,
        "admin"
    );
    assert_eq!(
        audit_json(&app, "CREATE_MANAGER", &id, "before").await,
        Value::Null
    );
    let after = audit_json(&app, "CREATE_MANAGER", &id, "after").await;
    assert_eq!(after["username"], "kim");
    assert_eq!(after["role"], "manager");
    let details = audit_json(&app, "CREATE_MANAGER", &id, "details").await;
    assert_eq!(details["userAgent"], "audit-test/1.0");
    assert!(
        details["ipAddress"]
            .as_str()
            .is_some_and(|ip| ip.contains("127.0.0.1")),
        "{details}"
    );
    let changed = details["changedFields"].as_array().expect("changedFields");
    assert!(changed.contains(&json!("username")), "{details}");

    // A change of name, then of password.
    let path = format!("/api/managers/{id}");
    assert_eq!(
        admin
            .put(&path, json!({"fullName": "Kim New"}))
            .await
            .status,
        200
    );
    let before = audit_json(&app, "UPDATE_MANAGER", &id, "before").await;
    let after = audit_json(&app, "UPDATE_MANAGER", &id, "after").await;
    assert_eq!(before["fullName"], "Kim Old");
    assert_eq!(after["fullName"], "Kim New");
    let details = audit_json(&app, "UPDATE_MANAGER", &id, "details").await;
    assert_eq!(details["changedFields"], json!(["fullName"]));

    assert_eq!(
        admin
            .put(&path, json!({"password": "another-secret-9"}))
            .await
            .status,
        200
    );
    let details = app
        .db
        .texts(&format!(
            "SELECT details FROM audit_log WHERE action = 'UPDATE_MANAGER' AND entity_id = '{id}'"
        ))
        .await;
    assert_eq!(details.len(), 2, "{details:?}");
    let fields: Vec<Value> = details
        .iter()
        .map(|d| serde_json::from_str::<Value>(d).unwrap()["changedFields"].clone())
        .collect();
    assert!(fields.contains(&json!(["password"])), "{fields:?}");

    // An empty change is no change, and is not recorded.
    assert_eq!(admin.put(&path, json!({})).await.status, 200);

    // Deletion.
    assert_eq!(admin.delete(&path).await.status, 204);
    let before = audit_json(&app, "DELETE_MANAGER", &id, "before").await;
    assert_eq!(before["fullName"], "Kim New");
    assert_eq!(
        audit_json(&app, "DELETE_MANAGER", &id, "after").await,
        Value::Null
    );

    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity_id = '{id}'"
            ))
            .await,
        4
    );
    // No password or hash in any entry.
    for column in ["details", "before", "after"] {
        for text in app
            .db
            .texts(&format!("SELECT COALESCE({column}, '') FROM audit_log"))
            .await
        {
            for secret in ["passwordHash", "$argon2", PASSWORD, "another-secret-9"] {
                assert!(!text.contains(secret), "{column} holds {secret}: {text}");
            }
        }
    }
}

async fn failed_changes_leave_no_audit_entry(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = create(&admin, "lena", "Lena").await;
    create(&admin, "omar", "Omar").await;
    let path = format!("/api/managers/{id}");
    let entries = manager_audit_rows(&app).await;
    assert_eq!(entries, 2);

    admin
        .post("/api/managers", body("LENA", "Dup"))
        .await
        .assert_error(409, "conflict");
    assert_invalid(
        &admin
            .post(
                "/api/managers",
                json!({"username": "new1", "password": "short", "fullName": "N"}),
            )
            .await,
        "password",
    );
    admin
        .put(&path, json!({"username": "Omar"}))
        .await
        .assert_error(409, "conflict");
    assert_invalid(
        &admin.put(&path, json!({"fullName": null})).await,
        "fullName",
    );
    admin
        .put(
            &format!("/api/managers/{UNKNOWN_ID}"),
            json!({"fullName": "Ghost"}),
        )
        .await
        .assert_error(404, "not_found");
    admin
        .delete(&format!("/api/managers/{UNKNOWN_ID}"))
        .await
        .assert_error(404, "not_found");

    assert_eq!(manager_audit_rows(&app).await, entries);
}
