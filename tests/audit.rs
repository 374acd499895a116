//! `GET /api/audit`: the trail every change leaves, for admins only.

mod common;

use common::{Engine, TestApp};
use serde_json::json;

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
    let stamps: Vec<&str> = items
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap_or(""))
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(stamps, sorted, "newest first");
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
