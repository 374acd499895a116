//! A database outage: a PostgreSQL cluster of the test's own (never the machine's shared
//! server) is stopped with `pg_ctl stop -m immediate` and restarted, ten times, under
//! load. Meanwhile requests get 503 with `Retry-After` within the timeout setting (no
//! hang, no 500), `/readyz` says 503, the first write succeeds within 5 s of PostgreSQL
//! being back without restarting `locacar`, and no acknowledged write is lost.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Api, Engine, Options, Server, TestDb, ADMIN_PASSWORD};

const CYCLES: usize = 10;
const WRITERS: usize = 8;
/// `LOCACAR_DB_TIMEOUT_SECONDS` in this test: no request may wait much longer.
const TIMEOUT_SECONDS: u64 = 2;
const BACK_WITHIN: Duration = Duration::from_secs(5);

/// A throwaway PostgreSQL cluster in a temporary folder, on a port of its own.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    fn init() -> Cluster {
        let bin = pg_bindir();
        let dir = tempfile::tempdir().expect("cluster dir");
        let cluster = Cluster {
            port: free_port(),
            bin,
            dir,
        };
        if is_root() {
            // PostgreSQL refuses to run as root: the cluster belongs to `postgres`.
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster.dir.path()));
        }
        run(cluster
            .as_owner("initdb")
            .args(["--auth=trust", "--username=postgres", "--no-sync", "-D"])
            .arg(cluster.data()));
        cluster.start();
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A command for one of PostgreSQL's programs, run as the cluster's owner.
    fn as_owner(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        run(self
            .as_owner("pg_ctl")
            .args(["-w", "-t", "30", "-D"])
            .arg(self.data())
            .args(["-l"])
            .arg(self.dir.path().join("postgres.log"))
            .args(["-o", &options, "start"]));
    }

    fn stop_immediately(&self) {
        run(self
            .as_owner("pg_ctl")
            .args(["-w", "-D"])
            .arg(self.data())
            .args(["-m", "immediate", "stop"]));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .as_owner("pg_ctl")
            .args(["-D"])
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn pg_bindir() -> PathBuf {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config (PostgreSQL's server programs are needed for this test)");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run a PostgreSQL program");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What one request got, and how long it took.
struct Answer {
    key: String,
    status: Option<u16>,
    retry_after: bool,
    took: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_a_database_outage_get_503_and_the_server_recovers() {
    if !crate::common::postgres_enabled() {
        return;
    }
    let cluster = tokio::task::block_in_place(Cluster::init);
    let db = TestDb::at(Engine::Postgres, &cluster.url());
    let timeout = TIMEOUT_SECONDS.to_string();
    let options = Options::default().env("LOCACAR_DB_TIMEOUT_SECONDS", &timeout);
    let server = Server::start(&db, &options);
    let admin = server.api();
    assert_eq!(admin.login("admin", ADMIN_PASSWORD).await.status, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (api, stop, answers) = (admin.clone(), stop.clone(), answers.clone());
        writers.push(tokio::spawn(async move {
            write_until(&api, w, &stop, &answers).await
        }));
    }

    for cycle in 0..CYCLES {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        tokio::task::block_in_place(|| cluster.stop_immediately());
        let ready = admin.get("/readyz").await;
        assert_eq!(
            ready.status, 503,
            "cycle {cycle}: /readyz while the database is down"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        tokio::task::block_in_place(|| cluster.start());
        let back = Instant::now();
        first_write_after(&admin, cycle).await;
        let took = back.elapsed();
        eprintln!("outage {cycle}: first write {took:?} after PostgreSQL was back");
        assert!(
            took <= BACK_WITHIN,
            "cycle {cycle}: {took:?} to write again"
        );
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }

    let answers = std::mem::take(&mut *answers.lock().expect("answers"));
    check_answers(&answers);
    let stored: std::collections::HashSet<String> = db
        .texts("SELECT phone FROM clients")
        .await
        .into_iter()
        .collect();
    for a in answers.iter().filter(|a| a.status == Some(201)) {
        assert!(
            stored.contains(&a.key),
            "{} was acknowledged, then lost",
            a.key
        );
    }
}

async fn write_until(api: &Api, w: usize, stop: &AtomicBool, answers: &Mutex<Vec<Answer>>) {
    for k in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let key = format!("+3365{w:02}{k:05}");
        let started = Instant::now();
        let body = json!({"firstName": "Hugo", "lastName": "Moreau", "phone": key});
        let r = api
            .try_send(
                api.request(reqwest::Method::POST, "/api/clients")
                    .json(&body),
            )
            .await;
        let answer = Answer {
            key,
            status: r.as_ref().ok().map(|r| r.status),
            retry_after: r.as_ref().is_ok_and(|r| r.header("retry-after").is_some()),
            took: started.elapsed(),
        };
        let failed = answer.status != Some(201);
        answers.lock().expect("answers").push(answer);
        if failed {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn first_write_after(api: &Api, cycle: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for n in 0.. {
        let body = json!({"firstName": "Eva", "lastName": "Roux", "phone": format!("+3366{cycle:02}{n:05}")});
        if api.post("/api/clients", body).await.status == 201 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "cycle {cycle}: no write for 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn check_answers(answers: &[Answer]) {
    let refused = answers.iter().filter(|a| a.status == Some(503)).count();
    let slowest = answers.iter().map(|a| a.took).max().unwrap_or_default();
    eprintln!(
        "outage: {} writes, {refused} refused with 503, slowest answer {slowest:?}",
        answers.len()
    );
    assert!(
        refused > 0,
        "no write met an outage: the test proves nothing"
    );
    for a in answers {
        match a.status {
            Some(201) => {}
            Some(503) => assert!(a.retry_after, "a 503 without Retry-After"),
            other => panic!("a write during an outage got {other:?}"),
        }
        // The timeout, and the time an already running statement may take to fail.
        let limit = Duration::from_secs(TIMEOUT_SECONDS) + Duration::from_millis(1500);
        assert!(a.took <= limit, "a request hung for {:?}", a.took);
    }
}
