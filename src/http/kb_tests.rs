//! Spec 7.6 over HTTP: articles managed by the admin, searched by anyone, bounded sizes with clear 400s.

use super::*;

fn article() -> Value {
    json!({"language":"en","title":"Reset your password","text":"Open the sign-in page and choose Forgot password.",
           "tags":["login","account"],"url":"https://help.example.com/password"})
}

#[tokio::test]
async fn articles_are_managed_by_the_admin_and_searched_by_anyone() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    let (s, _) = call(&r, Method::POST, "/api/admin/kb", None, Some(article())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, a) = call(&r, Method::POST, "/api/admin/kb", Some(ADMIN), Some(article())).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("kb_"));
    let de = json!({"language":"de","title":"Passwort zurücksetzen","text":"Wählen Sie Passwort vergessen.","tags":["password"]});
    assert_eq!(call(&r, Method::POST, "/api/admin/kb", Some(ADMIN), Some(de)).await.0, StatusCode::CREATED);

    let (s, found) = call(&r, Method::GET, "/api/kb/search?q=forgot%20my%20password&lang=en-GB", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let first = &found["results"][0];
    assert_eq!(first["id"], id.as_str());
    assert_eq!(first["title"], "Reset your password");
    assert_eq!(first["url"], "https://help.example.com/password");
    assert!(first["snippet"].as_str().unwrap().contains("Forgot password"), "{first}");
    let (_, found) = call(&r, Method::GET, "/api/kb/search?q=password&lang=de", None, None).await;
    assert_eq!(found["results"][0]["language"], "de", "the visitor's language first: {found}");

    let path = format!("/api/admin/kb/{id}");
    let (s, changed) =
        call(&r, Method::PATCH, &path, Some(ADMIN), Some(json!({"title":"Change your password","url":null}))).await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!((changed["title"].as_str(), &changed["url"]), (Some("Change your password"), &Value::Null));
    let (_, one) = call(&r, Method::GET, &path, Some(ADMIN), None).await;
    assert_eq!(one["title"], "Change your password");
    let (_, list) = call(&r, Method::GET, "/api/admin/kb", Some(ADMIN), None).await;
    assert_eq!(list["articles"].as_array().unwrap().len(), 2);
    assert_eq!(call(&r, Method::DELETE, &path, Some(ADMIN), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call(&r, Method::GET, &path, Some(ADMIN), None).await.0, StatusCode::NOT_FOUND);
    let (_, found) = call(&r, Method::GET, "/api/kb/search?q=sign-in", None, None).await;
    assert_eq!(found["results"], json!([]));
}

#[tokio::test]
async fn oversized_or_malformed_articles_get_a_clear_400() {
    let dir = tempfile::tempdir().unwrap();
    let r = router(dir.path()).await;
    let cases = [
        (json!({"text":"x".repeat(20_001)}), "\"text\" must be 1 to 20000 characters (this one has 20001)"),
        (json!({"text":" "}), "\"text\" must be 1 to 20000"),
        (json!({"title":"t".repeat(201)}), "\"title\" must be 1 to 200 characters"),
        (json!({"language":"english"}), "not an ISO 639-1 language code"),
        (json!({"tags":vec!["t"; 21]}), "\"tags\": at most 20"),
        (json!({"url":"javascript:alert(1)"}), "\"url\" must be an http(s) address"),
    ];
    for (change, expected) in cases {
        let mut body = article();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, out) = call(&r, Method::POST, "/api/admin/kb", Some(ADMIN), Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{change}: {out}");
        assert!(out["error"]["message"].as_str().unwrap().contains(expected), "{change}: {out}");
    }
    let q = "q".repeat(201);
    let (s, _) = call(&r, Method::GET, &format!("/api/kb/search?q={q}"), None, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
