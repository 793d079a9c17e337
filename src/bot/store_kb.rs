//! The built-in bot's knowledge base in the store (spec 7.6): the Markdown files are loaded as articles at
//! start (an upsert under an id made from the file name, so a restart updates rather than duplicates), and
//! the bot answers from the same full-text search as `GET /api/kb/search`.

use std::sync::Arc;

use super::brain::{EXCERPT_CHARS, Search};
use super::kb::{Article, KnowledgeBase};
use crate::domain::ArticleId;
use crate::store::{ArticleRecord, ReadPool, StoreOp};

/// The language of the Markdown articles (they may carry keywords in other languages).
const FILE_LANGUAGE: &str = "en";

/// The article id of a Markdown file: stable across restarts (FNV-1a of its name), never 0.
pub fn file_article_id(slug: &str) -> ArticleId {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in "kb-file:".bytes().chain(slug.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    ArticleId((h & (i64::MAX as u64)).max(1))
}

/// The files' articles as store writes.
pub fn file_articles(kb: &KnowledgeBase, now: jiff::Timestamp) -> Vec<StoreOp> {
    kb.articles()
        .iter()
        .map(|a| {
            StoreOp::PutArticle(Box::new(ArticleRecord {
                id: file_article_id(&a.slug),
                language: FILE_LANGUAGE.into(),
                title: a.title.as_str().into(),
                text: a.body.as_str().into(),
                tags: Vec::new(),
                url: None,
                created_at: now,
                updated_at: now,
            }))
        })
        .collect()
}

/// The bot's search over the store: the best hit in the conversation's language first, as the title and
/// the first paragraph of its text. A read of a few hundred microseconds; on a multi-threaded runtime it
/// runs with `block_in_place`, so the bot's task does not hold up others.
pub fn search(readers: ReadPool) -> Search {
    Arc::new(move |question: &str, language: Option<&str>| {
        let read = || {
            readers.with(|r| {
                let Some(hit) = r.kb_search(question, language, 1)?.into_iter().next() else { return Ok(None) };
                Ok(r.kb_articles(Some(hit.id), 1)?.into_iter().next())
            })
        };
        let multi = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let found = if multi { tokio::task::block_in_place(read) } else { read() };
        match found {
            Ok(Some(a)) => {
                let article = Article { title: a.title.to_string(), body: a.text.to_string(), slug: String::new() };
                Some((article.title.clone(), article.excerpt(EXCERPT_CHARS)))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "knowledge-base search failed");
                None
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo files become articles in the store, searchable, under ids that a restart keeps.
    #[test]
    fn the_files_are_loaded_into_the_store_under_stable_ids() {
        let dir = tempfile::tempdir().unwrap();
        let factory = crate::store::sqlite::SqliteFactory::new(dir.path()).unwrap();
        let mut writer = crate::store::StoreFactory::open_writer(&factory).unwrap();
        let kb = super::super::kb::demo_kb();
        let ops = file_articles(&kb, jiff::Timestamp::now());
        assert_eq!(ops.len(), kb.len());
        writer.apply(&ops).unwrap();
        writer.apply(&file_articles(&kb, jiff::Timestamp::now())).unwrap();
        assert_eq!(writer.kb_articles(None, 100).unwrap().len(), kb.len(), "a second start updates, never duplicates");
        assert_eq!(file_article_id("password-reset"), file_article_id("password-reset"));
        assert_ne!(file_article_id("password-reset"), file_article_id("returns"));
        let readers = ReadPool::new(&factory).unwrap();
        let (title, excerpt) = search(readers)("I forgot my password", Some("en")).expect("an answer");
        assert!(title.to_lowercase().contains("password"), "{title}: {excerpt}");
    }
}
