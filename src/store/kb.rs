//! The knowledge base (spec 7.6): articles in `kb_articles`, searched through the FTS5 index `kb_fts` with
//! bm25 ranking (title weighs 10, tags 5, text 1), the visitor's language first.
//!
//! A visitor's words never reach FTS5's query syntax: the text is cut into words (letters and digits),
//! stop words dropped (the bot's list, en/de/fr/es), each quoted, the last one a prefix (so that
//! suggestions follow typing), and joined with OR. bm25 then ranks articles that hold more of the rarer
//! words first.

use rusqlite::{Connection, Row, named_params};

use super::rows::{from_ms, join, ms, split};
use super::*;
use crate::domain::ArticleId;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ArticleRecord {
    pub id: ArticleId,
    /// ISO 639-1.
    pub language: Arc<str>,
    pub title: Arc<str>,
    pub text: Arc<str>,
    pub tags: Vec<Arc<str>>,
    pub url: Option<Arc<str>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A search result.
#[derive(Clone, Debug, PartialEq)]
pub struct KbHit {
    pub id: ArticleId,
    pub language: Arc<str>,
    pub title: Arc<str>,
    /// The passage that matched, words of the query in it, cut to about 24 words.
    pub snippet: Arc<str>,
    pub url: Option<Arc<str>>,
}

/// Words of a query used at most.
pub const MAX_QUERY_WORDS: usize = 12;

pub(super) fn put(tx: &Connection, a: &ArticleRecord) -> rusqlite::Result<()> {
    // An upsert, not INSERT OR REPLACE: a replace deletes without firing the delete trigger.
    tx.prepare_cached(
        "INSERT INTO kb_articles (id, language, title, body, tags, url, created_at, updated_at) \
         VALUES (:id, :language, :title, :body, :tags, :url, :created_at, :updated_at) \
         ON CONFLICT (id) DO UPDATE SET language = excluded.language, title = excluded.title, body = excluded.body, \
         tags = excluded.tags, url = excluded.url, updated_at = excluded.updated_at",
    )?
    .execute(named_params! {
        ":id": a.id.0 as i64,
        ":language": a.language.as_ref(),
        ":title": a.title.as_ref(),
        ":body": a.text.as_ref(),
        ":tags": join(a.tags.iter()),
        ":url": a.url.as_deref(),
        ":created_at": ms(a.created_at),
        ":updated_at": ms(a.updated_at),
    })?;
    Ok(())
}

pub(super) fn delete(tx: &Connection, id: ArticleId) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM kb_articles WHERE id = :id", named_params! {":id": id.0 as i64})?;
    Ok(())
}

fn row(r: &Row<'_>) -> rusqlite::Result<ArticleRecord> {
    Ok(ArticleRecord {
        id: ArticleId(r.get::<_, i64>("id")? as u64),
        language: r.get::<_, String>("language")?.into(),
        title: r.get::<_, String>("title")?.into(),
        text: r.get::<_, String>("body")?.into(),
        tags: split(&r.get::<_, String>("tags")?).map(Arc::from).collect(),
        url: r.get::<_, Option<String>>("url")?.map(Arc::from),
        created_at: from_ms(r.get("created_at")?),
        updated_at: from_ms(r.get("updated_at")?),
    })
}

pub(super) fn articles(c: &Connection, id: Option<ArticleId>, limit: usize) -> rusqlite::Result<Vec<ArticleRecord>> {
    c.prepare_cached(
        "SELECT id, language, title, body, tags, url, created_at, updated_at FROM kb_articles \
         WHERE :id IS NULL OR id = :id ORDER BY updated_at DESC, id LIMIT :limit",
    )?
    .query_map(named_params! {":id": id.map(|i| i.0 as i64), ":limit": limit as i64}, row)?
    .collect()
}

/// The FTS5 query for a visitor's text: quoted words joined by OR, the last a prefix; None if no word.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = crate::bot::kb::words(text)
        .filter(|w| !crate::bot::kb::is_stop_word(w))
        .take(MAX_QUERY_WORDS)
        .map(|w| format!("\"{w}\""))
        .collect();
    let last = words.len().checked_sub(1)?;
    let mut parts = words;
    parts[last].push('*');
    Some(parts.join(" OR "))
}

pub(super) fn search(c: &Connection, text: &str, language: Option<&str>, limit: usize) -> rusqlite::Result<Vec<KbHit>> {
    let Some(query) = fts_query(text) else { return Ok(Vec::new()) };
    c.prepare_cached(
        "SELECT a.id, a.language, a.title, a.url, snippet(kb_fts, 1, '', '', '…', 24) AS snippet \
         FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid WHERE kb_fts MATCH :q \
         ORDER BY (a.language = :lang) DESC, bm25(kb_fts, 10.0, 1.0, 5.0) LIMIT :limit",
    )?
    .query_map(named_params! {":q": query, ":lang": language, ":limit": limit as i64}, |r| {
        Ok(KbHit {
            id: ArticleId(r.get::<_, i64>("id")? as u64),
            language: r.get::<_, String>("language")?.into(),
            title: r.get::<_, String>("title")?.into(),
            snippet: r.get::<_, String>("snippet")?.into(),
            url: r.get::<_, Option<String>>("url")?.map(Arc::from),
        })
    })?
    .collect()
}
