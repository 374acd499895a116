//! Password guessing spread over three servers: 1,000 wrong passwords for one account in
//! 60 s get at most 10 password checks in all (the rest 429), the owner's browser still
//! logs in during the attack, and another member of staff working meanwhile keeps a p99
//! under 200 ms.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::common::{Api, Engine, Options, TestApp, ADMIN_PASSWORD};
use crate::{quantile, run_time};

const GUESSES: usize = 1000;
/// LOCACAR_LOGIN_MAX_FAILURES's default.
const BUDGET: i64 = 10;

crate::both_engines!(guessing_over_three_servers_is_capped_without_locking_out_the_owner);

async fn guessing_over_three_servers_is_capped_without_locking_out_the_owner(engine: Engine) {
    let app = TestApp::start(engine).await;
    let others = [
        app.another_instance(&Options::default()),
        app.another_instance(&Options::default()),
    ];
    let servers = [app.api(), others[0].api(), others[1].api()];
    let owner = servers[2].clone();
    assert_eq!(owner.login("admin", ADMIN_PASSWORD).await.status, 200);
    owner.post("/api/auth/logout", serde_json::json!({})).await;
    let (desk, _) = app.manager("desk").await;
    let desk = desk.on(&servers[1].base);

    let duration = run_time(60);
    let started = Instant::now();
    let pace = duration / GUESSES as u32;
    let mut guesses = JoinSet::new();
    for n in 0..GUESSES {
        let guesser = Api::new(&servers[n % 3].base);
        guesses.spawn(async move {
            tokio::time::sleep(pace * n as u32).await;
            guesser
                .login("admin", &format!("guess-{n:04}"))
                .await
                .status
        });
    }
    let owner_midway = tokio::spawn(async move {
        tokio::time::sleep(duration / 2).await;
        owner.login("admin", ADMIN_PASSWORD).await.status
    });
    let mut latencies = Vec::new();
    while started.elapsed() < duration {
        let asked = Instant::now();
        let r = desk.get("/api/cars").await;
        assert_eq!(r.status, 200, "the desk's request failed: {}", r.text);
        latencies.push(asked.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let statuses: Vec<u16> = guesses.join_all().await;
    let owner_status = owner_midway.await.expect("owner");

    let refused = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    let checked = app
        .db
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'LOGIN_ATTEMPT_FAILURE'")
        .await;
    let p99 = quantile(&mut latencies, 0.99) * 1000.0;
    eprintln!(
        "guessing ({engine:?}): {GUESSES} guesses over 3 servers in {:.0} s: {refused} checked \
         and refused, {throttled} throttled; owner mid-attack: {owner_status}; desk: {} \
         requests, p99 {p99:.1} ms",
        started.elapsed().as_secs_f64(),
        latencies.len(),
    );
    assert_eq!(refused + throttled, GUESSES, "other statuses: {statuses:?}");
    assert!(refused as i64 <= BUDGET, "{refused} passwords checked");
    assert!(
        checked <= BUDGET,
        "{checked} failed checks in the audit log"
    );
    assert_eq!(owner_status, 200, "the owner was locked out");
    assert!(p99 < 200.0, "the desk's p99 was {p99:.1} ms");
}
