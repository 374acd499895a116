//! `locacar seed`: benchmark data that keeps every rule the server keeps.

mod common;

use common::{command, Engine, Server, TestDb};

both_engines!(seeded_data_keeps_the_rules_and_serves);

async fn seeded_data_keeps_the_rules_and_serves(engine: Engine) {
    let db = TestDb::new(engine).await;
    let out = command(&db)
        .args([
            "seed",
            "--branches",
            "3",
            "--cars",
            "20",
            "--clients",
            "50",
            "--reservations",
            "500",
        ])
        .output()
        .expect("run seed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("500 reservations"), "{stdout}");
    let overlapping = db
        .count(
            "SELECT COUNT(*) FROM reservations a JOIN reservations b \
             ON a.car_id = b.car_id AND a.id < b.id \
             AND a.start_at < b.end_at AND b.start_at < a.end_at \
             WHERE a.status IN ('pending_confirmation', 'confirmed', 'active') \
             AND b.status IN ('pending_confirmation', 'confirmed', 'active')",
        )
        .await;
    assert_eq!(overlapping, 0, "no two blocking bookings of a car overlap");
    let out_of_step = db
        .count(
            "SELECT COUNT(*) FROM cars c WHERE (c.status = 'rented') <> EXISTS \
             (SELECT 1 FROM reservations r WHERE r.car_id = c.id AND r.status = 'active')",
        )
        .await;
    assert_eq!(out_of_step, 0, "rented cars are exactly those on the road");
    let unpaid = db
        .count(
            "SELECT COUNT(*) FROM reservations r WHERE r.status = 'completed' AND \
             r.final_total <> (SELECT COALESCE(SUM(p.amount), 0) FROM payments p \
             WHERE p.reservation_id = r.id)",
        )
        .await;
    assert_eq!(unpaid, 0, "returned rentals are paid in full");

    // A second seed refuses a database that holds data.
    let again = command(&db).args(["seed"]).output().expect("run seed");
    assert!(!again.status.success());

    let server = Server::start(&db, &Default::default());
    let api = server.api();
    assert_eq!(api.login("manager", "manager123").await.status, 200);
    let list = api
        .get("/api/reservations?perPage=5&status=completed")
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(
        list.body["total"].as_i64().unwrap_or(0) > 300,
        "{}",
        list.text
    );
    let cars = api.get("/api/cars").await;
    assert_eq!(cars.body["total"], 20);
    let board = api.get("/api/dashboard").await;
    assert_eq!(board.status, 200, "{}", board.text);
}
