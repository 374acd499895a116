//! The process as an operator meets it: first start, several instances on one database,
//! graceful shutdown, readiness, and the command line.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{command, Api, Engine, Options, Server, TestApp, TestDb, ADMIN_PASSWORD};
use serde_json::json;

both_engines!(
    first_start_prints_a_generated_admin_password_once,
    instances_on_one_database_share_sessions,
    sigterm_finishes_requests_in_flight,
    the_cli_creates_users_and_sets_passwords,
    migrate_applies_migrations_and_exits,
);

async fn first_start_prints_a_generated_admin_password_once(engine: Engine) {
    let db = TestDb::new(engine).await;
    // No LOCACAR_ADMIN_PASSWORD: the server generates one.
    let options = Options::default().env("LOCACAR_ADMIN_PASSWORD", "");
    let mut server = Server::start(&db, &options.clone());
    let line = server
        .banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("the banner shows the password")
        .to_owned();
    assert!(line.len() >= 16, "a strong password: {line}");
    assert!(server.banner.iter().any(|l| l.contains("username: admin")));
    assert!(
        server.banner.iter().any(|l| l.contains("set-password")),
        "says how to change it"
    );
    let api = Api::new(&server.base);
    assert_eq!(api.login("admin", &line).await.status, 200);
    // Stopped first, so that the log holds every line: the server writes it in batches.
    assert_eq!(server.terminate(), Some(0));
    assert!(
        !server.log().contains(&line),
        "the password is not in the logs"
    );

    let again = Server::start(&db, &options);
    assert!(
        !again.banner.iter().any(|l| l.contains("password")),
        "{:?}",
        again.banner
    );
}

async fn instances_on_one_database_share_sessions(engine: Engine) {
    let app = TestApp::start(engine).await;
    let other = app.another_instance(&Options::default());
    let (manager, id) = app.manager("shared").await;
    let on_other = manager.on(&other.base);
    assert_eq!(
        on_other.get("/api/auth/status").await.body["authenticated"],
        true
    );

    // Deactivation on one instance ends the session on the other at the next request,
    // though that instance has just checked (and keeps) the session.
    assert_eq!(manager.get("/api/cars").await.status, 200);
    let admin_on_other = app.admin().await.on(&other.base);
    let r = admin_on_other
        .put(&format!("/api/managers/{id}"), json!({"isActive": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    manager
        .get("/api/cars")
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(
        manager.get("/api/auth/status").await.body["authenticated"],
        false
    );

    // Logout on one instance ends the session everywhere.
    let admin = app.admin().await;
    assert_eq!(admin.get("/api/managers").await.status, 200);
    let same_session = admin.on(&other.base);
    assert_eq!(
        same_session
            .post("/api/auth/logout", json!({}))
            .await
            .status,
        200
    );
    admin
        .get("/api/managers")
        .await
        .assert_error(401, "unauthenticated");
}

async fn sigterm_finishes_requests_in_flight(engine: Engine) {
    let mut app = TestApp::start(engine).await;
    let api = app.api();
    // Logins hash passwords a few at a time, so a batch of them stays in flight for a while.
    let in_flight: Vec<_> = (0..8)
        .map(|_| {
            let api = Api::new(&api.base);
            tokio::spawn(async move { api.login("admin", ADMIN_PASSWORD).await.status })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let code = tokio::task::spawn_blocking(move || {
        let code = app.server.terminate();
        (code, app)
    })
    .await
    .expect("join");
    for handle in in_flight {
        assert_eq!(
            handle.await.expect("join"),
            200,
            "a request in flight was answered"
        );
    }
    assert_eq!(code.0, Some(0), "clean exit");
    assert!(code.1.server.log().contains("closing the database"));
}

async fn the_cli_creates_users_and_sets_passwords(engine: Engine) {
    let app = TestApp::start(engine).await;
    let run = |args: &[&str], stdin: &str| {
        let mut child = command(&app.db)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child.wait_with_output().expect("wait")
    };
    let out = run(
        &[
            "user",
            "create",
            "--username",
            "karim",
            "--role",
            "manager",
            "--full-name",
            "Karim B",
            "--password-stdin",
        ],
        "counter-pass-9\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let karim = app.login("karim", "counter-pass-9").await;
    assert_eq!(karim.get("/api/cars").await.status, 200);

    let out = run(
        &["user", "set-password", "karim", "--password-stdin"],
        "another-pass-8\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The running server had checked the session, and keeps it; another process ended it.
    karim
        .get("/api/cars")
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(app.api().login("karim", "another-pass-8").await.status, 200);

    let out = run(
        &[
            "user",
            "create",
            "--username",
            "x",
            "--role",
            "manager",
            "--full-name",
            "X",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    let out = run(
        &["user", "set-password", "nobody", "--password-stdin"],
        "another-pass-8\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

async fn migrate_applies_migrations_and_exits(engine: Engine) {
    let db = TestDb::new(engine).await;
    for _ in 0..2 {
        let out = command(&db).arg("migrate").output().expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM users").await,
        0,
        "migrate creates no account"
    );
}

#[test]
fn every_command_documents_its_options_and_variables() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(common::binary())
            .args(args)
            .output()
            .expect("run");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = help(&["--help"]);
    for var in [
        "DATABASE_URL",
        "LOCACAR_BIND",
        "LOCACAR_DEV",
        "LOCACAR_CORS_ORIGINS",
        "LOCACAR_LOG",
        "LOCACAR_LOG_FORMAT",
        "LOCACAR_CURRENCY",
        "LOCACAR_GRACE_MINUTES",
        "LOCACAR_ADMIN_PASSWORD",
    ] {
        assert!(top.contains(var), "--help does not mention {var}");
    }
    assert!(help(&["serve", "--help"]).contains("LOCACAR_BIND"));
    assert!(help(&["user", "create", "--help"]).contains("--password-stdin"));
    assert!(help(&["user", "set-password", "--help"]).contains("DATABASE_URL"));
}

#[test]
fn a_bad_setting_stops_the_start_with_a_clear_line() {
    for (var, value, expected) in [
        ("LOCACAR_LOG_FORMAT", "xml", "text, json"),
        ("LOCACAR_GRACE_MINUTES", "-5", "LOCACAR_GRACE_MINUTES"),
        ("LOCACAR_CURRENCY", "dirham", "LOCACAR_CURRENCY"),
        ("LOCACAR_BIND", "not-an-address", "LOCACAR_BIND"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let started = Instant::now();
        let out = std::process::Command::new(common::binary())
            .current_dir(dir.path())
            .env(var, value)
            .env("LOCACAR_BIND_UNUSED", "")
            .output()
            .expect("run");
        assert!(!out.status.success(), "{var}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or("");
        assert!(first.starts_with("error:"), "{var}: {stderr}");
        assert!(stderr.contains(expected), "{var}={value}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// A TCP relay to PostgreSQL that the test can cut and restore, to play a database outage
/// without touching the shared server.
struct Relay {
    port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: tokio::sync::watch::Sender<u64>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let up = std::sync::Arc::new(AtomicBool::new(true));
        let (cut, cuts) = tokio::sync::watch::channel(0u64);
        let flag = up.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: the database "does not answer"
                }
                let target = target.clone();
                let mut cuts = cuts.clone();
                cuts.borrow_and_update(); // only cuts from now on end this connection
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {},
                        _ = cuts.changed() => {},
                    }
                });
            }
        });
        Relay { port, up, cut }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, std::sync::atomic::Ordering::SeqCst);
        if !up {
            self.cut.send_modify(|n| *n += 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database_and_recovers_by_itself() {
    if !common::postgres_enabled() {
        return;
    }
    let db = TestDb::new(Engine::Postgres).await;
    let url = reqwest::Url::parse(&db.url).expect("url");
    let target = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    );
    let relay = Relay::start(target).await;
    common::database_relay(relay.port);
    let mut relayed = url.clone();
    relayed.set_port(Some(relay.port)).expect("port");
    let options = Options::default()
        .env("DATABASE_URL", relayed.as_str())
        .env("LOCACAR_DB_TIMEOUT_SECONDS", "1");
    let server = Server::start(&db, &options);
    let api = Api::new(&server.base);
    assert_eq!(api.get("/readyz").await.status, 200);

    relay.set_up(false);
    let started = Instant::now();
    let down = api.get("/readyz").await;
    down.assert_error(503, "unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "503 promptly, no hang"
    );
    assert_eq!(
        api.get("/healthz").await.status,
        200,
        "the process itself is up"
    );
    let login = api.login("admin", ADMIN_PASSWORD).await;
    login.assert_error(503, "unavailable");
    assert!(login.header("retry-after").is_some());

    relay.set_up(true);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if api.get("/readyz").await.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "ready again by itself");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(api.login("admin", ADMIN_PASSWORD).await.status, 200);
}

both_engines!(
    the_demo_fills_an_empty_database_once,
    serve_with_demo_starts_a_demo_agency
);

async fn the_demo_fills_an_empty_database_once(engine: Engine) {
    let db = TestDb::new(engine).await;
    let out = command(&db).arg("demo").output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("admin / admin123") && printed.contains("manager / manager123"));
    assert!(
        printed.contains("WARNING"),
        "demo credentials come with a warning: {printed}"
    );

    let again = command(&db).arg("demo").output().expect("run");
    assert!(!again.status.success(), "a database with data is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds data"));

    let server = Server::start(&db, &Options::default());
    assert!(
        !server.banner.iter().any(|l| l.contains("password:")),
        "no second admin"
    );
    let manager = Api::new(&server.base);
    assert_eq!(manager.login("manager", "manager123").await.status, 200);
    let cars = manager.get("/api/cars?perPage=100").await;
    let items = cars.body["items"].as_array().expect("cars");
    assert!(
        (15..=30).contains(&items.len()),
        "about 20 cars: {}",
        items.len()
    );
    for car in items {
        let vin = car["vin"].as_str().expect("vin");
        assert!(vin.len() == 17 && !vin.contains(['I', 'O', 'Q']), "{vin}");
        assert!(car["dailyRate"].as_f64().is_some_and(|r| r > 0.0));
    }
    let clients = manager.get("/api/clients?perPage=100").await;
    assert_eq!(clients.body["total"], 50);
    the_demo_runs_a_rental_desk(&manager, items).await;
    assert_eq!(
        Api::new(&server.base)
            .login("admin", "admin123")
            .await
            .status,
        200
    );
    // Only a freshly filled database: the demo refuses once the server has made its admin.
    let fresh = TestDb::new(engine).await;
    drop(Server::start(&fresh, &Options::default()));
    assert!(!command(&fresh)
        .arg("demo")
        .output()
        .expect("run")
        .status
        .success());
}

/// Two branches, a car in the garage under an open block, and inspected rentals.
async fn the_demo_runs_a_rental_desk(manager: &Api, cars: &[serde_json::Value]) {
    let branches = manager.get("/api/branches").await;
    assert_eq!(branches.body["items"].as_array().map(Vec::len), Some(2));
    let garage = cars
        .iter()
        .find(|c| c["status"] == "maintenance")
        .expect("a car in maintenance");
    let blocks = manager
        .get(&format!(
            "/api/cars/{}/blocks",
            garage["_id"].as_str().expect("id")
        ))
        .await;
    assert!(
        blocks.body["items"]
            .as_array()
            .expect("blocks")
            .iter()
            .any(|b| b["end"].is_null()),
        "held by an open block: {}",
        blocks.text
    );
    let done = manager
        .get("/api/reservations?status=completed&perPage=100")
        .await;
    let done = done.body["items"].as_array().expect("reservations");
    assert!(!done.is_empty());
    for r in done {
        for kind in ["checkoutInspection", "checkinInspection"] {
            assert!(r[kind]["odometerKm"].is_i64(), "{kind} of {}", r["_id"]);
        }
        assert!(r["pickupBranchId"].is_string() && r["returnBranchId"].is_string());
    }
    assert!(
        done.iter()
            .any(|r| r["pickupBranchId"] != r["returnBranchId"]),
        "a one-way rental"
    );
    assert!(
        done.iter().any(|r| r["reviewRequired"] == true),
        "new damage to review"
    );
}

async fn serve_with_demo_starts_a_demo_agency(engine: Engine) {
    let db = TestDb::new(engine).await;
    let options = Options::default().env("LOCACAR_DEMO", "1");
    let mut server = Server::start(&db, &options);
    assert!(
        server.banner.iter().any(|l| l.contains("admin / admin123")),
        "{:?}",
        server.banner
    );
    assert_eq!(
        Api::new(&server.base)
            .login("admin", "admin123")
            .await
            .status,
        200
    );
    assert_eq!(server.terminate(), Some(0));
    let again = Server::start(&db, &options);
    assert!(
        again.banner.iter().any(|l| l.contains("not added")),
        "{:?}",
        again.banner
    );
}
