//! `--chats N`: N concurrent chats, visitor->agent and agent->visitor messages at a fixed total rate.
//!
//! Message k is due at origin + k/rate (chat k mod N; direction flips every N messages). Its latency is
//! measured from that *scheduled* time to its delivery at the other end, so a stall in the hub or the
//! generator shows up as latency instead of silently lowering the rate (coordinated omission). The text
//! carries "#k#" so the receiver can match it; per-message state bits catch loss and duplicates.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_tungstenite::tungstenite::Message;

use crate::conns::open_visitors;
use crate::net::{Endpoint, Frame, Reader, Res, Target, Tx, http, spawn_writer, unwrap};
use crate::stats;

pub struct ChatOpts {
    pub chats: usize,
    pub agents: usize,
    pub rate: f64,
    pub duration: f64,
    pub drain: f64,
    pub ramp: f64,
    pub concurrency: usize,
    pub admin_token: Option<String>,
    pub max_chats: Option<usize>,
    pub server_pid: Option<u32>,
    /// where the agents connect (None: the visitors' endpoint)
    pub agent_ep: Option<Endpoint>,
    pub watch: crate::watch::Watch,
}

const ACKED: u8 = 1;
const DELIVERED: u8 = 2;

/// Setup events joined by the coordinator into chat -> (conversation_id, agent).
enum Setup {
    VisitorConv(usize, String),
    Assigned { agent: usize, conv: String, chat: Option<usize> },
}

struct Shared {
    target: Target,
    rate: f64,
    origin: OnceLock<Instant>,
    state: Vec<AtomicU8>,
    delivery: Mutex<Histogram<u64>>,
    ack: Mutex<Histogram<u64>>,
    acked: AtomicU64,
    delivered: AtomicU64,
    dups: AtomicU64,
    unknown: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
    other_frames: Mutex<BTreeMap<String, [u64; 2]>>,
    setup: UnboundedSender<Setup>,
}

#[derive(Deserialize)]
struct In<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    client_msg_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    conversation_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
}

fn sched(k: usize, rate: f64) -> Duration {
    Duration::from_secs_f64(k as f64 / rate)
}

/// "#k#" marker, or "#o<chat>#" for a chat's opening message.
fn marker(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('#')?;
    Some(&rest[..rest.find('#')?])
}

impl Shared {
    fn err(&self, code: &str) {
        *self.errors.lock().unwrap().entry(code.to_string()).or_default() += 1;
    }

    fn handle(&self, j: &str, agent: Option<usize>) {
        let Ok(m) = serde_json::from_str::<In>(j) else {
            return self.err("unparseable_frame");
        };
        match &*m.kind {
            "ack" => {
                let Some(id) = m.client_msg_id.as_deref() else {
                    return;
                };
                if let Some(chat) = id.strip_prefix('o') {
                    if let (Ok(chat), Some(c)) = (chat.parse(), m.conversation_id) {
                        let _ = self.setup.send(Setup::VisitorConv(chat, c.into_owned()));
                    }
                } else if let Some(st) = id.parse::<usize>().ok().and_then(|k| self.state.get(k).map(|s| (k, s)))
                    && st.1.fetch_or(ACKED, Relaxed) & ACKED == 0
                {
                    self.acked.fetch_add(1, Relaxed);
                    self.latency(&self.ack, st.0);
                }
            }
            "message" => {
                let Some(mk) = m.text.as_deref().and_then(marker) else {
                    return;
                };
                if mk.starts_with('o') {
                    return;
                }
                match mk.parse::<usize>().ok().and_then(|k| self.state.get(k).map(|s| (k, s))) {
                    Some((k, st)) => {
                        if st.fetch_or(DELIVERED, Relaxed) & DELIVERED != 0 {
                            self.dups.fetch_add(1, Relaxed);
                        } else {
                            self.delivered.fetch_add(1, Relaxed);
                            self.latency(&self.delivery, k);
                        }
                    }
                    None => drop(self.unknown.fetch_add(1, Relaxed)),
                }
            }
            "error" => self.err(m.code.as_deref().unwrap_or("error")),
            "assigned" if agent.is_some() => {
                self.count(agent, "assigned", j.len());
                self.on_assigned(j, agent.unwrap())
            }
            other => self.count(agent, other, j.len()),
        }
    }

    /// Frames other than message/ack/error, per role and type: [count, bytes]. Shows what else the
    /// server sends (queue updates, conversation views) and how much of it.
    fn count(&self, agent: Option<usize>, kind: &str, bytes: usize) {
        let key = format!("{}:{kind}", if agent.is_some() { "agent" } else { "visitor" });
        let mut m = self.other_frames.lock().unwrap();
        let e = m.entry(key).or_insert([0, 0]);
        e[0] += 1;
        e[1] += bytes as u64;
    }

    fn latency(&self, h: &Mutex<Histogram<u64>>, k: usize) {
        if let Some(o) = self.origin.get() {
            stats::record(&mut h.lock().unwrap(), Instant::now().saturating_duration_since(*o + sched(k, self.rate)));
        }
    }

    fn on_assigned(&self, j: &str, agent: usize) {
        let Ok(v) = serde_json::from_str::<Value>(j) else {
            return;
        };
        let Some(conv) = v["conversation"]["conversation_id"].as_str() else {
            return;
        };
        // The transcript carries the opening message "#o<chat>#..." when the hub includes it.
        let chat = v["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|m| marker(m["text"].as_str()?)?.strip_prefix('o')?.parse().ok());
        let _ = self.setup.send(Setup::Assigned { agent, conv: conv.to_string(), chat });
    }
}

fn spawn_reader(sh: Arc<Shared>, mut rd: Reader, tx: Tx, agent: Option<usize>) {
    tokio::spawn(async move {
        let who = if agent.is_some() { "agent" } else { "visitor" };
        loop {
            let m = match rd.next().await {
                Some(Ok(m)) => m,
                // The server closing a connection mid-run explains any loss that follows: count it.
                Some(Err(e)) => return sh.err(&format!("{who}_conn_error: {e}")),
                None => return sh.err(&format!("{who}_conn_ended")),
            };
            match m {
                Message::Text(t) => match unwrap(sh.target, t.as_str()) {
                    Frame::Json(j) => sh.handle(j, agent),
                    Frame::Ping => drop(tx.send(Message::text("3"))),
                    Frame::Other => {}
                },
                Message::Close(c) => {
                    let why = c.map(|c| format!("{} {}", u16::from(c.code), c.reason)).unwrap_or_default();
                    return sh.err(&format!("{who}_closed_by_server: {why}"));
                }
                _ => {}
            }
        }
    });
}

const FILLER: &str = "Thanks for waiting, I checked the order history and the parcel left the warehouse yesterday \
afternoon, so it should reach you by Friday at the latest; if it does not, reply here and we will send a new one \
right away at no cost to you, and we can also refund the shipping fee if that helps with the delay you had.";

/// 100-300 bytes of English text (so language detection stays on "en") led by the marker.
fn text(k: usize) -> String {
    let len = 100 + (k * 7919) % 201;
    let mut s = format!("#{k}# ");
    s.push_str(&FILLER[..len - s.len()]);
    s
}

async fn agents_switchboard(ep: &Endpoint, o: &ChatOpts, sh: &Arc<Shared>) -> Res<Vec<Tx>> {
    let token = o.admin_token.clone().ok_or("--admin-token is required for --target switchboard")?;
    let run =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() % 1_000_000_000_000;
    let max_chats = o.max_chats.unwrap_or(o.chats.div_ceil(o.agents) + 1);
    let mut txs = Vec::new();
    // Agents are created and logged in a few at a time: login hashes the password (argon2), which is slow by design.
    for chunk in (0..o.agents).collect::<Vec<_>>().chunks(8) {
        let logins = chunk.iter().map(|&j| {
            let (ep, token) = (ep.clone(), token.clone());
            async move {
                let email = format!("lg{run}-{j}@bench.test");
                let pw = format!("bench-pass-{run}");
                let body = json!({"email": email, "name": format!("Bench Agent {j}"), "password": pw, "languages": ["en"],
                    "tier": 1, "max_chats": max_chats, "departments": ["support"]});
                let (st, b) = http(ep.addr, "POST", "/api/admin/agents", Some(&token), &body.to_string()).await?;
                if !(200..300).contains(&st) {
                    return Err(format!("POST /api/admin/agents: {st} {b}"));
                }
                let (st, b) = http(ep.addr, "POST", "/api/login", None, &json!({"email": email, "password": pw}).to_string()).await?;
                let v: Value = serde_json::from_str(&b).map_err(|e| format!("login body: {e}: {b}"))?;
                match (st, v["token"].as_str()) {
                    (200, Some(t)) => Ok(t.to_string()),
                    _ => Err(format!("POST /api/login: {st} {b}")),
                }
            }
        });
        for (tok, &j) in futures_util::future::join_all(logins).await.into_iter().zip(chunk) {
            let mut ws = ep.open("agent", j).await?;
            ep.hello(&mut ws, json!({"type": "hello", "v": 1, "token": tok?}).to_string()).await?;
            let (sink, rd) = ws.split();
            let tx = spawn_writer(sink);
            spawn_reader(sh.clone(), rd, tx.clone(), Some(j));
            txs.push(tx);
        }
    }
    Ok(txs)
}

async fn agents_relay(ep: &Endpoint, o: &ChatOpts, sh: &Arc<Shared>) -> Res<Vec<Tx>> {
    let mut txs = Vec::new();
    for j in 0..o.agents {
        let pairs: Vec<String> = (j..o.chats).step_by(o.agents).map(|i| i.to_string()).collect();
        let mut ws = ep.open("agent", j).await?;
        ep.hello(&mut ws, json!({"type": "hello", "v": 1, "role": "agent", "pairs": pairs}).to_string()).await?;
        let (sink, rd) = ws.split();
        let tx = spawn_writer(sink);
        spawn_reader(sh.clone(), rd, tx.clone(), Some(j));
        txs.push(tx);
    }
    Ok(txs)
}

pub async fn run(ep: &Endpoint, o: ChatOpts) -> Res<Value> {
    let total = (o.rate * o.duration).round() as usize;
    let (setup_tx, mut setup_rx) = unbounded_channel();
    let sh = Arc::new(Shared {
        target: ep.target,
        rate: o.rate,
        origin: OnceLock::new(),
        state: (0..total).map(|_| AtomicU8::new(0)).collect(),
        delivery: Mutex::new(stats::histogram()),
        ack: Mutex::new(stats::histogram()),
        acked: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        dups: AtomicU64::new(0),
        unknown: AtomicU64::new(0),
        errors: Mutex::new(BTreeMap::new()),
        other_frames: Mutex::new(BTreeMap::new()),
        setup: setup_tx,
    });
    let t_setup = Instant::now();
    let aep = o.agent_ep.clone().unwrap_or_else(|| ep.clone());
    let agents = match ep.target {
        Target::Switchboard => agents_switchboard(&aep, &o, &sh).await?,
        _ => agents_relay(&aep, &o, &sh).await?,
    };
    let opened = open_visitors(ep, o.chats, o.agents, o.ramp, o.concurrency).await;
    if !opened.errors.is_empty() {
        return Err(format!("{} visitor connections failed, first: {}", opened.errors.len(), opened.errors[0]));
    }
    let mut visitors = Vec::with_capacity(o.chats);
    for (i, ws) in opened.conns.into_iter().enumerate() {
        let (sink, rd) = ws.unwrap().split();
        let tx = spawn_writer(sink);
        spawn_reader(sh.clone(), rd, tx.clone(), None);
        if ep.target == Target::Switchboard {
            let open = format!(
                "#o{i}# Hello, I need some help with my order from last week. It has not arrived yet and the tracking page shows nothing at all."
            );
            let _ = tx
                .send(ep.frame(json!({"type": "message", "client_msg_id": format!("o{i}"), "text": open}).to_string()));
        }
        visitors.push(tx);
    }
    // chat -> (conversation_id, agent index)
    let mut route: Vec<Option<(String, usize)>> = (0..o.chats).map(|_| None).collect();
    if ep.target == Target::Switchboard {
        let (mut conv_chat, mut pending): (HashMap<String, usize>, Vec<(usize, String)>) = Default::default();
        let mut ready = 0;
        let deadline = Instant::now() + Duration::from_secs_f64(30.0 + o.chats as f64 / 100.0);
        while ready < o.chats {
            let ev = tokio::time::timeout_at(deadline.into(), setup_rx.recv()).await;
            let Ok(Some(ev)) = ev else {
                return Err(format!(
                    "only {ready} of {} chats were assigned to an agent in time (errors: {:?}; other frames [count, bytes]: {:?})",
                    o.chats,
                    sh.errors.lock().unwrap(),
                    sh.other_frames.lock().unwrap()
                ));
            };
            match ev {
                Setup::VisitorConv(chat, conv) => {
                    conv_chat.insert(conv.clone(), chat);
                    if let Some(p) = pending.iter().position(|(_, c)| *c == conv) {
                        let (agent, _) = pending.swap_remove(p);
                        route[chat] = Some((conv, agent));
                        ready += 1;
                    }
                }
                Setup::Assigned { agent, conv, chat } => match chat.or_else(|| conv_chat.get(&conv).copied()) {
                    Some(c) if route[c].is_none() => {
                        route[c] = Some((conv, agent));
                        ready += 1;
                    }
                    Some(_) => {}
                    None => pending.push((agent, conv)),
                },
            }
        }
    } else {
        for (i, r) in route.iter_mut().enumerate() {
            *r = Some((i.to_string(), i % o.agents));
        }
    }
    let route: Vec<(String, usize)> = route.into_iter().map(Option::unwrap).collect();
    let setup_s = t_setup.elapsed().as_secs_f64();

    // Traffic. Everything due by now is sent in one go; between deadlines we wait precisely.
    let (cpu0, srv0) = (stats::cpu_secs(None), o.server_pid.and_then(|p| stats::cpu_secs(Some(p))));
    o.watch.redis_reset()?;
    let w0 = o.watch.cpu();
    let m0 = stats::machine_busy_secs();
    let origin = Instant::now() + Duration::from_millis(50);
    sh.origin.set(origin).unwrap();
    let mut lag = stats::histogram();
    let mut k = 0;
    while k < total {
        stats::until(origin + sched(k, o.rate)).await;
        let now = Instant::now();
        let due = (((now - origin).as_secs_f64() * o.rate) as usize + 1).min(total);
        while k < due {
            stats::record(&mut lag, now.saturating_duration_since(origin + sched(k, o.rate)));
            let (c, to_agent) = (k % o.chats, (k / o.chats).is_multiple_of(2));
            let (conv, agent) = &route[c];
            let (tx, json) = if to_agent {
                (&visitors[c], format!(r#"{{"type":"message","client_msg_id":"{k}","text":"{}"}}"#, text(k)))
            } else {
                (
                    &agents[*agent],
                    format!(
                        r#"{{"type":"message","conversation_id":"{conv}","client_msg_id":"{k}","text":"{}"}}"#,
                        text(k)
                    ),
                )
            };
            let _ = tx.send(ep.frame(json));
            k += 1;
        }
        // Even when behind schedule, let the readers and writers on this thread run between batches.
        tokio::task::yield_now().await;
    }
    let send_s = (Instant::now() - origin).as_secs_f64();
    let drain_end = Instant::now() + Duration::from_secs_f64(o.drain);
    while Instant::now() < drain_end
        && (sh.acked.load(Relaxed) < total as u64 || sh.delivered.load(Relaxed) < total as u64)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // CPU over traffic + drain: CPU time per message compares servers even when other load on the
    // machine disturbs the latencies.
    let (cpu1, srv1) = (stats::cpu_secs(None), o.server_pid.and_then(|p| stats::cpu_secs(Some(p))));
    let w1 = o.watch.cpu();
    let m1 = stats::machine_busy_secs();
    let routed = sh.delivered.load(Relaxed);
    let redis = o.watch.redis_report(routed);
    let (procs, watched) = o.watch.cpu_report(&w0, &w1, routed);
    let busy_s = (Instant::now() - origin).as_secs_f64();
    let own = cpu1.zip(cpu0).map_or(0.0, |(b, a)| b - a) + srv1.zip(srv0).map_or(0.0, |(b, a)| b - a) + watched;
    let (mut loss, mut unacked, mut undelivered) = (0u64, 0u64, 0u64);
    for s in &sh.state {
        let s = s.load(Relaxed);
        loss += (s == ACKED) as u64;
        unacked += (s & ACKED == 0) as u64;
        undelivered += (s & DELIVERED == 0) as u64;
    }
    let errors = sh.errors.lock().unwrap().clone();
    let dups = sh.dups.load(Relaxed);
    let unknown = sh.unknown.load(Relaxed);
    let pct = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| ((b - a) / busy_s * 100.0).round());
    let us_per_msg = srv0.zip(srv1).map(|(a, b)| ((b - a) / total.max(1) as f64 * 1e7).round() / 10.0);
    drop((visitors, agents));
    Ok(json!({
        "mode": "chat", "target": format!("{:?}", ep.target).to_lowercase(), "chats": o.chats, "agents": o.agents,
        "rate": o.rate, "duration_s": o.duration, "setup_s": (setup_s * 100.0).round() / 100.0,
        "sent": total, "acked": sh.acked.load(Relaxed), "delivered": sh.delivered.load(Relaxed),
        "loss": loss, "unacked": unacked, "undelivered": undelivered, "dups": dups, "unknown": unknown, "errors": errors,
        "achieved_rate": (total as f64 / send_s).round(),
        "delivery": stats::summary(&sh.delivery.lock().unwrap()),
        "ack": stats::summary(&sh.ack.lock().unwrap()),
        "generator_lag": stats::summary(&lag),
        "generator_cpu_pct": pct(cpu0, cpu1), "server_cpu_pct": pct(srv0, srv1),
        "server_cpu_us_per_msg": us_per_msg,
        "other_cpu_pct": stats::other_cpu_pct(m0, m1, own, busy_s),
        "other_frames": *sh.other_frames.lock().unwrap(),
        "procs": procs, "redis": redis,
        "pass": loss == 0 && dups == 0 && unacked == 0 && undelivered == 0 && errors.is_empty() && unknown == 0,
    }))
}
