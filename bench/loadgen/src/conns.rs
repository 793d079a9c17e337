//! Connection setup: opening many visitor connections at a ramp rate (used by every mode), the
//! `--connect` benchmark (connections/s and handshake+hello->welcome latency) and `--idle` (density).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::net::{Endpoint, Frame, Reader, Target, Tx, Ws, spawn_writer, unwrap};
use crate::stats;

pub struct Opened {
    pub conns: Vec<Option<Ws>>,
    pub latency: hdrhistogram::Histogram<u64>,
    pub errors: Vec<String>,
    /// from the first connection attempt to the last welcome
    pub elapsed: Duration,
}

/// Visitor hello for connection `i`: the Switchboard hello of spec section 4, or the relay pairing hello.
pub fn visitor_hello(target: Target, i: usize) -> String {
    match target {
        Target::Switchboard => r#"{"type":"hello","v":1,"site":"default","visitor_token":null,"locale":"en-US","department":"support","identity":null}"#.into(),
        _ => format!(r#"{{"type":"hello","v":1,"role":"visitor","pair":"{i}"}}"#),
    }
}

/// Opens `n` visitor connections (numbered from `first`, for the source-address spread), starting one
/// every 1/`ramp` s (0: as fast as `concurrency` allows). Latency is handshake + hello -> welcome,
/// measured from the moment the attempt starts.
pub async fn open_visitors(ep: &Endpoint, n: usize, first: usize, ramp: f64, concurrency: usize) -> Opened {
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    let origin = Instant::now();
    for i in 0..n {
        if ramp > 0.0 {
            stats::until(origin + Duration::from_secs_f64(i as f64 / ramp)).await;
        }
        let permit = sem.clone().acquire_owned().await.unwrap();
        let ep = ep.clone();
        let hello = visitor_hello(ep.target, i);
        set.spawn(async move {
            let t0 = Instant::now();
            let r = async {
                let mut ws = ep.open("visitor", first + i).await?;
                ep.hello(&mut ws, hello).await?;
                Ok::<_, String>(ws)
            }
            .await;
            drop(permit);
            (i, r, t0.elapsed(), Instant::now())
        });
    }
    let mut conns: Vec<Option<Ws>> = (0..n).map(|_| None).collect();
    let mut latency = stats::histogram();
    let mut errors = Vec::new();
    let mut last = origin;
    while let Some(res) = set.join_next().await {
        let Ok((i, r, lat, done)) = res else { continue };
        match r {
            Ok(ws) => {
                stats::record(&mut latency, lat);
                last = last.max(done);
                conns[i] = Some(ws);
            }
            Err(e) => errors.push(e),
        }
    }
    Opened { conns, latency, errors, elapsed: last - origin }
}

/// Keeps a connection alive without traffic: answers Engine.IO pings (WebSocket pings are answered
/// by tungstenite itself while the stream is read) and discards everything else.
pub fn hold(target: Target, ws: Ws) -> Tx {
    let (sink, mut rd): (_, Reader) = ws.split();
    let tx = spawn_writer(sink);
    let tx2 = tx.clone();
    tokio::spawn(async move {
        while let Some(Ok(m)) = rd.next().await {
            if let Message::Text(t) = &m
                && let Frame::Ping = unwrap(target, t.as_str())
            {
                let _ = tx2.send(Message::text("3"));
            }
        }
    });
    tx
}

fn first_errors(errors: &[String]) -> Vec<&String> {
    errors.iter().take(5).collect()
}

/// `--connect N`: setup rate and latency; the connections are held until all are open, then closed.
pub async fn connect_bench(ep: &Endpoint, n: usize, ramp: f64, concurrency: usize, pid: Option<u32>) -> Value {
    let (g0, s0, m0) = (stats::cpu_secs(None), pid.and_then(|p| stats::cpu_secs(Some(p))), stats::machine_busy_secs());
    let o = open_visitors(ep, n, 0, ramp, concurrency).await;
    let (g1, s1, m1) = (stats::cpu_secs(None), pid.and_then(|p| stats::cpu_secs(Some(p))), stats::machine_busy_secs());
    let own = g1.zip(g0).map_or(0.0, |(b, a)| b - a) + s1.zip(s0).map_or(0.0, |(b, a)| b - a);
    // CPU share over the setup window: tells whether the server or the generator was the limit.
    let pct = |a: Option<f64>, b: Option<f64>| {
        a.zip(b).map(|(a, b)| ((b - a) / o.elapsed.as_secs_f64().max(1e-9) * 100.0).round())
    };
    let ok = o.conns.iter().filter(|c| c.is_some()).count();
    let rate = ok as f64 / o.elapsed.as_secs_f64().max(1e-9);
    let held: Vec<Tx> = o.conns.into_iter().flatten().map(|ws| hold(ep.target, ws)).collect();
    drop(held);
    json!({
        "mode": "connect", "target": format!("{:?}", ep.target).to_lowercase(), "requested": n, "opened": ok,
        "failed": o.errors.len(), "first_errors": first_errors(&o.errors), "elapsed_s": o.elapsed.as_secs_f64(),
        "conn_per_s": rate.round(), "ramp": ramp, "concurrency": concurrency,
        "latency": stats::summary(&o.latency), "pass": o.errors.is_empty(),
        "generator_cpu_pct": pct(g0, g1), "server_cpu_pct": pct(s0, s1),
        "other_cpu_pct": stats::other_cpu_pct(m0, m1, own, o.elapsed.as_secs_f64()),
    })
}

/// `--idle N`: opens N visitor connections, lets the server settle, and reads its RSS before and
/// after (from /proc/PID/status, pid given by the benchmark script) to get bytes per connection.
pub async fn idle_bench(
    ep: &Endpoint,
    n: usize,
    ramp: f64,
    concurrency: usize,
    pid: Option<u32>,
    hold_s: f64,
    watch: &crate::watch::Watch,
) -> Value {
    let before = pid.and_then(crate::net::rss_bytes);
    let wbefore = watch.rss();
    let o = open_visitors(ep, n, 0, ramp, concurrency).await;
    let ok = o.conns.iter().filter(|c| c.is_some()).count();
    let held: Vec<Tx> = o.conns.into_iter().flatten().map(|ws| hold(ep.target, ws)).collect();
    // Let the server finish any deferred work (store writes, allocator settling) before reading RSS.
    tokio::time::sleep(Duration::from_secs_f64(hold_s)).await;
    let after = pid.and_then(crate::net::rss_bytes);
    let wafter = watch.rss();
    let per_conn = match (before, after) {
        (Some(b), Some(a)) if ok > 0 => Some((a as f64 - b as f64) / ok as f64),
        _ => None,
    };
    drop(held);
    json!({
        "mode": "idle", "target": format!("{:?}", ep.target).to_lowercase(), "requested": n, "opened": ok,
        "failed": o.errors.len(), "first_errors": first_errors(&o.errors),
        "rss_before": before, "rss_after": after,
        "bytes_per_conn": per_conn.map(|v| v.round()), "kib_per_conn": per_conn.map(|v| (v / 1024.0 * 100.0).round() / 100.0),
        "setup_conn_per_s": (ok as f64 / o.elapsed.as_secs_f64().max(1e-9)).round(),
        "latency": stats::summary(&o.latency), "pass": o.errors.is_empty(),
        "procs": watch.rss_report(&wbefore, &wafter, ok),
    })
}
