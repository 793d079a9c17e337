//! Identity tokens (spec 3) and `identity.require_verified` (spec 5.3).

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn identity_conflict_bad_signature_and_admin_relink() {
    let server = Server::start(CONFIG_247);

    let first = identity("user-42", "first@example.com", "premium");
    let (_, welcome) = server.visitor_connect(json!({"identity": first})).await;
    assert_eq!(welcome["verified"], true, "{welcome}");
    assert_eq!(welcome["plan"], "premium");
    assert_eq!(welcome["identity_conflict"], false);

    // The same user id with another email: a conflict, treated as unverified, and no premium.
    let second = identity("user-42", "second@example.com", "premium");
    let (_, welcome) = server.visitor_connect(json!({"identity": second})).await;
    assert_eq!(welcome["identity_conflict"], true, "{welcome}");
    assert_eq!(welcome["verified"], false, "{welcome}");
    assert_eq!(welcome["plan"], "standard", "plan comes only from a valid, unconflicted identity: {welcome}");
    // The warning is written before the welcome is sent; the harness reads stderr on its own thread.
    let deadline = std::time::Instant::now() + FRAME_TIMEOUT;
    while !server.stderr().lines().any(|l| l.contains("identity conflict") && l.contains("user-42")) {
        assert!(std::time::Instant::now() < deadline, "the conflict is logged:\n{}", server.stderr());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // A token signed with another key is not fatal: unverified, and the welcome says why.
    let forged = sign_identity("some-other-secret-entirely", &claims("user-7", "x@example.com", "premium", true));
    let (_, welcome) = server.visitor_connect(json!({"identity": forged})).await;
    assert_eq!(welcome["verified"], false, "{welcome}");
    assert_eq!(welcome["plan"], "standard");
    assert!(welcome["identity_error"].as_str().is_some_and(|e| !e.is_empty()), "identity_error set: {welcome}");
    // So is an expired one.
    let mut old = claims("user-8", "y@example.com", "standard", true);
    old["exp"] = json!(jiff::Timestamp::now().as_second() - 3600);
    let (_, welcome) = server.visitor_connect(json!({"identity": sign_identity(SITE_SECRET, &old)})).await;
    assert_eq!(welcome["verified"], false, "{welcome}");
    assert!(welcome["identity_error"].is_string(), "{welcome}");

    // Relinking needs the admin.
    let path = "/api/admin/identities/default/user-42";
    let body = json!({"email": "second@example.com"});
    assert_eq!(server.patch(path, None, body.clone()).await.0, 401);
    let (status, reply) = server.patch(path, server.admin(), body).await;
    assert!((200..300).contains(&status), "relink: {status} {reply}");

    let second = identity("user-42", "second@example.com", "premium");
    let (_, welcome) = server.visitor_connect(json!({"identity": second})).await;
    assert_eq!(welcome["verified"], true, "after relinking the second email is verified: {welcome}");
    assert_eq!(welcome["identity_conflict"], false);
    assert_eq!(welcome["plan"], "premium");
    let first = identity("user-42", "first@example.com", "premium");
    let (_, welcome) = server.visitor_connect(json!({"identity": first})).await;
    assert_eq!(welcome["identity_conflict"], true, "and the first email now conflicts: {welcome}");
}

#[tokio::test]
async fn unverified_email_claim_does_not_verify() {
    let server = Server::start(CONFIG_247);
    let token = sign_identity(SITE_SECRET, &claims("user-9", "z@example.com", "premium", false));
    let (_, welcome) = server.visitor_connect(json!({"identity": token})).await;
    assert_eq!(welcome["verified"], false, "{welcome}");
    assert_eq!(welcome["plan"], "standard", "{welcome}");
}

#[tokio::test]
async fn require_verified_sends_unverified_visitors_to_the_bot() {
    let config = format!("{CONFIG_247}\n[identity]\nrequire_verified = true\n");
    let server = Server::start(&config);
    let (_, mut agent) = server.online_agent("Anna", &["en"], 3).await;

    let (mut anonymous, welcome) = server.visitor_connect(json!({})).await;
    assert_eq!(welcome["verified"], false);
    let (_, conv) = open_conversation(&mut anonymous, ENGLISH).await;
    let conv = if conv["status"] == "bot" { conv } else { anonymous.recv_status("bot").await };
    assert_eq!(conv["priority"], "low", "{conv}");
    assert_eq!(conv["reason"], "unverified", "{conv}");
    assert!(anonymous.skipped.iter().all(|v| v["status"] != "assigned"), "{:?}", anonymous.skipped);

    let token = identity("user-1", "one@example.com", "standard");
    let (mut known, welcome) = server.visitor_connect(json!({"identity": token})).await;
    assert_eq!(welcome["verified"], true, "{welcome}");
    let (ack, conv) = open_conversation(&mut known, ENGLISH).await;
    assert!(conv["status"] == "queued" || conv["status"] == "assigned", "queued for humans: {conv}");
    assert_eq!(conv["priority"], "standard", "{conv}");
    let assigned = agent.recv_type("assigned").await;
    assert_eq!(
        assigned["conversation"]["conversation_id"], ack["conversation_id"],
        "the agent gets the verified one: {assigned}"
    );
    assert!(agent.skipped.iter().all(|v| v["type"] != "assigned"), "{:?}", agent.skipped);
}
