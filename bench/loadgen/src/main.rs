//! loadgen: the Switchboard load generator (issue 4). One of three modes:
//! `--chats N` (routing throughput and latency), `--connect N` (setup rate), `--idle N` (density).
//! Prints one JSON line on stdout for bench/run.sh and a human table on stderr.
//! Exit status: 0 pass, 1 loss or duplicates, 2 other failures (unacked, errors, setup).

mod chat;
mod conns;
mod net;
mod stats;
mod watch;

use clap::Parser;
use serde_json::Value;

use net::{Endpoint, Target};

#[derive(Parser, Debug)]
#[command(version, about = "Load generator for Switchboard and the benchmark relays (bench/README.md)")]
struct Args {
    /// what is on the other end
    #[arg(long, value_enum, default_value = "switchboard")]
    target: Target,
    /// ws://127.0.0.1:PORT (the hub's http:// address works too)
    #[arg(long)]
    url: String,
    /// chat mode: connect the agents here instead of --url (visitors on one node, agents on another)
    #[arg(long)]
    agent_url: Option<String>,
    /// admin token (switchboard chat mode creates its agents through the admin API)
    #[arg(long, env = "SWITCHBOARD_ADMIN_TOKEN")]
    admin_token: Option<String>,

    /// chat mode: number of concurrent chats (visitor connections)
    #[arg(long, group = "mode")]
    chats: Option<usize>,
    /// connection-setup mode: open N visitor connections, report connections/s and latency
    #[arg(long, group = "mode")]
    connect: Option<usize>,
    /// density mode: open and hold N visitor connections; with --server-pid, report server RSS per connection
    #[arg(long, group = "mode")]
    idle: Option<usize>,

    /// chat mode: agent connections (default: one per 50 chats)
    #[arg(long)]
    agents: Option<usize>,
    /// chat mode: agent max_chats (default: chats/agents rounded up, plus one)
    #[arg(long)]
    max_chats: Option<usize>,
    /// chat mode: total messages per second, both directions together
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// chat mode: seconds of traffic
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// chat mode: seconds to wait for outstanding acks and deliveries after the last send
    #[arg(long, default_value_t = 5.0)]
    drain: f64,

    /// connection attempts started per second (0: as fast as --concurrency allows)
    #[arg(long, default_value_t = 0.0)]
    ramp: f64,
    /// connection attempts in flight at once
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// spread connections over this many source addresses 127.0.0.2.. (default: 8 above 5000 connections, else 0)
    #[arg(long)]
    sources: Option<u32>,
    /// server process id: idle mode reads its RSS; chat mode reports its CPU use
    #[arg(long)]
    server_pid: Option<u32>,
    /// processes to watch, NAME=PID,...: chat mode reports each one's CPU time per routed message over
    /// the traffic window, idle mode each one's RSS growth per connection
    #[arg(long)]
    watch: Option<String>,
    /// redis-server HOST:PORT: chat mode resets its command statistics before the traffic and reports
    /// the commands run per routed message after the drain (INFO commandstats)
    #[arg(long)]
    redis: Option<String>,
    /// idle mode: seconds to hold the connections before reading RSS
    #[arg(long, default_value_t = 3.0)]
    hold: f64,
    /// runtime worker threads (1: a current-thread runtime, best when pinned to one CPU)
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// free-form label copied into the JSON line
    #[arg(long)]
    label: Option<String>,
}

fn main() {
    let a = Args::parse();
    let n = a.chats.or(a.connect).or(a.idle).unwrap_or_else(|| {
        eprintln!("one of --chats, --connect or --idle is required");
        std::process::exit(2)
    });
    let sources = a.sources.unwrap_or(if n > 5000 { 8 } else { 0 });
    let ep = Endpoint::parse(&a.url, a.target, sources).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let agent_ep = a.agent_url.as_deref().map(|u| Endpoint::parse(u, a.target, sources)).transpose();
    let watch = watch::Watch::parse(a.watch.as_deref(), a.redis.as_deref());
    let (agent_ep, watch) = match (agent_ep, watch) {
        (Ok(e), Ok(w)) => (e, w),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    let rt = if a.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(a.threads).enable_all().build()
    }
    .expect("runtime");
    let res: Result<Value, String> = rt.block_on(async {
        if let Some(chats) = a.chats {
            let agents = a.agents.unwrap_or(chats.div_ceil(50)).clamp(1, chats);
            let o = chat::ChatOpts {
                chats,
                agents,
                rate: a.rate,
                duration: a.duration,
                drain: a.drain,
                ramp: a.ramp,
                concurrency: a.concurrency,
                admin_token: a.admin_token.clone(),
                max_chats: a.max_chats,
                server_pid: a.server_pid,
                agent_ep: agent_ep.clone(),
                watch: watch.clone(),
            };
            chat::run(&ep, o).await
        } else if let Some(n) = a.connect {
            Ok(conns::connect_bench(&ep, n, a.ramp, a.concurrency, a.server_pid).await)
        } else {
            Ok(conns::idle_bench(&ep, n, a.ramp, a.concurrency, a.server_pid, a.hold, &watch).await)
        }
    });
    // Open connections are dropped with the runtime; do not wait for graceful closes.
    rt.shutdown_background();
    let mut v = match res {
        Ok(v) => v,
        // Keep what was asked for, so a failed point still lands in the right row of the tables.
        Err(e) => {
            serde_json::json!({"mode": "error", "error": e, "pass": false, "target": format!("{:?}", a.target).to_lowercase(),
            "chats": a.chats, "rate": a.chats.map(|_| a.rate), "requested": a.connect.or(a.idle)})
        }
    };
    if let Some(l) = &a.label {
        v["label"] = Value::from(l.as_str());
    }
    println!("{v}");
    eprintln!("{}", human(&v));
    let code = match v["mode"].as_str() {
        Some("chat") if v["loss"].as_u64() != Some(0) || v["dups"].as_u64() != Some(0) => 1,
        _ if v["pass"] == Value::Bool(true) => 0,
        _ => 2,
    };
    std::process::exit(code);
}

fn human(v: &Value) -> String {
    let mut out = String::new();
    let g = |k: &str| match &v[k] {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        x => x.to_string(),
    };
    match v["mode"].as_str() {
        Some("chat") => {
            out += &format!(
                "chat: target {} chats {} agents {} rate {}/s for {} s -> achieved {}/s (setup {} s)\n",
                g("target"),
                g("chats"),
                g("agents"),
                g("rate"),
                g("duration_s"),
                g("achieved_rate"),
                g("setup_s")
            );
            out += &format!(
                "sent {} acked {} delivered {} | loss {} unacked {} undelivered {} dups {} unknown {} errors {}\n",
                g("sent"),
                g("acked"),
                g("delivered"),
                g("loss"),
                g("unacked"),
                g("undelivered"),
                g("dups"),
                g("unknown"),
                g("errors")
            );
            out += &format!(
                "cpu: generator {}% server {}% others {}% ({} µs server CPU per message)\n",
                g("generator_cpu_pct"),
                g("server_cpu_pct"),
                g("other_cpu_pct"),
                g("server_cpu_us_per_msg")
            );
            out += stats::TABLE_HEAD;
            out += "\n";
            out += &stats::row("delivery (from sched.)", &v["delivery"]);
            out += "\n";
            out += &stats::row("ack (from sched.)", &v["ack"]);
            out += "\n";
            out += &stats::row("generator send lag", &v["generator_lag"]);
        }
        Some("connect") | Some("idle") => {
            out += &format!(
                "{}: target {} opened {}/{} failed {} conn/s {}",
                g("mode"),
                g("target"),
                g("opened"),
                g("requested"),
                g("failed"),
                if v["mode"] == "idle" { g("setup_conn_per_s") } else { g("conn_per_s") }
            );
            if v["mode"] == "connect" {
                out += &format!(" | cpu: generator {}% server {}%", g("generator_cpu_pct"), g("server_cpu_pct"));
            }
            if v["mode"] == "idle" {
                out += &format!(
                    " | server RSS {} -> {} bytes: {} KiB per connection",
                    g("rss_before"),
                    g("rss_after"),
                    g("kib_per_conn")
                );
            }
            out += "\n";
            out += stats::TABLE_HEAD;
            out += "\n";
            out += &stats::row("handshake+hello", &v["latency"]);
            if let Some(e) = v["first_errors"].as_array().filter(|e| !e.is_empty()) {
                out += &format!("\nfirst errors: {e:?}");
            }
        }
        _ => out += &format!("error: {}", g("error")),
    }
    out + &format!("\nresult: {}", if v["pass"] == Value::Bool(true) { "PASS" } else { "FAIL" })
}
