//! Abuse tests: clients that misbehave on purpose, while a well-behaved one measures
//! what everybody else gets.
//!
//! Some run for minutes and hold thousands of sockets, so, like the fault tests, they are
//! not part of `cargo test` (this target has `test = false`): `scripts/test.sh` runs them
//! with `cargo test --test abuse -- --test-threads=4 --nocapture` (the long ones wait on
//! their clients, not the CPU, so four at once finish in about the longest one's time).
//! `LOCACAR_ABUSE_SECONDS` shortens the long runs while working on them (CI uses the
//! sizes the tests state).

#[path = "../common/mod.rs"]
mod common;

mod bodies;
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

/// A `kB` figure (`VmRSS:`, `VmHWM:`) of a process from `/proc/<pid>/status`.
pub fn proc_kib(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

/// Starts a new peak-memory measurement: resets VmHWM to the current RSS if the kernel
/// lets us (clear_refs), and returns the baseline to measure growth from.
pub fn memory_baseline(pid: i32) -> u64 {
    if std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok() {
        proc_kib(pid, "VmRSS:")
    } else {
        // Without a reset the peak so far is the baseline: growth above it still shows.
        proc_kib(pid, "VmHWM:")
    }
}
