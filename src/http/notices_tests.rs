//! Spec 7.4 over HTTP: the admin's notices API, the public list and `/api/status`, errors that say what
//! is wrong, and notices that outlive a restart.

use super::*;

fn maintenance() -> Value {
    json!({"kind":"maintenance","title":"Database upgrade","text":"Chat may pause for a minute.",
           "starts_at":"2099-01-10T22:00:00Z","ends_at":"2099-01-10T23:00:00Z","departments":["support"]})
}

#[tokio::test]
async fn notices_are_posted_listed_changed_and_removed_by_the_admin_only() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    for (token, status) in [(None, StatusCode::UNAUTHORIZED), (Some("nope"), StatusCode::UNAUTHORIZED)] {
        let (s, _) = call(&r, Method::POST, "/api/admin/notices", token, Some(maintenance())).await;
        assert_eq!(s, status);
        let (s, _) = call(&r, Method::GET, "/api/admin/notices", token, None).await;
        assert_eq!(s, status);
    }
    let (s, posted) = call(&r, Method::POST, "/api/admin/notices", Some(ADMIN), Some(maintenance())).await;
    assert_eq!(s, StatusCode::CREATED, "{posted}");
    let id = posted["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("nt_"));
    assert_eq!(posted["status"], "announced");
    assert_eq!(posted["starts_at"], "2099-01-10T22:00:00Z");
    assert_eq!(posted["departments"], json!(["support"]));

    let (s, incident) = call(
        &r,
        Method::POST,
        "/api/admin/notices",
        Some(ADMIN),
        Some(json!({"kind":"incident","title":"Card payments are failing","text":"We are on it."})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(incident["status"], "in_force", "no start: now");
    assert_eq!(incident["ends_at"], Value::Null);

    // Anyone: in force first, then announced.
    let (s, list) = call(&r, Method::GET, "/api/notices", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let titles: Vec<&str> = list["notices"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Card payments are failing", "Database upgrade"]);
    let (_, status) = call(&r, Method::GET, "/api/status", None, None).await;
    assert_eq!(status["notices"].as_array().unwrap().len(), 2);
    let (_, sales) = call(&r, Method::GET, "/api/notices?department=sales", None, None).await;
    assert_eq!(sales["notices"].as_array().unwrap().len(), 1, "only the one for every department");

    let path = format!("/api/admin/notices/{id}");
    let (s, changed) =
        call(&r, Method::PATCH, &path, Some(ADMIN), Some(json!({"title":"Database upgrade (moved)","ends_at":null})))
            .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["title"], "Database upgrade (moved)");
    assert_eq!(changed["ends_at"], Value::Null, "null removes the end");
    assert_eq!(changed["starts_at"], "2099-01-10T22:00:00Z", "what is not given stays");

    assert_eq!(call(&r, Method::DELETE, &path, Some(ADMIN), None).await.0, StatusCode::NO_CONTENT);
    let (s, body) = call(&r, Method::DELETE, &path, Some(ADMIN), None).await;
    assert_eq!((s, body["error"]["message"].as_str()), (StatusCode::NOT_FOUND, Some("no such notice")));
    let (_, all) = call(&r, Method::GET, "/api/admin/notices", Some(ADMIN), None).await;
    assert_eq!(all["notices"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_notices_get_a_clear_400() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    let cases = [
        (json!({"ends_at":"2099-01-10T21:00:00Z"}), "must be after \"starts_at\""),
        (json!({"ends_at":"2099-01-10T22:00:00Z"}), "must be after \"starts_at\""),
        (json!({"kind":"outage"}), "\"kind\" must be \"incident\" or \"maintenance\""),
        (json!({"title":""}), "\"title\" must be 1 to 200 characters"),
        (json!({"title":"x".repeat(201)}), "\"title\" must be 1 to 200 characters"),
        (json!({"text":"x".repeat(4001)}), "\"text\" must be at most 4000 characters"),
        (json!({"starts_at":"tomorrow"}), "RFC 3339"),
        (json!({"departments":["nowhere"]}), "no department \"nowhere\""),
    ];
    for (change, expected) in cases {
        let mut body = maintenance();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, out) = call(&r, Method::POST, "/api/admin/notices", Some(ADMIN), Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{change}: {out}");
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{change}: {message}");
    }
    // A field the hub does not know is ignored (every receiver ignores them: the contract's preamble).
    let mut body = maintenance();
    body["colour"] = json!("red");
    let (s, out) = call(&r, Method::POST, "/api/admin/notices", Some(ADMIN), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");
    // A change that would end it before it starts is refused too, and changes nothing.
    let (_, posted) = call(&r, Method::POST, "/api/admin/notices", Some(ADMIN), Some(maintenance())).await;
    let path = format!("/api/admin/notices/{}", posted["id"].as_str().unwrap());
    let (s, out) = call(&r, Method::PATCH, &path, Some(ADMIN), Some(json!({"starts_at":"2099-01-11T00:00:00Z"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{out}");
    assert!(out["error"]["message"].as_str().unwrap().contains("cannot end before it starts"));
    let (_, all) = call(&r, Method::GET, "/api/admin/notices", Some(ADMIN), None).await;
    assert_eq!(all["notices"][0]["starts_at"], "2099-01-10T22:00:00Z");
    let (s, _) = call(&r, Method::PATCH, "/api/admin/notices/nt_0000000000000001", Some(ADMIN), Some(json!({}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notices_outlive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = built(dir.path()).await;
    let (s, _) = call(&first.router, Method::POST, "/api/admin/notices", Some(ADMIN), Some(maintenance())).await;
    assert_eq!(s, StatusCode::CREATED);
    first.app.hub.shutdown().await;
    let again = built(dir.path()).await;
    let (_, list) = call(&again.router, Method::GET, "/api/notices", None, None).await;
    assert_eq!(list["notices"][0]["title"], "Database upgrade");
}
