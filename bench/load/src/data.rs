//! What the desks pick from: the agency's cars, clients and reservations, read once
//! through the API before the attack starts (so the tool works on either engine).

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use serde_json::Value;

/// A client as the counter searches for one.
pub struct Client {
    pub id: String,
    pub phone: String,
    pub last_name: String,
}

/// Ids read from the server, plus the two lists the writing operations need.
pub struct Fixture {
    pub cars: Vec<String>,
    pub clients: Vec<Client>,
    pub reservations: Vec<String>,
    /// Blocking reservations with at least 10 left to pay.
    pub payable: Vec<String>,
    /// Reservations that can still move: `(id, status to move to)`.
    pub movable: Vec<(String, &'static str)>,
    /// The `Cookie` header of each desk's session, by desk number.
    pub sessions: Vec<String>,
}

static FIXTURE: OnceLock<Arc<Fixture>> = OnceLock::new();

pub fn install(fixture: Arc<Fixture>) {
    let _ = FIXTURE.set(fixture);
}

/// The fixture; `main` installs it before any desk starts.
pub fn fixture() -> &'static Fixture {
    FIXTURE
        .get()
        .expect("the fixture is installed before the attack")
}

/// The password of every account the benchmark makes.
const PASSWORD: &str = "Bench-Desk-2026";

/// The credentials of desk `n`: each desk is its own member of staff, as at a real
/// counter (the server throttles concurrent logins to one account).
pub fn credentials(n: usize) -> Value {
    serde_json::json!({ "username": format!("desk{n:03}"), "password": PASSWORD })
}

/// Logs in as `credentials` and returns the `Cookie` header value of the new session.
pub async fn login(
    http: &reqwest::Client,
    host: &str,
    credentials: &Value,
) -> anyhow::Result<String> {
    let reply = http
        .post(format!("{host}/api/auth/login"))
        .json(credentials)
        .send()
        .await?;
    anyhow::ensure!(reply.status() == 200, "login answered {}", reply.status());
    session_cookie(reply.headers())
}

/// Makes the desk accounts of `desks` that do not exist yet, as the seeded admin.
pub async fn make_desks(host: &str, desks: std::ops::Range<usize>) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let admin = serde_json::json!({ "username": "admin", "password": "admin123" });
    let cookie = login(&http, host, &admin).await?;
    for first in desks.clone().step_by(4) {
        let batch = (first..desks.end.min(first + 4)).map(|k| {
            let mut body = credentials(k);
            body["fullName"] = format!("Desk {k}").into();
            http.post(format!("{host}/api/managers"))
                .header(reqwest::header::COOKIE, &cookie)
                .json(&body)
                .send()
        });
        for reply in futures::future::join_all(batch).await {
            let status = reply?.status();
            anyhow::ensure!(
                status == 201 || status == 409,
                "making a desk account: {status}"
            );
        }
    }
    Ok(())
}

/// `name=value` of the session cookie in a login answer (which also sets a device
/// cookie). Sent by hand: outside development mode the cookie is `Secure`, which a cookie
/// jar keeps off plain HTTP.
fn session_cookie(headers: &reqwest::header::HeaderMap) -> anyhow::Result<String> {
    let set = headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("locacar_session="))
        .context("the login set no session cookie")?;
    Ok(set.split(';').next().unwrap_or_default().to_string())
}

impl Fixture {
    /// Reads what `ops` picks from; reservations only when it uses them (a million of
    /// them take minutes to page through). Logs the `desks` in, each once, before the
    /// attack: a desk logs in at the start of its day, and 64 Argon2id hashes inside the
    /// measured seconds took about a sixth of the server's time in the first seconds of
    /// a 10-second run. The `logins` step measures logins under load.
    pub async fn load(host: &str, ops: &str, desks: usize) -> anyhow::Result<Fixture> {
        let http = reqwest::Client::new();
        let mut sessions = Vec::with_capacity(desks);
        for first in (0..desks).step_by(4) {
            let accounts: Vec<Value> = (first..desks.min(first + 4)).map(credentials).collect();
            let batch = accounts.iter().map(|account| login(&http, host, account));
            for cookie in futures::future::join_all(batch).await {
                sessions.push(cookie?);
            }
        }
        let cookie = match sessions.first() {
            Some(desk) => desk.clone(),
            None => login(&http, host, &credentials(0)).await?,
        };
        let get = |path: &'static str| all_pages(&http, host, &cookie, path);
        let cars = get("/api/cars").await?;
        let clients = get("/api/clients").await?;
        let reservations = match ops {
            "available" | "search" => Vec::new(),
            _ => get("/api/reservations").await?,
        };
        Ok(Fixture {
            cars: cars
                .iter()
                .filter(|c| c["status"] != "out_of_service")
                .map(id)
                .collect(),
            clients: clients.iter().map(client).collect(),
            payable: reservations.iter().filter(|r| payable(r)).map(id).collect(),
            movable: reservations.iter().filter_map(movable).collect(),
            reservations: reservations.iter().map(id).collect(),
            sessions,
        })
    }
}

async fn all_pages(
    http: &reqwest::Client,
    host: &str,
    cookie: &str,
    path: &str,
) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    for page in 1.. {
        let reply: Value = http
            .get(format!("{host}{path}?perPage=100&page={page}"))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let batch = reply["items"].as_array().context("a list without items")?;
        items.extend(batch.iter().cloned());
        if batch.len() < 100 {
            break;
        }
    }
    Ok(items)
}

fn id(doc: &Value) -> String {
    doc["_id"].as_str().unwrap_or_default().to_string()
}

fn client(doc: &Value) -> Client {
    Client {
        id: id(doc),
        phone: doc["phone"].as_str().unwrap_or_default().to_string(),
        last_name: doc["lastName"].as_str().unwrap_or_default().to_string(),
    }
}

fn payable(doc: &Value) -> bool {
    let blocking = matches!(
        doc["status"].as_str(),
        Some("pending_confirmation" | "confirmed" | "active")
    );
    blocking && doc["paymentDetails"]["remaining"].as_f64().unwrap_or(0.0) >= 10.0
}

fn movable(doc: &Value) -> Option<(String, &'static str)> {
    let to = match doc["status"].as_str()? {
        "pending_confirmation" => "confirmed",
        "confirmed" => "cancelled_by_agency",
        _ => return None,
    };
    Some((id(doc), to))
}
