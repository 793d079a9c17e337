//! HTTP tests against the router: real hub and SQLite store in a temp dir, no socket.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::config::{Config, Overrides};

pub(super) const ADMIN: &str = "test-admin-token";

async fn built(dir: &std::path::Path) -> crate::server::Built {
    crate::server::build(&config(dir)).await.unwrap()
}

/// The default configuration over `dir`, with the admin token and no built-in bot.
pub(super) fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::load(None, Overrides { data_dir: Some(dir.to_path_buf()), ..Default::default() }).unwrap();
    config.admin_token = Some(ADMIN.into());
    config.bot.builtin = false;
    config
}

pub(super) async fn router(dir: &std::path::Path) -> Router {
    built(dir).await.router
}

pub(super) async fn call(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

pub(super) fn anna() -> Value {
    json!({"email":"Anna@Example.com","name":"Anna","password":"s3cret-pass","languages":["en","de"],"tier":1,"max_chats":3,"departments":["support"]})
}

#[tokio::test]
async fn health_status_and_unknown_routes() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    assert_eq!(call(&r, Method::GET, "/healthz", None, None).await, (StatusCode::OK, json!({"status":"ok"})));
    let (s, body) = call(&r, Method::GET, "/api/status", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let dept = &body["departments"][0];
    assert_eq!(dept["name"], "support");
    assert!(dept["open"].is_boolean() && dept["next_change"].is_string());
    assert_eq!((dept["agents_online"].as_u64(), dept["queued"].as_u64()), (Some(0), Some(0)));
    let (s, body) = call(&r, Method::GET, "/nope", None, None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

#[tokio::test]
async fn admin_agents_need_the_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    let (s, body) = call(&r, Method::POST, "/api/admin/agents", None, Some(anna())).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    assert_eq!(
        call(&r, Method::POST, "/api/admin/agents", Some("wrong"), Some(anna())).await.0,
        StatusCode::UNAUTHORIZED
    );

    let (s, agent) = call(&r, Method::POST, "/api/admin/agents", Some(ADMIN), Some(anna())).await;
    assert_eq!(s, StatusCode::CREATED, "{agent}");
    assert_eq!(agent["email"], "anna@example.com");
    assert_eq!(agent["languages"], json!(["en", "de"]));
    assert!(agent.get("password").is_none() && agent.get("password_hash").is_none());
    assert!(agent["id"].as_str().unwrap().starts_with("ag_"));

    let (s, body) = call(&r, Method::POST, "/api/admin/agents", Some(ADMIN), Some(anna())).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));

    let (s, login) =
        call(&r, Method::POST, "/api/login", None, Some(json!({"email":"anna@example.com","password":"s3cret-pass"})))
            .await;
    assert_eq!(s, StatusCode::OK);
    let token = login["token"].as_str().unwrap();
    assert_eq!(login["agent"]["name"], "Anna");
    // An agent's token is valid, but not for the admin API.
    assert_eq!(call(&r, Method::GET, "/api/admin/agents", Some(token), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call(&r, Method::GET, "/api/agents", Some(token), None).await.0, StatusCode::OK);

    let id = agent["id"].as_str().unwrap();
    let path = format!("/api/admin/agents/{id}");
    let (s, patched) =
        call(&r, Method::PATCH, &path, Some(ADMIN), Some(json!({"max_chats":5,"languages":["en"]}))).await;
    assert_eq!((s, patched["max_chats"].as_u64()), (StatusCode::OK, Some(5)));
    assert_eq!(patched["languages"], json!(["en"]));
    assert_eq!(call(&r, Method::DELETE, &path, Some(ADMIN), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call(&r, Method::DELETE, &path, Some(ADMIN), None).await.0, StatusCode::NOT_FOUND);
    // The deleted agent's session ends with it.
    assert_eq!(call(&r, Method::GET, "/api/agents", Some(token), None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_bodies_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    let cases = [
        (json!({"email":"x@y.z","name":"X","password":"long-enough","languages":["xx"]}), "ISO 639-1"),
        (json!({"email":"x@y.z","name":"X","password":"long-enough","tier":4}), "tier"),
        (json!({"email":"x@y.z","name":"X","password":"long-enough","max_chats":0}), "max_chats"),
        (json!({"email":"not-an-email","name":"X","password":"long-enough"}), "email"),
        (json!({"email":"x@y.z","name":"X","password":"long-enough","departments":["sales"]}), "sales"),
        (json!({"email":"x@y.z","name":"X"}), "password"),
    ];
    for (body, needle) in cases {
        let (s, out) = call(&r, Method::POST, "/api/admin/agents", Some(ADMIN), Some(body.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        let message = out["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{body}: {message}");
    }
}

#[tokio::test]
async fn login_bots_and_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    call(&r, Method::POST, "/api/admin/agents", Some(ADMIN), Some(anna())).await;
    let wrong = json!({"email":"anna@example.com","password":"nope"});
    let (s, body) = call(&r, Method::POST, "/api/login", None, Some(wrong)).await;
    assert_eq!((s, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    let unknown = json!({"email":"who@example.com","password":"nope"});
    assert_eq!(call(&r, Method::POST, "/api/login", None, Some(unknown)).await.0, StatusCode::UNAUTHORIZED);

    let (s, bot) = call(&r, Method::POST, "/api/admin/bots", Some(ADMIN), Some(json!({"name":"Helper"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(bot["token"].as_str().unwrap().starts_with("sbb_") && bot["id"].as_str().unwrap().starts_with("bt_"));
    // A bot token does not open the HTTP API.
    assert_eq!(call(&r, Method::GET, "/api/tickets", bot["token"].as_str(), None).await.0, StatusCode::FORBIDDEN);

    assert_eq!(call(&r, Method::GET, "/api/tickets/SB-1001", None, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&r, Method::GET, "/api/tickets/SB-1001", Some(ADMIN), None).await.0, StatusCode::NOT_FOUND);
    let (s, list) = call(&r, Method::GET, "/api/tickets?status=queued", Some(ADMIN), None).await;
    assert_eq!((s, list), (StatusCode::OK, json!([])));
    assert_eq!(call(&r, Method::GET, "/api/tickets?status=lost", Some(ADMIN), None).await.0, StatusCode::BAD_REQUEST);

    let relink = json!({"email":"new@example.com"});
    let (s, out) =
        call(&r, Method::PATCH, "/api/admin/identities/default/user-1", Some(ADMIN), Some(relink.clone())).await;
    assert_eq!((s, out["email"].as_str()), (StatusCode::OK, Some("new@example.com")));
    assert_eq!(
        call(&r, Method::PATCH, "/api/admin/identities/nosite/user-1", Some(ADMIN), Some(relink)).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn visitor_tokens_signed_and_stored_both_work_and_outlive_a_restart() {
    use crate::domain::Participant;
    use crate::domain::VisitorId;
    use crate::store::{StoreFactory, StoreOp, TokenRecord};
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A database file readable by all, as earlier versions left it, is narrowed to its owner.
    let db = dir.path().join("switchboard.db");
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    // A token in the stored format that earlier versions issued to every new visitor.
    let stored = format!("sbv_{}", "5a".repeat(32));
    let factory = crate::store::sqlite::SqliteFactory::new(dir.path()).unwrap();
    let record = TokenRecord {
        hash: crate::auth::token_hash(&stored),
        principal: Participant::Visitor(VisitorId(77)),
        expires_at: None,
    };
    factory.open().unwrap().apply(&[StoreOp::PutToken(record)]).unwrap();

    let first = built(dir.path()).await;
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.path().join(format!("switchboard.db{suffix}"));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} holds the visitor-token key", file.display());
    }
    let signed = first.app.visitor_tokens.issue(VisitorId(78));
    assert_eq!(first.app.principal(&stored).await.unwrap(), Some(Participant::Visitor(VisitorId(77))));
    assert_eq!(first.app.principal(&signed).await.unwrap(), Some(Participant::Visitor(VisitorId(78))));
    // Over HTTP both are a visitor: known (not 401), but not staff (403).
    for token in [&stored, &signed] {
        let (status, body) = call(&first.router, Method::GET, "/api/tickets", Some(token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token}: {body}");
    }
    let forged = format!("{}{}", &signed[..signed.len() - 1], if signed.ends_with('0') { '1' } else { '0' });
    let (status, _) = call(&first.router, Method::GET, "/api/tickets", Some(&forged), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The key lives in the store: a new start on the same data accepts the same token.
    let again = built(dir.path()).await;
    assert_eq!(again.app.principal(&signed).await.unwrap(), Some(Participant::Visitor(VisitorId(78))));
    assert_eq!(again.app.visitor_tokens.issue(VisitorId(78)), signed);
}

#[path = "notices_tests.rs"]
mod notices;

#[path = "reports_tests.rs"]
mod reports;

#[path = "kb_tests.rs"]
mod kb;
