//! Status notices against the real binary (spec 7.4): posted over HTTP, started and ended by the hub's
//! timers, told to the connected visitors of the departments concerned, carried in the welcome, and
//! mentioned by the built-in bot when it greets.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

fn config() -> String {
    format!("{CONFIG_247}\n[[departments]]\nname = \"sales\"\ntimezone = \"Etc/GMT\"\nhours = \"24/7\"\n")
}

fn in_secs(s: i64) -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(s)).to_string()
}

fn notice(v: &Value, state: &str) -> bool {
    v["type"] == "notice" && v["state"] == state
}

#[tokio::test]
async fn a_notice_reaches_its_departments_visitors_when_posted_when_it_starts_and_when_it_ends() {
    let server = Server::start(&config());
    let (mut support, welcome) = server.visitor_connect(json!({"department": "support"})).await;
    assert_eq!(welcome["notices"], json!([]), "{welcome}");
    let (mut sales, _) = server.visitor_connect(json!({"department": "sales"})).await;

    let body = json!({"kind":"maintenance","title":"Database upgrade","text":"Chat may pause.",
                      "starts_at": in_secs(2),"ends_at": in_secs(4),"departments":["support"]});
    let (status, posted) = server.post("/api/admin/notices", server.admin(), body).await;
    assert_eq!(status, 201, "{posted}");
    let within = Duration::from_secs(8);
    let frame = support.recv_until_within(within, "posted", |v| notice(v, "posted")).await;
    assert_eq!(frame["notice"]["id"], posted["id"]);
    assert_eq!(frame["notice"]["status"], "announced", "{frame}");
    let frame = support.recv_until_within(within, "started", |v| notice(v, "updated")).await;
    assert_eq!(frame["notice"]["status"], "in_force", "{frame}");

    // While it is in force, a new visitor of the department is welcomed with it.
    let (_, welcome) = server.visitor_connect(json!({"department": "support"})).await;
    assert_eq!(welcome["notices"][0]["title"], "Database upgrade", "{welcome}");

    let frame = support.recv_until_within(within, "ended", |v| notice(v, "ended")).await;
    assert_eq!(frame["notice"]["status"], "ended", "{frame}");
    let others = sales.ping_pong().await;
    assert!(others.iter().all(|v| v["type"] != "notice"), "sales was told: {others:?}");
    let (_, list) = server.get("/api/notices", None).await;
    assert_eq!(list["notices"], json!([]), "{list}");
}

#[tokio::test]
async fn the_built_in_bot_mentions_an_incident_in_force_when_it_greets() {
    let server = Server::start(CONFIG_247);
    let body = json!({"kind":"incident","title":"Card payments are failing","text":"We are working on it."});
    let (status, _) = server.post("/api/admin/notices", server.admin(), body).await;
    assert_eq!(status, 201);
    // No agent online: the bot takes the chat and greets.
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    assert_eq!(welcome["notices"][0]["kind"], "incident", "{welcome}");
    visitor.send(message("c1", ENGLISH)).await;
    visitor.recv_ack("c1").await;
    let greeting =
        visitor.recv_until("the bot's greeting", |v| v["type"] == "message" && v["from"]["role"] == "bot").await;
    let text = greeting["text"].as_str().unwrap();
    assert!(text.contains("Please note: Card payments are failing."), "{text}");
}
