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
// A full disk: a small file system under the data dir, filled with a ballast file and emptied again.
// Two kinds: a tmpfs (a write past the end fails at once) and ext4 on a loop device, as on a real
// server's disk (ext4 reserves blocks at write and can also fail the WAL's growth, the shared-memory
// index's growth or a sync: SQLite reports those as I/O errors, not as a full disk).

/// Size of the file system the store lives on: the database, its WAL and the knowledge base fit with
/// room.
const SCRATCH_SIZE: &str = "24m";
/// How long a message may wait for its ack once there is room again (the dispatcher's longest pause
/// between two tries is 2 s).
const RESUME_WITHIN: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug)]
enum Fs {
    Tmpfs,
    Ext4,
}

/// A small file system mounted on a directory, unmounted (lazily: the process may still hold it) when
/// dropped, with its image file (ext4) removed.
struct Scratch {
    dir: std::path::PathBuf,
    image: Option<std::path::PathBuf>,
}

impl Scratch {
    /// `None` where mounting is not allowed (not root, no tmpfs, no loop device): then the
    /// injected-failure tests (`hub::dispatch::tests`, `store::sqlite::full_tests`) are what covers a
    /// full store.
    fn mount(fs: Fs, dir: &std::path::Path) -> Option<Scratch> {
        let quiet = |c: &mut std::process::Command| {
            c.stderr(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        match fs {
            Fs::Tmpfs => quiet(
                std::process::Command::new("mount")
                    .args(["-t", "tmpfs", "-o", &format!("size={SCRATCH_SIZE},mode=0700"), "tmpfs"])
                    .arg(dir),
            )
            .then(|| Scratch { dir: dir.to_path_buf(), image: None }),
            Fs::Ext4 => {
                // The image lives in memory (/dev/shm) where there is one, so the test does not depend on
                // the real disk's free space.
                let base =
                    if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
                let image = base.join(format!("switchboard-faults-{:x}.ext4", rand::random::<u64>()));
                let made = quiet(std::process::Command::new("truncate").args(["-s", SCRATCH_SIZE]).arg(&image))
                    && quiet(std::process::Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&image))
                    && quiet(std::process::Command::new("mount").args(["-o", "loop"]).arg(&image).arg(dir));
                if !made {
                    let _ = std::fs::remove_file(&image);
                    return None;
                }
                Some(Scratch { dir: dir.to_path_buf(), image: Some(image) })
            }
        }
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
        let _ = f.sync_all();
    }

    fn empty(&self) {
        std::fs::remove_file(self.ballast()).expect("remove the ballast");
    }

    fn ballast(&self) -> std::path::PathBuf {
        self.dir.join("ballast")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.dir).status();
        if let Some(image) = &self.image {
            let _ = std::fs::remove_file(image);
        }
    }
}

/// stderr on `/dev/full`, where every write fails with ENOSPC, as a log file does on a full disk: the
/// process starts, chats and stops as usual. (The log subscriber used to report a failed write with
/// `eprintln!`, which panics on the same stderr: the thread that logged died, the dispatcher among them.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_cannot_be_written_stops_nothing() {
    let mut server = Server::start(&format!("{CONFIG_247}{FAST_LIMITS}"));
    server.log_to("/dev/full".into());
    let (_agent, mut agent_ws) = server.online_agent("Ana", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (_, conv) = open_conversation(&mut visitor, "Hello, I need help with my order please").await;
    let assigned = agent_ws.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], conv["conversation_id"], "{assigned}");
    for i in 0..20 {
        visitor.send(message(&format!("m{i}"), &format!("still here {i}"))).await;
        visitor.recv_ack(&format!("m{i}")).await;
    }
    server.sigterm();
    assert!(server.wait_exit(Duration::from_secs(20)).success(), "a clean stop");
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
    panic!("{round}: 400 messages of 3 KB went through a full {SCRATCH_SIZE} file system");
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
async fn a_full_tmpfs_refuses_writes_stores_nothing_unacked_and_resumes_when_space_returns_even_from_a_start() {
    full_disk(Fs::Tmpfs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_ext4_disk_refuses_writes_stores_nothing_unacked_and_resumes_when_space_returns_even_from_a_start() {
    full_disk(Fs::Ext4).await;
}

async fn full_disk(fs: Fs) {
    let mut scratch = None;
    // The disk guard watches for less than 1 MiB free (its default would find the small disk full).
    let config = format!("{CONFIG_247}{FAST_LIMITS}min_free_disk_bytes = 1048576\n");
    let mut server = Server::start_prepared(&config, true, |dir| {
        scratch = Scratch::mount(fs, dir);
    });
    let Some(disk) = scratch else {
        eprintln!(
            "faults: SKIPPED the {fs:?} full-disk test (mounting is not allowed here); the injected \
             failures of hub::dispatch::tests and store::sqlite::full_tests cover a full store"
        );
        return;
    };
    // The log goes to the same disk, as on a server that logs to a file there: a log line that cannot be
    // written must stop nothing.
    server.log_to(disk.dir.join("switchboard.log"));
    let first = "Hello, I need help with my order please";
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    let token = s(&welcome["visitor_token"]);
    let (_, conv) = open_conversation(&mut visitor, first).await;
    let ticket = s(&conv["ticket"]);
    let mut acked = BTreeMap::from([(1, first.to_string())]);

    // The disk fills while the service runs: senders get `unavailable`, reads go on, nothing refused is
    // stored, and the batch that met the full disk is acked once there is room.
    disk.fill();
    let (got, held, refused) = until_refused(&mut visitor, "full").await;
    acked.extend(got);
    assert!(held.len() <= 1, "only the batch that met the full disk is held: {held:?}");
    let (status, body) = server.get("/healthz", None).await;
    assert_eq!((status, body["status"].as_str()), (503, Some("store_full")), "{body}");
    check_transcript(&server, &ticket, &acked, &refused).await;
    disk.empty();
    resumes(&mut visitor, &held, "full", &mut acked).await;
    assert_eq!(server.get("/healthz", None).await.0, 200, "healthy again");
    check_transcript(&server, &ticket, &acked, &refused).await;

    // A start on a full disk waits for room before it opens the store (opening remakes SQLite's
    // memory-mapped index, and a write to that map on a full ext4 kills the process with SIGBUS), then
    // serves everything as before.
    server.sigterm();
    server.wait_exit(Duration::from_secs(20));
    disk.fill();
    server.restart_in_background();
    server.wait_stderr("waiting for room before opening the store", Duration::from_secs(20));
    assert!(server.is_running(), "a start on a full disk waits:\n{}", server.stderr());
    disk.empty();
    server.wait_listening(RESUME_WITHIN);
    check_transcript(&server, &ticket, &acked, &refused).await;
    health_becomes(&server, "ok").await;
    let (mut visitor, _) = server.visitor_connect(json!({"visitor_token": token})).await;
    resumes(&mut visitor, &[], "restarted", &mut acked).await;
    check_transcript(&server, &ticket, &acked, &refused).await;
}
