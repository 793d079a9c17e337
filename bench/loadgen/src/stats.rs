//! Latency histograms, precise pacing and process CPU/RSS readings.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Microsecond histogram from 1 µs to 10 minutes, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

pub fn record(h: &mut Histogram<u64>, d: Duration) {
    h.saturating_record((d.as_micros() as u64).max(1));
}

fn ms(us: u64) -> f64 {
    (us as f64 / 1000.0 * 1000.0).round() / 1000.0
}

/// p50/p90/p99/p99.9/max in milliseconds.
pub fn summary(h: &Histogram<u64>) -> Value {
    if h.is_empty() {
        return json!({"count": 0});
    }
    json!({
        "count": h.len(),
        "p50_ms": ms(h.value_at_quantile(0.50)),
        "p90_ms": ms(h.value_at_quantile(0.90)),
        "p99_ms": ms(h.value_at_quantile(0.99)),
        "p999_ms": ms(h.value_at_quantile(0.999)),
        "max_ms": ms(h.max()),
        "mean_ms": (h.mean() / 1000.0 * 1000.0).round() / 1000.0,
    })
}

/// One human-readable table row for a latency summary.
pub fn row(name: &str, s: &Value) -> String {
    let f = |k: &str| s.get(k).and_then(Value::as_f64).map(|v| format!("{v:.3}")).unwrap_or("-".into());
    format!(
        "| {name:<22} | {:>9} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8} |",
        s.get("count").and_then(Value::as_u64).unwrap_or(0),
        f("p50_ms"),
        f("p90_ms"),
        f("p99_ms"),
        f("p999_ms"),
        f("max_ms")
    )
}

pub const TABLE_HEAD: &str = "| latency                |     count |  p50 ms  |  p90 ms  |  p99 ms  | p99.9 ms |  max ms  |\n|---|---|---|---|---|---|---|";

/// Waits until `deadline` with sub-millisecond precision. tokio's timer has 1 ms granularity and fires
/// late under load, so it only covers the coarse part; the last stretch yields to the runtime in a loop,
/// which keeps this thread's I/O tasks running while we keep checking the clock.
pub async fn until(deadline: Instant) {
    const COARSE: Duration = Duration::from_micros(1500);
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        if deadline - now > COARSE + Duration::from_micros(500) {
            tokio::time::sleep_until((deadline - COARSE).into()).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
}

/// user+system CPU seconds of a process (`self` or a pid), from /proc/PID/stat.
pub fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    let path = pid.map(|p| format!("/proc/{p}/stat")).unwrap_or("/proc/self/stat".into());
    let s = std::fs::read_to_string(path).ok()?;
    // fields after the ")" that closes the command name: state is field 3, utime 14, stime 15
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Non-idle CPU seconds of the whole machine (all CPUs), from /proc/stat. Minus the server's and the
/// generator's own CPU this is the load other processes put on the machine during a measurement.
pub fn machine_busy_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/stat").ok()?;
    let f: Vec<f64> = s.lines().next()?.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    let busy = f.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum::<f64>();
    Some(busy / 100.0)
}

/// Percent of one CPU that processes other than `pid` and this one used between two readings.
pub fn other_cpu_pct(m0: Option<f64>, m1: Option<f64>, own: f64, secs: f64) -> Option<f64> {
    let other = m1? - m0? - own;
    Some((other.max(0.0) / secs.max(1e-9) * 100.0).round())
}
