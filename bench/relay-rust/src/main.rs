//! Bare relay: the practical ceiling for Switchboard's routing benchmark.
//!
//! No routing, persistence or policy. It speaks just enough of the Switchboard frames that the same
//! load generator drives it (pairing rule in bench/README.md):
//! - `hello` with `"role":"visitor","pair":"<key>"` or `"role":"agent","pairs":["<key>",...]` -> `welcome`
//! - `message` -> `ack` (client_msg_id, conversation_id = pair key, seq per pair) to the sender and
//!   `message` (conversation_id, seq, from, text) to the other side of the pair
//! - `ping` -> `pong`
//!
//! Usage: relay-rust [--listen 127.0.0.1:0]; prints `relay-rust listening on ws://ADDR`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Tx = UnboundedSender<Message>;

#[derive(Default)]
struct Pair {
    visitor: Option<Tx>,
    agent: Option<Tx>,
    seq: u64,
}

type Pairs = Arc<Mutex<HashMap<String, Pair>>>;

#[derive(Deserialize)]
struct In<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    role: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pair: Option<Cow<'a, str>>,
    #[serde(default)]
    pairs: Vec<String>,
    #[serde(default, borrow)]
    conversation_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    client_msg_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
}

#[derive(Serialize)]
struct Ack<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    client_msg_id: Option<&'a str>,
    conversation_id: &'a str,
    seq: u64,
}

#[derive(Serialize)]
struct From {
    role: &'static str,
}

#[derive(Serialize)]
struct Out<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    conversation_id: &'a str,
    seq: u64,
    from: From,
    text: &'a str,
}

fn main() {
    let mut listen = "127.0.0.1:0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--listen" {
            listen = args.next().expect("--listen ADDR");
        }
    }
    // Worker count follows the CPU affinity (taskset), like the hub's default tokio runtime.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let listener = TcpListener::bind(&listen).await.expect("bind");
        println!("relay-rust listening on ws://{}", listener.local_addr().unwrap());
        let pairs: Pairs = Arc::default();
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(serve(tcp, pairs.clone()));
        }
    });
}

async fn serve(tcp: TcpStream, pairs: Pairs) {
    let _ = tcp.set_nodelay(true);
    // Small eager read buffer: the tungstenite default (128 KiB per connection) would dominate idle memory.
    let cfg = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(16 * 1024);
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(tcp, Some(cfg)).await else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = unbounded_channel::<Message>();
    // One writer task per connection; it batches whatever is queued and flushes once.
    tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if sink.feed(m).await.is_err() {
                return;
            }
            while let Ok(m) = rx.try_recv() {
                if sink.feed(m).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });
    let mut role: &'static str = "";
    let mut keys: Vec<String> = Vec::new();
    while let Some(Ok(msg)) = stream.next().await {
        let Message::Text(t) = msg else {
            if msg.is_close() {
                break;
            }
            continue;
        };
        let Ok(m) = serde_json::from_str::<In>(t.as_str()) else {
            let _ = tx.send(Message::text(r#"{"type":"error","code":"bad_request","message":"bad json"}"#));
            continue;
        };
        match &*m.kind {
            "hello" => {
                role = if m.role.as_deref() == Some("agent") { "agent" } else { "visitor" };
                keys = if role == "agent" { m.pairs } else { m.pair.map(|p| vec![p.into_owned()]).unwrap_or_default() };
                let mut map = pairs.lock().unwrap();
                for k in &keys {
                    let p = map.entry(k.clone()).or_default();
                    if role == "agent" { p.agent = Some(tx.clone()) } else { p.visitor = Some(tx.clone()) }
                }
                drop(map);
                let _ = tx.send(Message::text(r#"{"type":"welcome","v":1}"#));
            }
            "message" => {
                // A visitor has one pair; an agent names the pair in conversation_id.
                let key: &str = match (role, &m.conversation_id) {
                    ("agent", Some(c)) => c,
                    _ => keys.first().map(|s| s.as_str()).unwrap_or(""),
                };
                let (seq, peer) = {
                    let mut map = pairs.lock().unwrap();
                    match map.get_mut(key) {
                        Some(p) => {
                            p.seq += 1;
                            let peer = if role == "agent" { p.visitor.clone() } else { p.agent.clone() };
                            (p.seq, peer)
                        }
                        None => (0, None),
                    }
                };
                let ack = Ack { kind: "ack", client_msg_id: m.client_msg_id.as_deref(), conversation_id: key, seq };
                let _ = tx.send(Message::text(serde_json::to_string(&ack).unwrap()));
                if let Some(peer) = peer {
                    let text = m.text.as_deref().unwrap_or("");
                    let out = Out { kind: "message", conversation_id: key, seq, from: From { role }, text };
                    let _ = peer.send(Message::text(serde_json::to_string(&out).unwrap()));
                }
            }
            "ping" => {
                let _ = tx.send(Message::text(r#"{"type":"pong"}"#));
            }
            _ => {}
        }
    }
    let mut map = pairs.lock().unwrap();
    for k in &keys {
        if let Some(p) = map.get_mut(k) {
            if role == "agent" {
                p.agent = None
            } else {
                p.visitor = None
            }
            if p.agent.is_none() && p.visitor.is_none() {
                map.remove(k);
            }
        }
    }
}
