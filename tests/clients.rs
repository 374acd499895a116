//! `/api/clients`: customers, kept by staff and removed by admins; phone, e-mail and
//! CIN rules, the phone look-up, lists, reservations and audit trail, on both engines.

mod common;

use common::{Api, Engine, Resp, TestApp};
use serde_json::{json, Value};

const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";

both_engines!(
    client_routes_follow_the_role_table,
    create_returns_the_client_registered_by_its_creator,
    create_requires_and_checks_every_field,
    server_owned_and_unknown_fields_are_refused,
    phone_email_and_cin_are_unique,
    concurrent_creates_of_one_phone_make_one_client,
    phone_filter_finds_a_number_typed_any_way,
    list_searches_sorts_and_pages_stably,
    update_changes_only_the_given_fields,
    reservations_of_a_client_are_an_empty_list,
    delete_removes_the_client,
    audit_records_one_entry_per_change,
);

// ---------------------------------------------------------------- helpers

fn client(first: &str, last: &str, phone: &str) -> Value {
    json!({"firstName": first, "lastName": last, "phone": phone})
}

/// Creates a client and returns it.
async fn create(api: &Api, body: Value) -> Value {
    let r = api.post("/api/clients", body).await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    r.body
}

async fn create_id(api: &Api, body: Value) -> String {
    id_of(&create(api, body).await)
}

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().expect("_id").to_owned()
}

async fn my_id(api: &Api) -> String {
    let r = api.get("/api/auth/status").await;
    assert_eq!(r.body["authenticated"], true, "{}", r.text);
    r.body["user"]["_id"].as_str().expect("_id").to_owned()
}

fn assert_invalid(r: &Resp, field: &str) {
    r.assert_error(422, "validation_failed");
    assert!(
        r.body["fields"].get(field).is_some(),
        "expected fields.{field}: {}",
        r.text
    );
}

fn assert_clash(r: &Resp, field: &str) {
    r.assert_error(409, "conflict");
    assert!(
        r.body["fields"].get(field).is_some(),
        "expected fields.{field}: {}",
        r.text
    );
}

/// The ids of a list response, in order.
fn ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id_of)
        .collect()
}

/// The ids a `GET /api/clients?{query}` finds, sorted, checking `total` on the way.
async fn found(api: &Api, query: &str) -> Vec<String> {
    let r = api.get(&format!("/api/clients?{query}")).await;
    let mut ids = ids(&r);
    assert_eq!(r.body["total"], ids.len(), "{query}: {}", r.text);
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Percent-encodes a query value (enough for phone numbers and names).
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn client_rows(app: &TestApp) -> i64 {
    app.db.count("SELECT COUNT(*) FROM clients").await
}

async fn client_audit_rows(app: &TestApp) -> i64 {
    app.db
        .count("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%CLIENT'")
        .await
}

// ---------------------------------------------------------------- access

async fn client_routes_follow_the_role_table(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let anonymous = app.api();

    // Anonymous callers reach nothing.
    let id = create_id(&admin, client("Amal", "Benali", "0612345678")).await;
    let one = format!("/api/clients/{id}");
    anonymous
        .get("/api/clients")
        .await
        .assert_error(401, "unauthenticated");
    anonymous
        .get(&one)
        .await
        .assert_error(401, "unauthenticated");
    anonymous
        .get(&format!("{one}/reservations"))
        .await
        .assert_error(401, "unauthenticated");
    anonymous
        .post("/api/clients", client("Eve", "Intruder", "0699999999"))
        .await
        .assert_error(401, "unauthenticated");
    anonymous
        .put(&one, json!({"notes": "x"}))
        .await
        .assert_error(401, "unauthenticated");
    anonymous
        .delete(&one)
        .await
        .assert_error(401, "unauthenticated");

    // Managers read, create and update, but do not delete.
    assert_eq!(manager.get("/api/clients").await.body["total"], 1);
    assert_eq!(manager.get(&one).await.status, 200);
    assert_eq!(
        manager.get(&format!("{one}/reservations")).await.status,
        200
    );
    let theirs = create_id(&manager, client("Karim", "Alaoui", "0622222222")).await;
    let r = manager
        .put(&one, json!({"notes": "Prefers automatic"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    manager.delete(&one).await.assert_error(403, "forbidden");
    manager
        .delete(&format!("/api/clients/{theirs}"))
        .await
        .assert_error(403, "forbidden");
    assert_eq!(client_rows(&app).await, 2);

    // Admins do everything.
    let r = admin.put(&one, json!({"notes": null})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(admin.delete(&one).await.status, 204);
    assert_eq!(
        admin.delete(&format!("/api/clients/{theirs}")).await.status,
        204
    );
    assert_eq!(client_rows(&app).await, 0);
}

// ---------------------------------------------------------------- create

async fn create_returns_the_client_registered_by_its_creator(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (manager, manager_id) = app.manager("mona").await;

    let r = manager
        .post(
            "/api/clients",
            json!({
                "firstName": "Amal",
                "lastName": "Benali",
                "phone": "06 12 34 56 78",
                "email": "amal.benali@example.ma",
                "driverLicenseNumber": "B-123456",
                "CIN": "AB123456",
                "notes": "Regular client",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut keys: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "CIN",
            "_id",
            "dateOfBirth",
            "driverLicenseNumber",
            "email",
            "firstName",
            "lastName",
            "licenseExpiryDate",
            "licenseIssueDate",
            "notes",
            "phone",
            "registeredAt",
            "registeredBy",
            "updatedAt",
            "updatedBy"
        ]
    );
    let id = id_of(&r.body);
    assert!(
        id.len() == 24
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "_id {id}"
    );
    assert_eq!(r.body["firstName"], "Amal");
    assert_eq!(r.body["lastName"], "Benali");
    assert_eq!(r.body["email"], "amal.benali@example.ma");
    assert_eq!(r.body["driverLicenseNumber"], "B-123456");
    assert_eq!(r.body["CIN"], "AB123456");
    assert_eq!(r.body["notes"], "Regular client");
    assert_eq!(r.body["registeredBy"], manager_id.as_str());
    assert_eq!(r.body["updatedBy"], manager_id.as_str());
    for field in ["registeredAt", "updatedAt"] {
        let at = r.body[field].as_str().unwrap();
        assert!(at.ends_with('Z'), "{field} {at}");
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
        let age = chrono::Utc::now().signed_duration_since(at);
        assert!(age.num_seconds().abs() < 60, "{field} {at}");
    }
    // The phone keeps its digits (however it is punctuated on display).
    let phone = r.body["phone"].as_str().unwrap();
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    assert_eq!(digits, "0612345678", "{phone}");
    let fetched = manager.get(&format!("/api/clients/{id}")).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text);
    assert_eq!(fetched.body, r.body);

    // Only the names and the phone are required; the rest is null when not given.
    let admin = app.admin().await;
    let admin_id = my_id(&admin).await;
    let r = admin
        .post(
            "/api/clients",
            client("Karim", "Alaoui", "+212 6 61 00 00 00"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for absent in ["email", "driverLicenseNumber", "CIN", "notes"] {
        assert_eq!(r.body[absent], Value::Null, "{absent}: {}", r.text);
    }
    assert_eq!(r.body["registeredBy"], admin_id.as_str());
    assert!(
        r.body["phone"].as_str().unwrap().starts_with('+'),
        "{}",
        r.text
    );
}

async fn create_requires_and_checks_every_field(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    let r = admin.post("/api/clients", json!({})).await;
    for field in ["firstName", "lastName", "phone"] {
        assert_invalid(&r, field);
    }
    let r = admin
        .post(
            "/api/clients",
            json!({"firstName": "Amal", "lastName": "Benali"}),
        )
        .await;
    assert_invalid(&r, "phone");

    let bad: Vec<(&str, Value)> = vec![
        ("phone", json!("")),
        ("phone", json!("12345")),
        ("phone", json!("06 12 AB 56 78")),
        ("phone", json!("call me")),
        ("phone", json!("06+12345678")),
        ("phone", json!(612345678)),
        ("phone", json!(null)),
        ("email", json!("amal")),
        ("email", json!("amal@")),
        ("email", json!("@example.ma")),
        ("email", json!("amal@example")),
        ("email", json!("amal benali@example.ma")),
        ("email", json!("amal@@example.ma")),
        ("email", json!(42)),
        ("CIN", json!("AB")),
        ("CIN", json!("AB12345!")),
        ("CIN", json!(123456)),
        ("firstName", json!("")),
        ("firstName", json!("  ")),
        ("lastName", json!(null)),
        ("lastName", json!(["Benali"])),
        ("driverLicenseNumber", json!(123)),
        ("notes", json!({"text": "hi"})),
    ];
    for (field, value) in bad {
        let mut body = client("Amal", "Benali", "0612345678");
        body["email"] = json!("amal@example.ma");
        body[field] = value.clone();
        let r = admin.post("/api/clients", body).await;
        assert_eq!(r.status, 422, "{field} = {value}: {}", r.text);
        assert_invalid(&r, field);
    }
    assert_eq!(client_rows(&app).await, 0);

    // Phones from 6 digits, with an optional leading +, punctuated any way.
    for phone in [
        "061234",
        "+212612345678",
        "(0522) 12.34.56",
        "05-22-98-76-54",
    ] {
        create(&admin, client("Ok", "Phone", phone)).await;
    }
    // An e-mail address with sub-domains and plus-addressing.
    let mut body = client("Ok", "Email", "0633333333");
    body["email"] = json!("first.last+rent@mail.example.co.ma");
    create(&admin, body).await;
}

async fn server_owned_and_unknown_fields_are_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (_, manager_id) = app.manager("mona").await;
    let id = create_id(&admin, client("Amal", "Benali", "0612345678")).await;
    let path = format!("/api/clients/{id}");
    let original = admin.get(&path).await.body;

    for (field, value) in [
        ("registeredBy", json!(manager_id)),
        ("registeredAt", json!("2020-01-01T00:00:00Z")),
        ("updatedBy", json!(manager_id)),
        ("updatedAt", json!("2020-01-01T00:00:00Z")),
        ("_id", json!(UNKNOWN_ID)),
        // The JSON name is exactly "CIN".
        ("cin", json!("AB123456")),
        ("Cin", json!("AB123456")),
        ("first_name", json!("Eve")),
        ("reservations", json!([])),
    ] {
        let mut body = client("Eve", "Other", "0699999999");
        body[field] = value.clone();
        assert_invalid(&admin.post("/api/clients", body).await, field);
        let r = admin
            .put(&path, json!({ field: value, "notes": "changed" }))
            .await;
        assert_invalid(&r, field);
    }
    assert_eq!(client_rows(&app).await, 1);
    assert_eq!(admin.get(&path).await.body, original);
}

// ---------------------------------------------------------------- uniqueness

async fn phone_email_and_cin_are_unique(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let mut body = client("Amal", "Benali", "06 12 34 56 78");
    body["email"] = json!("Amal@Example.MA");
    body["CIN"] = json!("ab 123456");
    let amal = create_id(&admin, body).await;

    // The phone is compared without spaces, '-', '.' and parentheses.
    for phone in [
        "0612345678",
        "06-12-34-56-78",
        "06.12.34.56.78",
        "(06) 12 34 56 78",
        "0612-345-678",
    ] {
        let r = admin
            .post("/api/clients", client("Other", "Person", phone))
            .await;
        assert_clash(&r, "phone");
    }
    // The e-mail address without case.
    for email in ["amal@example.ma", "AMAL@EXAMPLE.MA"] {
        let mut body = client("Other", "Person", "0700000001");
        body["email"] = json!(email);
        assert_clash(&admin.post("/api/clients", body).await, "email");
    }
    // The CIN in its normal form: upper case, no spaces.
    for cin in ["AB123456", "ab123456", "AB 123 456"] {
        let mut body = client("Other", "Person", "0700000002");
        body["CIN"] = json!(cin);
        assert_clash(&admin.post("/api/clients", body).await, "CIN");
    }
    assert_eq!(client_rows(&app).await, 1);

    // A leading + is part of the number.
    create_id(&admin, client("Plus", "One", "+212612345678")).await;
    let r = admin
        .post("/api/clients", client("Plus", "Two", "+212 6-12-34-56-78"))
        .await;
    assert_clash(&r, "phone");
    create_id(&admin, client("No", "Plus", "212612345678")).await;

    // Clients without e-mail or CIN never clash on them.
    let karim = create_id(&admin, client("Karim", "Alaoui", "0622222222")).await;
    create_id(&admin, client("Sara", "Idrissi", "0633333333")).await;
    assert_eq!(client_rows(&app).await, 5);

    // Changes onto a taken phone, e-mail or CIN clash too.
    let path = format!("/api/clients/{karim}");
    assert_clash(
        &admin.put(&path, json!({"phone": "06.12.34.56.78"})).await,
        "phone",
    );
    assert_clash(
        &admin.put(&path, json!({"email": "AMAL@example.ma"})).await,
        "email",
    );
    assert_clash(&admin.put(&path, json!({"CIN": "Ab123456"})).await, "CIN");
    let r = admin.get(&path).await;
    assert_eq!(r.body["email"], Value::Null);
    assert_eq!(r.body["CIN"], Value::Null);
    assert!(
        r.body["phone"].as_str().unwrap().contains("22222"),
        "{}",
        r.text
    );

    // Re-typing one's own values is no clash.
    let r = admin
        .put(
            &format!("/api/clients/{amal}"),
            json!({"phone": "06-12-34-56-78", "email": "amal@example.ma", "CIN": "AB123456"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Once cleared, a value is free for someone else.
    let r = admin
        .put(
            &format!("/api/clients/{amal}"),
            json!({"email": null, "CIN": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin
        .put(
            &path,
            json!({"email": "amal@example.ma", "CIN": "AB123456"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn concurrent_creates_of_one_phone_make_one_client(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (manager, _) = app.manager("mona").await;
    let phones = [
        "0655555555",
        "06 55 55 55 55",
        "06-55-55-55-55",
        "06.55.55.55.55",
        "(06)55555555",
        "0655 555 555",
        "0655555555",
        "06 5555 5555",
    ];
    let responses = futures::future::join_all(
        phones
            .iter()
            .map(|p| manager.post("/api/clients", client("Same", "Phone", p))),
    )
    .await;
    let texts: Vec<&String> = responses.iter().map(|r| &r.text).collect();
    assert_eq!(
        responses.iter().filter(|r| r.status == 201).count(),
        1,
        "{texts:?}"
    );
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_clash(r, "phone");
    }
    assert_eq!(client_rows(&app).await, 1);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'CREATE_CLIENT'")
            .await,
        1
    );
}

// ---------------------------------------------------------------- list

async fn phone_filter_finds_a_number_typed_any_way(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (manager, _) = app.manager("mona").await;
    let amal = create_id(&manager, client("Amal", "Benali", "06 12 34 56 78")).await;
    let intl = create_id(&manager, client("Karim", "Alaoui", "+212 6 61 23 45 67")).await;
    create_id(&manager, client("Sara", "Idrissi", "0612345679")).await;

    for typed in [
        "06 12 34 56 78",
        "0612345678",
        "0612-345-678",
        "(06)12.34.56.78",
        " 06.12.34.56.78 ",
    ] {
        assert_eq!(
            found(&manager, &format!("phone={}", enc(typed))).await,
            std::slice::from_ref(&amal),
            "{typed}"
        );
    }
    for typed in ["+212661234567", "+212-661-23-45-67", "+212 (6) 61.23.45.67"] {
        assert_eq!(
            found(&manager, &format!("phone={}", enc(typed))).await,
            std::slice::from_ref(&intl),
            "{typed}"
        );
    }
    // The phone filter is an exact match, not a search.
    for typed in [
        "061234567",
        "0612",
        "612345678",
        "06123456789",
        "212661234567",
    ] {
        assert_eq!(
            found(&manager, &format!("phone={}", enc(typed))).await,
            Vec::<String>::new(),
            "{typed}"
        );
    }
}

async fn list_searches_sorts_and_pages_stably(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let mut body = client("Amal", "Benali", "0612345678");
    body["email"] = json!("amal.b@example.ma");
    body["CIN"] = json!("AB123456");
    let amal = create_id(&admin, body).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mut body = client("Karim", "Zeroual", "0622222222");
    body["email"] = json!("karim@mail.ma");
    body["CIN"] = json!("CD987654");
    let karim = create_id(&admin, body).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let sara = create_id(&admin, client("Sara", "Alaoui", "0533445566")).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let youssef = create_id(&admin, client("Youssef", "Benali", "0700112233")).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let nadia = create_id(&admin, client("Nadia", "Chraibi", "0644556677")).await;

    // q: first or last name, phone, e-mail or CIN, without case, anywhere.
    assert_eq!(found(&admin, "q=AMAL").await, std::slice::from_ref(&amal));
    assert_eq!(found(&admin, "q=benali").await, sorted(&[&amal, &youssef]));
    assert_eq!(found(&admin, "q=zero").await, std::slice::from_ref(&karim));
    assert_eq!(found(&admin, "q=33445").await, std::slice::from_ref(&sara));
    assert_eq!(
        found(&admin, "q=0700").await,
        std::slice::from_ref(&youssef)
    );
    assert_eq!(
        found(&admin, "q=MAIL.MA").await,
        std::slice::from_ref(&karim)
    );
    assert_eq!(
        found(&admin, "q=example").await,
        std::slice::from_ref(&amal)
    );
    assert_eq!(
        found(&admin, "q=cd9876").await,
        std::slice::from_ref(&karim)
    );
    assert_eq!(
        found(&admin, "q=ab123456").await,
        std::slice::from_ref(&amal)
    );
    assert_eq!(found(&admin, "q=nobody").await, Vec::<String>::new());
    assert_eq!(found(&admin, "q=%25").await, Vec::<String>::new());
    assert_eq!(found(&admin, "q=_").await, Vec::<String>::new());
    // Filters combine.
    assert_eq!(
        found(&admin, "q=benali&phone=07%2000%2011%2022%2033").await,
        std::slice::from_ref(&youssef)
    );
    assert_eq!(
        found(&admin, "q=amal&phone=0700112233").await,
        Vec::<String>::new()
    );

    // Sorting.
    let order = |sort: &'static str| {
        let admin = admin.clone();
        async move { ids(&admin.get(&format!("/api/clients?sort={sort}")).await) }
    };
    let by_last = order("lastName").await;
    assert_eq!(by_last[0], sara);
    assert_eq!(
        sorted(&[&by_last[1], &by_last[2]]),
        sorted(&[&amal, &youssef])
    );
    assert_eq!(&by_last[3..], [nadia.clone(), karim.clone()]);
    let by_last_desc = order("-lastName").await;
    assert_eq!(&by_last_desc[..2], [karim.clone(), nadia.clone()]);
    assert_eq!(by_last_desc[4], sara);
    assert_eq!(
        order("registeredAt").await,
        [
            amal.clone(),
            karim.clone(),
            sara.clone(),
            youssef.clone(),
            nadia.clone()
        ]
    );
    assert_eq!(
        order("-registeredAt").await,
        [
            nadia.clone(),
            youssef.clone(),
            sara.clone(),
            karim.clone(),
            amal.clone()
        ]
    );

    // Equal sort keys: pages neither repeat nor skip anyone, and follow the
    // order of the whole list.
    app.db
        .execute("UPDATE clients SET registered_at = 1700000000000")
        .await;
    for sort in ["lastName", "-lastName", "registeredAt", "-registeredAt"] {
        let whole = ids(&admin
            .get(&format!("/api/clients?sort={sort}&perPage=100"))
            .await);
        assert_eq!(whole.len(), 5);
        for per_page in [1, 2] {
            let mut paged = Vec::new();
            for page in 1..=(5 / per_page + 1) {
                let r = admin
                    .get(&format!(
                        "/api/clients?sort={sort}&perPage={per_page}&page={page}"
                    ))
                    .await;
                assert_eq!(r.body["total"], 5, "{}", r.text);
                assert_eq!(r.body["page"], page);
                assert_eq!(r.body["perPage"], per_page);
                paged.extend(ids(&r));
            }
            assert_eq!(paged, whole, "sort={sort} perPage={per_page}");
        }
    }
    let r = admin.get("/api/clients").await;
    assert_eq!(r.body["page"], 1, "{}", r.text);
    assert_eq!(r.body["perPage"], 20);
    assert_eq!(r.body["total"], 5);

    // Bad parameters are 400 naming the parameter.
    for (query, param) in [
        ("sort=firstName", "sort"),
        ("sort=phone", "sort"),
        ("sort=-", "sort"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("perPage=0", "perPage"),
        ("perPage=101", "perPage"),
    ] {
        let r = admin.get(&format!("/api/clients?{query}")).await;
        r.assert_error(400, "bad_request");
        assert!(
            r.body["error"].as_str().unwrap().contains(param),
            "{query}: the error should name {param}: {}",
            r.text
        );
    }
}

// ---------------------------------------------------------------- update

async fn update_changes_only_the_given_fields(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, manager_id) = app.manager("mona").await;
    let admin_id = my_id(&admin).await;
    let original = create(
        &admin,
        json!({
            "firstName": "Amal", "lastName": "Benali", "phone": "0612345678",
            "email": "amal@example.ma", "driverLicenseNumber": "B-123456",
            "CIN": "AB123456", "notes": "VIP",
        }),
    )
    .await;
    let id = id_of(&original);
    let path = format!("/api/clients/{id}");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    let r = manager
        .put(&path, json!({"lastName": "Benali-Idrissi"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["lastName"], "Benali-Idrissi");
    for (key, value) in original.as_object().unwrap() {
        if !["lastName", "updatedAt", "updatedBy"].contains(&key.as_str()) {
            assert_eq!(&r.body[key], value, "{key} changed: {}", r.text);
        }
    }
    assert_ne!(r.body["updatedAt"], original["updatedAt"]);
    assert_eq!(r.body["updatedBy"], manager_id.as_str());
    assert_eq!(r.body["registeredBy"], admin_id.as_str());
    assert_eq!(admin.get(&path).await.body, r.body);

    // null clears each optional field.
    let r = manager
        .put(
            &path,
            json!({"email": null, "CIN": null, "driverLicenseNumber": null, "notes": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for cleared in ["email", "CIN", "driverLicenseNumber", "notes"] {
        assert_eq!(r.body[cleared], Value::Null, "{cleared}: {}", r.text);
    }
    let stored = admin.get(&path).await.body;
    assert_eq!(stored, r.body);
    assert_eq!(stored["firstName"], "Amal");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM clients WHERE id = '{id}' AND email IS NULL AND cin IS NULL \
                 AND driver_license_number IS NULL AND notes IS NULL"
            ))
            .await,
        1
    );

    // null on a required field is invalid, and one bad field spoils the change.
    for field in ["firstName", "lastName", "phone"] {
        let r = admin.put(&path, json!({ field: null, "notes": "x" })).await;
        assert_invalid(&r, field);
    }
    assert_invalid(
        &admin
            .put(&path, json!({"notes": "x", "email": "not-an-address"}))
            .await,
        "email",
    );
    assert_invalid(
        &admin
            .put(&path, json!({"notes": "x", "phone": "123"}))
            .await,
        "phone",
    );
    assert_eq!(admin.get(&path).await.body, stored);

    // Values can be set again; the driver's licence is needed only at pick-up.
    let r = admin
        .put(
            &path,
            json!({"driverLicenseNumber": "C-7777", "email": "amal.new@example.ma", "phone": "0611111111"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["driverLicenseNumber"], "C-7777");
    assert_eq!(r.body["email"], "amal.new@example.ma");
    assert_eq!(r.body["updatedBy"], admin_id.as_str());
    // The old phone no longer finds the client; the new one does.
    assert_eq!(
        found(&admin, "phone=0612345678").await,
        Vec::<String>::new()
    );
    assert_eq!(
        found(&admin, "phone=06-11-11-11-11").await,
        std::slice::from_ref(&id)
    );

    // An empty change changes nothing.
    let now = admin.get(&path).await.body;
    let r = admin.put(&path, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, now);
}

async fn reservations_of_a_client_are_an_empty_list(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (manager, _) = app.manager("mona").await;
    let id = create_id(&manager, client("Amal", "Benali", "0612345678")).await;

    let r = manager
        .get(&format!("/api/clients/{id}/reservations"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["items"], json!([]));
    assert_eq!(r.body["total"], 0);
    assert_eq!(r.body["page"], 1);
    assert_eq!(r.body["perPage"], 20);

    manager
        .get(&format!("/api/clients/{UNKNOWN_ID}/reservations"))
        .await
        .assert_error(404, "not_found");
    manager
        .get("/api/clients/nothex/reservations")
        .await
        .assert_error(400, "bad_request");
    // A car id is not a client id.
    let admin = app.admin().await;
    let car = admin
        .post(
            "/api/cars",
            json!({"make": "Kia", "model": "Rio", "year": 2020, "licensePlate": "1-A-1",
                   "vin": "VF1RFB00X66123456", "dailyRate": 200}),
        )
        .await;
    assert_eq!(car.status, 201, "{}", car.text);
    manager
        .get(&format!("/api/clients/{}/reservations", id_of(&car.body)))
        .await
        .assert_error(404, "not_found");
}

async fn delete_removes_the_client(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let mut body = client("Amal", "Benali", "0612345678");
    body["email"] = json!("amal@example.ma");
    body["CIN"] = json!("AB123456");
    let id = create_id(&admin, body.clone()).await;
    let kept = create_id(&admin, client("Karim", "Alaoui", "0622222222")).await;
    let path = format!("/api/clients/{id}");

    let r = admin.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty(), "{}", r.text);
    admin.get(&path).await.assert_error(404, "not_found");
    admin.delete(&path).await.assert_error(404, "not_found");
    admin
        .put(&path, json!({"notes": "x"}))
        .await
        .assert_error(404, "not_found");
    admin
        .get(&format!("{path}/reservations"))
        .await
        .assert_error(404, "not_found");
    assert_eq!(ids(&admin.get("/api/clients").await), [kept]);
    for bad in ["nothex", "123"] {
        admin
            .delete(&format!("/api/clients/{bad}"))
            .await
            .assert_error(400, "bad_request");
    }

    // Phone, e-mail and CIN are free again.
    create(&admin, body).await;
}

// ---------------------------------------------------------------- audit

async fn audit_records_one_entry_per_change(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, manager_id) = app.manager("mona").await;
    let admin_id = my_id(&admin).await;
    let id = create_id(&manager, client("Amal", "Benali", "0612345678")).await;
    create_id(&manager, client("Karim", "Alaoui", "0622222222")).await;
    let path = format!("/api/clients/{id}");

    let column = |action: &'static str, column: &'static str| {
        let (app, id) = (&app, id.clone());
        async move {
            let rows = app
                .db
                .texts(&format!(
                    "SELECT COALESCE({column}, '') FROM audit_log WHERE action = '{action}' AND entity_id = '{id}'"
                ))
                .await;
            assert_eq!(rows.len(), 1, "{action}: {rows:?}");
            rows.into_iter().next().unwrap()
        }
    };
    let json_of = |text: String| -> Value {
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON")
        }
    };

    assert_eq!(column("CREATE_CLIENT", "entity_type").await, "Client");
    assert_eq!(column("CREATE_CLIENT", "user_id").await, manager_id);
    assert_eq!(column("CREATE_CLIENT", "user_username").await, "mona");
    assert_eq!(
        json_of(column("CREATE_CLIENT", "before").await),
        Value::Null
    );
    assert_eq!(
        json_of(column("CREATE_CLIENT", "after").await)["lastName"],
        "Benali"
    );

    let r = manager
        .put(&path, json!({"email": "amal@example.ma"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(column("UPDATE_CLIENT", "entity_type").await, "Client");
    assert_eq!(column("UPDATE_CLIENT", "user_id").await, manager_id);
    assert_eq!(
        json_of(column("UPDATE_CLIENT", "before").await)["email"],
        Value::Null
    );
    assert_eq!(
        json_of(column("UPDATE_CLIENT", "after").await)["email"],
        "amal@example.ma"
    );
    let details = json_of(column("UPDATE_CLIENT", "details").await);
    let changed = details["changedFields"].as_array().expect("changedFields");
    assert!(changed.contains(&json!("email")), "{details}");
    assert!(!changed.contains(&json!("phone")), "{details}");

    // Failed changes leave no entry.
    let before = client_audit_rows(&app).await;
    assert_clash(
        &manager
            .post("/api/clients", client("Dup", "Phone", "06 12 34 56 78"))
            .await,
        "phone",
    );
    assert_invalid(
        &manager
            .post("/api/clients", client("Bad", "Phone", "123"))
            .await,
        "phone",
    );
    assert_clash(
        &manager.put(&path, json!({"phone": "0622222222"})).await,
        "phone",
    );
    assert_invalid(
        &manager.put(&path, json!({"firstName": null})).await,
        "firstName",
    );
    manager.delete(&path).await.assert_error(403, "forbidden");
    admin
        .delete(&format!("/api/clients/{UNKNOWN_ID}"))
        .await
        .assert_error(404, "not_found");
    assert_eq!(manager.put(&path, json!({})).await.status, 200);
    assert_eq!(client_audit_rows(&app).await, before);

    assert_eq!(admin.delete(&path).await.status, 204);
    assert_eq!(column("DELETE_CLIENT", "entity_type").await, "Client");
    assert_eq!(column("DELETE_CLIENT", "user_id").await, admin_id);
    assert_eq!(
        json_of(column("DELETE_CLIENT", "before").await)["email"],
        "amal@example.ma"
    );
    assert_eq!(json_of(column("DELETE_CLIENT", "after").await), Value::Null);
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity_id = '{id}'"
            ))
            .await,
        3
    );
}
