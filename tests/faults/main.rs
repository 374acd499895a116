//! Fault tests: long races across server processes, crashes and restarts.
//!
//! They take minutes, load every core and kill processes, so they are not part of
//! `cargo test` (this target has `test = false`): `scripts/test.sh` runs them after the
//! rest of the suite, two at a time (about 5 minutes on two cores), with
//! `cargo test --test faults -- --test-threads=2 --nocapture`. Every run prints its
//! random seed; `LOCACAR_FAULT_SEED` replays one, `LOCACAR_FAULT_SECONDS` shortens the
//! long runs while working on them (CI uses the sizes the tests state). They mount a
//! tmpfs and run PostgreSQL's own programs, so they expect to run as root, as CI does.

#[path = "../common/mod.rs"]
mod common;

mod all_or_nothing;
mod crash;
mod disk_full;
mod outage;
mod races;
mod startup;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

use common::{id_of, Api};

/// A random generator from a printed seed, so that a failing run can be replayed.
pub fn seeded(test: &str) -> StdRng {
    let seed = std::env::var("LOCACAR_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("{test}: seed {seed} (replay with LOCACAR_FAULT_SEED={seed})");
    StdRng::seed_from_u64(seed)
}

/// How long a timed run lasts: `default` unless `LOCACAR_FAULT_SECONDS` says otherwise.
pub fn run_time(default: u64) -> std::time::Duration {
    common::seconds_from_env("LOCACAR_FAULT_SECONDS", default)
}

/// `count` cars at `daily_rate`, created by `admin`; returns their ids.
pub async fn cars(admin: &Api, count: usize, daily_rate: u32) -> Vec<String> {
    let mut cars = Vec::new();
    for n in 0..count {
        let car = json!({
            "make": "Renault", "model": "Clio", "year": 2025,
            "licensePlate": format!("{}-C-{}", 30000 + n, n % 10),
            "vin": format!("VF1RJA00X6613{n:04}"),
            "dailyRate": daily_rate,
        });
        let r = admin.post("/api/cars", car).await;
        assert_eq!(r.status, 201, "create car: {}", r.text);
        cars.push(id_of(&r.body));
    }
    cars
}
