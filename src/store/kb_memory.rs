//! Knowledge-base search over articles held elsewhere (the cluster keeps them in Redis): the same FTS5
//! ranking as the embedded store, on an in-memory database built from the articles.

use rusqlite::Connection;

use super::{ArticleRecord, KbHit, StoreError, StoreResult};

/// An in-memory FTS5 index of a set of articles.
pub struct MemoryKb {
    conn: Connection,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl MemoryKb {
    pub fn build(articles: &[ArticleRecord]) -> StoreResult<MemoryKb> {
        let mut conn = Connection::open_in_memory().map_err(backend)?;
        super::migrations::migrate(&mut conn)?;
        let tx = conn.transaction().map_err(backend)?;
        for a in articles {
            super::kb::put(&tx, a).map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        Ok(MemoryKb { conn })
    }

    pub fn search(&self, text: &str, language: Option<&str>, limit: usize) -> StoreResult<Vec<KbHit>> {
        super::kb::search(&self.conn, text, language, limit).map_err(backend)
    }
}
