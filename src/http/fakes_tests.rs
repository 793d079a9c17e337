//! The router over fakes, as axum's own examples test theirs: a hub handle whose channel a test task
//! answers, and a read pool over a reader that holds one conversation. No SQLite, dispatcher or password
//! thread starts.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::app::App;
use crate::config::{Department, Limits};
use crate::delivery::ConnRegistry;
use crate::domain::*;
use crate::hub::{AdminCommand, HubEvent, HubHandle};
use crate::passwords::Passwords;
use crate::protocol::rest::DepartmentStatus;
use crate::routing::hours::Schedule;
use crate::store::*;
use crate::visitor_token::VisitorTokens;

const ADMIN: &str = "fake-admin-token";

/// Holds one resolved conversation, SB-7, with two messages; knows nothing else.
struct OneTicket;

fn record() -> ConversationRecord {
    ConversationRecord {
        ticket: Ticket(7),
        visitor_id: VisitorId(70),
        last_seq: 2,
        ..ConversationRecord::sample(7, Status::Resolved)
    }
}

impl Transcripts for OneTicket {
    fn messages_after(&self, c: ConversationId, after: Seq, _: usize) -> StoreResult<Vec<MessageRecord>> {
        let m = |seq| MessageRecord {
            conversation_id: c,
            seq,
            role: Role::Visitor,
            sender_name: None,
            text: "hello".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            client_msg_id: None,
            system: None,
        };
        Ok((after + 1..=2).filter(|_| c == ConversationId(7)).map(m).collect())
    }
}

impl StoreReader for OneTicket {
    fn token(&self, _: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        Ok(None)
    }
    fn agent_by_email(&self, _: &str) -> StoreResult<Option<AgentRecord>> {
        Ok(None)
    }
    fn agent(&self, _: AgentId) -> StoreResult<Option<AgentRecord>> {
        Ok(None)
    }
    fn bot(&self, _: BotId) -> StoreResult<Option<BotRecord>> {
        Ok(None)
    }
    fn conversation_by_ticket(&self, t: Ticket) -> StoreResult<Option<ConversationRecord>> {
        Ok((t == Ticket(7)).then(record))
    }
    fn conversations(&self, _: TicketQuery) -> StoreResult<Vec<ConversationRecord>> {
        Ok(vec![record()])
    }
    fn open_conversation_of(&self, _: VisitorId) -> StoreResult<Option<ConversationRecord>> {
        Ok(None)
    }
    fn history(&self, _: ConversationId, _: usize) -> StoreResult<Vec<HistoryEntry>> {
        Ok(vec![])
    }
    fn report(&self, _: &crate::store::ReportQuery) -> StoreResult<crate::store::Report> {
        Ok(Default::default())
    }
    fn kb_search(&self, _: &str, _: Option<&str>, _: usize) -> StoreResult<Vec<crate::store::KbHit>> {
        Ok(vec![])
    }
    fn kb_articles(
        &self,
        _: Option<crate::domain::ArticleId>,
        _: usize,
    ) -> StoreResult<Vec<crate::store::ArticleRecord>> {
        Ok(vec![])
    }
}

/// The router over the fakes; the hub's side answers status requests with one closed department.
fn router() -> axum::Router {
    let (tx, mut rx) = mpsc::channel::<HubEvent>(8);
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            match event {
                HubEvent::Admin(AdminCommand::Status(reply)) => {
                    let closed = DepartmentStatus {
                        name: "support".into(),
                        open: false,
                        next_change: None,
                        agents_online: 0,
                        queued: 3,
                    };
                    let _ = reply.send(vec![closed]);
                }
                HubEvent::Admin(AdminCommand::Notice(crate::hub::NoticeCommand::List { reply, .. })) => {
                    let _ = reply.send(vec![]);
                }
                _ => {}
            }
        }
    });
    let app = App::new(
        HubHandle::from_sender(tx),
        ConnRegistry::new(),
        ReadPool::of(vec![Box::new(OneTicket)]),
        Limits::default(),
        vec![],
        ADMIN.into(),
        false,
        vec![Department::new("support", Schedule::always_open())],
        Default::default(),
        None,
        Passwords::stopped(),
        VisitorTokens::new([9; 32]),
        Vec::new(),
    );
    crate::http::router(app)
}

async fn get(router: &axum::Router, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::builder().uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn status_comes_from_the_hub_handle() {
    let (status, body) = get(&router(), "/api/status", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["departments"][0]["queued"], 3, "{body}");
    assert_eq!(body["departments"][0]["open"], false);
}

#[tokio::test]
async fn tickets_come_from_the_read_pool_and_need_a_token() {
    let r = router();
    assert_eq!(get(&r, "/api/tickets/SB-7", None).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = get(&r, "/api/tickets/SB-7", Some(ADMIN)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ticket"], "SB-7");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(get(&r, "/api/tickets/SB-8", Some(ADMIN)).await.0, StatusCode::NOT_FOUND);
}
