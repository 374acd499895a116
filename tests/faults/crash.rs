//! Crashes: servers killed with SIGKILL at random moments under 16 writers lose nothing
//! they acknowledged, keep nothing they refused, keep every change's one audit entry, and
//! are ready again within 2 s. On PostgreSQL one of three servers is killed at a time and
//! the clients of the others never notice.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, SecondsFormat, Utc};
use rand::Rng;
use serde_json::{json, Value};
use sqlx::Connection;

use crate::common::{id_of, Api, Engine, Options, Resp, Server, TestDb};
use crate::seeded;

crate::both_engines!(killed_servers_lose_no_acknowledged_write);

const WRITERS: usize = 16;
const CYCLES: usize = 20;
const SESSIONS: usize = 4;
/// The longest a killed server may take to answer `/readyz` again after its restart.
const READY_WITHIN: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Client,
    Reservation,
    Payment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Outcome {
    /// A 2xx: it must be there.
    Acknowledged,
    /// An error status, or a request that never reached a server: it must not be there.
    Refused,
    /// The connection broke after the request went out: either way is right.
    Unknown,
}

/// One write and what its writer learnt of it.
struct Write {
    kind: Kind,
    /// What the client chose that identifies the write in the database.
    key: String,
    outcome: Outcome,
    instance: usize,
    sent: Instant,
    ended: Instant,
    /// What came back: a status, or the transport error.
    answer: String,
}

/// When a server was down: from its kill until it answered `/readyz` again.
struct Outage {
    instance: usize,
    from: Instant,
    until: Instant,
}

async fn killed_servers_lose_no_acknowledged_write(engine: Engine) {
    // SQLite: one process owns the file. PostgreSQL: three share the database.
    let instances = if engine == Engine::Sqlite { 1 } else { 3 };
    let db = TestDb::new(engine).await;
    let mut servers: Vec<Server> = (0..instances)
        .map(|_| Server::start(&db, &Options::default()))
        .collect();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let sessions = sessions(&bases[0]).await;
    // A car per writer, so that writers' bookings never clash with each other's.
    let cars = crate::cars(&sessions[0], WRITERS, 500).await;

    let mut rng = seeded("killed_servers");
    let stop = Arc::new(AtomicBool::new(false));
    let journal = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for (w, car) in cars.into_iter().enumerate() {
        let instance = w % instances;
        let api = sessions[w % SESSIONS].on(&bases[instance]);
        let writer = Writer {
            w,
            instance,
            api,
            car,
        };
        let (stop, journal) = (stop.clone(), journal.clone());
        writers.push(tokio::spawn(
            async move { writer.run(&stop, &journal).await },
        ));
    }

    let mut outages = Vec::new();
    let mut slow_starts = Vec::new();
    for cycle in 0..CYCLES {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(2000..=8000))).await;
        let instance = cycle % instances;
        let from = Instant::now();
        servers[instance].kill();
        let port = servers[instance].port();
        let bind = Options::default().env("LOCACAR_BIND", &format!("127.0.0.1:{port}"));
        let spawned = Instant::now();
        servers[instance] = tokio::task::block_in_place(|| Server::start(&db, &bind));
        wait_until_ready(&bases[instance]).await;
        let until = Instant::now();
        if until - spawned > READY_WITHIN {
            slow_starts.push(until - spawned);
        }
        outages.push(Outage {
            instance,
            from,
            until,
        });
        if engine == Engine::Sqlite {
            assert_eq!(integrity_check(&db).await, "ok", "after restart {cycle}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer task");
    }

    let journal = std::mem::take(&mut *journal.lock().expect("journal"));
    report(&journal);
    assert!(
        slow_starts.is_empty(),
        "restarts slower than {READY_WITHIN:?}: {slow_starts:?}"
    );
    errors_only_while_down(&journal, &outages);
    nothing_acknowledged_lost_nothing_refused_kept(&db, &journal).await;
    one_audit_entry_per_change(&db).await;
    if engine == Engine::Sqlite {
        assert_eq!(integrity_check(&db).await, "ok");
    }
}

/// Sessions of the first admin: logins hash passwords, so writers share a few.
async fn sessions(base: &str) -> Vec<Api> {
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        let api = Api::new(base);
        let r = api.login("admin", crate::common::ADMIN_PASSWORD).await;
        assert_eq!(r.status, 200, "login: {}", r.text);
        sessions.push(api);
    }
    sessions
}

async fn wait_until_ready(base: &str) {
    let api = Api::new(base);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let ready = api
            .try_send(api.request(reqwest::Method::GET, "/readyz"))
            .await;
        if ready.is_ok_and(|r| r.status == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{base} is not ready 30 s after its restart");
}

async fn integrity_check(db: &TestDb) -> String {
    let mut conn = sqlx::SqliteConnection::connect(&db.url)
        .await
        .expect("open");
    sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity_check")
}

/// One writer: creates a client, books it the writer's car for an hour, records a
/// payment, and again, each write with a key of its own in the data.
struct Writer {
    w: usize,
    instance: usize,
    api: Api,
    car: String,
}

impl Writer {
    async fn run(&self, stop: &AtomicBool, journal: &Mutex<Vec<Write>>) {
        let mut client: Option<String> = None;
        let mut reservation: Option<String> = None;
        for k in 0.. {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let (kind, key, path, body) = match (k % 3, &client, &reservation) {
                (1, Some(client), _) => self.booking(k, client),
                (2, _, Some(reservation)) => self.payment(k, reservation),
                _ => self.client(k),
            };
            let sent = Instant::now();
            let answer = self
                .api
                .try_send(self.api.request(reqwest::Method::POST, &path).json(&body))
                .await;
            let outcome = outcome(&answer);
            let said = match &answer {
                Ok(r) => format!("{} {}", r.status, r.text),
                Err(e) => e.to_string(),
            };
            if let (Outcome::Acknowledged, Ok(r)) = (outcome, &answer) {
                match kind {
                    Kind::Client => client = Some(id_of(&r.body)),
                    Kind::Reservation => reservation = Some(id_of(&r.body)),
                    Kind::Payment => {}
                }
            }
            journal.lock().expect("journal").push(Write {
                kind,
                key,
                outcome,
                instance: self.instance,
                sent,
                ended: Instant::now(),
                answer: said,
            });
            if outcome != Outcome::Acknowledged {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    fn client(&self, k: usize) -> (Kind, String, String, Value) {
        // A French mobile number: +33 6, then the writer and the step.
        let phone = format!("+3361{:02}{:05}", self.w, k);
        let body = json!({"firstName": "Léa", "lastName": "Durand", "phone": phone});
        (Kind::Client, phone, "/api/clients".into(), body)
    }

    fn booking(&self, k: usize, client: &str) -> (Kind, String, String, Value) {
        let key = format!("writer {} step {k}", self.w);
        let start = tomorrow() + Span::hours(k as i64);
        let body = json!({
            "carId": self.car,
            "clientId": client,
            "startDate": rfc3339(start),
            "endDate": rfc3339(start + Span::hours(1)),
            "notes": key,
        });
        (Kind::Reservation, key, "/api/reservations".into(), body)
    }

    fn payment(&self, k: usize, reservation: &str) -> (Kind, String, String, Value) {
        // The payment's date is its key: a second of its own for every writer and step.
        let at = base_date() + Span::seconds((self.w * 1_000_000 + k) as i64);
        let body = json!({"amount": 1, "method": "cash", "transactionDate": rfc3339(at)});
        let path = format!("/api/reservations/{reservation}/payments");
        (Kind::Payment, at.timestamp_millis().to_string(), path, body)
    }
}

fn outcome(answer: &reqwest::Result<Resp>) -> Outcome {
    match answer {
        Ok(r) if (200..300).contains(&r.status) => Outcome::Acknowledged,
        Ok(_) => Outcome::Refused,
        // The connection was never made: the request cannot have reached a server.
        Err(e) if e.is_connect() => Outcome::Refused,
        Err(_) => Outcome::Unknown,
    }
}

fn tomorrow() -> DateTime<Utc> {
    (Utc::now() + Span::days(1))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
}

fn base_date() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().expect("date")
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn report(journal: &[Write]) {
    let mut counts: HashMap<(Kind, Outcome), usize> = HashMap::new();
    for write in journal {
        *counts.entry((write.kind, write.outcome)).or_default() += 1;
    }
    let mut lines: Vec<String> = counts.iter().map(|(k, n)| format!("{k:?}: {n}")).collect();
    lines.sort();
    eprintln!("crash: {} writes: {}", journal.len(), lines.join(", "));
}

/// A write failed only if it overlapped an outage of the server it was sent to.
fn errors_only_while_down(journal: &[Write], outages: &[Outage]) {
    for write in journal
        .iter()
        .filter(|w| w.outcome != Outcome::Acknowledged)
    {
        let explained = outages.iter().any(|o| {
            o.instance == write.instance && write.sent <= o.until && write.ended >= o.from
        });
        assert!(
            explained,
            "{:?} {} to server {} failed while it was up: {}",
            write.kind, write.key, write.instance, write.answer
        );
    }
}

async fn nothing_acknowledged_lost_nothing_refused_kept(db: &TestDb, journal: &[Write]) {
    let stored: HashMap<Kind, HashSet<String>> = HashMap::from([
        (Kind::Client, db.texts("SELECT phone FROM clients").await),
        (
            Kind::Reservation,
            db.texts("SELECT notes FROM reservations").await,
        ),
        (
            Kind::Payment,
            db.texts("SELECT CAST(transaction_at AS TEXT) FROM payments")
                .await,
        ),
    ])
    .into_iter()
    .map(|(kind, keys)| (kind, keys.into_iter().collect()))
    .collect();
    for write in journal {
        let present = stored[&write.kind].contains(&write.key);
        match write.outcome {
            Outcome::Acknowledged => assert!(
                present,
                "{:?} {} was acknowledged, then lost",
                write.kind, write.key
            ),
            Outcome::Refused => assert!(
                !present,
                "{:?} {} was refused, yet stored",
                write.kind, write.key
            ),
            Outcome::Unknown => {}
        }
    }
}

/// Every stored client, reservation and payment has exactly one audit entry of its
/// creation, and no entry speaks of a creation that is not stored. (Counted with joins on
/// grouped counts: correlated subqueries over tens of thousands of rows are quadratic
/// where SQLite's planner, without statistics, picks the audit log's action index.)
async fn one_audit_entry_per_change(db: &TestDb) {
    let entries = |action: &str| {
        format!(
            "(SELECT entity_id, COUNT(*) AS n FROM audit_log WHERE action = '{action}' \
             GROUP BY entity_id)"
        )
    };
    for (table, action) in [
        ("clients", "CREATE_CLIENT"),
        ("reservations", "CREATE_RESERVATION"),
    ] {
        let wrong = db
            .count(&format!(
                "SELECT COUNT(*) FROM {table} t LEFT JOIN {} a ON a.entity_id = t.id \
                 WHERE COALESCE(a.n, 0) <> 1",
                entries(action)
            ))
            .await;
        assert_eq!(wrong, 0, "{table} without exactly one {action} entry");
        let orphans = db
            .count(&format!(
                "SELECT COUNT(*) FROM audit_log a WHERE a.action = '{action}' \
                 AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = a.entity_id)"
            ))
            .await;
        assert_eq!(orphans, 0, "{action} entries of nothing stored");
    }
    let wrong = db
        .count(&format!(
            "SELECT COUNT(*) FROM reservations r \
             LEFT JOIN (SELECT reservation_id, COUNT(*) AS n FROM payments \
             GROUP BY reservation_id) p ON p.reservation_id = r.id \
             LEFT JOIN {} a ON a.entity_id = r.id WHERE COALESCE(p.n, 0) <> COALESCE(a.n, 0)",
            entries("ADD_PAYMENT")
        ))
        .await;
    assert_eq!(
        wrong, 0,
        "reservations whose payments and ADD_PAYMENT entries differ"
    );
}
