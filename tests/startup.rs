//! Out of the box: `--demo` with no configuration at all, the generated admin token, and the built-in
//! bot answering from its knowledge base and handing off.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::*;
use serde_json::json;

/// The binary started the way the README says, from an empty directory: no config file, no
/// `SWITCHBOARD_*` variables. Returns the child, its address, what it printed up to "listening", and
/// the lines it prints after that.
fn start_bare(dir: &Path) -> (Running, String, Vec<String>, Receiver<String>) {
    let mut cmd = Command::new(BIN);
    cmd.args(["--demo", "--listen", "127.0.0.1:0"]).current_dir(dir).stdout(Stdio::piped()).stderr(Stdio::null());
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("SWITCHBOARD_")) {
        cmd.env_remove(key);
    }
    let mut child = Running(cmd.spawn().expect("spawn switchboard"));
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    // A reader thread keeps the pipe drained; the first lines come back over a channel.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        while let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx.recv_timeout(Duration::from_secs(20)).expect("switchboard printed its address");
        if let Some(addr) = line.strip_prefix("switchboard listening on http://") {
            return (child, addr.trim().to_string(), printed, rx);
        }
        printed.push(line);
    }
}

/// Kills the process when the test ends, passing or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_mode_works_from_an_empty_directory_and_keeps_its_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr, printed, later) = start_bare(dir.path());
    let generated = printed.iter().find_map(|l| l.split_once("Generated an admin token (kept in ")).map(|(_, r)| r);
    let token = generated.and_then(|r| r.split_once("): ")).map(|(_, t)| t.trim().to_string());
    let token = token.unwrap_or_else(|| panic!("the admin token is printed on first start: {printed:?}"));
    let kept = std::fs::read_to_string(dir.path().join("data/admin_token")).expect("kept in ./data/admin_token");
    assert_eq!(kept.trim(), token);
    let mut demo_lines = Vec::new();
    while !demo_lines.iter().any(|l: &String| l.contains("anna@demo.test")) {
        demo_lines.push(later.recv_timeout(FRAME_TIMEOUT).unwrap_or_else(|_| panic!("demo logins: {demo_lines:?}")));
    }

    let (status, agents) = http(&addr, "GET", "/api/admin/agents", Some(&token), None).await;
    assert_eq!(status, 200, "{agents}");
    assert_eq!(agents.as_array().map(Vec::len), Some(3), "three demo agents: {agents}");
    let body = json!({"email": "anna@demo.test", "password": "demo"});
    let (status, login) = http(&addr, "POST", "/api/login", None, Some(&body)).await;
    assert_eq!((status, login["agent"]["name"].clone()), (200, json!("Anna")), "{login}");
    let (_, status_page) = http(&addr, "GET", "/api/status", None, None).await;
    assert_eq!(status_page["departments"][0]["open"], true, "the demo department is open now: {status_page}");
    let (status, page) = http_text(&addr, "GET", "/", None, None).await;
    assert!(status == 200 && page.contains("widget.js"), "the demo page embeds the widget");

    drop(child);
    let (_child, addr, printed, _) = start_bare(dir.path());
    assert!(!printed.iter().any(|l| l.contains("Generated an admin token")), "generated once: {printed:?}");
    let (status, agents) = http(&addr, "GET", "/api/admin/agents", Some(&token), None).await;
    assert_eq!(status, 200, "the kept token still works: {agents}");
    assert_eq!(agents.as_array().map(Vec::len), Some(3), "the demo is not created twice: {agents}");
}

#[tokio::test]
async fn builtin_bot_answers_from_the_knowledge_base_and_hands_off_on_request() {
    let kb = tempfile::tempdir().unwrap();
    std::fs::write(
        kb.path().join("password.md"),
        "# Resetting your password\n\nClick \"Forgot password?\" on the sign-in page and follow the link we email.\n\n\
         Keywords: password, reset, forgot\n",
    )
    .unwrap();
    let config = format!("{}\n[bot]\nbuiltin = true\nknowledge_base = {:?}\n", config_closed_now(), kb.path());
    let server = Server::start(&config);
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    visitor.send(message("c1", "Hello, I forgot my password and cannot reset it. What should I do?")).await;
    visitor.recv_status("bot").await;
    let answer = visitor
        .recv_until("the article", |v| {
            v["type"] == "message" && v["text"].as_str().is_some_and(|t| t.contains("Forgot"))
        })
        .await;
    assert_eq!(answer["from"]["role"], "bot", "{answer}");
    assert!(s(&answer["text"]).contains("Resetting your password"), "title and first paragraph: {answer}");

    visitor.send(message("c2", "Thanks, but I would like to talk to a human please.")).await;
    let handed = visitor.recv_until("handoff", |v| v["type"] == "conversation" && v["handoff_requested"] == true).await;
    assert_eq!(handed["status"], "bot", "closed: it stays with the bot until the department opens: {handed}");
}
