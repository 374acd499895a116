//! The desk workload of issue 10 against a running `locacar`, driven by goose.
//!
//! `LOAD_OPS` picks what each simulated desk does: `mixed` (the mix: 30 %
//! available cars, 20 % list pages, 20 % one reservation, 10 % client search, 10 %
//! bookings, 5 % status changes, 5 % payments) or one operation alone (`available`,
//! `list`, `get`, `search`, `create`, `status`, `payment`). `LOAD_LOGIN_BURST=N`
//! fires N logins at once every two seconds while the desks work. Goose's own options
//! (`--users`, `--run-time`, `--host`, …) come on the command line; the figures go to
//! standard output and, as JSON, to `LOAD_SUMMARY` when it is set. `LOAD_FIXTURE_HOST`
//! reads the fixture from another server than the one attacked (see [`fixture_host`]).

mod data;
mod ops;
mod summary;

use std::sync::Arc;

use goose::prelude::*;

use data::Fixture;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let ops = std::env::var("LOAD_OPS").unwrap_or_else(|_| "mixed".into());
    let attack = GooseAttack::initialize()?;
    let host = attack_host()?;
    let source = fixture_host(&host);
    let burst = burst_size()?;
    let desks = desks()?;
    data::make_desks(&source, 0..desks).await?;
    if let Some(n) = burst {
        data::make_desks(&host, ops::BURST_FIRST..ops::BURST_FIRST + n).await?;
    }
    let fixture = Arc::new(Fixture::load(&source, &ops, desks).await?);
    eprintln!(
        "fixture: {} cars, {} clients, {} reservations ({} payable)",
        fixture.cars.len(),
        fixture.clients.len(),
        fixture.reservations.len(),
        fixture.payable.len()
    );
    data::install(fixture);
    let burst = burst.map(|n| tokio::spawn(ops::login_bursts(host.clone(), n)));
    let metrics = attack
        .register_scenario(ops::scenario(&ops)?)
        .set_default(GooseDefault::NoResetMetrics, false)?
        .execute()
        .await?;
    let logins = match burst {
        Some(task) => {
            task.abort();
            Some(ops::burst_times())
        }
        None => None,
    };
    summary::report(&ops, &metrics, logins)
}

/// The `--host` given to goose, which the fixture is read from too unless
/// `LOAD_FIXTURE_HOST` is set.
fn attack_host() -> anyhow::Result<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--host" || a == "-H")
        .and_then(|i| args.get(i + 1).cloned())
        .ok_or_else(|| anyhow::anyhow!("give the server with --host http://127.0.0.1:PORT"))
}

/// Where the fixture (desk accounts, their sessions, the lists of cars, clients and
/// reservations) is read from: `LOAD_FIXTURE_HOST`, else the attacked server. The bare
/// server (bench/baseline) has no accounts, no sessions and no balances to list payable
/// reservations by, so its mix is read through a locacar serving its own copy of the
/// same seeded file (the same ids), exactly as locacar's own mix reads it, rather than
/// taught to fake them; the bare server ignores the desks' session cookies.
fn fixture_host(host: &str) -> String {
    std::env::var("LOAD_FIXTURE_HOST").unwrap_or_else(|_| host.to_owned())
}

/// How many desks goose will start (its `--users`).
fn desks() -> anyhow::Result<usize> {
    let args: Vec<String> = std::env::args().collect();
    let users = args
        .iter()
        .position(|a| a == "--users" || a == "-u")
        .and_then(|i| args.get(i + 1))
        .ok_or_else(|| anyhow::anyhow!("give the number of desks with --users N"))?;
    Ok(users.parse()?)
}

fn burst_size() -> anyhow::Result<Option<usize>> {
    match std::env::var("LOAD_LOGIN_BURST") {
        Ok(n) => Ok(Some(n.parse()?)),
        Err(_) => Ok(None),
    }
}
