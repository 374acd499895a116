//! Group commit on SQLite: write transactions of requests that arrive together share one
//! commit, yet each behaves as if it ran alone — a refused one leaves no trace and takes
//! nothing of the others with it.

mod common;

use std::sync::Arc;

use common::{Api, Engine, Options, TestApp};
use serde_json::json;
use tokio::sync::Barrier;

/// Requests sent at once in one round.
const AT_ONCE: usize = 64;

/// One round: `AT_ONCE` client creations at the same moment, two per phone number.
/// Returns how many were created and how many refused as duplicates.
async fn round(api: &Api, round: usize) -> (usize, usize) {
    let barrier = Arc::new(Barrier::new(AT_ONCE));
    let mut tasks = Vec::new();
    for n in 0..AT_ONCE {
        let (api, barrier) = (api.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let phone = format!("06{:02}{:06}", round, n / 2);
            let body = json!({"firstName": format!("C{n}"), "lastName": "Test", "phone": phone});
            barrier.wait().await;
            api.post("/api/clients", body).await.status
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.expect("request task") {
            201 => created += 1,
            409 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    (created, refused)
}

/// `(sum, count)` of the batch-size histogram.
async fn batches(api: &Api) -> (f64, f64) {
    let text = api.get("/metrics").await.text;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (
        value("locacar_write_batch_size_sum"),
        value("locacar_write_batch_size_count"),
    )
}

async fn check(app: &TestApp, api: &Api, rounds: usize) {
    for r in 0..rounds {
        assert_eq!(round(api, r).await, (AT_ONCE / 2, AT_ONCE / 2), "round {r}");
    }
    let created = (rounds * AT_ONCE / 2) as i64;
    assert_eq!(app.db.count("SELECT COUNT(*) FROM clients").await, created);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'CREATE_CLIENT'")
            .await,
        created,
        "one audit entry per created client, none for a refused one"
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(DISTINCT phone_key) FROM clients")
            .await,
        created
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_share_commits_and_a_refused_one_takes_nothing_with_it() {
    let app = TestApp::start_with(Engine::Sqlite, Options::dev()).await;
    let api = app.admin().await;
    // Under 64 simultaneous writers the queue fills while one commit is on disk: some
    // commit must have carried more than one transaction over a few rounds.
    check(&app, &api, 4).await;
    let (sum, count) = batches(&api).await;
    assert!(count > 0.0, "the writer reports its batches");
    assert!(
        sum > count,
        "no batch held more than one transaction: {sum} / {count}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_group_commit_off_every_transaction_commits_alone() {
    let options = Options::dev().env("LOCACAR_GROUP_COMMIT_MAX", "1");
    let app = TestApp::start_with(Engine::Sqlite, options).await;
    let api = app.admin().await;
    check(&app, &api, 2).await;
    let (sum, count) = batches(&api).await;
    assert!(count > 0.0);
    assert_eq!(sum, count, "a batch of one transaction each");
}
