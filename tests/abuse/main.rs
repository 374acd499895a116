//! Abuse tests: clients that misbehave on purpose, while a well-behaved one measures
//! what everybody else gets.
//!
//! Some run for minutes and hold thousands of sockets, so, like the fault tests, they are
//! not part of `cargo test` (this target has `test = false`): `scripts/test.sh` runs them
//! with `cargo test --test abuse -- --test-threads=2 --nocapture`.
//! `LOCACAR_ABUSE_SECONDS` shortens the long runs while working on them (CI uses the
//! sizes the tests state).

#[path = "../common/mod.rs"]
mod common;

mod guessing;
mod images;
mod malformed;
mod outbound;
mod slow_clients;

/// How long a timed run lasts: `default` unless `LOCACAR_ABUSE_SECONDS` says otherwise.
pub fn run_time(default: u64) -> std::time::Duration {
    common::seconds_from_env("LOCACAR_ABUSE_SECONDS", default)
}

/// The `q`-quantile (0–1) of `samples`, which it sorts.
pub fn quantile(samples: &mut [f64], q: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(f64::total_cmp);
    let rank = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}
