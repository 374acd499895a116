//! The server refuses to start where an acknowledged write could be lost in a power cut,
//! unless told to accept that risk.

mod common;

use common::{command, Engine, Options, Server, TestDb, ADMIN_PASSWORD};
use serde_json::json;

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

/// What a kill cannot tell apart (`synchronous=FULL` or `NORMAL`), the system calls can:
/// a write acknowledged alone has had its commit flushed to the disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_sqlite_write_is_flushed_to_disk() {
    const WRITES: usize = 40;
    let db = TestDb::new(Engine::Sqlite).await;
    let trace = db.dir.path().join("fsync.trace");
    let trace_arg = trace.display().to_string();
    let strace = [
        "strace",
        "-f",
        "-qq",
        "-e",
        "trace=fsync,fdatasync",
        "-o",
        &trace_arg,
    ];
    let mut server = Server::start(&db, &Options::default().wrapped_in(&strace));
    let admin = server.api();
    assert_eq!(admin.login("admin", ADMIN_PASSWORD).await.status, 200);

    let before = flushes(&trace);
    for n in 0..WRITES {
        // One at a time: each write is a commit of its own (no group commit to share).
        let r = admin
            .post(
                "/api/clients",
                json!({"firstName": "Ana", "lastName": "Silva", "phone": format!("+3370000{n:04}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let during = flushes(&trace) - before;

    // SIGTERM to strace and the server under it (one process group).
    server.terminate();
    eprintln!("{during} flushes for {WRITES} acknowledged writes");
    assert!(
        during >= WRITES,
        "only {during} flushes for {WRITES} commits"
    );
}

/// Completed fsync-type calls in an strace log so far.
fn flushes(trace: &std::path::Path) -> usize {
    std::fs::read_to_string(trace)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains("sync") && line.trim_end().ends_with("= 0"))
        .count()
}
