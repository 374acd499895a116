//! `GET /api/audit`: the trail every change leaves, for admins only.

mod common;

use common::{Engine, TestApp};
use serde_json::json;

/// Milliseconds since the epoch of an RFC 3339 value (strings of varying precision do not sort).
fn instant(value: &serde_json::Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a date-time"))
        .expect("RFC 3339")
        .timestamp_millis()
}

both_engines!(
    the_audit_log_is_for_admins_newest_first,
    the_audit_log_filters_by_entity_user_action_and_time,
);

async fn the_audit_log_is_for_admins_newest_first(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (manager, manager_id) = app.manager("auditee").await;
    manager
        .get("/api/audit")
        .await
        .assert_error(403, "forbidden");
    app.api()
        .get("/api/audit")
        .await
        .assert_error(401, "unauthenticated");

    let admin = app.admin().await;
    let r = admin.get("/api/audit").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().expect("items");
    assert!(r.body["total"].as_i64().unwrap_or(0) >= 4, "{}", r.text);
    let stamps: Vec<i64> = items.iter().map(|e| instant(&e["timestamp"])).collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let created = items
        .iter()
        .find(|e| e["action"] == "CREATE_MANAGER" && e["entityId"] == manager_id.as_str())
        .expect("the manager's creation");
    assert_eq!(created["entityType"], "User");
    assert_eq!(created["after"]["username"], "auditee");
    assert!(created["before"].is_null());
    assert!(created["details"]["ipAddress"].is_string());
    assert!(created["details"]["changedFields"]
        .as_array()
        .is_some_and(|f| !f.is_empty()));
    assert!(!r.text.contains("passwordHash") && !r.text.contains("argon2"));
}

async fn the_audit_log_filters_by_entity_user_action_and_time(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let status = admin.get("/api/auth/status").await;
    let admin_id = status.body["user"]["_id"].as_str().expect("id").to_owned();
    let car = admin
        .post(
            "/api/cars",
            json!({"make": "Dacia", "model": "Logan", "year": 2022, "licensePlate": "1234-A-5",
                   "vin": "UU1LSDA0X66123456", "dailyRate": 250}),
        )
        .await;
    assert_eq!(car.status, 201, "{}", car.text);
    let car_id = car.body["_id"].as_str().expect("id").to_owned();
    let r = admin
        .put(&format!("/api/cars/{car_id}"), json!({"dailyRate": 275.5}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let only_car = admin
        .get(&format!("/api/audit?entityType=Car&entityId={car_id}"))
        .await;
    let actions: Vec<&str> = only_car.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, ["UPDATE_CAR", "CREATE_CAR"]);
    let update = &only_car.body["items"][0];
    assert_eq!(update["before"]["dailyRate"], 250);
    assert_eq!(update["after"]["dailyRate"], 275.5);
    assert_eq!(update["details"]["changedFields"], json!(["dailyRate"]));

    let by_action = admin.get("/api/audit?action=LOGIN_SUCCESS").await;
    assert!(by_action.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|e| e["action"] == "LOGIN_SUCCESS"));
    assert_eq!(by_action.body["total"], 1);
    let by_user = admin
        .get(&format!("/api/audit?userId={admin_id}&entityType=Car"))
        .await;
    assert_eq!(by_user.body["total"], 2);
    let future = admin.get("/api/audit?from=2999-01-01T00:00:00Z").await;
    assert_eq!(future.body["total"], 0);
    let past = admin.get("/api/audit?to=2000-01-01T00:00:00Z").await;
    assert_eq!(past.body["total"], 0);

    for bad in [
        "action=EAT_CAR",
        "entityType=Boat",
        "entityId=xyz",
        "from=yesterday",
        "perPage=0",
    ] {
        admin
            .get(&format!("/api/audit?{bad}"))
            .await
            .assert_error(400, "bad_request");
    }
}

both_engines!(the_audit_export_writes_every_entry_as_json_lines);

async fn the_audit_export_writes_every_entry_as_json_lines(engine: Engine) {
    let app = TestApp::start(engine).await;
    app.manager("exported").await;
    // Enough old entries to span several pages of the export.
    let id = match engine {
        Engine::Sqlite => "printf('%024x', i)",
        Engine::Postgres => "lpad(to_hex(i), 24, '0')",
    };
    app.db
        .execute(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) \
             INSERT INTO audit_log (id, timestamp, user_id, user_username, action, entity_type, \
             entity_id, details, before, after) \
             SELECT {id}, 1700000000000 + i, NULL, NULL, 'LOGOUT', NULL, NULL, '{{}}', NULL, NULL FROM n"
        ))
        .await;
    let total = app.db.count("SELECT COUNT(*) FROM audit_log").await;

    let out = common::command(&app.db)
        .args(["audit", "export"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len() as i64, total);
    let stamps: Vec<i64> = lines.iter().map(|e| instant(&e["timestamp"])).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert!(lines
        .iter()
        .any(|e| e["action"] == "CREATE_MANAGER" && e["after"]["username"] == "exported"));

    // 1700000000000 + i ms: the window [i = 1001, i = 2001) holds exactly 1000 entries.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    let out = common::command(&app.db)
        .args([
            "audit",
            "export",
            "--from",
            "2023-11-14T22:13:21.001Z",
            "--to",
            "2023-11-14T22:13:22.001Z",
            "--output",
        ])
        .arg(&file)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&file)
            .expect("file")
            .lines()
            .count(),
        1000
    );
    let bad = common::command(&app.db)
        .args(["audit", "export", "--from", "yesterday"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
}
