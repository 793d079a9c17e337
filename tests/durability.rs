//! The embedded store across SIGKILL (issue: "restarting, even after kill -9, loses no acknowledged
//! message, ticket, agent, token or identity link"). Messages are covered in tests/lifecycle.rs; this file
//! covers everything else a client was told is done.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn agents_tokens_tickets_ratings_and_identity_links_survive_sigkill() {
    let mut server = Server::start(CONFIG_247);

    // An agent, changed by the admin after its creation, logged in and serving one chat.
    let anna = server.create_agent("Anna", &["en"], 3).await;
    let (status, changed) =
        server.patch(&format!("/api/admin/agents/{}", anna.id), server.admin(), json!({"max_chats": 2})).await;
    assert_eq!((status, changed["max_chats"].clone()), (200, json!(2)), "{changed}");
    let agent_token = server.login(&anna.email, PASSWORD).await;
    let mut agent = server.agent_connect(&agent_token).await;
    let (bot_id, bot_token) = server.create_bot("Helper").await;

    // A verified visitor links user-42 to its first email; the chat is assigned.
    let first = identity("user-42", "first@example.com", "premium");
    let (mut visitor, welcome) = server.visitor_connect(json!({"identity": first})).await;
    assert_eq!((welcome["verified"].clone(), welcome["identity_conflict"].clone()), (json!(true), json!(false)));
    let visitor_token = s(&welcome["visitor_token"]);
    let (ack, conv) = open_conversation(&mut visitor, ENGLISH).await;
    let open_ticket = s(&conv["ticket"]);
    agent.recv_type("assigned").await;
    visitor.recv_status("assigned").await;

    // A second chat, resolved and rated.
    let (mut rater, _) = server.visitor_connect(json!({})).await;
    let (rated_ack, rated_conv) = open_conversation(&mut rater, ENGLISH).await;
    let rated_id = s(&rated_ack["conversation_id"]);
    let rated_ticket = s(&rated_conv["ticket"]);
    agent.recv_type("assigned").await;
    agent.send(json!({"type": "resolve", "conversation_id": rated_id, "ref": "res"})).await;
    agent.recv_until("ack of resolve", |v| v["type"] == "ack" && v["ref"] == "res").await;
    rater.recv_type("survey").await;
    rater.send(json!({"type": "rating", "conversation_id": rated_id, "score": 4, "comment": "ok", "ref": "r"})).await;
    rater.recv_until("ack of rating", |v| v["type"] == "ack" && v["ref"] == "r").await;

    // user-7 is linked to a@ and then relinked by the admin to b@.
    let (_, w) = server.visitor_connect(json!({"identity": identity("user-7", "a@example.com", "standard")})).await;
    assert_eq!(w["verified"], true, "{w}");
    let (status, reply) =
        server.patch("/api/admin/identities/default/user-7", server.admin(), json!({"email": "b@example.com"})).await;
    assert!((200..300).contains(&status), "relink: {status} {reply}");

    server.kill9();
    server.restart();

    // The agent: listed with its change, its password still logs in, and its old session token still works.
    let (_, agents) = server.get("/api/admin/agents", server.admin()).await;
    let listed = agents.as_array().unwrap().iter().find(|a| a["id"] == anna.id.as_str()).cloned();
    let listed = listed.unwrap_or_else(|| panic!("Anna survives: {agents}"));
    assert_eq!((listed["name"].clone(), listed["max_chats"].clone()), (json!("Anna"), json!(2)), "{listed}");
    assert!(!server.login(&anna.email, PASSWORD).await.is_empty());
    let (status, _) = server.get(&format!("/api/tickets/{open_ticket}"), Some(&agent_token)).await;
    assert_eq!(status, 200, "the agent's session token still works over HTTP");
    let agent = server.agent_connect(&agent_token).await;
    assert_eq!(agent.welcome["agent"]["id"], anna.id.as_str(), "{}", agent.welcome);
    let mine = agent.welcome["conversations"].as_array().expect("conversations");
    assert_eq!(mine.len(), 1, "Anna still has her open chat: {}", agent.welcome);
    assert_eq!(mine[0]["conversation_id"], ack["conversation_id"]);

    // The bot's token still connects.
    let bot = server.bot_connect(&bot_token).await;
    assert_eq!(bot.welcome["type"], "welcome", "{}", bot.welcome);
    assert_eq!(bot.welcome["bot"]["id"], bot_id.as_str(), "the same bot: {}", bot.welcome);

    // Tickets: the open one still assigned to Anna, the resolved one with its rating.
    let open = server.ticket(&open_ticket).await;
    assert_eq!((open["status"].clone(), open["agent"]["id"].clone()), (json!("assigned"), json!(anna.id)), "{open}");
    assert_eq!(open["priority"], "premium", "{open}");
    let rated = server.ticket(&rated_ticket).await;
    assert_eq!(rated["status"], "resolved", "{rated}");
    assert_eq!((rated["rating"]["score"].clone(), rated["rating"]["comment"].clone()), (json!(4), json!("ok")));
    let (status, own) = server.get(&format!("/api/tickets/{open_ticket}"), Some(&visitor_token)).await;
    assert_eq!(status, 200, "the visitor's token still reads its ticket: {own}");

    // Identity links: user-42 still belongs to first@, so second@ is a conflict; user-7 is b@ now.
    let second = identity("user-42", "second@example.com", "premium");
    let (_, w) = server.visitor_connect(json!({"identity": second})).await;
    assert_eq!((w["identity_conflict"].clone(), w["verified"].clone()), (json!(true), json!(false)), "{w}");
    let first = identity("user-42", "first@example.com", "premium");
    let (_, w) = server.visitor_connect(json!({"identity": first})).await;
    assert_eq!((w["identity_conflict"].clone(), w["verified"].clone()), (json!(false), json!(true)), "{w}");
    let (_, w) = server.visitor_connect(json!({"identity": identity("user-7", "b@example.com", "standard")})).await;
    assert_eq!((w["identity_conflict"].clone(), w["verified"].clone()), (json!(false), json!(true)), "relinked: {w}");
    let (_, w) = server.visitor_connect(json!({"identity": identity("user-7", "a@example.com", "standard")})).await;
    assert_eq!(w["identity_conflict"], true, "the old email conflicts after the relink: {w}");
}

#[tokio::test]
async fn a_deleted_agent_stays_deleted_and_its_token_dies_with_it() {
    let mut server = Server::start(CONFIG_247);
    let gone = server.create_agent("Gone", &["en"], 3).await;
    let token = server.login(&gone.email, PASSWORD).await;
    let (status, _) = server.delete(&format!("/api/admin/agents/{}", gone.id), server.admin()).await;
    assert!((200..300).contains(&status), "delete: {status}");

    server.kill9();
    server.restart();

    let (_, agents) = server.get("/api/admin/agents", server.admin()).await;
    assert!(agents.as_array().unwrap().iter().all(|a| a["id"] != gone.id.as_str()), "{agents}");
    let bad = json!({"email": gone.email, "password": PASSWORD});
    assert_eq!(server.post("/api/login", None, bad).await.0, 401, "a deleted agent cannot log in");
    let mut ws = Client::connect(&server.addr, "/ws/agent").await;
    ws.send(json!({"type": "hello", "v": 1, "token": token})).await;
    assert_eq!(ws.expect_close().await, 4001, "its old session token is refused");
}
