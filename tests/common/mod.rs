//! Test harness: starts the real `locacar` binary on a free port against a fresh
//! SQLite file or a fresh PostgreSQL database, and talks HTTP to it.
#![allow(dead_code)]

pub mod png;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;
use sqlx::Connection;

/// Password of the first admin in every test server.
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// Where PostgreSQL tests create their databases, unless LOCACAR_TEST_DATABASE_URL says otherwise.
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Generates one test per engine for each named `async fn(Engine)`.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::common::postgres_enabled() {
                    super::$name($crate::common::Engine::Postgres).await
                }
            }
        }
    )*};
}

/// PostgreSQL tests run unless LOCACAR_TEST_SKIP_POSTGRES=1 is set (never in CI).
pub fn postgres_enabled() -> bool {
    let skip = std::env::var("LOCACAR_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1");
    if skip && std::env::var("CI").is_ok() {
        panic!("LOCACAR_TEST_SKIP_POSTGRES cannot be used in CI: PostgreSQL tests must run");
    }
    if skip {
        eprintln!("SKIPPED: PostgreSQL test (LOCACAR_TEST_SKIP_POSTGRES=1)");
    }
    !skip
}

fn pg_admin_url() -> String {
    std::env::var("LOCACAR_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// A database of its own for one test, removed at the end.
pub struct TestDb {
    pub engine: Engine,
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(engine: Engine) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match engine {
            Engine::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("locacar.db").display());
                TestDb {
                    engine,
                    url,
                    dir,
                    pg_name: None,
                }
            }
            Engine::Postgres => {
                let name = format!(
                    "locacar_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand_suffix()
                );
                let admin = pg_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "cannot reach PostgreSQL at {admin} ({e}). Start it, set LOCACAR_TEST_DATABASE_URL, \
                         or (outside CI) set LOCACAR_TEST_SKIP_POSTGRES=1"
                    )
                });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let url = replace_db_name(&admin, &name);
                TestDb {
                    engine,
                    url,
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// A database the test made itself (e.g. on a PostgreSQL cluster of its own).
    pub fn at(engine: Engine, url: &str) -> Self {
        TestDb {
            engine,
            url: url.to_owned(),
            dir: tempfile::tempdir().expect("temp dir"),
            pg_name: None,
        }
    }

    /// Runs SQL directly on the database, as an operator would.
    pub async fn execute(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect");
        sqlx::raw_sql(sql)
            .execute(&mut conn)
            .await
            .expect("execute");
    }

    /// Runs a query returning one text column per row.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect");
        sqlx::query_scalar(sql)
            .fetch_all(&mut conn)
            .await
            .expect("query")
    }

    /// Runs a query returning one integer.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect("query")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let admin = pg_admin_url();
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:08x}")
}

fn replace_db_name(url: &str, name: &str) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("LOCACAR_TEST_DATABASE_URL must be a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// How to start a server.
#[derive(Clone, Default)]
pub struct Options {
    pub dev: bool,
    pub env: Vec<(String, String)>,
    /// A program the server runs under, with its arguments (e.g. `strace -c`).
    pub wrapper: Vec<String>,
}

impl Options {
    pub fn dev() -> Self {
        Options {
            dev: true,
            ..Default::default()
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn wrapped_in(mut self, program: &[&str]) -> Self {
        self.wrapper = program.iter().map(|s| (*s).to_owned()).collect();
        self
    }
}

/// One running `locacar serve` process.
pub struct Server {
    /// The process started: the server, or the wrapper (strace) it runs under.
    child: Child,
    /// The server's own process id, under any wrapper.
    pid: i32,
    pub base: String,
    /// Everything the server printed on standard output before it listened.
    pub banner: Vec<String>,
    pub log_path: PathBuf,
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_locacar")
}

/// A command for the binary with a clean environment: no inherited LOCACAR_* or
/// DATABASE_URL, and a working directory without a `.env`.
pub fn command(db: &TestDb) -> Command {
    command_via(db, &[])
}

/// When `LOCACAR_TEST_CONNECT_TRACE` names a folder (scripts/test.sh sets it for the
/// integration tests), every server and command a test starts runs under strace, which
/// writes there each socket the process connects to; `scripts/check_connections.sh` then
/// checks that the server reached nothing but its database. The seccomp filter stops the
/// process at `connect` calls only, so the tests run at their usual speed.
fn connect_tracer() -> Option<Vec<String>> {
    let dir = std::env::var("LOCACAR_TEST_CONNECT_TRACE").ok()?;
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let file = format!("{dir}/{}-{n}.trace", std::process::id());
    let args = [
        "strace",
        "-f",
        "-qq",
        "--seccomp-bpf",
        "-e",
        "trace=connect",
        "-o",
    ];
    Some(args.iter().map(|a| (*a).to_owned()).chain([file]).collect())
}

/// Tells the connection check that a relay on this loopback port stands for the database
/// (a test that cuts the database off puts one between the server and PostgreSQL).
pub fn database_relay(port: u16) {
    if let Ok(dir) = std::env::var("LOCACAR_TEST_CONNECT_TRACE") {
        let marker = format!("{dir}/relay-{port}.allowed");
        std::fs::write(&marker, "").expect("relay marker");
    }
}

/// [`command`], run under `wrapper` (a program and its arguments) if one is given, else
/// under the connection tracer when the suite asks for it.
fn command_via(db: &TestDb, wrapper: &[String]) -> Command {
    let traced;
    let wrapper = if wrapper.is_empty() {
        traced = connect_tracer().unwrap_or_default();
        &traced[..]
    } else {
        wrapper
    };
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(binary());
            cmd
        }
        None => Command::new(binary()),
    };
    for (key, _) in std::env::vars() {
        if key.starts_with("LOCACAR_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(db.dir.path())
        .env("DATABASE_URL", &db.url)
        .env("LOCACAR_LOG", "info");
    cmd
}

impl Server {
    pub fn start(db: &TestDb, options: &Options) -> Server {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let log_path = db.dir.path().join(format!("server-{n}.log"));
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut cmd = command_via(db, &options.wrapper);
        cmd.env("LOCACAR_BIND", "127.0.0.1:0")
            .env("LOCACAR_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("LOCACAR_DEV", if options.dev { "1" } else { "0" })
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        // Settings given by the test win, DATABASE_URL included.
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        // A group of its own, so that a wrapper (strace) and the server under it stop together.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().expect("start locacar");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut banner = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("locacar listening on ") {
                    let _ = tx.send(Some((url.to_owned(), banner.clone())));
                    return;
                }
                banner.push(line);
            }
            let _ = tx.send(None);
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Some((base, banner))) => Server {
                pid: server_pid(&child),
                child,
                base,
                banner,
                log_path,
            },
            _ => {
                let _ = child.kill();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("locacar did not start; its log:\n{log}");
            }
        }
    }

    pub fn api(&self) -> Api {
        Api::new(&self.base)
    }

    /// The server's process id (not its wrapper's).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Sends SIGTERM to the server and waits for it (and any wrapper, which ends with
    /// it and passes on its exit code) to exit; returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let pid = nix::unistd::Pid::from_raw(self.pid);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).ok()?;
        self.child.wait().ok()?.code()
    }

    /// Kills the process (and any wrapper around it) with SIGKILL, as a crash would, and
    /// reaps it.
    pub fn kill(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        let url = reqwest::Url::parse(&self.base).expect("base URL");
        url.port().expect("port")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

/// The server's pid: the child's own, or, when the child is a wrapper (strace), the
/// wrapper's child. Read once the server listens, when it surely exists.
fn server_pid(child: &Child) -> i32 {
    let id = child.id();
    let comm = std::fs::read_to_string(format!("/proc/{id}/comm")).unwrap_or_default();
    if comm.trim() == "locacar" {
        return id as i32;
    }
    std::fs::read_to_string(format!("/proc/{id}/task/{id}/children"))
        .ok()
        .and_then(|children| children.split_whitespace().next()?.parse().ok())
        .unwrap_or(id as i32)
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A test: a fresh database and one server on it.
pub struct TestApp {
    // Field order matters: servers stop before their database is dropped.
    pub server: Server,
    pub db: TestDb,
}

impl TestApp {
    pub async fn start(engine: Engine) -> TestApp {
        Self::start_with(engine, Options::default()).await
    }

    pub async fn start_with(engine: Engine, options: Options) -> TestApp {
        let db = TestDb::new(engine).await;
        let server = Server::start(&db, &options);
        TestApp { server, db }
    }

    /// Another server process on the same database.
    pub fn another_instance(&self, options: &Options) -> Server {
        Server::start(&self.db, options)
    }

    /// An anonymous client.
    pub fn api(&self) -> Api {
        self.server.api()
    }

    /// A client logged in as the first admin.
    pub async fn admin(&self) -> Api {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// A client logged in as `username`; panics if the login fails.
    pub async fn login(&self, username: &str, password: &str) -> Api {
        let api = self.api();
        let r = api.login(username, password).await;
        assert_eq!(r.status, 200, "login as {username}: {}", r.text);
        api
    }

    /// Creates a manager through the API and returns a client logged in as them, and their id.
    pub async fn manager(&self, username: &str) -> (Api, String) {
        let admin = self.admin().await;
        let r = admin
            .post("/api/managers", serde_json::json!({"username": username, "password": "manager-pass-1", "fullName": "A Manager"}))
            .await;
        assert_eq!(r.status, 201, "create manager: {}", r.text);
        let id = r.body["_id"].as_str().expect("id").to_owned();
        (self.login(username, "manager-pass-1").await, id)
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` header that sets the cookie `name`, whole.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
    }

    /// Asserts the contract's error body with the given status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert!(
            self.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "body: {}",
            self.text
        );
    }
}

/// An HTTP client that keeps the session cookie by hand, as a browser would, so that
/// the `Secure` flag (meant for HTTPS) does not stop tests over plain HTTP.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    http: reqwest::Client,
    cookie: Arc<Mutex<Option<String>>>,
    /// The device cookie, sent, as a browser would, to the login route only.
    device: Arc<Mutex<Option<String>>>,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            http: reqwest::Client::builder().build().expect("client"),
            cookie: Arc::new(Mutex::new(None)),
            device: Arc::new(Mutex::new(None)),
        }
    }

    /// The same session, talking to another server.
    pub fn on(&self, base: &str) -> Api {
        Api {
            base: base.to_owned(),
            http: self.http.clone(),
            cookie: Arc::new(Mutex::new(self.cookie())),
            device: Arc::new(Mutex::new(self.device_cookie())),
        }
    }

    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().unwrap().clone()
    }

    pub fn set_cookie(&self, value: Option<String>) {
        *self.cookie.lock().unwrap() = value;
    }

    pub fn device_cookie(&self) -> Option<String> {
        self.device.lock().unwrap().clone()
    }

    pub fn set_device_cookie(&self, value: Option<String>) {
        *self.device.lock().unwrap() = value;
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        let mut cookies = Vec::new();
        if let Some(c) = self.cookie() {
            cookies.push(format!("locacar_session={c}"));
        }
        if let Some(d) = self.device_cookie().filter(|_| path == "/api/auth/login") {
            cookies.push(format!("locacar_device={d}"));
        }
        if !cookies.is_empty() {
            req = req.header("Cookie", cookies.join("; "));
        }
        req
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        self.try_send(req).await.expect("request")
    }

    /// [`send`](Self::send) for tests in which the server may go away mid-request.
    pub async fn try_send(&self, req: reqwest::RequestBuilder) -> reqwest::Result<Resp> {
        let res = req.send().await?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap_or("");
            if let Some(rest) = set.strip_prefix("locacar_session=") {
                let value = rest.split(';').next().unwrap_or("");
                self.set_cookie((!value.is_empty()).then(|| value.to_owned()));
            }
            if let Some(rest) = set.strip_prefix("locacar_device=") {
                let value = rest.split(';').next().unwrap_or("");
                self.set_device_cookie((!value.is_empty()).then(|| value.to_owned()));
            }
        }
        let text = res.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Resp {
            status,
            headers,
            text,
            body,
        })
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(self.request(reqwest::Method::POST, path).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(self.request(reqwest::Method::PUT, path).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.post(
            "/api/auth/login",
            serde_json::json!({"username": username, "password": password}),
        )
        .await
    }
}

/// The same session on a connection pool of its own. For requests the server may
/// refuse before reading their body (and then drop the connection).
pub fn own_connection(api: &Api) -> Api {
    let fresh = Api::new(&api.base);
    fresh.set_cookie(api.cookie());
    fresh
}

/// A download, read as bytes (an image, a PDF).
pub struct Download {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Download {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// GETs `path` as `api`, with `If-None-Match` when given.
pub async fn download(api: &Api, path: &str, if_none_match: Option<&str>) -> Download {
    let mut req = api.request(reqwest::Method::GET, path);
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let res = req.send().await.expect("request");
    Download {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        bytes: res.bytes().await.expect("body").to_vec(),
    }
}

/// The `_id` of a document.
pub fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

/// Runs every request at the same moment: each task waits at one barrier, then sends.
pub async fn all_at_once<F, Fut>(count: usize, request: F) -> Vec<Resp>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Resp> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(count));
    let mut tasks = Vec::new();
    for n in 0..count {
        let barrier = barrier.clone();
        let send = request(n);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            send.await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("request task"));
    }
    answers
}

/// How long a timed run lasts: `default` seconds unless the environment variable `var`
/// says otherwise (to shorten long runs while working on them).
pub fn seconds_from_env(var: &str, default: u64) -> Duration {
    let secs = std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    Duration::from_secs(secs)
}
