//! Faults (issue 16): the process killed at random points of a burst, again and again, and every
//! message it acknowledged is there afterwards, in order, with no gap.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

/// Sends messages as fast as acks come back (up to 32 in flight) until the connection breaks; returns
/// the acks it got: seq → text.
async fn burst(addr: &str, token: &str, round: usize, first_ack: oneshot::Sender<()>) -> BTreeMap<u64, String> {
    let mut first_ack = Some(first_ack);
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/visitor")).await.expect("connect");
    let (mut tx, mut rx) = ws.split();
    let hello = json!({"type": "hello", "v": 1, "site": "default", "visitor_token": token});
    let mut acked = BTreeMap::new();
    if tx.send(Message::text(hello.to_string())).await.is_err() {
        return acked;
    }
    let mut texts = BTreeMap::new();
    let (mut sent, mut in_flight) = (0usize, 0usize);
    loop {
        while in_flight < 32 {
            let (id, text) = (format!("r{round}-{sent}"), format!("round {round} message {sent}"));
            let frame = json!({"type": "message", "client_msg_id": id, "text": text});
            if tx.send(Message::text(frame.to_string())).await.is_err() {
                return acked;
            }
            texts.insert(id, text);
            sent += 1;
            in_flight += 1;
        }
        let Some(Ok(Message::Text(t))) = rx.next().await else { return acked };
        let v: Value = serde_json::from_str(&t).unwrap();
        if v["type"] == "ack" && v["seq"].is_u64() {
            let id = v["client_msg_id"].as_str().unwrap();
            acked.insert(v["seq"].as_u64().unwrap(), texts[id].clone());
            in_flight -= 1;
            if let Some(tell) = first_ack.take() {
                let _ = tell.send(());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_survives_sigkill_at_random_points_20_times() {
    let mut server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (_, conv) = open_conversation(&mut visitor, "Hello, I need help with my order please").await;
    let ticket = s(&conv["ticket"]);
    drop(visitor);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    for round in 0..20 {
        let (addr, token) = (server.addr.clone(), token.clone());
        let (tell, first_ack) = oneshot::channel();
        let sender = tokio::spawn(async move { burst(&addr, &token, round, tell).await });
        // The kill comes at a random point of the burst, once it runs (the first message of a fresh
        // process may take a while: its language models warm up).
        let _ = tokio::time::timeout(Duration::from_secs(20), first_ack).await;
        tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % 50)).await;
        server.kill9();
        let got = tokio::time::timeout(Duration::from_secs(10), sender).await.expect("the burst ends").unwrap();
        for (seq, text) in got {
            assert!(acked.insert(seq, text).is_none(), "round {round}: seq {seq} acked twice");
        }
        server.restart();
        let stored = server.ticket(&ticket).await;
        let messages = stored["messages"].as_array().expect("messages");
        let seqs: Vec<u64> = messages.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "round {round}: no gap");
        for (seq, text) in &acked {
            let m = messages.get(*seq as usize - 1).unwrap_or_else(|| panic!("round {round}: acked seq {seq} lost"));
            assert_eq!(m["text"].as_str(), Some(text.as_str()), "round {round}: seq {seq}");
        }
    }
    assert!(acked.len() >= 20, "the bursts got acks before the kills ({})", acked.len());
}

// ---------------------------------------------------------------------------------------------------
// A full disk: a small tmpfs under the data dir, filled with a ballast file and emptied again.

/// Size of the tmpfs the store lives on: the database, its WAL and the knowledge base fit with room.
const TMPFS_SIZE: &str = "24m";
/// How long a message may wait for its ack once there is room again (the dispatcher's longest pause
/// between two tries is 2 s).
const RESUME_WITHIN: Duration = Duration::from_secs(10);

/// A tmpfs mounted on a directory, unmounted (lazily: the process may still hold it) when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// `None` where mounting is not allowed (not root, or no tmpfs): then the injected-failure tests
    /// (`hub::dispatch::tests`, `store::sqlite::full_tests`) are what covers a full store.
    fn mount(dir: &std::path::Path) -> Option<Tmpfs> {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={TMPFS_SIZE},mode=0700"), "tmpfs"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status();
        status.is_ok_and(|s| s.success()).then(|| Tmpfs(dir.to_path_buf()))
    }

    /// Fills the file system up with a ballast file, to the last byte.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.ballast()).expect("ballast");
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        for size in [4096, 512, 1] {
            while f.write_all(&chunk[..size]).is_ok() {}
        }
    }

    fn empty(&self) {
        std::fs::remove_file(self.ballast()).expect("remove the ballast");
    }

    fn ballast(&self) -> std::path::PathBuf {
        self.0.join("ballast")
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// What became of one message sent on a full disk.
#[derive(Debug, PartialEq)]
enum Fate {
    Acked(u64),
    Refused,
    /// Neither within the wait: its batch is held by the dispatcher.
    Held,
}

async fn send_one(visitor: &mut Client, id: &str, text: &str) -> Fate {
    visitor.send(json!({"type": "message", "client_msg_id": id, "text": text, "ref": id})).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Some(v) = visitor.try_recv(deadline - tokio::time::Instant::now()).await {
        if v["type"] == "ack" && v["client_msg_id"] == id {
            return Fate::Acked(v["seq"].as_u64().unwrap());
        }
        if v["type"] == "error" && v["ref"] == id {
            assert_eq!(v["code"], "unavailable", "{v}");
            return Fate::Refused;
        }
    }
    Fate::Held
}

/// Sends messages until the store refuses one; returns the acked (seq, text), the held ids and the
/// refused texts.
async fn until_refused(visitor: &mut Client, round: &str) -> (Vec<(u64, String)>, Vec<String>, Vec<String>) {
    let (mut acked, mut held, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..400 {
        let (id, text) = (format!("{round}{i}"), format!("{round} {i} {}", "x".repeat(3000)));
        match send_one(visitor, &id, &text).await {
            Fate::Acked(seq) => acked.push((seq, text)),
            Fate::Held => held.push(id),
            Fate::Refused => {
                refused.push(text);
                if refused.len() == 3 {
                    return (acked, held, refused);
                }
            }
        }
    }
    panic!("{round}: 400 messages of 3 KB went through a full {TMPFS_SIZE} tmpfs");
}

/// The transcript holds exactly the acked messages (and any still held), in order, none refused.
async fn check_transcript(server: &Server, ticket: &str, acked: &BTreeMap<u64, String>, refused: &[String]) {
    let stored = server.ticket(ticket).await;
    let messages = stored["messages"].as_array().expect("messages");
    let seqs: Vec<u64> = messages.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "no gap");
    for (seq, text) in acked {
        assert_eq!(messages[*seq as usize - 1]["text"].as_str(), Some(text.as_str()), "acked seq {seq}");
    }
    for m in messages {
        assert!(!refused.iter().any(|r| m["text"] == r.as_str()), "a refused message was stored: {}", m["seq"]);
    }
}

/// Waits for `/healthz` to say `status` (polling: there is no event to await across processes).
async fn health_becomes(server: &Server, status: &str) {
    let deadline = tokio::time::Instant::now() + RESUME_WITHIN;
    loop {
        let (_, body) = server.get("/healthz", None).await;
        if body["status"] == status {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "healthz never said {status}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Once there is room: every held message is acked, a new one is acked, and the transcript holds exactly
/// the acked messages.
async fn resumes(visitor: &mut Client, held: &[String], round: &str, acked: &mut BTreeMap<u64, String>) {
    for id in held {
        let ack = tokio::time::timeout(RESUME_WITHIN, visitor.recv_ack(id)).await.expect("held, then acked");
        acked.insert(ack["seq"].as_u64().unwrap(), format!("{round} {} {}", &id[round.len()..], "x".repeat(3000)));
    }
    let id = format!("{round}-after");
    match tokio::time::timeout(RESUME_WITHIN, send_one(visitor, &id, "back again")).await {
        Ok(Fate::Acked(seq)) => acked.insert(seq, "back again".to_string()),
        other => panic!("{round}: service did not resume: {other:?}"),
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_stores_nothing_unacked_and_resumes_when_space_returns_even_from_a_start() {
    let mut tmpfs = None;
    // The disk guard watches for less than 1 MiB free (its default would find the small tmpfs full).
    let config = format!("{CONFIG_247}{FAST_LIMITS}min_free_disk_bytes = 1048576\n");
    let mut server = Server::start_prepared(&config, true, |dir| {
        tmpfs = Tmpfs::mount(dir);
    });
    let Some(tmpfs) = tmpfs else {
        eprintln!(
            "faults: SKIPPED the tmpfs full-disk test (mounting a tmpfs is not allowed here); the injected \
             failures of hub::dispatch::tests and store::sqlite::full_tests cover a full store"
        );
        return;
    };
    let first = "Hello, I need help with my order please";
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (_, conv) = open_conversation(&mut visitor, first).await;
    let ticket = s(&conv["ticket"]);
    let mut acked = BTreeMap::from([(1, first.to_string())]);

    // The disk fills while the service runs: senders get `unavailable`, reads go on, nothing refused is
    // stored, and the batch that met the full disk is acked once there is room.
    tmpfs.fill();
    let (got, held, refused) = until_refused(&mut visitor, "full").await;
    acked.extend(got);
    assert!(held.len() <= 1, "only the batch that met the full disk is held: {held:?}");
    let (status, body) = server.get("/healthz", None).await;
    assert_eq!((status, body["status"].as_str()), (503, Some("store_full")), "{body}");
    check_transcript(&server, &ticket, &acked, &refused).await;
    tmpfs.empty();
    resumes(&mut visitor, &held, "full", &mut acked).await;
    assert_eq!(server.get("/healthz", None).await.0, 200, "healthy again");
    check_transcript(&server, &ticket, &acked, &refused).await;

    // A start on a full disk: the process starts and serves reads; the built-in bot's registration is a
    // write, so the store is reported full and new connections are refused until there is room.
    server.sigterm();
    server.wait_exit(Duration::from_secs(20));
    tmpfs.fill();
    server.restart();
    check_transcript(&server, &ticket, &acked, &refused).await;
    health_becomes(&server, "store_full").await;
    let mut refused_hello = Client::connect(&server.addr, "/ws/visitor").await;
    refused_hello.send(json!({"type": "hello", "v": 1, "site": "default", "visitor_token": token})).await;
    let error = refused_hello.recv_type("error").await;
    assert_eq!(error["code"], "unavailable", "{error}");
    assert_eq!(refused_hello.expect_close().await, 1013);
    tmpfs.empty();
    health_becomes(&server, "ok").await;
    let (mut visitor, _) = server.visitor_connect(json!({"visitor_token": token})).await;
    resumes(&mut visitor, &[], "restarted", &mut acked).await;
    check_transcript(&server, &ticket, &acked, &refused).await;
}
