//! Spec 7.5 over HTTP: the report as JSON and CSV for a range of days, admin only, and clear 400s.

use super::*;
use crate::domain::*;
use crate::store::{ConversationRecord, StoreOp};

fn resolved(id: u64, created: &str, rating: Option<u8>) -> StoreOp {
    let created: jiff::Timestamp = created.parse().unwrap();
    StoreOp::PutConversation(Box::new(ConversationRecord {
        created_at: created,
        resolved_at: Some(created + jiff::SignedDuration::from_secs(90)),
        rating,
        sla_started_at: Some(created),
        first_response_at: Some(created + jiff::SignedDuration::from_secs(30)),
        ..ConversationRecord::sample(id, Status::Resolved)
    }))
}

async fn text(router: &Router, path: &str) -> (StatusCode, String, String) {
    let req =
        Request::builder().uri(path).header("authorization", format!("Bearer {ADMIN}")).body(Body::empty()).unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn a_report_for_a_range_of_days_as_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let factory = crate::store::sqlite::SqliteFactory::new(dir.path()).unwrap();
    use crate::store::StoreFactory;
    factory
        .open()
        .unwrap()
        .apply(&[
            resolved(1, "2026-11-23T00:00:00Z", Some(5)),
            resolved(2, "2026-11-24T23:59:59Z", Some(3)),
            resolved(3, "2026-11-25T00:00:00Z", Some(1)),
        ])
        .unwrap();
    let r = router(dir.path()).await;
    let (s, _) = call(&r, Method::GET, "/api/admin/reports", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Days are inclusive: 23 and 24 November, not the 25th.
    let (s, body) = call(&r, Method::GET, "/api/admin/reports?from=2026-11-23&to=2026-11-24", Some(ADMIN), None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        (body["from"].as_str(), body["to"].as_str()),
        (Some("2026-11-23T00:00:00Z"), Some("2026-11-25T00:00:00Z"))
    );
    let d = &body["departments"][0];
    assert_eq!(d["name"], "support");
    assert_eq!((d["opened"].as_u64(), d["resolved"].as_u64()), (Some(2), Some(2)));
    assert_eq!(d["first_response"], json!({"count":2,"median_s":30.0,"p90_s":30.0}));
    assert_eq!(d["resolution"], json!({"count":2,"median_s":90.0,"p90_s":90.0}));
    assert_eq!(d["ratings"], json!({"count":2,"mean":4.0,"share_4_5":0.5}));
    assert_eq!(d["sla_breaches"], json!({"first_response":0,"resolution":0}));
    assert_eq!(body["agents"], json!([]));

    let (s, ct, csv) = text(&r, "/api/admin/reports?from=2026-11-23&to=2026-11-24&department=support&format=csv").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], crate::http::reports::CSV_HEADER);
    assert_eq!(lines[1], "department,,support,2,2,0,0,2,30,30,2,90,90,0,0,2,4,0.5");
    assert_eq!(lines.len(), 2);
}

#[tokio::test]
async fn bad_report_ranges_get_a_clear_400() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    for (query, expected) in [
        ("from=2025-01-01&to=2026-01-02", "at most 366 days"),
        ("from=2026-11-24&to=2026-11-23", "\"from\" must be before \"to\""),
        ("from=yesterday", "\"from\" must be a day"),
        ("format=xml", "\"format\" must be json or csv"),
        ("department=nowhere", "no department \"nowhere\""),
    ] {
        let (s, body) = call(&r, Method::GET, &format!("/api/admin/reports?{query}"), Some(ADMIN), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(expected), "{query}: {body}");
    }
    // A whole leap year is fine; no range at all is the last 7 days.
    let (s, _) = call(&r, Method::GET, "/api/admin/reports?from=2028-01-01&to=2028-12-31", Some(ADMIN), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = call(&r, Method::GET, "/api/admin/reports", Some(ADMIN), None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}
