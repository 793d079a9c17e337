//! `GET /api/tickets/search` against the router over a real store (docs/http-api.md).

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::tests::{ADMIN, anna, call, router};
use crate::domain::{ConversationId, Role, Status, Ticket};
use crate::store::sqlite::SqliteFactory;
use crate::store::{ConversationRecord, MessageRecord, StoreFactory, StoreOp};

/// Resolved tickets SB-2001 ... SB-2030 of visitors "Visitor n" <vn@example.com>; every one says "order",
/// SB-2007 also "my parcel is lost", and SB-2012 belongs to Paula.
fn seed(dir: &std::path::Path) {
    let factory = SqliteFactory::new(dir).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let mut ops = Vec::new();
    for n in 1..=30u64 {
        let mut rec = ConversationRecord::sample(n, Status::Resolved);
        rec.ticket = Ticket(2000 + n);
        let (name, email) = match n {
            12 => ("Paula Pérez".to_string(), "paula@shop.example".to_string()),
            _ => (format!("Visitor {n}"), format!("v{n}@example.com")),
        };
        rec.visitor_name = Some(Arc::from(name));
        rec.visitor_email = Some(Arc::from(email));
        let text = if n == 7 { "Where is my order? My parcel is lost." } else { "A question about my order" };
        let message = MessageRecord {
            conversation_id: ConversationId(n),
            seq: 1,
            role: Role::Visitor,
            sender_name: None,
            text: Arc::from(text),
            at: jiff::Timestamp::UNIX_EPOCH,
            client_msg_id: None,
            system: None,
        };
        ops.push(StoreOp::PutConversation(Box::new(rec)));
        ops.push(StoreOp::PutMessage(message));
    }
    writer.apply(&ops).unwrap();
}

fn tickets(body: &Value) -> Vec<&str> {
    body["results"].as_array().unwrap().iter().map(|t| t["ticket"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn agents_search_by_number_email_name_and_text() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let r = router(dir.path()).await;
    call(&r, Method::POST, "/api/admin/agents", Some(ADMIN), Some(anna())).await;
    let login = json!({"email":"anna@example.com","password":"s3cret-pass"});
    let (_, session) = call(&r, Method::POST, "/api/login", None, Some(login)).await;
    let agent = session["token"].as_str().unwrap();

    assert_eq!(call(&r, Method::GET, "/api/tickets/search?q=parcel", None, None).await.0, StatusCode::UNAUTHORIZED);
    let (s, body) = call(&r, Method::GET, "/api/tickets/search?q=PARCEL", Some(agent), None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(tickets(&body), ["SB-2007"], "by message text, any case");
    assert_eq!(body["results"][0]["messages"][0]["text"], "Where is my order? My parcel is lost.");
    assert_eq!(body["next_before"], Value::Null);

    let (_, body) = call(&r, Method::GET, "/api/tickets/search?q=paula%40shop", Some(agent), None).await;
    assert_eq!(tickets(&body), ["SB-2012"], "by email");
    let (_, body) = call(&r, Method::GET, "/api/tickets/search?q=Paula%20P", Some(ADMIN), None).await;
    assert_eq!(tickets(&body), ["SB-2012"], "by name, for the admin too");
    let (_, body) = call(&r, Method::GET, "/api/tickets/search?q=SB-2003", Some(agent), None).await;
    assert_eq!(tickets(&body)[0], "SB-2003", "by number");
    let (_, body) = call(&r, Method::GET, "/api/tickets/search?q=nowhere%20at%20all", Some(agent), None).await;
    assert_eq!((tickets(&body).len(), &body["next_before"]), (0, &Value::Null));
}

#[tokio::test]
async fn pages_are_bounded_and_follow_on() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let r = router(dir.path()).await;
    let mut seen = Vec::new();
    let mut path = "/api/tickets/search?q=order&limit=12".to_string();
    for _ in 0..3 {
        let (s, body) = call(&r, Method::GET, &path, Some(ADMIN), None).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(tickets(&body).len() <= 12);
        seen.extend(tickets(&body).into_iter().map(String::from));
        match body["next_before"].as_str() {
            Some(next) => path = format!("/api/tickets/search?q=order&limit=12&before={next}"),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=30).rev().map(|n| format!("SB-{}", 2000 + n)).collect();
    assert_eq!(seen, expected, "every match once, newest first, over three pages");

    let (_, body) = call(&r, Method::GET, "/api/tickets/search?q=order&limit=1000", Some(ADMIN), None).await;
    assert_eq!(tickets(&body).len(), 30);
    assert_eq!(body["results"].as_array().unwrap().len(), 30, "within the page bound of 50");
    for bad in ["q=a", "q=%20%20", "q=order&before=nope", ""] {
        let (s, body) = call(&r, Method::GET, &format!("/api/tickets/search?{bad}"), Some(ADMIN), None).await;
        assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{bad}");
    }
    let long = "x".repeat(101);
    let (s, _) = call(&r, Method::GET, &format!("/api/tickets/search?q={long}"), Some(ADMIN), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a query over 100 characters");
}

#[tokio::test]
async fn a_bot_ticket_names_the_bot_as_its_site_does() {
    let dir = tempfile::tempdir().unwrap();
    {
        let factory = SqliteFactory::new(dir.path()).unwrap();
        let mut writer = factory.open_writer().unwrap();
        let mut rec = ConversationRecord::sample(1, Status::Bot);
        rec.bot_id = Some(crate::domain::BotId(1));
        let bot = crate::store::BotRecord {
            id: crate::domain::BotId(1),
            name: Arc::from("Switchboard Bot"),
            created_at: jiff::Timestamp::UNIX_EPOCH,
        };
        writer.apply(&[StoreOp::PutBot(bot), StoreOp::PutConversation(Box::new(rec))]).unwrap();
    }
    let mut config = super::tests::config(dir.path());
    let mut site = config.sites().remove(0);
    site.bot_name = Some("Velo".into());
    config.sites = vec![site];
    let r = crate::server::build(&config).await.unwrap().router;
    let (s, ticket) = call(&r, Method::GET, "/api/tickets/SB-1001", Some(ADMIN), None).await;
    assert_eq!((s, &ticket["bot"]["name"]), (StatusCode::OK, &json!("Velo")), "{ticket}");
    let (_, found) = call(&r, Method::GET, "/api/tickets/search?q=SB-1001", Some(ADMIN), None).await;
    assert_eq!(found["results"][0]["bot"]["name"], "Velo", "{found}");
    let (_, list) = call(&r, Method::GET, "/api/tickets?status=bot", Some(ADMIN), None).await;
    assert_eq!(list[0]["bot"]["name"], "Velo", "{list}");
}
