//! Agent choice and reassignment (spec 5.4 and 5.5, docs/routing.md "Choosing an agent" and "Serving the
//! queue"), and the agent whose last connection drops (docs/protocol.md "Connection lifecycle").

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Tab = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// An agent connection the test can hang up and see gone (the harness client cannot be read after close).
async fn agent_tab(server: &Server, token: &str) -> Tab {
    let url = format!("ws://{}/ws/agent", server.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("connect");
    ws.send(Message::text(json!({"type": "hello", "v": 1, "token": token}).to_string())).await.unwrap();
    tab_recv_type(&mut ws, "welcome").await;
    ws
}

async fn tab_recv_type(ws: &mut Tab, kind: &str) -> Value {
    loop {
        let next = tokio::time::timeout(FRAME_TIMEOUT, ws.next()).await;
        match next.unwrap_or_else(|_| panic!("no {kind} frame in time")) {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == kind {
                    return v;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("tab ended while waiting for {kind}: {other:?}"),
        }
    }
}

/// Closes the tab and waits until the hub has let go of it: the hub reports the disconnection to itself
/// before it drops the socket, so once the TCP stream ends, later frames are handled after it.
async fn hang_up(mut ws: Tab) {
    ws.close(None).await.unwrap();
    let gone = async { while let Some(Ok(_)) = ws.next().await {} };
    tokio::time::timeout(FRAME_TIMEOUT, gone).await.expect("the hub ends the connection");
}

fn conv_of(assigned: &Value) -> Value {
    assigned["conversation"]["conversation_id"].clone()
}

#[tokio::test]
async fn an_agent_whose_last_connection_drops_keeps_its_chats_but_gets_no_new_ones() {
    let server = Server::start(CONFIG_247);
    let anna = server.create_agent("Anna", &["en"], 3).await;
    let token = server.login(&anna.email, PASSWORD).await;
    let tab_a = agent_tab(&server, &token).await;
    let mut tab_b = agent_tab(&server, &token).await;

    // One tab of two closes: Anna is still online and gets a new chat on the other.
    hang_up(tab_a).await;
    let (mut v1, _) = server.visitor_connect(json!({})).await;
    let (ack1, _) = open_conversation(&mut v1, ENGLISH).await;
    let got = tab_recv_type(&mut tab_b, "assigned").await;
    assert_eq!(conv_of(&got), ack1["conversation_id"], "{got}");
    v1.recv_status("assigned").await;

    // The last tab closes: she keeps the chat, but a new one waits in the queue although she has room.
    hang_up(tab_b).await;
    v1.send(message("c2", "Are you still there?")).await;
    // Seq 2 is the `assigned` system line (spec 7.1).
    assert_eq!(v1.recv_ack("c2").await["seq"], 3);
    let (mut v2, _) = server.visitor_connect(json!({})).await;
    let (ack2, conv2) = open_conversation(&mut v2, ENGLISH).await;
    assert_eq!((conv2["status"].clone(), conv2["queue_position"].clone()), (json!("queued"), json!(1)), "{conv2}");
    let first = server.ticket(&s(&got["conversation"]["ticket"])).await;
    assert_eq!((first["status"].clone(), first["agent"]["id"].clone()), (json!("assigned"), json!(anna.id)));
    let second = server.ticket(&s(&conv2["ticket"])).await;
    assert_eq!((second["status"].clone(), second["agent"].clone()), (json!("queued"), Value::Null), "{second}");
    let (_, status) = server.get("/api/status", None).await;
    assert_eq!(status["departments"][0]["agents_online"], 0, "{status}");

    // Back online: her welcome lists the chat she kept, and the waiting one is assigned to her.
    let mut again = server.agent_connect(&token).await;
    let mine: Vec<Value> =
        again.welcome["conversations"].as_array().unwrap().iter().map(|c| c["conversation_id"].clone()).collect();
    assert!(mine.contains(&ack1["conversation_id"]), "{}", again.welcome);
    let assigned = again.recv_type("assigned").await;
    assert_eq!(conv_of(&assigned), ack2["conversation_id"], "{assigned}");
    v2.recv_status("assigned").await;
}

#[tokio::test]
async fn a_freed_place_takes_the_first_queued_conversation() {
    let server = Server::start(CONFIG_247);
    let (_, mut anna) = server.online_agent("Anna", &["en"], 1).await;
    let (mut v1, _) = server.visitor_connect(json!({})).await;
    let (ack1, _) = open_conversation(&mut v1, ENGLISH).await;
    assert_eq!(conv_of(&anna.recv_type("assigned").await), ack1["conversation_id"]);
    let (mut v2, _) = server.visitor_connect(json!({})).await;
    let (ack2, c2) = open_conversation(&mut v2, ENGLISH).await;
    assert_eq!((c2["status"].clone(), c2["queue_position"].clone()), (json!("queued"), json!(1)), "full: {c2}");
    let (mut v3, _) = server.visitor_connect(json!({})).await;
    let (_, c3) = open_conversation(&mut v3, ENGLISH).await;
    assert_eq!(c3["queue_position"], 2, "{c3}");

    anna.send(json!({"type": "resolve", "conversation_id": ack1["conversation_id"], "ref": "r"})).await;
    let next = anna.recv_type("assigned").await;
    assert_eq!(conv_of(&next), ack2["conversation_id"], "the first in the queue: {next}");
    anna.recv_until("ack of resolve", |v| v["type"] == "ack" && v["ref"] == "r").await;
    v2.recv_status("assigned").await;
    let moved = v3.recv_until("v3 moves up", |v| v["type"] == "conversation").await;
    assert_eq!((moved["status"].clone(), moved["queue_position"].clone()), (json!("queued"), json!(1)), "{moved}");
    // Full again: the third one is not assigned as well.
    assert!(anna.ping_pong().await.iter().all(|v| v["type"] != "assigned"));
}

/// Opens a chat and returns the name of the agent it was assigned to.
async fn served_by(server: &Server, anna: &mut Client, bob: &mut Client) -> (String, Value) {
    let (mut v, _) = server.visitor_connect(json!({})).await;
    open_conversation(&mut v, ENGLISH).await;
    let seen = v.recv_status("assigned").await;
    let name = s(&seen["agent"]["name"]);
    let who = if name == "Anna" { anna } else { bob };
    let got = who.recv_type("assigned").await;
    assert_eq!(conv_of(&got), seen["conversation_id"]);
    (name, seen["conversation_id"].clone())
}

#[tokio::test]
async fn fewest_open_chats_first_then_the_one_idle_longest() {
    let server = Server::start(CONFIG_247);
    let (_, mut anna) = server.online_agent("Anna", &["en"], 5).await;
    let (mut v1, _) = server.visitor_connect(json!({})).await;
    let (c1, _) = open_conversation(&mut v1, ENGLISH).await;
    assert_eq!(conv_of(&anna.recv_type("assigned").await), c1["conversation_id"]);
    // Bob connects after Anna's last assignment: Anna is idle longer, but Bob has fewer chats.
    let (_, mut bob) = server.online_agent("Bob", &["en"], 5).await;
    let (who, _) = served_by(&server, &mut anna, &mut bob).await;
    assert_eq!(who, "Bob", "fewest open chats beats idle longest");
    // 1 and 1: Anna's last assignment is older than Bob's.
    let (who, _) = served_by(&server, &mut anna, &mut bob).await;
    assert_eq!(who, "Anna", "on a tie, the one idle longest");
    // Anna resolves one (that does not make her idle): 1 and 1 again, and now Bob waited longer.
    anna.send(json!({"type": "resolve", "conversation_id": c1["conversation_id"], "ref": "r"})).await;
    anna.recv_until("ack of resolve", |v| v["type"] == "ack" && v["ref"] == "r").await;
    let (who, _) = served_by(&server, &mut anna, &mut bob).await;
    assert_eq!(who, "Bob", "on a tie, the one idle longest (Bob's last chat came before Anna's)");
}

#[tokio::test]
async fn a_tier_2_agent_also_serves_tier_1_chats() {
    // An agent's tier is the highest it serves (spec 7.2).
    let server = Server::start(CONFIG_247);
    let mia = json!({"email": "mia@agents.test", "name": "Mia", "password": PASSWORD, "languages": ["en"],
                     "tier": 2, "max_chats": 3, "departments": ["support"]});
    assert_eq!(server.post("/api/admin/agents", server.admin(), mia).await.0, 201);
    let mut mia_ws = server.agent_connect(&server.login("mia@agents.test", PASSWORD).await).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, conv) = open_conversation(&mut visitor, ENGLISH).await;
    assert_eq!(conv["tier"], json!(1), "{conv}");
    assert_eq!(conv_of(&mia_ws.recv_type("assigned").await), ack["conversation_id"]);
}

#[tokio::test]
async fn the_language_is_refined_as_the_visitor_writes_until_assigned() {
    let server = Server::start(CONFIG_247);
    server.create_agent("Eve", &["en"], 3).await;
    let dora = server.create_agent("Dora", &["de"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({"locale": "en-US"})).await;

    // Too short to tell: the locale decides.
    visitor.send(message("c1", "Hi")).await;
    visitor.recv_ack("c1").await;
    let first = visitor.recv_type("conversation").await;
    assert_eq!((first["status"].clone(), first["language"].clone()), (json!("queued"), json!("en")), "{first}");
    // More text, reliably German: the language follows.
    visitor.send(message("c2", GERMAN)).await;
    visitor.recv_ack("c2").await;
    let refined = visitor.recv_until("language de", |v| v["type"] == "conversation" && v["language"] == "de").await;
    assert_eq!(refined["status"], "queued", "German is covered by Dora: {refined}");

    // Eve (English only) comes online and does not get it; Dora does.
    let mut eve = server.agent_connect(&server.login("eve@agents.test", PASSWORD).await).await;
    assert!(eve.ping_pong().await.iter().all(|v| v["type"] != "assigned"), "Eve does not speak German");
    let mut dora_ws = server.agent_connect(&server.login(&dora.email, PASSWORD).await).await;
    let got = dora_ws.recv_type("assigned").await;
    assert_eq!(
        (got["conversation"]["language"].clone(), got["conversation"]["agent"]["id"].clone()),
        (json!("de"), json!(dora.id))
    );
    visitor.recv_status("assigned").await;

    // Assigned: the language is fixed now, whatever the visitor writes.
    visitor.send(message("c3", FINNISH)).await;
    visitor.recv_ack("c3").await;
    let frames = visitor.ping_pong().await;
    assert!(frames.iter().all(|v| v["type"] != "conversation"), "no change after assignment: {frames:?}");
    assert_eq!(server.ticket(&s(&got["conversation"]["ticket"])).await["language"], "de");
}

#[tokio::test]
async fn an_agent_picks_a_waiting_chat_by_hand_and_a_taken_chat_cannot_be_picked_again() {
    let server = Server::start(CONFIG_247);
    let (anna, mut anna_ws) = server.online_agent("Anna", &["en"], 3).await;
    let (_, mut bob_ws) = server.online_agent("Bob", &["en"], 3).await;
    // Both away: routing gives neither of them the chat, so only a pick can.
    for ws in [&mut anna_ws, &mut bob_ws] {
        ws.send(json!({"type": "availability", "status": "away", "ref": "away"})).await;
        ws.recv_until("ack of away", |v| v["type"] == "ack" && v["ref"] == "away").await;
    }
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, conv) = open_conversation(&mut visitor, ENGLISH).await;
    assert_eq!(conv["status"], "queued", "{conv}");
    let id = ack["conversation_id"].clone();
    let listed = |v: &Value| {
        v["type"] == "queue" && v["waiting"].as_array().is_some_and(|w| w.iter().any(|c| c["conversation_id"] == id))
    };
    anna_ws.recv_until("the queue with the chat", listed).await;
    bob_ws.recv_until("the queue with the chat", listed).await;

    anna_ws.send(json!({"type": "pick", "conversation_id": id, "ref": "p1"})).await;
    let assigned = anna_ws.recv_type("assigned").await;
    assert_eq!(conv_of(&assigned), id, "{assigned}");
    assert_eq!(assigned["conversation"]["agent"]["id"], anna.id.as_str(), "{assigned}");
    assert_eq!(assigned["messages"][0]["seq"], 1, "the transcript comes with it: {assigned}");
    let done = anna_ws.recv_until("ack of pick", |v| v["type"] == "ack" || v["type"] == "error").await;
    assert_eq!((done["type"].clone(), done["ref"].clone()), (json!("ack"), json!("p1")), "{done}");
    let status = visitor.recv_status("assigned").await;
    assert_eq!(status["agent"]["name"], "Anna", "{status}");
    bob_ws.recv_until("the queue without the chat", |v| v["type"] == "queue" && v["waiting"] == json!([])).await;

    bob_ws.send(json!({"type": "pick", "conversation_id": id, "ref": "p2"})).await;
    let refused = bob_ws.recv_until("answer to the second pick", |v| v["ref"] == "p2").await;
    assert_eq!((refused["type"].clone(), refused["code"].clone()), (json!("error"), json!("bad_request")), "{refused}");
    visitor.send(message("c2", "Are you there?")).await;
    visitor.recv_ack("c2").await;
    let got =
        anna_ws.recv_until("the visitor's message", |v| v["type"] == "message" && v["from"]["role"] == "visitor").await;
    assert_eq!(got["from"]["role"], "visitor", "{got}");
}
