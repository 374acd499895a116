//! The server reaches nothing but its database. It runs under
//! `strace -f -e trace=connect,sendto,sendmsg` (seccomp-filtered, so only those calls
//! stop) while a day at the desk goes through it: the demo agency filled in, every list,
//! a booking with payment, pick-up and return, an invoice PDF, a photo, the dashboard,
//! reports, the audit log and the metrics. Every socket address it used is then read
//! from the trace: on SQLite there must be none, on PostgreSQL only the database's.
//!
//! The integration tests run every server under the same tracer (see
//! `scripts/check_connections.sh`); this one makes sure a single server goes through
//! nearly everything it can do while traced, photos, PDFs and metrics included.

use std::collections::BTreeSet;

use serde_json::json;

use crate::common::{id_of, Api, Engine, Options, Server, TestDb};

crate::both_engines!(the_server_connects_to_nothing_but_its_database);

async fn the_server_connects_to_nothing_but_its_database(engine: Engine) {
    let db = TestDb::new(engine).await;
    let trace = db.dir.path().join("connect.trace");
    let trace_arg = trace.display().to_string();
    let strace = [
        "strace",
        "-f",
        "-qq",
        "--seccomp-bpf",
        "-e",
        "trace=connect,sendto,sendmsg",
        "-o",
        &trace_arg,
    ];
    let options = Options::dev().env("LOCACAR_DEMO", "1").wrapped_in(&strace);
    let mut server = Server::start(&db, &options);
    let admin = server.api();
    // The demo agency's own admin account (its password is public, like the demo).
    assert_eq!(admin.login("admin", "admin123").await.status, 200);
    let calls = a_day_at_the_desk(&admin).await;
    assert_eq!(admin.post("/api/auth/logout", json!({})).await.status, 200);
    server.terminate();

    let text = std::fs::read_to_string(&trace).expect("trace");
    let addresses: BTreeSet<String> = text.lines().filter_map(socket_address).collect();
    let mut allowed: BTreeSet<String> = match engine {
        Engine::Sqlite => BTreeSet::new(),
        Engine::Postgres => [database_address(&db.url)].into_iter().collect(),
    };
    // Resolving the database's host name, the C library first asks the local name-service
    // cache daemon over this Unix socket (when it runs): it never leaves the machine.
    allowed.insert("AF_UNIX /var/run/nscd/socket".into());
    eprintln!(
        "outbound ({engine:?}): {calls} requests; addresses reached: {addresses:?}; \
         {} traced calls",
        text.lines().count()
    );
    let strangers: Vec<_> = addresses.difference(&allowed).collect();
    assert!(strangers.is_empty(), "the server reached {strangers:?}");
    if engine == Engine::Postgres {
        assert!(
            !addresses.is_empty(),
            "the trace saw no database connection"
        );
    }
}

/// Drives the desk through most of what it does; returns how many requests it made.
async fn a_day_at_the_desk(admin: &Api) -> usize {
    let mut calls = 0;
    for path in [
        "/api/cars",
        "/api/clients",
        "/api/reservations",
        "/api/managers",
        "/api/branches",
        "/api/extras",
        "/api/dashboard",
        "/api/audit",
        "/api/meta",
        "/metrics",
        "/readyz",
    ] {
        check(&admin.get(path).await, path, 200);
        calls += 1;
    }
    let cars = admin.get("/api/cars?status=available").await;
    let car = id_of(&cars.body["items"][0]);
    let client = admin
        .post(
            "/api/clients",
            json!({"firstName": "Nadia", "lastName": "Outbound", "phone": "+212611223344",
                   "driverLicenseNumber": "DL-778899"}),
        )
        .await;
    check(&client, "create client", 201);
    calls += 1;
    let client = id_of(&client.body);
    let start = chrono::Utc::now() + chrono::Duration::days(400);
    let end = start + chrono::Duration::days(3);
    let booking = admin
        .post(
            "/api/reservations",
            json!({"carId": car, "clientId": client, "status": "confirmed",
                   "startDate": start.to_rfc3339(), "endDate": end.to_rfc3339()}),
        )
        .await;
    check(&booking, "book", 201);
    calls += 1;
    let id = id_of(&booking.body);
    let reservation = format!("/api/reservations/{id}");
    check(&admin.get(&reservation).await, "read booking", 200);
    calls += 1;
    let pay = json!({"amount": 100, "method": "cash"});
    let paid = admin.post(&format!("{reservation}/payments"), pay).await;
    check(&paid, "pay", 201);
    calls += 1;
    let invoice = admin.get(&format!("{reservation}/invoice")).await;
    assert!(invoice.status < 500, "invoice: {}", invoice.text);
    calls += 1;
    let quote = format!(
        "/api/quote?carId={car}&start={}&end={}",
        urlencode(&start.to_rfc3339()),
        urlencode(&end.to_rfc3339())
    );
    check(&admin.get(&quote).await, "quote", 200);
    calls += 1;
    let mut form = b"--x\r\nContent-Disposition: form-data; name=\"image\"; \
                     filename=\"car.png\"\r\nContent-Type: image/png\r\n\r\n"
        .to_vec();
    form.extend(tiny_png());
    form.extend(b"\r\n--x--\r\n");
    let photo = admin
        .request(reqwest::Method::POST, &format!("/api/cars/{car}/image"))
        .header("Content-Type", "multipart/form-data; boundary=x")
        .body(form);
    let uploaded = admin.send(photo).await;
    assert!(uploaded.status < 300, "photo: {}", uploaded.text);
    calls += 1;
    check(
        &admin.get(&format!("/api/cars/{car}/image")).await,
        "photo",
        200,
    );
    calls += 1;
    for report in ["/api/reports/revenue", "/api/reports/utilisation"] {
        let r = admin.get(report).await;
        assert!(r.status < 500, "{report}: {}", r.text);
        calls += 1;
    }
    calls
}

fn check(r: &crate::common::Resp, what: &str, status: u16) {
    assert_eq!(r.status, status, "{what}: {}", r.text);
}

/// The socket address of one traced call, as `family host:port` or a Unix path; `None`
/// for a call on an already connected socket (no address) or a line that is no call.
fn socket_address(line: &str) -> Option<String> {
    let family = line.split("sa_family=").nth(1)?.split([',', '}']).next()?;
    let field = |name: &str| -> Option<String> {
        let rest = line.split(name).nth(1)?;
        Some(rest.split([')', '"']).find(|s| !s.is_empty())?.to_owned())
    };
    Some(match family {
        "AF_INET" | "AF_INET6" => {
            let port = field("htons(")?;
            let host = field("inet_addr(\"")
                .or_else(|| field("inet_pton(AF_INET6, \""))
                .unwrap_or_default();
            format!("{family} {host}:{port}")
        }
        "AF_UNIX" => format!("AF_UNIX {}", field("sun_path=\"").unwrap_or_default()),
        // Netlink (the C library asking the kernel about interfaces) leaves the machine
        // never; anything else would be news.
        "AF_NETLINK" => return None,
        other => other.to_owned(),
    })
}

/// `AF_INET host:port` of the PostgreSQL server in `url`.
fn database_address(url: &str) -> String {
    let authority = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("host:port in the database URL");
    format!("AF_INET {authority}")
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

/// A 2×2 PNG, made here so that the upload is a real image.
fn tiny_png() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(2, 2, image::Rgb([200, 30, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}
