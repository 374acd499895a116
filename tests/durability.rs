//! The server refuses to start where an acknowledged write could be lost in a power cut,
//! unless told to accept that risk.

mod common;

use common::{command, Engine, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_could_lose_commits_is_refused_unless_allowed() {
    if !common::postgres_enabled() {
        return;
    }
    let db = TestDb::new(Engine::Postgres).await;
    // A per-database setting: the shared server itself is not reconfigured.
    let name = db.texts("SELECT current_database()::text").await.remove(0);
    db.execute(&format!(
        "ALTER DATABASE \"{name}\" SET synchronous_commit = off"
    ))
    .await;
    let refused = command(&db).arg("migrate").output().expect("run");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "started anyway: {stderr}");
    assert!(stderr.contains("synchronous_commit=off"), "{stderr}");
    assert!(stderr.contains("LOCACAR_ALLOW_WEAK_DURABILITY"), "{stderr}");

    let allowed = command(&db)
        .arg("migrate")
        .env("LOCACAR_ALLOW_WEAK_DURABILITY", "1")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&allowed.stderr);
    assert!(allowed.status.success(), "{stderr}");
    assert!(
        stderr.contains("may be lost"),
        "the risk is said in the log: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_starts_durable() {
    let db = TestDb::new(Engine::Sqlite).await;
    let out = command(&db).arg("migrate").output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("journal_mode=wal synchronous=2"),
        "{stderr}"
    );
}
