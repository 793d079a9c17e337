//! The HTTP API (spec 2): health, metrics, status, admin, login, tickets.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn healthz_is_ok() {
    let server = Server::start(CONFIG_247);
    let (status, body) = server.get("/healthz", None).await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
}

#[tokio::test]
async fn metrics_expose_switchboard_series_after_a_chat() {
    let server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    agent.recv_type("assigned").await;
    agent.send(agent_message(&s(&ack["conversation_id"]), "a1", "Hello, let me look.")).await;
    agent.recv_ack("a1").await;
    // Gauges are refreshed by the hub's upkeep tick, so wait (bounded) for the chat to show.
    let want = [
        r#"switchboard_connections{role="visitor"} 1"#,
        r#"switchboard_connections{role="agent"} 1"#,
        r#"switchboard_conversations{status="assigned"} 1"#,
        r#"switchboard_queue_length{priority="standard"} 0"#,
        "switchboard_messages_total{role=\"visitor\"} 1",
        "switchboard_messages_total{role=\"agent\"} 1",
        "switchboard_messages_total{role=\"bot\"} 0",
        "switchboard_conversations_opened_total 1",
        "switchboard_message_delivery_seconds_count",
        "switchboard_store_commit_seconds_count",
    ];
    let deadline = std::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let (status, body) = http_text(&server.addr, "GET", "/metrics", None, None).await;
        assert_eq!(status, 200);
        let missing: Vec<&&str> = want.iter().filter(|w| !body.lines().any(|l| l.starts_with(**w))).collect();
        if missing.is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "missing {missing:?} in\n{body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn status_reports_departments_agents_and_queue() {
    let server = Server::start(CONFIG_247);
    let (status, body) = server.get("/api/status", None).await;
    assert_eq!(status, 200, "{body}");
    let dept = &body["departments"][0];
    assert_eq!(dept["name"], "support", "{body}");
    assert_eq!(dept["open"], true);
    assert!(dept.get("next_change").is_some(), "next_change present (null for 24/7): {body}");
    assert_eq!((dept["agents_online"].clone(), dept["queued"].clone()), (json!(0), json!(0)), "{body}");

    // An offline English agent covers the language, so the chat waits in the queue.
    let anna = server.create_agent("Anna", &["en"], 1).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (_, conv) = open_conversation(&mut visitor, ENGLISH).await;
    assert_eq!(conv["status"], "queued");
    let (_, body) = server.get("/api/status", None).await;
    assert_eq!(body["departments"][0]["queued"], 1, "{body}");

    let token = server.login(&anna.email, PASSWORD).await;
    let mut agent = server.agent_connect(&token).await;
    agent.recv_type("assigned").await;
    let (_, body) = server.get("/api/status", None).await;
    assert_eq!(body["departments"][0]["agents_online"], 1, "{body}");
    assert_eq!(body["departments"][0]["queued"], 0, "{body}");
}

#[tokio::test]
async fn admin_agents_crud_and_authorization() {
    let server = Server::start(CONFIG_247);
    let secret = "a very secret password";
    let body = json!({"email": "zoe@agents.test", "name": "Zoe", "password": secret, "languages": ["en", "de"],
                      "tier": 1, "max_chats": 2, "departments": ["support"]});
    assert_eq!(server.post("/api/admin/agents", None, body.clone()).await.0, 401);
    assert_eq!(server.post("/api/admin/agents", Some("wrong-token"), body.clone()).await.0, 401);
    let (status, zoe) = server.post("/api/admin/agents", server.admin(), body.clone()).await;
    assert_eq!(status, 201, "{zoe}");
    let text = zoe.to_string();
    assert!(!text.contains(secret) && zoe.get("password").is_none() && zoe.get("password_hash").is_none(), "{zoe}");
    assert_eq!((zoe["name"].clone(), zoe["languages"].clone()), (json!("Zoe"), json!(["en", "de"])), "{zoe}");
    assert_eq!(zoe["max_chats"], 2);
    let id = s(&zoe["id"]);
    let (status, dup) = server.post("/api/admin/agents", server.admin(), body).await;
    assert!((400..500).contains(&status), "a second agent with the same email is refused: {status} {dup}");

    // An agent's token is not an admin's.
    let agent_token = server.login("zoe@agents.test", secret).await;
    assert_eq!(server.get("/api/admin/agents", Some(&agent_token)).await.0, 403);
    let other = json!({"email": "x@agents.test", "name": "X", "password": "pass1234", "languages": ["en"]});
    assert_eq!(server.post("/api/admin/agents", Some(&agent_token), other).await.0, 403);

    let (status, list) = server.get("/api/admin/agents", server.admin()).await;
    assert_eq!(status, 200);
    assert!(list.as_array().unwrap().iter().any(|a| a["id"] == id.as_str()), "{list}");
    assert!(!list.to_string().contains(secret));

    let (status, changed) =
        server.patch(&format!("/api/admin/agents/{id}"), server.admin(), json!({"name": "Zoë", "max_chats": 5})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!((changed["name"].clone(), changed["max_chats"].clone()), (json!("Zoë"), json!(5)), "{changed}");
    assert_eq!(
        server.patch(&format!("/api/admin/agents/{id}"), Some(&agent_token), json!({"name": "Me"})).await.0,
        403
    );

    assert_eq!(server.delete(&format!("/api/admin/agents/{id}"), Some(&agent_token)).await.0, 403);
    let (status, _) = server.delete(&format!("/api/admin/agents/{id}"), server.admin()).await;
    assert!((200..300).contains(&status), "delete: {status}");
    let (_, list) = server.get("/api/admin/agents", server.admin()).await;
    assert!(list.as_array().unwrap().iter().all(|a| a["id"] != id.as_str()), "{list}");
}

#[tokio::test]
async fn created_bot_connects_with_its_token() {
    let server = Server::start(CONFIG_247);
    assert_eq!(server.post("/api/admin/bots", None, json!({"name": "Helper"})).await.0, 401);
    let (status, bot) = server.post("/api/admin/bots", server.admin(), json!({"name": "Helper"})).await;
    assert_eq!(status, 201, "{bot}");
    assert_eq!(bot["name"], "Helper");
    assert!(bot["id"].is_string() || bot["id"].is_number(), "{bot}");
    let client = server.bot_connect(&s(&bot["token"])).await;
    assert_eq!(client.welcome["type"], "welcome", "{}", client.welcome);
}

#[tokio::test]
async fn login_refuses_a_bad_pair() {
    let server = Server::start(CONFIG_247);
    let anna = server.create_agent("Anna", &["en"], 3).await;
    let wrong = json!({"email": anna.email, "password": "not the password"});
    let (status, body) = server.post("/api/login", None, wrong).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["code"].is_string(), "errors have the spec's shape: {body}");
    let unknown = json!({"email": "nobody@agents.test", "password": PASSWORD});
    assert_eq!(server.post("/api/login", None, unknown).await.0, 401);
    let (status, ok) = server.post("/api/login", None, json!({"email": anna.email, "password": PASSWORD})).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["agent"]["id"], anna.id.as_str(), "{ok}");
    assert!(ok["token"].is_string());
}

#[tokio::test]
async fn tickets_are_readable_by_owner_agents_and_admin_only() {
    let server = Server::start(CONFIG_247);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;
    let agent_token = server.login("anna@agents.test", PASSWORD).await;
    let (mut owner, welcome) = server.visitor_connect(json!({})).await;
    let owner_token = s(&welcome["visitor_token"]);
    let (ack, conv) = open_conversation(&mut owner, ENGLISH).await;
    let ticket = s(&conv["ticket"]);
    agent.recv_type("assigned").await;
    let (_, other) = server.visitor_connect(json!({})).await;
    let other_token = s(&other["visitor_token"]);

    let path = format!("/api/tickets/{ticket}");
    let (status, body) = server.get(&path, Some(&owner_token)).await;
    assert_eq!(status, 200, "the owner: {body}");
    assert_eq!(body["ticket"], ticket.as_str());
    assert_eq!(body["conversation_id"], ack["conversation_id"]);
    assert_eq!(body["messages"][0]["text"], ENGLISH, "{body}");
    assert_eq!(body["messages"][0]["seq"], 1);
    for key in ["status", "department", "language", "priority", "tier", "created_at", "visitor", "agent"] {
        assert!(body.get(key).is_some(), "ticket lacks {key}: {body}");
    }
    let (status, body) = server.get(&path, Some(&other_token)).await;
    assert_eq!(status, 404, "another visitor: {body}");
    assert_eq!(server.get(&path, Some(&agent_token)).await.0, 200, "an agent");
    assert_eq!(server.get(&path, server.admin()).await.0, 200, "the admin");
    assert_eq!(server.get(&path, None).await.0, 401, "no token");
    assert_eq!(server.get(&path, Some("sbv_forged")).await.0, 401, "a wrong token");
    assert_eq!(server.get("/api/tickets", Some(&owner_token)).await.0, 403, "visitors cannot list tickets");
    let (status, list) = server.get("/api/tickets?status=assigned", Some(&agent_token)).await;
    assert_eq!(status, 200);
    let item = list.as_array().unwrap().iter().find(|t| t["ticket"] == ticket.as_str()).expect("listed").clone();
    assert_eq!(item["messages"][0]["seq"], 1, "list items are whole tickets: {item}");
    let (_, light) = server.get("/api/tickets?status=assigned&messages=false", Some(&agent_token)).await;
    assert!(light[0].get("messages").is_none(), "{light}");
}

#[tokio::test]
async fn admin_token_from_environment() {
    // Only the environment carries the admin token here (spec 1: `SWITCHBOARD_ADMIN_TOKEN`).
    let server = Server::start_with(CONFIG_247, false);
    let (status, body) = server.get("/api/admin/agents", server.admin()).await;
    assert_eq!(status, 200, "SWITCHBOARD_ADMIN_TOKEN is the admin token: {body}");
}

#[tokio::test]
async fn ticket_list_is_newest_first_and_filters_by_status() {
    let server = Server::start(CONFIG_247);
    let mut tickets = Vec::new();
    for _ in 0..3 {
        let (mut visitor, _) = server.visitor_connect(json!({})).await;
        let (_, conv) = open_conversation(&mut visitor, ENGLISH).await;
        tickets.push(s(&conv["ticket"]));
    }
    let (status, list) = server.get("/api/tickets", server.admin()).await;
    assert_eq!(status, 200, "{list}");
    let listed: Vec<String> = list.as_array().unwrap().iter().map(|t| s(&t["ticket"])).collect();
    tickets.reverse();
    assert_eq!(listed, tickets, "newest first");
    let (_, resolved) = server.get("/api/tickets?status=resolved", server.admin()).await;
    assert_eq!(resolved, json!([]), "{resolved}");
}
