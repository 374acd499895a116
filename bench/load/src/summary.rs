//! The figures of a run: per operation, throughput, status codes and latency
//! percentiles, printed as a Markdown table and written as JSON to `LOAD_SUMMARY`.

use std::time::Duration;

use goose::metrics::{GooseMetrics, GooseRequestMetricAggregate, GooseRequestMetricTimingData};
use serde_json::{json, Value};

const PERCENTS: [f64; 3] = [0.50, 0.90, 0.99];

pub fn report(
    ops: &str,
    metrics: &GooseMetrics,
    logins: Option<Vec<(u16, Duration)>>,
) -> anyhow::Result<()> {
    let seconds = metrics.duration.max(1) as f64;
    let timed = metrics
        .requests
        .iter()
        .map(|(name, r)| Ok((name, r, run_times(metrics, &r.path)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut rows: Vec<Value> = timed
        .iter()
        .map(|(name, r, times)| operation(name, r, times, seconds))
        .collect();
    rows.sort_by(|a, b| a["operation"].as_str().cmp(&b["operation"].as_str()));
    let all = whole(&timed, seconds);
    println!("\n| {ops} | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | statuses |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for row in rows.iter().chain(std::iter::once(&all)) {
        println!("{}", table_row(row));
    }
    let burst = logins.map(|times| burst_figures(&times));
    if let Some(burst) = &burst {
        println!("\nlogin bursts: {burst}");
    }
    if let Ok(path) = std::env::var("LOAD_SUMMARY") {
        let summary = json!({
            "ops": ops,
            "seconds": seconds,
            "operations": rows,
            "all": all,
            "loginBursts": burst,
        });
        std::fs::write(path, serde_json::to_string_pretty(&summary)?)?;
    }
    Ok(())
}

/// A request's times from the send to the end of its answer: those of the transaction
/// that made it and read it (named alike, see `ops::scenario`). Goose's own request times
/// stop at the answer's headers.
fn run_times<'a>(
    metrics: &'a GooseMetrics,
    name: &str,
) -> anyhow::Result<&'a GooseRequestMetricTimingData> {
    metrics
        .transactions
        .iter()
        .flatten()
        .find(|t| t.transaction_name.name_for_transaction() == name)
        .map(|t| &t.run_times)
        .ok_or_else(|| anyhow::anyhow!("no transaction times for {name:?}"))
}

/// A request's name and figures, and its transaction's times.
type Timed<'a> = (
    &'a String,
    &'a GooseRequestMetricAggregate,
    &'a GooseRequestMetricTimingData,
);

fn operation(
    name: &str,
    r: &GooseRequestMetricAggregate,
    times: &GooseRequestMetricTimingData,
    seconds: f64,
) -> Value {
    let buckets = sorted(std::iter::once(times));
    let count = r.raw_data.counter;
    figures(
        name,
        &buckets,
        count,
        &statuses(&[r]),
        seconds,
        times.maximum_time_us,
    )
}

fn whole(timed: &[Timed], seconds: f64) -> Value {
    let times = sorted(timed.iter().map(|(_, _, t)| *t));
    let max = timed
        .iter()
        .map(|(_, _, t)| t.maximum_time_us)
        .max()
        .unwrap_or(0);
    let requests: Vec<&GooseRequestMetricAggregate> = timed.iter().map(|(_, r, _)| *r).collect();
    let count = requests.iter().map(|r| r.raw_data.counter).sum();
    figures("all", &times, count, &statuses(&requests), seconds, max)
}

/// The buckets of all `times` together, fastest first.
fn sorted<'a>(times: impl Iterator<Item = &'a GooseRequestMetricTimingData>) -> Vec<(u64, usize)> {
    let mut buckets: Vec<(u64, usize)> = times
        .flat_map(|t| t.times_us.iter().map(|(us, n)| (*us, *n)))
        .collect();
    buckets.sort_unstable();
    buckets
}

fn statuses(requests: &[&GooseRequestMetricAggregate]) -> Value {
    let mut counts = std::collections::BTreeMap::<u16, usize>::new();
    for r in requests {
        for (code, n) in &r.status_code_counts {
            *counts.entry(*code).or_default() += n;
        }
    }
    json!(counts)
}

/// `count` requests in `seconds`, and the percentiles of their `times` (buckets,
/// fastest first; the transactions' last few may be missing from them, cut off by the
/// end of the run).
fn figures(
    name: &str,
    times: &[(u64, usize)],
    count: usize,
    statuses: &Value,
    seconds: f64,
    max_us: u64,
) -> Value {
    let timed: usize = times.iter().map(|(_, n)| n).sum();
    let ms = |us: u64| us as f64 / 1000.0;
    json!({
        "operation": name,
        "requests": count,
        "perSecond": count as f64 / seconds,
        "p50": ms(percentile(times, timed, PERCENTS[0])),
        "p90": ms(percentile(times, timed, PERCENTS[1])),
        "p99": ms(percentile(times, timed, PERCENTS[2])),
        "max": ms(max_us),
        "statuses": statuses,
    })
}

/// The bucket time at or under which `percent` of the `count` times fall; `times`
/// fastest first.
fn percentile(times: &[(u64, usize)], count: usize, percent: f64) -> u64 {
    let rank = ((count as f64) * percent).ceil() as usize;
    let mut seen = 0;
    for &(time, n) in times {
        seen += n;
        if seen >= rank.max(1) {
            return time;
        }
    }
    0
}

fn table_row(row: &Value) -> String {
    format!(
        "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} | {} |",
        row["operation"].as_str().unwrap_or_default(),
        row["requests"],
        row["perSecond"].as_f64().unwrap_or_default(),
        row["p50"].as_f64().unwrap_or_default(),
        row["p90"].as_f64().unwrap_or_default(),
        row["p99"].as_f64().unwrap_or_default(),
        row["max"].as_f64().unwrap_or_default(),
        row["statuses"],
    )
}

fn burst_figures(times: &[(u16, Duration)]) -> Value {
    let mut us: Vec<(u64, usize)> = times
        .iter()
        .map(|(_, d)| (d.as_micros() as u64, 1))
        .collect();
    us.sort_unstable();
    let ok = times.iter().filter(|(s, _)| *s == 200).count();
    json!({
        "logins": times.len(),
        "ok": ok,
        "p50": percentile(&us, us.len(), 0.5) as f64 / 1000.0,
        "p99": percentile(&us, us.len(), 0.99) as f64 / 1000.0,
    })
}
