//! The figures of a run: per operation, throughput, status codes and latency
//! percentiles, printed as a Markdown table and written as JSON to `LOAD_SUMMARY`.

use std::time::Duration;

use goose::metrics::{GooseMetrics, GooseRequestMetricAggregate};
use serde_json::{json, Value};

const PERCENTS: [f64; 3] = [0.50, 0.90, 0.99];

pub fn report(
    ops: &str,
    metrics: &GooseMetrics,
    logins: Option<Vec<(u16, Duration)>>,
) -> anyhow::Result<()> {
    let seconds = metrics.duration.max(1) as f64;
    let mut rows: Vec<Value> = metrics
        .requests
        .iter()
        .filter(|(_, r)| !r.path.ends_with("/auth/login"))
        .map(|(name, r)| operation(name, r, seconds))
        .collect();
    rows.sort_by(|a, b| a["operation"].as_str().cmp(&b["operation"].as_str()));
    let all = whole(metrics, seconds);
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

fn operation(name: &str, r: &GooseRequestMetricAggregate, seconds: f64) -> Value {
    let mut times: Vec<(u64, usize)> = r.raw_data.times_us.iter().map(|(t, n)| (*t, *n)).collect();
    times.sort_unstable();
    figures(
        name,
        &times,
        &statuses(&[r]),
        seconds,
        r.raw_data.maximum_time_us,
    )
}

fn whole(metrics: &GooseMetrics, seconds: f64) -> Value {
    let desk: Vec<&GooseRequestMetricAggregate> = metrics
        .requests
        .values()
        .filter(|r| !r.path.ends_with("/auth/login"))
        .collect();
    let mut times: Vec<(u64, usize)> = desk
        .iter()
        .flat_map(|r| r.raw_data.times_us.iter().map(|(t, n)| (*t, *n)))
        .collect();
    times.sort_unstable();
    let max = desk
        .iter()
        .map(|r| r.raw_data.maximum_time_us)
        .max()
        .unwrap_or(0);
    figures("all", &times, &statuses(&desk), seconds, max)
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

fn figures(
    name: &str,
    times: &[(u64, usize)],
    statuses: &Value,
    seconds: f64,
    max_us: u64,
) -> Value {
    let count: usize = times.iter().map(|(_, n)| n).sum();
    let ms = |us: u64| us as f64 / 1000.0;
    json!({
        "operation": name,
        "requests": count,
        "perSecond": count as f64 / seconds,
        "p50": ms(percentile(times, count, PERCENTS[0])),
        "p90": ms(percentile(times, count, PERCENTS[1])),
        "p99": ms(percentile(times, count, PERCENTS[2])),
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
