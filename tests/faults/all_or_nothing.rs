//! All or nothing: every mutating operation is run again and again with its k-th row
//! write failing, for k = 1, 2, … until it goes through. Each failed run answers a
//! generic 500 and leaves every table exactly as it was: the entity, its audit entry,
//! its image.
//!
//! The fault injector is the test's own and lives in the database, not in the server:
//! triggers on every table count the rows written and fail the k-th. The server runs
//! unchanged, so what is tested is what ships. (Reads are not failed this way; a read
//! that fails before any write leaves nothing to undo.)

use std::collections::BTreeMap;

use chrono::{DateTime, Duration as Days, SecondsFormat, Utc};
use serde_json::{json, Value};
use sqlx::{Column, Connection, Row};

use reqwest::Method;

use crate::common::{id_of, Api, Engine, Resp, TestApp, ADMIN_PASSWORD};

crate::both_engines!(a_write_that_fails_midway_leaves_nothing_behind);

/// Tables whose rows are not the operation's: sessions are touched by every request.
const UNCOUNTED: [&str; 4] = [
    "sessions",
    "login_attempts",
    "fault_plan",
    "_sqlx_migrations",
];

/// A request body.
enum Body {
    None,
    Json(Value),
    Image(Vec<u8>),
}

/// Runs each write with its 1st, 2nd, … row write failing, until it goes through.
struct Faults<'a> {
    app: &'a TestApp,
    admin: Api,
    injector: Injector,
}

impl Faults<'_> {
    async fn post(&self, name: &str, path: &str, body: Value) -> Resp {
        self.run(name, Method::POST, path, Body::Json(body)).await
    }

    async fn put(&self, name: &str, path: &str, body: Value) -> Resp {
        self.run(name, Method::PUT, path, Body::Json(body)).await
    }

    async fn delete(&self, name: &str, path: &str) -> Resp {
        self.run(name, Method::DELETE, path, Body::None).await
    }

    /// A `GET` that writes (the invoice is issued at its first download).
    async fn get(&self, name: &str, path: &str) -> Resp {
        self.run(name, Method::GET, path, Body::None).await
    }

    async fn upload(&self, name: &str, path: &str) -> Resp {
        self.run(name, Method::POST, path, Body::Image(png())).await
    }

    /// Returns the answer that finally went through. Each failure must be a generic
    /// 500 that left every counted table exactly as it was.
    async fn run(&self, name: &str, method: Method, path: &str, body: Body) -> Resp {
        for k in 1..=100 {
            self.injector.fail_at(k).await;
            let before = snapshot(self.app).await;
            let r = send(&self.admin, method.clone(), path, &body).await;
            if (200..300).contains(&r.status) {
                self.injector.fail_at(0).await;
                assert!(k > 1, "{name}: wrote nothing the injector could fail");
                eprintln!("{name}: {} row writes, each failed once", k - 1);
                return r;
            }
            assert_eq!(r.status, 500, "{name} with write {k} failing: {}", r.text);
            r.assert_error(500, "internal");
            assert_eq!(
                r.body["error"], "internal server error",
                "{name}: no detail"
            );
            let after = snapshot(self.app).await;
            for (table, rows) in &before {
                let same = Some(rows) == after.get(table);
                assert!(same, "{name}: write {k} failed, yet {table} changed");
            }
        }
        panic!("{name}: still failing with 100 row writes");
    }
}

async fn send(api: &Api, method: Method, path: &str, body: &Body) -> Resp {
    let req = api.request(method, path);
    let req = match body {
        Body::None => req,
        Body::Json(v) => req.json(v),
        Body::Image(bytes) => {
            const BOUNDARY: &str = "locacar-fault-boundary";
            let mut form = format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; \
                 filename=\"car.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .into_bytes();
            form.extend_from_slice(bytes);
            form.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
            let kind = format!("multipart/form-data; boundary={BOUNDARY}");
            req.header("content-type", kind).body(form)
        }
    };
    api.send(req).await
}

fn png() -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([x as u8 * 8, y as u8 * 10, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode a PNG");
    bytes.into_inner()
}

async fn a_write_that_fails_midway_leaves_nothing_behind(engine: Engine) {
    let app = TestApp::start(engine).await;
    let f = Faults {
        admin: app.admin().await,
        injector: Injector::install(&app).await,
        app: &app,
    };
    // Each write, once through, sets up the next.
    contract_writes_fail_whole(&f).await;
    desk_writes_fail_whole(&f).await;
    let password = json!({"currentPassword": ADMIN_PASSWORD, "newPassword": "a-new-admin-pass-2"});
    f.put("change password", "/api/auth/password", password)
        .await;
}

/// The writes of the original contract: cars and their photo, clients, staff, and a
/// reservation from booking to deletion.
async fn contract_writes_fail_whole(f: &Faults<'_>) {
    let car = json!({"make": "Citroën", "model": "C3", "year": 2024,
                     "licensePlate": "50000-E-1", "vin": "VF7SXHMZ6PT500001", "dailyRate": 350});
    let car = id_of(&f.post("create car", "/api/cars", car).await.body);
    let cars = format!("/api/cars/{car}");
    f.put("update car", &cars, json!({"dailyRate": 400})).await;
    f.upload("upload image", &format!("{cars}/image")).await;
    f.delete("delete image", &format!("{cars}/image")).await;
    let client = json!({"firstName": "Chloé", "lastName": "Lambert", "phone": "+33611223344"});
    let client = f.post("create client", "/api/clients", client).await;
    let clients = format!("/api/clients/{}", id_of(&client.body));
    f.put(
        "update client",
        &clients,
        json!({"email": "chloe@example.com"}),
    )
    .await;
    let manager = json!({"username": "agent", "password": "agent-pass-1", "fullName": "Un Agent"});
    let manager = f.post("create manager", "/api/managers", manager).await;
    let managers = format!("/api/managers/{}", id_of(&manager.body));
    f.put(
        "update manager",
        &managers,
        json!({"fullName": "Une Agente"}),
    )
    .await;
    let booking = json!({"carId": car, "clientId": id_of(&client.body),
                         "startDate": "2027-03-01T09:00:00Z", "endDate": "2027-03-04T09:00:00Z"});
    let booking = f
        .post("create reservation", "/api/reservations", booking)
        .await;
    let reservations = format!("/api/reservations/{}", id_of(&booking.body));
    let status = format!("{reservations}/status");
    f.put(
        "update reservation",
        &reservations,
        json!({"endDate": "2027-03-05T09:00:00Z"}),
    )
    .await;
    f.put(
        "confirm reservation",
        &status,
        json!({"status": "confirmed"}),
    )
    .await;
    let payment = json!({"amount": 200, "method": "card"});
    f.post("add payment", &format!("{reservations}/payments"), payment)
        .await;
    f.put(
        "cancel reservation",
        &status,
        json!({"status": "cancelled_by_agency"}),
    )
    .await;
    f.delete("delete reservation", &reservations).await;
    f.delete("delete client", &clients).await;
    f.delete("delete car", &cars).await;
    f.delete("delete manager", &managers).await;
}

/// The rental desk's writes: branches, extras, rates, blocks, a rental from pick-up to
/// invoice and credit note, its inspections and deposit, and a waived no-show fee.
async fn desk_writes_fail_whole(f: &Faults<'_>) {
    let (car, client) = car_and_client(&f.admin).await;
    let branch = json!({"name": "Rabat", "address": "1 avenue Mohammed V"});
    let branch = f.post("create branch", "/api/branches", branch).await;
    let branch = format!("/api/branches/{}", id_of(&branch.body));
    f.put(
        "update branch",
        &branch,
        json!({"address": "2 avenue Mohammed V"}),
    )
    .await;
    let extra = json!({"name": "Siège enfant", "pricing": "perDay", "price": 30, "cap": 150});
    let extra = format!(
        "/api/extras/{}",
        id_of(&f.post("create extra", "/api/extras", extra).await.body)
    );
    f.put("update extra", &extra, json!({"price": 35})).await;
    let cars = format!("/api/cars/{car}");
    let plan = json!({"base": {"daily": 300, "weekly": null, "monthly": null},
                      "seasons": [], "deposit": 2000});
    f.put("set rates", &format!("{cars}/rates"), plan).await;
    let window = json!({"start": "2027-06-01T08:00:00Z", "end": "2027-06-03T08:00:00Z", "reason": "Vidange"});
    let block = f
        .post("create block", &format!("{cars}/blocks"), window)
        .await;
    let block = format!("{cars}/blocks/{}", id_of(&block.body));
    f.put(
        "update block",
        &block,
        json!({"reason": "Vidange et freins"}),
    )
    .await;
    f.delete("delete block", &block).await;

    // A rental picked up three days ago (the deposit is held then) and returned now, dented.
    let start = Utc::now() - Days::days(3);
    let rental = book(&f.admin, &car, &client, start, Utc::now()).await;
    let status = format!("{rental}/status");
    let check = |km: i64, damage: Value| json!({"odometerKm": km, "fuelEighths": 8, "damage": damage, "signedBy": "K. Alaoui"});
    let pick_up =
        json!({"status": "active", "at": stamp(start), "inspection": check(1000, json!([]))});
    f.put("pick-up", &status, pick_up).await;
    let photos = format!("{rental}/inspections/checkout/photos");
    let photo = f.upload("inspection photo", &photos).await;
    let photo = id_of(&photo.body["checkoutInspection"]["photos"][0]);
    f.delete("delete inspection photo", &format!("{photos}/{photo}"))
        .await;
    let dent = json!([{"zone": "rear", "description": "Rayure coffre"}]);
    let give_back = json!({"status": "completed", "inspection": check(1450, dent),
                           "additionalCharges": [{"label": "Carburant", "amount": 40}]});
    f.put("return", &status, give_back).await;
    f.post(
        "resolve review",
        &format!("{rental}/review"),
        json!({"resolution": "Facturé au client"}),
    )
    .await;
    let deposit = format!("{rental}/deposit");
    let capture = json!({"kind": "capture", "amount": 300, "reason": "Rayure coffre"});
    f.post("capture deposit", &deposit, capture).await;
    f.post("release deposit", &deposit, json!({"kind": "release"}))
        .await;
    f.get("issue invoice", &format!("{rental}/invoice")).await;
    let reason = json!({"reason": "Erreur de carburant"});
    f.post("credit note", &format!("{rental}/credit-notes"), reason)
        .await;

    // A no-show, its fee waived.
    let missed = book(
        &f.admin,
        &car,
        &client,
        Utc::now() - Days::hours(2),
        Utc::now() + Days::days(2),
    )
    .await;
    f.put(
        "no-show",
        &format!("{missed}/status"),
        json!({"status": "no_show"}),
    )
    .await;
    f.post(
        "waive fee",
        &format!("{missed}/fee/waiver"),
        json!({"reason": "Vol annulé"}),
    )
    .await;
    f.delete("delete extra", &extra).await;
    f.delete("delete branch", &branch).await;
}

/// A car and a client with a driving licence, made without faults.
async fn car_and_client(admin: &Api) -> (String, String) {
    let car = json!({"make": "Dacia", "model": "Logan", "year": 2023,
                     "licensePlate": "50001-E-1", "vin": "UU1LSDAAH50000002", "dailyRate": 300});
    let car = admin.post("/api/cars", car).await;
    assert_eq!(car.status, 201, "{}", car.text);
    let client = json!({"firstName": "Karim", "lastName": "Alaoui",
                        "phone": "+212612345678", "driverLicenseNumber": "DL-778899"});
    let client = admin.post("/api/clients", client).await;
    assert_eq!(client.status, 201, "{}", client.text);
    (id_of(&car.body), id_of(&client.body))
}

/// A confirmed booking made without faults; returns its path.
async fn book(
    admin: &Api,
    car: &str,
    client: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> String {
    let body = json!({"carId": car, "clientId": client, "startDate": stamp(start),
                      "endDate": stamp(end), "status": "confirmed"});
    let r = admin.post("/api/reservations", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    format!("/api/reservations/{}", id_of(&r.body))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Triggers that count the rows written to every table and fail the `fail_at`-th.
struct Injector {
    url: String,
}

impl Injector {
    async fn install(app: &TestApp) -> Injector {
        let tables = tables(app).await;
        let sql = match app.db.engine {
            Engine::Sqlite => {
                let mut sql =
                    "CREATE TABLE fault_plan (seen INTEGER NOT NULL, fail_at INTEGER NOT NULL); \
                     INSERT INTO fault_plan VALUES (0, 0);"
                        .to_owned();
                for table in &tables {
                    for event in ["INSERT", "UPDATE", "DELETE"] {
                        sql += &format!(
                            "CREATE TRIGGER fault_{event}_{table} BEFORE {event} ON {table} BEGIN \
                             UPDATE fault_plan SET seen = seen + 1; \
                             SELECT RAISE(ABORT, 'injected fault') FROM fault_plan WHERE seen = fail_at; \
                             END;"
                        );
                    }
                }
                sql
            }
            Engine::Postgres => {
                let mut sql =
                    "CREATE TABLE fault_plan (seen BIGINT NOT NULL, fail_at BIGINT NOT NULL); \
                     INSERT INTO fault_plan VALUES (0, 0); \
                     CREATE FUNCTION fault_injector() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     DECLARE s BIGINT; f BIGINT; BEGIN \
                     UPDATE fault_plan SET seen = seen + 1 RETURNING seen, fail_at INTO s, f; \
                     IF s = f THEN RAISE EXCEPTION 'injected fault'; END IF; \
                     IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$;"
                        .to_owned();
                for table in &tables {
                    sql += &format!(
                        "CREATE TRIGGER fault_{table} BEFORE INSERT OR UPDATE OR DELETE ON {table} \
                         FOR EACH ROW EXECUTE FUNCTION fault_injector();"
                    );
                }
                sql
            }
        };
        app.db.execute(&sql).await;
        Injector {
            url: app.db.url.clone(),
        }
    }

    /// The next operation's `k`-th row write fails (0: none does).
    async fn fail_at(&self, k: i64) {
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect");
        sqlx::query(&format!("UPDATE fault_plan SET seen = 0, fail_at = {k}"))
            .execute(&mut conn)
            .await
            .expect("plan the fault");
    }
}

/// The tables whose rows operations write.
async fn tables(app: &TestApp) -> Vec<String> {
    let sql = match app.db.engine {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Engine::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
    };
    let mut tables = app.db.texts(sql).await;
    tables.retain(|t| !UNCOUNTED.contains(&t.as_str()));
    tables.sort();
    tables
}

/// Every row of every counted table, as text, sorted.
async fn snapshot(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let mut conn = sqlx::AnyConnection::connect(&app.db.url)
        .await
        .expect("connect");
    let mut all = BTreeMap::new();
    for table in tables(app).await {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&mut conn)
            .await
            .expect("read a table");
        let mut texts: Vec<String> = rows.iter().map(row_text).collect();
        texts.sort();
        all.insert(table, texts);
    }
    all
}

fn row_text(row: &sqlx::any::AnyRow) -> String {
    (0..row.columns().len())
        .map(|i| {
            let name = row.column(i).name();
            let value = row
                .try_get::<Option<String>, _>(i)
                .map(|v| format!("{v:?}"))
                .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                .or_else(|_| row.try_get::<Option<i32>, _>(i).map(|v| format!("{v:?}")))
                .or_else(|_| row.try_get::<Option<i16>, _>(i).map(|v| format!("{v:?}")))
                .or_else(|_| row.try_get::<Option<bool>, _>(i).map(|v| format!("{v:?}")))
                .or_else(|_| row.try_get::<Option<f64>, _>(i).map(|v| format!("{v:?}")))
                .or_else(|_| {
                    row.try_get::<Option<Vec<u8>>, _>(i)
                        .map(|v| format!("{v:?}"))
                })
                .unwrap_or_else(|e| format!("<{e}>"));
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
