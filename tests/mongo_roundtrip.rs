//! `export-mongo` then `import-mongo` into an empty database gives the same API answers:
//! an agency is never locked in.

mod common;

use common::{command, Api, Engine, Server, TestApp, TestDb, ADMIN_PASSWORD};
use serde_json::{json, Value};

/// An agency with a history, made through the API: staff, branches, cars with rate plans
/// and a block, extras, clients, and rentals in every stage with inspections, charges,
/// fees, payments, a refund, a deposit and an additional driver.
async fn fill(app: &TestApp) {
    let (_, _) = app.manager("nadia").await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/branches",
            json!({"name": "Casablanca Centre", "address": "12 bd Zerktouni", "phone": "0522000000",
                   "openingHours": [{"day": "monday", "opens": "08:30", "closes": "12:30"},
                                    {"day": "monday", "opens": "14:00", "closes": "19:00"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let casa = r.body["_id"].as_str().unwrap().to_owned();
    let r = admin
        .post(
            "/api/branches",
            json!({"name": "Rabat Agdal", "address": "3 av. de France"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rabat = r.body["_id"].as_str().unwrap().to_owned();
    let r = admin
        .post(
            "/api/extras",
            json!({"name": "Siège enfant", "pricing": "perDay", "price": 30, "cap": 150}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let seat = r.body["_id"].as_str().unwrap().to_owned();
    let mut cars = Vec::new();
    for (plate, vin, rate) in [
        ("12345-A-6", "VF1RFB00X66123456", 250.5),
        ("777-B-33", "WVWZZZ1KZ8W123456", 400.0),
        ("4242-D-1", "JTDKB20U083123456", 320.75),
    ] {
        let r = admin
            .post(
                "/api/cars",
                json!({"make": "Dacia", "model": "Logan", "year": 2023, "licensePlate": plate,
                       "vin": vin, "dailyRate": rate, "color": "Blanc", "odometerKm": 1000,
                       "homeBranchId": casa, "includedKmPerDay": 200, "extraKmRate": 1.5}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        cars.push(r.body["_id"].as_str().unwrap().to_owned());
    }
    let r = admin
        .put(
            &format!("/api/cars/{}", cars[2]),
            json!({"description": "Boîte auto"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .put(
            &format!("/api/cars/{}/rates", cars[1]),
            json!({"base": {"daily": 400, "weekly": 350, "monthly": 300}, "deposit": 3000,
                   "seasons": [{"name": "Été", "firstDay": "2027-07-01", "lastDay": "2027-08-31",
                                "rates": {"daily": 480}}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .put(
            &format!("/api/cars/{}/rates", cars[2]),
            json!({"base": {"daily": 320.75}, "deposit": 2000}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .post(
            &format!("/api/cars/{}/blocks", cars[0]),
            json!({"start": chrono_like_in_days(40), "end": chrono_like_in_days(42), "reason": "Vidange"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut clients = Vec::new();
    for (n, phone) in ["06 12 34 56 78", "+212 661-000-111", "0700112233"]
        .iter()
        .enumerate()
    {
        let r = admin
            .post(
                "/api/clients",
                json!({"firstName": format!("Client{n}"), "lastName": "Alaoui", "phone": phone,
                       "email": format!("c{n}@example.ma"), "driverLicenseNumber": format!("DL-{n}"),
                       "dateOfBirth": "1985-03-02", "licenseIssueDate": "2005-06-01",
                       "licenseExpiryDate": "2031-06-01", "notes": "Fidèle\nclient"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        clients.push(r.body["_id"].as_str().unwrap().to_owned());
    }
    let book = |car: &str, client: &str, start: &str, end: &str| {
        json!({"carId": car, "clientId": client, "startDate": start, "endDate": end,
               "status": "confirmed", "notes": "réservé par téléphone"})
    };
    // A past rental, returned late with a charge, paid in two goes, with a refund.
    let mut past = book(
        &cars[0],
        &clients[0],
        "2026-03-01T09:00:00Z",
        "2026-03-04T09:00:00Z",
    );
    past["extras"] = json!([{"extraId": seat, "quantity": 1}]);
    past["additionalDriverIds"] = json!([clients[2]]);
    past["returnBranchId"] = json!(rabat);
    let r = admin.post("/api/reservations", past).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let done = r.body["_id"].as_str().unwrap().to_owned();
    let seen = |km: i64, fuel: i64, damage: Value| json!({"odometerKm": km, "fuelEighths": fuel, "damage": damage, "signedBy": "Client0 Alaoui"});
    for (status, at, extra, inspection) in [
        (
            "active",
            "2026-03-01T09:30:00Z",
            json!(null),
            seen(1000, 8, json!([])),
        ),
        (
            "completed",
            "2026-03-05T11:00:00Z",
            json!([{"label": "Lavage", "amount": 50}]),
            seen(
                2100,
                6,
                json!([{"zone": "rear", "description": "Rayure pare-chocs"}]),
            ),
        ),
    ] {
        let mut body = json!({"status": status, "at": at, "inspection": inspection});
        if !extra.is_null() {
            body["additionalCharges"] = extra;
        }
        let r = admin
            .put(&format!("/api/reservations/{done}/status"), body)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // A photo of the car and of the return inspection, an invoice, its credit note and
    // the corrected invoice.
    let photo = small_png();
    let r = upload(&admin, &format!("/api/cars/{}/image", cars[0]), &photo).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = upload(
        &admin,
        &format!("/api/reservations/{done}/inspections/checkin/photos"),
        &photo,
    )
    .await;
    assert!(matches!(r.status, 200 | 201), "{}", r.text);
    let invoice = format!("/api/reservations/{done}/invoice");
    assert_eq!(admin.get(&invoice).await.status, 200);
    let r = admin
        .post(
            &format!("/api/reservations/{done}/credit-notes"),
            json!({"reason": "Erreur de kilométrage"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(admin.get(&invoice).await.status, 200);
    for payment in [
        json!({"amount": 500, "method": "card"}),
        json!({"amount": 1000, "method": "cash", "refundDue": true}),
    ] {
        let r = admin
            .post(&format!("/api/reservations/{done}/payments"), payment)
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // A booking cancelled by the client inside the fee window, and one under way.
    let soon = chrono_like_in_days(1);
    let later = chrono_like_in_days(3);
    let r = admin
        .post(
            "/api/reservations",
            book(&cars[1], &clients[1], &soon, &later),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let cancelled = r.body["_id"].as_str().unwrap().to_owned();
    let r = admin
        .put(
            &format!("/api/reservations/{cancelled}/status"),
            json!({"status": "cancelled_by_client"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .post(
            "/api/reservations",
            book(&cars[2], &clients[2], &chrono_like_in_days(-1), &later),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let active = r.body["_id"].as_str().unwrap().to_owned();
    let r = admin
        .put(
            &format!("/api/reservations/{active}/status"),
            json!({"status": "active"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .post(
            &format!("/api/reservations/{active}/deposit"),
            json!({"kind": "capture", "amount": 100, "reason": "Jante rayée"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // And a future booking awaiting confirmation.
    let mut pending = book(
        &cars[0],
        &clients[1],
        &chrono_like_in_days(20),
        &chrono_like_in_days(27),
    );
    pending["status"] = json!("pending_confirmation");
    let r = admin.post("/api/reservations", pending).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

/// A small real PNG.
fn small_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

const BOUNDARY: &str = "roundtrip-boundary";

/// Posts `bytes` as the `image` field of a multipart form.
async fn upload(api: &Api, path: &str, bytes: &[u8]) -> common::Resp {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    api.send(
        api.request(reqwest::Method::POST, path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body),
    )
    .await
}

/// A binary answer, as the client sees it.
fn binary(r: &common::Resp) -> Value {
    let header = |name: &str| r.header(name).map(str::to_owned);
    json!({"status": r.status, "type": header("content-type"), "length": header("content-length"),
           "etag": header("etag"), "bytes": r.text})
}

/// An RFC 3339 instant `days` from now, on the hour.
fn chrono_like_in_days(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let t = (now / 3600) * 3600 + days * 86_400;
    let (date, hour) = (t.div_euclid(86_400), t.rem_euclid(86_400) / 3600);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = date + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:00:00Z")
}

/// Everything the API answers about the agency's data, one value per question.
async fn answers(server: &Server) -> Vec<(String, Value)> {
    let api = server.api();
    let r = api.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut out = Vec::new();
    for path in [
        "/api/branches",
        "/api/extras",
        "/api/dashboard",
        "/api/reports/utilisation?from=2026-01-01&to=2027-12-31",
        "/api/managers?perPage=100",
        "/api/cars?perPage=100",
        "/api/clients?perPage=100",
        "/api/reservations?perPage=100",
        "/api/reservations?balanceDue=true",
        "/api/reports/revenue?from=2026-01-01&to=2027-12-31&groupBy=car",
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        for item in r.body["items"].as_array().into_iter().flatten() {
            if let Some(id) = item["_id"].as_str() {
                let kind = path.split(['?', '/']).nth(2).unwrap_or_default();
                let one = api.get(&format!("/api/{kind}/{id}")).await;
                out.extend(details(&api, kind, id, &one.body).await);
                out.push((format!("/api/{kind}/{id}"), one.body));
            }
        }
        out.push((path.to_owned(), r.body));
    }
    let audit = api.get("/api/audit?perPage=100").await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    out.push(("audit".to_owned(), audit.body["items"].clone()));
    out
}

/// What hangs off one item: a car's rates, blocks and photo; a reservation's inspection
/// photos, invoices and invoice PDF.
async fn details(api: &Api, kind: &str, id: &str, item: &Value) -> Vec<(String, Value)> {
    let mut paths = Vec::new();
    let mut binaries = Vec::new();
    if kind == "cars" {
        paths.extend([
            format!("/api/cars/{id}/rates"),
            format!("/api/cars/{id}/blocks"),
        ]);
        if item["imageUrl"].is_string() {
            binaries.push(format!("/api/cars/{id}/image"));
            binaries.push(format!("/api/cars/{id}/image?size=thumb"));
        }
    }
    if kind == "reservations" {
        paths.push(format!("/api/reservations/{id}/invoices"));
        for stage in ["checkoutInspection", "checkinInspection"] {
            for photo in item[stage]["photos"].as_array().into_iter().flatten() {
                binaries.extend(photo["url"].as_str().map(str::to_owned));
                binaries.extend(photo["thumbnailUrl"].as_str().map(str::to_owned));
            }
        }
    }
    let mut out = Vec::new();
    for path in paths {
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let listed = r.body.as_array().is_some_and(|a| !a.is_empty())
            || r.body["items"].as_array().is_some_and(|a| !a.is_empty());
        if listed && path.ends_with("/invoices") {
            binaries.push(format!("/api/reservations/{id}/invoice"));
        }
        out.push((path, r.body));
    }
    for path in binaries {
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        out.push((path, binary(&r)));
    }
    out
}

/// Audit entries that only the second database has: the import's own, and the logins
/// of the comparison.
fn only_originals(entries: &Value, known: &[String]) -> Value {
    Value::Array(
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| known.iter().any(|id| e["_id"].as_str() == Some(id)))
            .cloned()
            .collect(),
    )
}

fn run(db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let out = command(db).args(args).output().expect("run locacar");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn export_then_import_gives_the_same_answers(engine: Engine) {
    let app = TestApp::start(engine).await;
    fill(&app).await;
    let before = answers(&app.server).await;
    let dump = tempfile::tempdir().unwrap();
    let dir = dump.path().to_str().unwrap();
    let (ok, stdout, stderr) = run(&app.db, &["export-mongo", dir]);
    assert!(ok, "export: {stdout}\n{stderr}");
    assert!(!stderr.contains("not exported"), "{stderr}");
    for collection in ["users", "clients", "cars", "reservations", "audit_log"] {
        let text = std::fs::read_to_string(dump.path().join(format!("{collection}.json"))).unwrap();
        assert!(text.lines().count() > 0, "{collection} is empty");
    }

    let copy = TestDb::new(engine).await;
    let (ok, stdout, stderr) = run(&copy, &["import-mongo", dir]);
    assert!(ok, "import: {stdout}\n{stderr}");
    assert!(stdout.contains("imported"), "{stdout}");
    assert!(
        !stderr.contains(" notice: "),
        "an export imports back without adjustment: {stderr}"
    );
    let server = Server::start(&copy, &Default::default());
    let after = answers(&server).await;

    let known: Vec<String> = before
        .iter()
        .find(|(k, _)| k == "audit")
        .and_then(|(_, v)| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| e["_id"].as_str().map(str::to_owned))
        .collect();
    assert!(known.len() > 10, "the history has audit entries");
    for what in ["/invoice", "/image", "/image?size=thumb", "/photos/"] {
        assert!(
            before.iter().any(|(k, _)| k.contains(what)),
            "{what} is among the answers compared"
        );
    }
    assert_eq!(before.len(), after.len());
    for ((question, a), (_, b)) in before.iter().zip(&after) {
        if question == "audit" {
            let b = only_originals(b, &known);
            let a = only_originals(a, &known);
            assert_eq!(a, b, "the audit trail");
        } else {
            assert_eq!(a, b, "{question}");
        }
    }
    // A booking after the move gets a number no imported booking has.
    let admin = server.api();
    admin.login("admin", ADMIN_PASSWORD).await;
    let cars = admin.get("/api/cars").await;
    let clients = admin.get("/api/clients").await;
    let r = admin
        .post(
            "/api/reservations",
            json!({"carId": cars.body["items"][0]["_id"], "clientId": clients.body["items"][0]["_id"],
                   "startDate": chrono_like_in_days(60), "endDate": chrono_like_in_days(62)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let listed = admin.get("/api/reservations?perPage=100").await;
    let numbers: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["reservationNumber"].as_str())
        .collect();
    let mut unique = numbers.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), numbers.len(), "{numbers:?}");
}

both_engines!(export_then_import_gives_the_same_answers);
