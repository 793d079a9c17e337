//! Durable state behind a trait: SQLite now (`sqlite`), Redis next. The hub never calls a store from its
//! event loop; one writer thread (`hub::dispatch`) applies batches, and readers (HTTP, hello) use a pool.

mod cache;
mod checkpoint;
mod columns;
mod kb;
pub mod kb_memory;
#[cfg(test)]
mod kb_tests;
mod messages;
mod migrations;
mod notices;
mod outbox;
#[cfg(test)]
pub(crate) mod outbox_tests;
pub mod page;
mod records;
mod reports;
#[cfg(test)]
mod reports_tests;
mod rows;
#[cfg(test)]
mod schema_tests;
pub mod search;
pub mod sqlite;
mod team;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use jiff::Timestamp;

// The domain vocabulary of the store's modules, which take it with `use super::*` (some only in tests).
#[allow(unused_imports)]
use crate::domain::{
    AgentId, BotId, BotReason, ConversationId, EmailId, NoticeId, NoticeKind, Participant, Plan, Priority, Role, Seq,
    Status, SystemEvent, Ticket, VisitorId,
};
#[allow(unused_imports)]
use crate::domain::{Language, LanguageSource};
pub use kb::{ArticleRecord, KbHit};
pub use outbox::EmailOutcome;
pub use records::*;
pub use reports::{Figures, Percentiles, Report, ReportQuery};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Backend(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The store cannot be reached now (Redis restarting, the network away); nothing was written, and
    /// the same batch may be tried again.
    #[error("store unreachable: {0}")]
    Unavailable(String),
    /// The disk (or the backend's quota) is full. The failed write was rolled back whole, so the same
    /// batch may be tried again once there is room: the dispatcher retries it rather than stopping.
    #[error("storage is full: {0}")]
    Full(String),
    /// The backend's I/O failed (SQLite: any `SQLITE_IOERR`, a failed fsync among them). After a failed
    /// fsync the page cache no longer says what is on disk, so nothing may be retried on a guess.
    #[error("storage I/O failed: {0}")]
    Io(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One change; a batch of them is applied atomically and durably.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreOp {
    PutMessage(MessageRecord),
    PutConversation(Box<ConversationRecord>),
    PutAgent(AgentRecord),
    DeleteAgent(AgentId),
    PutBot(BotRecord),
    PutToken(TokenRecord),
    DeleteToken([u8; 32]),
    PutIdentity(IdentityLink),
    SetRating { conversation: ConversationId, score: u8, comment: Option<Arc<str>> },
    AddHistory(Box<HistoryEntry>),
    PutNotice(Box<NoticeRecord>),
    DeleteNotice(NoticeId),
    PutArticle(Box<ArticleRecord>),
    DeleteArticle(crate::domain::ArticleId),
    // Tickets up to `up_to` may be handed out (a block reserved ahead of use). The mark is never lowered,
    // and `Snapshot::tickets_reserved` reports it after a restart. (A plain comment: a doc comment would
    // make rustfmt spread every struct variant over lines.)
    ReserveTickets { up_to: u64 },
    PutNote(NoteRecord),
    PutCanned(CannedRecord),
    DeleteCanned(Arc<str>),
    // The email outbox (spec 7.6, `crate::email`): an email decided or changed by the hub; a waiting one
    // the visitor saw first; what the sender's attempt came to.
    PutEmail(Box<crate::email::OutboxEmail>),
    DeleteWaitingEmail(EmailId),
    EmailAttempt { id: EmailId, outcome: EmailOutcome },
}

/// Open conversation as loaded at start, with the idempotency keys it has seen.
#[derive(Clone, Debug)]
pub struct OpenConversation {
    pub record: ConversationRecord,
    pub client_msg_ids: Vec<(Arc<str>, Seq)>,
}

/// Everything the hub keeps live, read once at start.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub agents: Vec<AgentRecord>,
    pub bots: Vec<BotRecord>,
    pub identities: Vec<IdentityLink>,
    pub open_conversations: Vec<OpenConversation>,
    /// Every status notice, ended ones included (the admin lists them).
    pub notices: Vec<NoticeRecord>,
    pub last_ticket: u64,
    /// Every ticket up to this one may have been handed out: the larger of the last `ReserveTickets` mark
    /// and `last_ticket`. A hub that hands out tickets from reserved blocks starts after it, so that no
    /// ticket is reused after a crash.
    pub tickets_reserved: u64,
    /// Emails still gathering unseen agent messages (the hub sets their timers again).
    pub waiting_emails: Vec<crate::email::OutboxEmail>,
    /// Open conversations whose acknowledgement email is in the outbox already.
    pub acknowledged: Vec<ConversationId>,
}

/// Filter for ticket lists.
#[derive(Clone, Copy, Debug, Default)]
pub struct TicketQuery {
    pub status: Option<Status>,
    pub agent: Option<AgentId>,
    pub limit: usize,
}

/// A conversation's messages, read in seq order, a page at a time (`page`): by each connection for its
/// sync backlogs and transcripts (never by the dispatcher), and by the HTTP API.
pub trait Transcripts: Send {
    /// Messages with `seq > after`, in order, at most `limit`.
    fn messages_after(&self, conversation: ConversationId, after: Seq, limit: usize)
    -> StoreResult<Vec<MessageRecord>>;
}

/// What the hub's dispatcher needs: batches applied durably, in order, by one writer, and its upkeep.
pub trait StoreWriter: Transcripts {
    /// Applies all ops in one durable transaction: when it returns Ok, they survive a crash.
    fn apply(&mut self, ops: &[StoreOp]) -> StoreResult<()>;
    /// Short upkeep the writer runs between batches, after their effects (SQLite: the WAL catch-up that
    /// lets the next commit start the WAL over). Failures are the backend's to log; commits stay durable.
    fn between_batches(&mut self) {}
}

/// What starting the hub needs: the live state, and the process's secrets.
pub trait SnapshotSource {
    fn load(&self) -> StoreResult<Snapshot>;
    /// The named 256-bit secret, made at random on first use and the same ever after.
    fn secret(&mut self, name: &str) -> StoreResult<[u8; 32]>;
}

/// What the HTTP API and the WebSocket hello read, off the hub, on a pool of readers.
pub trait StoreReader: Transcripts {
    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>>;
    fn agent_by_email(&self, email: &str) -> StoreResult<Option<AgentRecord>>;
    fn agent(&self, id: AgentId) -> StoreResult<Option<AgentRecord>>;
    fn bot(&self, id: BotId) -> StoreResult<Option<BotRecord>>;
    fn conversation_by_ticket(&self, ticket: Ticket) -> StoreResult<Option<ConversationRecord>>;
    /// Newest first.
    fn conversations(&self, query: TicketQuery) -> StoreResult<Vec<ConversationRecord>>;
    /// The visitor's open conversation, if any.
    fn open_conversation_of(&self, visitor: VisitorId) -> StoreResult<Option<ConversationRecord>>;
    /// The conversation's history, oldest first, at most `limit` entries.
    fn history(&self, conversation: ConversationId, limit: usize) -> StoreResult<Vec<HistoryEntry>>;
    /// A conversation's internal notes, oldest first. (A backend without notes has none.)
    fn notes(&self, _conversation: ConversationId) -> StoreResult<Vec<NoteRecord>> {
        Ok(Vec::new())
    }
    /// Canned replies an agent may use (shared ones and its own), or all of them for `None`, by title.
    fn canned(&self, _agent: Option<AgentId>) -> StoreResult<Vec<CannedRecord>> {
        Ok(Vec::new())
    }
    /// Tickets found by number, the visitor's email or name, or a message's text, newest first (`search`).
    fn search(&self, _query: &search::SearchQuery) -> StoreResult<search::SearchPage> {
        Ok(search::SearchPage::default())
    }
    /// Satisfaction and service figures per department and agent (spec 7.5).
    fn report(&self, query: &ReportQuery) -> StoreResult<Report>;
    /// Knowledge-base articles matching `query` by relevance (FTS5 bm25), `language` first (spec 7.6).
    fn kb_search(&self, query: &str, language: Option<&str>, limit: usize) -> StoreResult<Vec<KbHit>>;
    /// Knowledge-base articles, newest change first, at most `limit`; or the one with `id`.
    fn kb_articles(&self, id: Option<crate::domain::ArticleId>, limit: usize) -> StoreResult<Vec<ArticleRecord>>;
    /// Emails to send at `now`, the longest due first, at most `limit` (a backend without an outbox has none).
    fn emails_due(&self, _now: Timestamp, _limit: usize) -> StoreResult<Vec<crate::email::OutboxEmail>> {
        Ok(Vec::new())
    }
    /// When the next email falls due, if any is waiting to be sent.
    fn next_email_due(&self) -> StoreResult<Option<Timestamp>> {
        Ok(None)
    }
    /// The whole outbox, oldest first.
    fn outbox(&self) -> StoreResult<Vec<crate::email::OutboxEmail>> {
        Ok(Vec::new())
    }
    /// Upkeep after a read, on the reader's thread (SQLite: samples the connection's page cache).
    fn after_read(&self) {}
}

/// A backend's instance with every capability (what a factory opens).
pub trait Store: StoreWriter + StoreReader + SnapshotSource {}
impl<T: StoreWriter + StoreReader + SnapshotSource> Store for T {}

/// Opens store instances on the same data.
pub trait StoreFactory: Send + Sync {
    fn open(&self) -> StoreResult<Box<dyn Store>>;
    /// The one instance that applies batches; a backend may attach background work to it.
    fn open_writer(&self) -> StoreResult<Box<dyn Store>> {
        self.open()
    }
}

/// A fixed set of reader instances for blocking reads off the event loop (HTTP, hello). Callers run
/// `with` inside `spawn_blocking`; the lock is held only for one synchronous query.
#[derive(Clone)]
pub struct ReadPool {
    readers: Arc<[Mutex<Box<dyn StoreReader>>]>,
}

/// Readers in the pool: reads are short point queries, so a few suffice on a small machine.
pub const READERS: usize = 4;

impl ReadPool {
    pub fn new(factory: &dyn StoreFactory) -> StoreResult<ReadPool> {
        let readers: Vec<_> = (0..READERS)
            .map(|_| factory.open().map(|s| Mutex::new(s as Box<dyn StoreReader>)))
            .collect::<StoreResult<_>>()?;
        Ok(ReadPool { readers: readers.into() })
    }

    /// A pool over these readers (tests give it fakes).
    pub fn of(readers: Vec<Box<dyn StoreReader>>) -> ReadPool {
        ReadPool { readers: readers.into_iter().map(Mutex::new).collect::<Vec<_>>().into() }
    }

    /// Runs `f` on a free reader (or waits for the one this thread hashes to).
    pub fn with<T>(&self, f: impl FnOnce(&dyn StoreReader) -> StoreResult<T>) -> StoreResult<T> {
        let read = |guard: std::sync::MutexGuard<'_, Box<dyn StoreReader>>| {
            let result = f(guard.as_ref());
            guard.after_read();
            result
        };
        for r in self.readers.iter() {
            if let Ok(guard) = r.try_lock() {
                return read(guard);
            }
        }
        let i = rand::random::<u32>() as usize % self.readers.len();
        read(self.readers[i].lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// `with` on the blocking thread pool.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn StoreReader) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.with(f))
            .await
            .map_err(|e| StoreError::Backend(format!("reader task failed: {e}")))?
    }
}
