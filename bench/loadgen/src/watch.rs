//! `--watch NAME=PID,...` and `--redis HOST:PORT`: what a multi-process setup (bench/cluster.sh) spends
//! per routed message. CPU time of each named process over the traffic window (from /proc/PID/stat),
//! RSS of each around an idle run, and Redis commands over the traffic window (`CONFIG RESETSTAT`
//! before, `INFO commandstats` after).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddrV4, TcpStream};
use std::time::Duration;

use serde_json::{Value, json};

use crate::net::rss_bytes;
use crate::stats::cpu_secs;

#[derive(Clone, Debug, Default)]
pub struct Watch {
    pub procs: Vec<(String, u32)>,
    pub redis: Option<SocketAddrV4>,
}

impl Watch {
    pub fn parse(procs: Option<&str>, redis: Option<&str>) -> Result<Self, String> {
        let mut w = Watch::default();
        for item in procs.unwrap_or("").split(',').filter(|s| !s.is_empty()) {
            let (name, pid) = item.split_once('=').ok_or(format!("--watch wants NAME=PID, got {item}"))?;
            w.procs.push((name.to_string(), pid.parse().map_err(|e| format!("--watch {item}: {e}"))?));
        }
        if let Some(r) = redis {
            w.redis = Some(r.replace("localhost", "127.0.0.1").parse().map_err(|e| format!("--redis {r}: {e}"))?);
        }
        Ok(w)
    }

    pub fn cpu(&self) -> Vec<Option<f64>> {
        self.procs.iter().map(|(_, p)| cpu_secs(Some(*p))).collect()
    }

    pub fn rss(&self) -> Vec<Option<u64>> {
        self.procs.iter().map(|(_, p)| rss_bytes(*p)).collect()
    }

    /// Zeroes Redis's command statistics (the start of the window).
    pub fn redis_reset(&self) -> Result<(), String> {
        match self.redis {
            Some(a) => command(a, &["CONFIG", "RESETSTAT"]).map(drop),
            None => Ok(()),
        }
    }

    /// Per watched process: CPU seconds between two readings and µs per routed message; the sum.
    pub fn cpu_report(&self, before: &[Option<f64>], after: &[Option<f64>], msgs: u64) -> (Value, f64) {
        let mut total = 0.0;
        let rows: Vec<Value> = self
            .procs
            .iter()
            .zip(before.iter().zip(after))
            .map(|((name, pid), (a, b))| {
                let d = a.zip(*b).map(|(a, b)| b - a);
                total += d.unwrap_or(0.0);
                json!({"name": name, "pid": pid, "cpu_s": d.map(|d| (d * 100.0).round() / 100.0),
                    "cpu_us_per_msg": d.filter(|_| msgs > 0).map(|d| (d / msgs as f64 * 1e7).round() / 10.0)})
            })
            .collect();
        (Value::from(rows), total)
    }

    /// Per watched process: RSS before and after `n` idle connections, KiB per connection.
    pub fn rss_report(&self, before: &[Option<u64>], after: &[Option<u64>], n: usize) -> Value {
        let rows: Vec<Value> = self
            .procs
            .iter()
            .zip(before.iter().zip(after))
            .map(|((name, pid), (a, b))| {
                let kib = a.zip(*b).filter(|_| n > 0).map(|(a, b)| (b as f64 - a as f64) / n as f64 / 1024.0);
                json!({"name": name, "pid": pid, "rss_before": a, "rss_after": b,
                    "kib_per_conn": kib.map(|k| (k * 100.0).round() / 100.0)})
            })
            .collect();
        Value::from(rows)
    }

    /// Redis commands since the reset: total calls, per routed message, and the busiest commands.
    /// Commands a Lua script runs are counted too (as Redis counts them), besides the EVALSHA itself.
    pub fn redis_report(&self, msgs: u64) -> Value {
        let Some(a) = self.redis else { return Value::Null };
        let info = match command(a, &["INFO", "commandstats"]) {
            Ok(s) => s,
            Err(e) => return json!({"error": e}),
        };
        let mut cmds: Vec<(String, u64)> = info
            .lines()
            .filter_map(|l| {
                let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = rest.split(',').find_map(|kv| kv.strip_prefix("calls="))?.parse().ok()?;
                // The reset itself is counted after it ran; it is not the setup's work.
                (!name.starts_with("config")).then(|| (name.to_string(), calls))
            })
            .collect();
        cmds.sort_by_key(|c| std::cmp::Reverse(c.1));
        let total: u64 = cmds.iter().map(|c| c.1).sum();
        json!({"calls": total, "per_msg": (msgs > 0).then(|| (total as f64 / msgs as f64 * 100.0).round() / 100.0),
            "top": cmds.iter().take(6).map(|(n, c)| json!([n, c])).collect::<Vec<_>>()})
    }
}

/// One command over a fresh connection (RESP); the reply as text (status or bulk string).
fn command(addr: SocketAddrV4, args: &[&str]) -> Result<String, String> {
    let mut s = TcpStream::connect_timeout(&addr.into(), Duration::from_secs(2)).map_err(|e| format!("redis: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req += &format!("${}\r\n{a}\r\n", a.len());
    }
    s.write_all(req.as_bytes()).map_err(|e| format!("redis: {e}"))?;
    let mut rd = BufReader::new(s);
    let mut head = String::new();
    rd.read_line(&mut head).map_err(|e| format!("redis: {e}"))?;
    let head = head.trim_end();
    match head.as_bytes().first() {
        Some(b'+') => Ok(head[1..].to_string()),
        Some(b'$') => {
            let n: usize = head[1..].parse().map_err(|_| format!("redis: bad reply {head}"))?;
            let mut buf = vec![0; n + 2];
            rd.read_exact(&mut buf).map_err(|e| format!("redis: {e}"))?;
            buf.truncate(n);
            String::from_utf8(buf).map_err(|e| format!("redis: {e}"))
        }
        _ => Err(format!("redis: {head}")),
    }
}
