//! `locacar import-mongo`: moving an agency in from the Flask/MongoDB version, from the
//! files `mongoexport` wrote (the fixtures under `tests/fixtures/mongo`), then serving it.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{command, Api, Engine, Options, Server, TestDb, ADMIN_PASSWORD};
use serde_json::{json, Value};

both_engines!(
    the_clean_dump_imports_whole_and_serves,
    every_broken_case_is_reported_and_nothing_is_imported,
    a_duplicate_phone_can_be_left_out,
    an_overlap_can_be_imported_as_cancelled,
    an_overlap_can_be_left_out,
    a_reservation_of_a_missing_car_can_be_left_out,
    a_dry_run_writes_nothing,
    the_same_import_again_does_nothing_and_another_is_refused,
);

/// The collections an import fills, in import order.
const COLLECTIONS: [&str; 5] = ["users", "clients", "cars", "reservations", "audit_log"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mongo")
}

fn clean() -> PathBuf {
    fixtures().join("clean")
}

fn broken(case: &str) -> PathBuf {
    fixtures().join("broken").join(case)
}

/// Runs `locacar import-mongo DIR ARGS…` on the database.
fn import(db: &TestDb, dir: &Path, args: &[&str]) -> Output {
    command(db)
        .arg("import-mongo")
        .arg(dir)
        .args(args)
        .output()
        .expect("run locacar import-mongo")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the import exited 0 and its last line of output starts with `last`.
fn assert_succeeded(out: &Output, last: &str) {
    let (so, se) = (stdout(out), stderr(out));
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{so}\nstderr:\n{se}",
        out.status
    );
    let line = so.lines().last().unwrap_or("");
    assert!(
        line.starts_with(last),
        "last line of stdout {line:?} should start with {last:?}\nstderr:\n{se}"
    );
}

/// Every document of a collection file, whatever form mongoexport wrote it in: one per
/// line, or a `--jsonArray` (on one line or `--pretty`).
fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if text.trim_start().starts_with('[') {
        match serde_json::from_str(&text) {
            Ok(Value::Array(items)) => items,
            other => panic!("{}: not a JSON array: {other:?}", path.display()),
        }
    } else {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .collect()
    }
}

/// The document starting on 1-based `line` of a file written one document per line.
fn document_at(path: &Path, line: usize) -> Value {
    let text = std::fs::read_to_string(path).expect("fixture");
    let raw = text.lines().nth(line - 1).expect("that line");
    serde_json::from_str(raw).expect("one document on the line")
}

fn oid(doc: &Value) -> String {
    doc["_id"]["$oid"]
        .as_str()
        .unwrap_or_else(|| panic!("no $oid in {doc}"))
        .to_owned()
}

/// The `_id`s of a collection file.
fn oids(path: &Path) -> BTreeSet<String> {
    documents(path).iter().map(oid).collect()
}

/// How many rows each table an import fills holds, in [`COLLECTIONS`] order, then `imports`.
async fn row_counts(db: &TestDb) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in COLLECTIONS.iter().chain(&["imports"]) {
        counts.push(db.count(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    counts
}

async fn assert_empty(db: &TestDb, what: &str) {
    assert_eq!(
        row_counts(db).await,
        [0, 0, 0, 0, 0, 0],
        "{what}: users, clients, cars, reservations, audit_log, imports must be empty"
    );
}

/// The `_id`s a list endpoint gives, after checking its total.
async fn listed_ids(api: &Api, path: &str, total: usize) -> BTreeSet<String> {
    let r = api.get(&format!("{path}?perPage=100")).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    assert_eq!(r.body["total"], total, "{path}: {}", r.text);
    let items = r.body["items"].as_array().expect("items");
    assert_eq!(items.len(), total, "{path}");
    items
        .iter()
        .map(|i| i["_id"].as_str().expect("_id").to_owned())
        .collect()
}

/// A reservation number as this server gives them: `LC-YYYY-NNNNNN`.
fn is_reservation_number(n: &str) -> bool {
    let b = n.as_bytes();
    n.len() == 14
        && n.starts_with("LC-")
        && b[3..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..].iter().all(u8::is_ascii_digit)
}

/// The money lines `clean/EXPECTED.md` lists: (file, line, field, value as written).
fn expected_roundings() -> Vec<(String, u64, String, String)> {
    let text = std::fs::read_to_string(clean().join("EXPECTED.md")).expect("EXPECTED.md");
    let section = text
        .split("## Money with more than 2 decimals")
        .nth(1)
        .expect("the money section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let rows: Vec<_> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> = l
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .filter(|c| !c.is_empty())
                .collect();
            assert_eq!(cells.len(), 5, "a row of the money table: {l}");
            let line = cells[1].parse().expect("a line number");
            (cells[0].clone(), line, cells[3].clone(), cells[4].clone())
        })
        .collect();
    assert!(rows.len() >= 3, "the money table has rows: {rows:?}");
    rows
}

/// The line EXPECTED.md gives for the final cost typed by staff.
fn expected_final_cost_line() -> u64 {
    let text = std::fs::read_to_string(clean().join("EXPECTED.md")).expect("EXPECTED.md");
    let rest = text
        .split("Final cost typed by staff: `reservations.json` line ")
        .nth(1)
        .expect("the final cost line");
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a line number")
}

/// Whether a JSON value holds a secret: a password field at any depth, or a hash.
fn secrets_in(v: &Value, path: &str, found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if ["passwordHash", "password", "password_hash"].contains(&k.as_str()) {
                    found.push(format!("{path}.{k}"));
                }
                secrets_in(v, &format!("{path}.{k}"), found);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                secrets_in(v, &format!("{path}[{i}]"), found);
            }
        }
        Value::String(s)
            if ["pbkdf2:", "scrypt:", "$argon2"]
                .iter()
                .any(|h| s.contains(h)) =>
        {
            found.push(format!("{path} = {s}"));
        }
        _ => {}
    }
}

async fn the_clean_dump_imports_whole_and_serves(engine: Engine) {
    let db = TestDb::new(engine).await;
    let out = import(&db, &clean(), &[]);
    assert_succeeded(&out, "imported:");
    let err = stderr(&out);
    for (collection, n) in [
        ("users", 4),
        ("clients", 12),
        ("cars", 8),
        ("reservations", 22),
        ("audit_log", 32),
    ] {
        let counts = format!("{collection}: {n} read, {n} imported, 0 left out, 0 problems, ");
        assert!(
            err.lines().any(|l| l.starts_with(&counts)),
            "{counts:?} in:\n{err}"
        );
    }
    for (file, line, field, value) in expected_roundings() {
        let notice = format!("{file}:{line}: {field}: notice: {value} has more than 2 decimals");
        assert!(
            err.lines().any(|l| l.starts_with(&notice)),
            "{notice:?} in:\n{err}"
        );
    }
    let adjusted = format!(
        "reservations.json:{}: finalTotalCost: notice: 4350 was recorded where the rental's days come to 4200",
        expected_final_cost_line()
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with(&adjusted) && l.contains("150")),
        "{adjusted:?} in:\n{err}"
    );
    assert!(
        !err.contains(": invalid:") && !err.contains("error:"),
        "{err}"
    );
    assert_eq!(
        row_counts(&db).await,
        [4, 12, 8, 22, 33, 1],
        "32 entries and the import's own"
    );

    // The imported users exist: the server creates no admin of its own.
    let server = Server::start(&db, &Options::default());
    assert!(
        !server
            .banner
            .iter()
            .any(|l| l.contains("username: admin") || l.contains("password")),
        "no admin created: {:?}",
        server.banner
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM users").await, 4);
    assert_eq!(
        server.api().login("admin", ADMIN_PASSWORD).await.status,
        401,
        "no `admin` account"
    );

    // Each user logs in with the password of the Flask app; the hash is then Argon2id.
    let passwords: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("passwords.json")).expect("passwords.json"),
    )
    .expect("JSON");
    let users = passwords["users"].as_array().expect("users");
    assert_eq!(users.len(), 4);
    let mut admin = None;
    for user in users {
        let name = user["username"].as_str().expect("username");
        let password = user["password"].as_str().expect("password");
        let prefix = user["hashPrefix"].as_str().expect("hashPrefix");
        let hash_of = format!("SELECT password_hash FROM users WHERE username = '{name}'");
        let stored = db.texts(&hash_of).await;
        assert!(
            stored.len() == 1 && stored[0].starts_with(&format!("{prefix}$")),
            "{name}: the Werkzeug hash as imported: {stored:?}"
        );
        let api = server.api();
        if user["isActive"] == false {
            api.login(name, password)
                .await
                .assert_error(403, "forbidden");
            assert_eq!(
                api.get("/api/auth/status").await.body["authenticated"],
                false
            );
            continue;
        }
        assert_eq!(
            api.login(name, "not-the-password").await.status,
            401,
            "{name}"
        );
        let r = api.login(name, password).await;
        assert_eq!(r.status, 200, "{name}: {}", r.text);
        assert_eq!(r.body["user"]["username"], name);
        assert_eq!(r.body["user"]["role"], user["role"]);
        let status = api.get("/api/auth/status").await;
        assert_eq!(status.status, 200, "{}", status.text);
        assert_eq!(status.body["authenticated"], true, "{}", status.text);
        assert_eq!(status.body["user"]["username"], name);
        let upgraded = db.texts(&hash_of).await;
        assert!(
            upgraded[0].starts_with("$argon2id$"),
            "{name}: upgraded at the first login: {upgraded:?}"
        );
        let again = server.api();
        let r = again.login(name, password).await;
        assert_eq!(r.status, 200, "{name} logs in again: {}", r.text);
        if user["role"] == "admin" {
            admin = Some(api);
        }
    }
    let admin = admin.expect("an active admin in passwords.json");

    // Every document is listed under its own id.
    for (path, file, total) in [
        ("/api/cars", "cars.json", 8),
        ("/api/clients", "clients.json", 12),
        ("/api/reservations", "reservations.json", 22),
    ] {
        let expected = oids(&clean().join(file));
        assert_eq!(expected.len(), total, "{file}");
        assert_eq!(listed_ids(&admin, path, total).await, expected, "{path}");
    }

    // Money: exact amounts, the float noise rounded to the cent.
    let reservations = documents(&clean().join("reservations.json"));
    let noisy = reservations
        .iter()
        .find(|d| d["paymentDetails"]["amountPaid"].as_f64() == Some(300.29999999999995))
        .expect("the reservation paid 300.29999999999995");
    let r = admin
        .get(&format!("/api/reservations/{}", oid(noisy)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["status"], "active");
    assert_eq!(b["dailyRate"], json!(399.5));
    assert_eq!(b["estimatedTotalCost"], json!(5593));
    assert_eq!(
        b["paymentDetails"]["amountPaid"],
        json!(300.3),
        "{}",
        r.text
    );
    assert_eq!(
        b["paymentDetails"]["remaining"],
        json!(5292.7),
        "{}",
        r.text
    );
    let payments = b["paymentDetails"]["payments"]
        .as_array()
        .expect("payments");
    assert_eq!(payments.len(), 1, "{}", r.text);
    assert_eq!(payments[0]["amount"], json!(300.3));
    assert_eq!(payments[0]["method"], "cash");
    assert_eq!(
        payments[0]["transactionDate"],
        noisy["paymentDetails"]["transactionDate"]["$date"]
    );

    // The final cost typed by staff: kept, the difference as an adjustment line.
    let typed = document_at(
        &clean().join("reservations.json"),
        expected_final_cost_line() as usize,
    );
    let r = admin
        .get(&format!("/api/reservations/{}", oid(&typed)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["reservationNumber"], typed["reservationNumber"]);
    assert_eq!(r.body["finalTotalCost"], json!(4350), "{}", r.text);
    let charges = r.body["additionalCharges"].as_array().expect("charges");
    assert_eq!(charges.len(), 1, "{}", r.text);
    assert_eq!(charges[0]["amount"], json!(150));
    assert_eq!(r.body["paymentDetails"]["amountPaid"], json!(4350));
    assert_eq!(r.body["paymentDetails"]["remaining"], json!(0));

    // A no-show whose paid 200 the agency kept (no total recorded): the money is the
    // fee it charged, not a refund owed.
    let listed = admin.get("/api/reservations?q=LC-2025-000003").await;
    let no_show = &listed.body["items"][0];
    assert_eq!(no_show["status"], json!("no_show"), "{}", listed.text);
    assert_eq!(no_show["fee"]["amount"], json!(200), "{}", listed.text);
    assert_eq!(
        no_show["paymentDetails"]["refundOwed"],
        json!(0),
        "{}",
        listed.text
    );
    assert_eq!(
        no_show["paymentDetails"]["remaining"],
        json!(0),
        "{}",
        listed.text
    );

    // Numbers: the original's kept, the missing ones given, all distinct.
    let listed = admin.get("/api/reservations?perPage=100").await;
    let items = listed.body["items"].as_array().expect("items");
    let numbers: BTreeSet<String> = items
        .iter()
        .map(|i| i["reservationNumber"].as_str().expect("number").to_owned())
        .collect();
    assert_eq!(numbers.len(), 22, "distinct numbers: {numbers:?}");
    let unnumbered: Vec<&Value> = reservations
        .iter()
        .filter(|d| d.get("reservationNumber").is_none())
        .collect();
    assert_eq!(unnumbered.len(), 2, "EXPECTED.md lists two");
    for doc in &reservations {
        let item = items
            .iter()
            .find(|i| i["_id"] == oid(doc).as_str())
            .expect("listed");
        let number = item["reservationNumber"].as_str().expect("number");
        assert!(is_reservation_number(number), "{number}");
        match doc["reservationNumber"].as_str() {
            Some(original) => assert_eq!(number, original),
            None => {
                let booked = item["reservationDate"].as_str().expect("reservationDate");
                assert!(
                    number.starts_with(&format!("LC-{}-", &booked[..4])),
                    "{number}: the year it was booked ({booked})"
                );
            }
        }
    }

    // A booking made now gets a number no imported reservation has.
    let cars = documents(&clean().join("cars.json"));
    let car = cars
        .iter()
        .find(|c| c["status"] == "available")
        .expect("an available car");
    let client = &documents(&clean().join("clients.json"))[0];
    // After every imported booking (the last ends in 2027), within the booking horizon.
    let start = chrono::Utc::now().date_naive() + chrono::Days::new(400);
    let end = start + chrono::Days::new(3);
    let r = admin
        .post(
            "/api/reservations",
            json!({"carId": oid(car), "clientId": oid(client),
                   "startDate": format!("{start}T09:00:00Z"), "endDate": format!("{end}T09:00:00Z")}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let new_number = r.body["reservationNumber"].as_str().expect("number");
    assert!(is_reservation_number(new_number), "{new_number}");
    assert!(
        !numbers.contains(new_number),
        "{new_number} is already an imported reservation's: {numbers:?}"
    );

    // The audit trail: the original's entries, without a secret, and the import's own.
    let r = admin.get("/api/audit?perPage=100").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let entries = r.body["items"].as_array().expect("items");
    let ids: BTreeSet<String> = entries
        .iter()
        .map(|e| e["_id"].as_str().expect("_id").to_owned())
        .collect();
    let originals = oids(&clean().join("audit_log.json"));
    assert_eq!(originals.len(), 32);
    assert!(
        originals.is_subset(&ids),
        "missing: {:?}",
        originals.difference(&ids).collect::<Vec<_>>()
    );
    let mut found = Vec::new();
    secrets_in(&r.body, "", &mut found);
    assert!(found.is_empty(), "secrets in the audit trail: {found:?}");
    assert!(
        !r.text.contains("passwordHash"),
        "no passwordHash field in: {}",
        r.text
    );
    let imports: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "IMPORT_MONGO")
        .collect();
    assert_eq!(imports.len(), 1, "one IMPORT_MONGO entry");
    let collections = &imports[0]["details"]["collections"];
    assert_eq!(
        collections["reservations"]["imported"], 22,
        "{}",
        imports[0]
    );
    assert_eq!(collections["audit_log"]["imported"], 32, "{}", imports[0]);
    let created_manager = entries
        .iter()
        .find(|e| e["action"] == "CREATE_MANAGER" && e["after"]["username"] == "k.alaoui")
        .expect("the original's CREATE_MANAGER of k.alaoui");
    assert_eq!(created_manager["userUsername"], "r.benjelloun");
    assert_eq!(created_manager["after"]["fullName"], "Karim Alaoui");
}

async fn every_broken_case_is_reported_and_nothing_is_imported(engine: Engine) {
    // One database for all cases: each failed import must leave it empty for the next.
    let db = TestDb::new(engine).await;
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("broken"))
        .expect("broken cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 20, "{cases:?}");
    let mut failures = Vec::new();
    for dir in &cases {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
        )
        .expect("JSON");
        let kind = expected["problem"].as_str().expect("problem");
        let file = expected["file"].as_str().expect("file");
        let line = expected["line"].as_u64().expect("line");
        let prefix = match expected["field"].as_str() {
            Some(field) => format!("{file}:{line}: {field}: {kind}: "),
            None => format!("{file}:{line}: {kind}: "),
        };
        let out = import(&db, dir, &[]);
        let (so, se) = (stdout(&out), stderr(&out));
        if out.status.success() {
            failures.push(format!("{case}: exit 0\n{so}{se}"));
        } else if !se.lines().any(|l| l.starts_with(&prefix)) {
            failures.push(format!(
                "{case}: no line starting with {prefix:?} in:\n{se}"
            ));
        } else if !se.contains("problem(s) left unresolved: nothing was imported") {
            failures.push(format!("{case}: no final error in:\n{se}"));
        } else if so.contains("imported:") {
            failures.push(format!("{case}: stdout says imported: {so}"));
        }
        let counts = row_counts(&db).await;
        if counts != [0, 0, 0, 0, 0, 0] {
            failures.push(format!("{case}: rows left behind: {counts:?}"));
            break; // the next cases would be refused for that alone
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_empty(&db, "after every case").await;
}

async fn a_duplicate_phone_can_be_left_out(engine: Engine) {
    let db = TestDb::new(engine).await;
    let dir = broken("duplicate-phone");
    let out = import(&db, &dir, &["--on-duplicate", "skip"]);
    assert_succeeded(&out, "imported:");
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("clients.json:4: phone: duplicate: ")
                && l.ends_with(" (left out)")),
        "{err}"
    );
    assert!(
        err.contains("clients: 4 read, 3 imported, 1 left out, 1 problems"),
        "{err}"
    );
    let clients = documents(&dir.join("clients.json"));
    let left_out = oid(&document_at(&dir.join("clients.json"), 4));
    assert_eq!(
        db.count("SELECT COUNT(*) FROM clients").await,
        clients.len() as i64 - 1
    );
    let ids = db.texts("SELECT id FROM clients ORDER BY id").await;
    assert!(!ids.contains(&left_out), "{left_out} left out: {ids:?}");
    let kept: BTreeSet<String> = clients[..3].iter().map(oid).collect();
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), kept);
}

async fn an_overlap_can_be_imported_as_cancelled(engine: Engine) {
    let db = TestDb::new(engine).await;
    let dir = broken("overlapping-reservations");
    let out = import(&db, &dir, &["--on-overlap", "cancel"]);
    assert_succeeded(&out, "imported:");
    let err = stderr(&out);
    assert!(
        err.lines().any(
            |l| l.starts_with("reservations.json:3: startDate: overlap: ")
                && l.ends_with(" (imported as cancelled_by_agency)")
        ),
        "{err}"
    );
    let later = document_at(&dir.join("reservations.json"), 3);
    assert_ne!(later["status"], "cancelled_by_agency", "it was blocking");
    let id = oid(&later);
    let row = db
        .texts(&format!(
            "SELECT status || '|' || reservation_number || '|' || COALESCE(notes, '') \
             FROM reservations WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(row.len(), 1, "{id} imported: {err}");
    let mut parts = row[0].splitn(3, '|');
    assert_eq!(parts.next(), Some("cancelled_by_agency"));
    assert_eq!(parts.next(), later["reservationNumber"].as_str());
    let notes = parts.next().unwrap_or("");
    assert!(
        notes.contains("cancelled at import") && notes.contains("overlapped"),
        "a note says why: {notes:?}"
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM reservations").await, 3);
    // The first of the two keeps its status.
    let first = document_at(&dir.join("reservations.json"), 2);
    let status = db
        .texts(&format!(
            "SELECT status FROM reservations WHERE id = '{}'",
            oid(&first)
        ))
        .await;
    assert_eq!(status, [first["status"].as_str().expect("status")]);
}

async fn an_overlap_can_be_left_out(engine: Engine) {
    let db = TestDb::new(engine).await;
    let dir = broken("overlapping-reservations");
    let out = import(&db, &dir, &["--on-overlap", "skip"]);
    assert_succeeded(&out, "imported:");
    let err = stderr(&out);
    assert!(
        err.lines().any(
            |l| l.starts_with("reservations.json:3: startDate: overlap: ")
                && l.ends_with(" (left out)")
        ),
        "{err}"
    );
    let id = oid(&document_at(&dir.join("reservations.json"), 3));
    assert_eq!(
        db.count(&format!(
            "SELECT COUNT(*) FROM reservations WHERE id = '{id}'"
        ))
        .await,
        0
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM reservations").await, 2);
}

async fn a_reservation_of_a_missing_car_can_be_left_out(engine: Engine) {
    let db = TestDb::new(engine).await;
    let dir = broken("missing-car");
    let out = import(&db, &dir, &["--on-missing-reference", "skip"]);
    assert_succeeded(&out, "imported:");
    let err = stderr(&out);
    assert!(
        err.lines().any(
            |l| l.starts_with("reservations.json:2: carId: missing_reference: ")
                && l.ends_with(" (left out)")
        ),
        "{err}"
    );
    let id = oid(&document_at(&dir.join("reservations.json"), 2));
    assert_eq!(
        db.count(&format!(
            "SELECT COUNT(*) FROM reservations WHERE id = '{id}'"
        ))
        .await,
        0
    );
    let expected: BTreeSet<String> = oids(&dir.join("reservations.json"))
        .into_iter()
        .filter(|i| *i != id)
        .collect();
    let imported: BTreeSet<String> = db
        .texts("SELECT id FROM reservations")
        .await
        .into_iter()
        .collect();
    assert_eq!(imported, expected);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM cars").await as usize,
        documents(&dir.join("cars.json")).len()
    );
}

async fn a_dry_run_writes_nothing(engine: Engine) {
    let db = TestDb::new(engine).await;
    let out = import(&db, &clean(), &["--dry-run"]);
    assert_succeeded(
        &out,
        "dry run: the import would succeed; nothing was written",
    );
    let err = stderr(&out);
    assert!(
        err.contains("reservations: 22 read, 22 imported, 0 left out, 0 problems"),
        "{err}"
    );
    assert_empty(&db, "after a dry run").await;

    let out = import(&db, &clean(), &[]);
    assert_succeeded(&out, "imported:");
    assert_eq!(row_counts(&db).await, [4, 12, 8, 22, 33, 1]);
}

async fn the_same_import_again_does_nothing_and_another_is_refused(engine: Engine) {
    let db = TestDb::new(engine).await;
    assert_succeeded(&import(&db, &clean(), &[]), "imported:");
    let before = row_counts(&db).await;
    assert_eq!(before, [4, 12, 8, 22, 33, 1]);

    let again = import(&db, &clean(), &[]);
    assert_succeeded(&again, "already imported on ");
    assert!(
        stdout(&again).contains("from the same files: nothing was done"),
        "{}",
        stdout(&again)
    );
    assert_eq!(row_counts(&db).await, before);

    let other = import(&db, &broken("duplicate-phone"), &["--on-duplicate", "skip"]);
    assert!(!other.status.success(), "{}", stdout(&other));
    assert!(
        stderr(&other).contains("already holds data"),
        "{}",
        stderr(&other)
    );
    assert!(!stdout(&other).contains("imported"), "{}", stdout(&other));
    assert_eq!(row_counts(&db).await, before);
}
