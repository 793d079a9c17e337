//! The knowledge base against the real binary (spec 7.6): the built-in bot answers from the same search
//! as `GET /api/kb/search`, articles an admin adds included (the Markdown files are loaded into the same
//! store: `bot::store_kb` tests).

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn the_bot_answers_from_the_store_search_with_the_files_and_the_admins_articles() {
    let server = Server::start(CONFIG_247);
    let article = json!({"language":"en","title":"Gift cards","text":"Gift cards never expire and can be used for any order.",
                         "tags":["voucher"],"url":"https://help.example.com/gift-cards"});
    let (status, _) = server.post("/api/admin/kb", server.admin(), article).await;
    assert_eq!(status, 201);
    let (_, found) = server.get("/api/kb/search?q=voucher&lang=en", None).await;
    assert_eq!(found["results"][0]["title"], "Gift cards", "{found}");

    // No agent online: the bot takes the chat.
    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    visitor.send(message("c1", "Do my vouchers expire? I got one as a present last year.")).await;
    visitor.recv_ack("c1").await;
    let answer = visitor
        .recv_until("the bot's answer", |v| {
            v["type"] == "message"
                && v["from"]["role"] == "bot"
                && v["text"].as_str().unwrap_or("").starts_with("Gift cards:")
        })
        .await;
    assert!(answer["text"].as_str().unwrap().contains("never expire"), "{answer}");
}
