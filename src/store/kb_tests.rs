//! Spec 7.6: the knowledge base's full-text search, ranked by bm25, the visitor's language first; its
//! index follows changes and removals.

use std::sync::Arc;

use super::kb::fts_query;
use super::sqlite::SqliteFactory;
use super::*;
use crate::domain::ArticleId;

fn article(id: u64, language: &str, title: &str, text: &str, tags: &[&str]) -> StoreOp {
    StoreOp::PutArticle(Box::new(ArticleRecord {
        id: ArticleId(id),
        language: language.into(),
        title: title.into(),
        text: text.into(),
        tags: tags.iter().map(|t| Arc::from(*t)).collect(),
        url: Some(format!("https://help.example.com/{id}").into()),
        created_at: Timestamp::UNIX_EPOCH,
        updated_at: Timestamp::from_second(id as i64).unwrap(),
    }))
}

fn store() -> (tempfile::TempDir, Box<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut w = factory.open_writer().unwrap();
    w.apply(&[
        article(
            1,
            "en",
            "Reset your password",
            "Open the sign-in page and choose Forgot password. We email you a link.",
            &["login", "account"],
        ),
        article(
            2,
            "en",
            "Track your order",
            "Your order ships within two days; the tracking link is in the confirmation email.",
            &["shipping", "delivery"],
        ),
        article(
            3,
            "de",
            "Passwort zurücksetzen",
            "Öffnen Sie die Anmeldeseite und wählen Sie Passwort vergessen.",
            &["login", "password"],
        ),
        article(
            4,
            "en",
            "Refunds",
            "A refund reaches your card within five working days after we receive the parcel.",
            &["payment", "money back"],
        ),
    ])
    .unwrap();
    (dir, w)
}

fn ids(hits: &[KbHit]) -> Vec<u64> {
    hits.iter().map(|h| h.id.0).collect()
}

#[test]
fn words_are_quoted_and_the_last_is_a_prefix() {
    assert_eq!(fts_query("How do I reset my pass").unwrap(), "\"reset\" OR \"pass\"*", "stop words dropped");
    assert_eq!(fts_query("\"parcel\" AND box* NEAR(card)").unwrap(), "\"parcel\" OR \"box\" OR \"near\" OR \"card\"*");
    assert_eq!(fts_query("  ?!  "), None);
    assert_eq!(fts_query("how do I"), None, "nothing but stop words");
}

#[test]
fn search_ranks_by_relevance_with_the_visitors_language_first() {
    let (_dir, s) = store();
    let hits = s.kb_search("how do I reset my password", Some("en"), 5).unwrap();
    assert_eq!(ids(&hits)[0], 1, "the title match first: {hits:?}");
    assert_eq!(&*hits[0].title, "Reset your password");
    assert_eq!(hits[0].url.as_deref(), Some("https://help.example.com/1"));
    assert!(hits[0].snippet.contains("Forgot password"), "{:?}", hits[0].snippet);
    // German first for a German visitor, though "password" is only a tag there.
    let hits = s.kb_search("password", Some("de"), 5).unwrap();
    assert_eq!(ids(&hits), [3, 1], "{hits:?}");
    // Tags count; diacritics are folded; the last word is a prefix while typing.
    assert_eq!(ids(&s.kb_search("delivery", None, 5).unwrap()), [2]);
    assert_eq!(ids(&s.kb_search("zurucksetzen", None, 5).unwrap()), [3]);
    assert_eq!(ids(&s.kb_search("where is my refu", Some("en"), 5).unwrap()), [4]);
    assert!(s.kb_search("", None, 5).unwrap().is_empty());
    assert!(s.kb_search("quantum chromodynamics", None, 5).unwrap().is_empty());
}

#[test]
fn the_index_follows_changes_and_removals() {
    let (_dir, mut s) = store();
    s.apply(&[article(2, "en", "Where is my parcel", "Couriers deliver within two days.", &[])]).unwrap();
    assert!(s.kb_search("tracking", None, 5).unwrap().is_empty(), "the old text is gone from the index");
    assert_eq!(ids(&s.kb_search("parcel courier", None, 5).unwrap())[0], 2);
    s.apply(&[StoreOp::DeleteArticle(ArticleId(2))]).unwrap();
    assert!(!ids(&s.kb_search("parcel courier", None, 5).unwrap()).contains(&2));
    let all = s.kb_articles(None, 100).unwrap();
    assert_eq!(all.iter().map(|a| a.id.0).collect::<Vec<_>>(), [4, 3, 1], "newest change first");
    assert_eq!(s.kb_articles(Some(ArticleId(3)), 1).unwrap()[0].tags, vec![Arc::from("login"), Arc::from("password")]);
}
