//! The embedded store: SQLite in WAL mode with `synchronous=FULL`, so a committed batch survives power
//! loss. One connection writes (group commit, driven by `hub::dispatch`); others read concurrently.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, named_params};

use super::cache::{CacheMeter, ConnKind};
use super::checkpoint::{Checkpointer, CommitNotice};
use super::columns::{AGENTS, BOTS, CONVERSATIONS, HISTORY, IDENTITIES, SECRETS, TOKENS, sql};
use super::messages::{self, MessageIndex, put_message};
use super::migrations;
use super::rows::*;
use super::*;

/// Size the WAL file is trimmed back to after a checkpoint.
const WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

pub struct SqliteFactory {
    path: PathBuf,
}

impl SqliteFactory {
    /// Creates the database if needed and brings its schema to this build's version (`migrations`),
    /// before any connection is handed out; a database of a newer version is refused.
    pub fn new(data_dir: &Path) -> StoreResult<SqliteFactory> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Backend(format!("{}: {e}", data_dir.display())))?;
        let factory = SqliteFactory { path: data_dir.join("switchboard.db") };
        let mut conn = factory.connect(ConnKind::Reader)?;
        migrations::migrate(&mut conn).map_err(|e| factory.about(e))?;
        factory.make_private()?;
        Ok(factory)
    }

    /// `e`, naming the database file.
    fn about(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Backend(m) => StoreError::Backend(format!("{}: {m}", self.path.display())),
            StoreError::Corrupt(m) => StoreError::Corrupt(format!("{}: {m}", self.path.display())),
            StoreError::Unavailable(m) => StoreError::Unavailable(format!("{}: {m}", self.path.display())),
            StoreError::Full(m) => StoreError::Full(format!("{}: {m}", self.path.display())),
            StoreError::Io(m) => StoreError::Io(format!("{}: {m}", self.path.display())),
        }
    }

    /// The database holds the key that signs visitor tokens (`secrets`): only the owner may read it.
    /// New files are made 0600 (SQLITE_DEFAULT_FILE_PERMISSIONS); this narrows files made before.
    fn make_private(&self) -> StoreResult<()> {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let Ok(meta) = std::fs::metadata(&path) else { continue };
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| StoreError::Backend(format!("{}: {e}", self.path.display())))?;
            }
        }
        Ok(())
    }

    /// A connection of `kind`, with the page cache that kind needs (`ConnKind::cache_kib`).
    fn connect(&self, kind: ConnKind) -> StoreResult<Connection> {
        let conn = Connection::open(&self.path).map_err(backend)?;
        let cache_kib = kind.cache_kib();
        // synchronous=FULL: a commit is on disk before it returns (durable before acknowledged).
        // The page cache is bounded per role (`cache`). No connection checkpoints
        // on its own: that is the checkpoint thread's job (`checkpoint`), off the commit path;
        // journal_size_limit trims the WAL file when it starts over.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=OFF; \
             PRAGMA cache_size=-{cache_kib}; PRAGMA wal_autocheckpoint=0; \
             PRAGMA journal_size_limit={WAL_LIMIT_BYTES}; PRAGMA temp_store=MEMORY;"
        ))
        .map_err(backend)?;
        keep_wal_files(&conn)?;
        // A newer build may have migrated the database since this one opened it.
        migrations::check(&conn).map_err(|e| self.about(e))?;
        Ok(conn)
    }
}

/// Keeps the WAL and its index (`-shm`) when the last connection closes (SQLITE_FCNTL_PERSIST_WAL). Making
/// them needs disk space, so without this a process stopped cleanly could not open its store again on a
/// disk that filled meanwhile; with it, it starts, serves reads and waits for room to write.
fn keep_wal_files(conn: &Connection) -> StoreResult<()> {
    let mut on: std::ffi::c_int = 1;
    // SAFETY: a file control on this open connection's main database, with the int it expects.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&raw mut on).cast(),
        )
    };
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(StoreError::Backend(format!("keeping the WAL files: SQLite code {rc}")));
    }
    Ok(())
}

impl StoreFactory for SqliteFactory {
    fn open(&self) -> StoreResult<Box<dyn Store>> {
        Ok(Box::new(SqliteStore {
            conn: self.connect(ConnKind::Reader)?,
            checkpointer: None,
            index: None,
            catch_up_pending: false,
            meter: Some(CacheMeter::new(ConnKind::Reader)),
        }))
    }

    /// The writer, with its checkpoint thread on a second connection; the WAL hook (which replaces
    /// SQLite's automatic checkpoint) tells that thread how large the WAL is after every commit.
    fn open_writer(&self) -> StoreResult<Box<dyn Store>> {
        let mut conn = self.connect(ConnKind::Writer)?;
        // Rows a writer before this one (or the last run) left unindexed: its memory of them is gone. On a
        // full disk this waits for the first batch (`apply`), so that the process still starts and reads.
        let catch_up_pending = match messages::catch_up(&mut conn).map_err(|e| backend_on(&conn, e)) {
            Ok(()) => false,
            Err(StoreError::Full(e)) => {
                tracing::warn!(error = %e, "the store is full: the message index catches up at the first commit");
                true
            }
            Err(e) => return Err(e),
        };
        let db_file = std::fs::File::open(&self.path)
            .map_err(|e| StoreError::Backend(format!("{}: {e}", self.path.display())))?;
        let (checkpointer, notice) = Checkpointer::start(self.connect(ConnKind::Checkpoint)?, db_file)
            .map_err(|e| StoreError::Backend(format!("checkpoint thread: {e}")))?;
        let hook = notice.clone();
        conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, frames: std::ffi::c_int| {
            hook.committed(u32::try_from(frames).unwrap_or(0));
            Ok(())
        }))
        .map_err(backend)?;
        Ok(Box::new(SqliteStore {
            conn,
            checkpointer: Some((checkpointer, notice)),
            index: Some(MessageIndex::default()),
            catch_up_pending,
            meter: Some(CacheMeter::new(ConnKind::Writer)),
        }))
    }
}

pub struct SqliteStore {
    conn: Connection,
    /// The writer's checkpoint thread and its notice board (readers have none); the thread stops when
    /// the writer is dropped.
    checkpointer: Option<(Checkpointer, CommitNotice)>,
    /// The writer's unindexed message rows (readers have none, and find those rows by a scan). Only the
    /// instance from `open_writer` writes messages: a flush's watermark covers every row before it, so
    /// a message written behind the writer's back would fall under it unindexed.
    index: Option<MessageIndex>,
    /// The writer's catch-up could not run at start (a full disk): it runs before the first batch.
    catch_up_pending: bool,
    /// This connection's share of `switchboard_store_cache_bytes` (none in memory).
    meter: Option<CacheMeter>,
}

impl SqliteStore {
    /// A store in memory, for computing over records held elsewhere (the cluster's reports). It may
    /// not write messages.
    pub fn in_memory() -> StoreResult<SqliteStore> {
        let mut conn = Connection::open_in_memory().map_err(backend)?;
        migrations::migrate(&mut conn)?;
        Ok(SqliteStore { conn, checkpointer: None, index: None, catch_up_pending: false, meter: None })
    }

    /// One op; `messages` is the message INSERT, prepared once per batch (messages are most of one).
    fn apply_one(
        tx: &rusqlite::Transaction<'_>,
        messages: &mut rusqlite::Statement<'_>,
        op: &StoreOp,
    ) -> rusqlite::Result<()> {
        match op {
            StoreOp::PutMessage(m) => put_message(messages, m)?,
            StoreOp::PutConversation(c) => {
                put_conversation(&mut *tx.prepare_cached(sql!(CONVERSATIONS.insert("INSERT OR REPLACE")))?, c)?;
            }
            StoreOp::PutAgent(a) => {
                put_agent(&mut *tx.prepare_cached(sql!(AGENTS.insert("INSERT OR REPLACE")))?, a)?;
            }
            StoreOp::DeleteAgent(id) => {
                let id = id.0 as i64;
                tx.execute("DELETE FROM agents WHERE id = :id", named_params! {":id": id})?;
                tx.execute("DELETE FROM tokens WHERE kind = 'agent' AND subject = :id", named_params! {":id": id})?;
            }
            StoreOp::PutBot(b) => {
                put_bot(&mut *tx.prepare_cached(sql!(BOTS.insert("INSERT OR REPLACE")))?, b)?;
            }
            StoreOp::PutToken(t) => {
                put_token(&mut *tx.prepare_cached(sql!(TOKENS.insert("INSERT OR REPLACE")))?, t)?;
            }
            StoreOp::DeleteToken(hash) => {
                tx.execute("DELETE FROM tokens WHERE hash = :hash", named_params! {":hash": &hash[..]})?;
            }
            StoreOp::PutIdentity(l) => {
                put_identity(&mut *tx.prepare_cached(sql!(IDENTITIES.insert("INSERT OR REPLACE")))?, l)?;
            }
            StoreOp::SetRating { conversation, score, comment } => {
                tx.execute(
                    "UPDATE conversations SET rating = :rating, rating_comment = :rating_comment WHERE id = :id",
                    named_params! {":id": conversation.0 as i64, ":rating": score, ":rating_comment": comment.as_deref()},
                )?;
            }
            StoreOp::AddHistory(h) => {
                put_history(&mut *tx.prepare_cached(sql!(HISTORY.insert("INSERT")))?, h)?;
            }
            StoreOp::PutNote(_) | StoreOp::PutCanned(_) | StoreOp::DeleteCanned(_) => {
                super::team::apply(tx, op)?;
            }
            StoreOp::PutNotice(n) => super::notices::put(tx, n)?,
            StoreOp::DeleteNotice(id) => super::notices::delete(tx, *id)?,
            StoreOp::PutArticle(a) => super::kb::put(tx, a)?,
            StoreOp::DeleteArticle(id) => super::kb::delete(tx, *id)?,
            StoreOp::PutEmail(e) => super::outbox::put(tx, e)?,
            StoreOp::DeleteWaitingEmail(id) => super::outbox::delete_waiting(tx, *id)?,
            StoreOp::EmailAttempt { id, outcome } => super::outbox::outcome(tx, *id, outcome)?,
            StoreOp::ReserveTickets { up_to } => {
                // Never lowered: a smaller mark (a late or repeated reservation) leaves the larger one.
                tx.execute(
                    "INSERT INTO ticket_state (id, reserved) VALUES (1, :up_to) \
                     ON CONFLICT (id) DO UPDATE SET reserved = MAX(reserved, excluded.reserved)",
                    named_params! {":up_to": i64::try_from(*up_to).unwrap_or(i64::MAX)},
                )?;
            }
        }
        Ok(())
    }
}

impl SqliteStore {
    fn read_messages_after(
        &self,
        conversation: ConversationId,
        after: Seq,
        limit: usize,
    ) -> StoreResult<Vec<MessageRecord>> {
        let (id, after_seq) = (conversation.0 as i64, after as i64);
        match &self.index {
            Some(index) => index.read_after(&self.conn, id, after_seq, limit),
            None => messages::after(&self.conn, id, after_seq, limit as i64),
        }
        .map_err(backend)
    }
}

impl Transcripts for SqliteStore {
    fn messages_after(
        &self,
        conversation: ConversationId,
        after: Seq,
        limit: usize,
    ) -> StoreResult<Vec<MessageRecord>> {
        self.read_messages_after(conversation, after, limit)
    }
}

impl StoreWriter for SqliteStore {
    fn apply(&mut self, ops: &[StoreOp]) -> StoreResult<()> {
        if self.index.is_none() && ops.iter().any(|op| matches!(op, StoreOp::PutMessage(_))) {
            return Err(StoreError::Backend("messages are written through the store's writer only".into()));
        }
        if self.catch_up_pending {
            messages::catch_up(&mut self.conn).map_err(|e| backend_on(&self.conn, e))?;
            self.catch_up_pending = false;
        }
        let tx = self.conn.transaction().map_err(backend)?;
        let mark = match self.index.as_mut() {
            Some(index) => Some(index.begin(&tx, ops.len()).map_err(backend)?),
            None => None,
        };
        let mut written = || -> rusqlite::Result<()> {
            let mut messages = tx.prepare_cached(messages::put_message_sql())?;
            for op in ops {
                Self::apply_one(&tx, &mut messages, op)?;
                if let (StoreOp::PutMessage(m), Some(index)) = (op, self.index.as_mut()) {
                    index.record(m, tx.last_insert_rowid());
                }
            }
            Ok(())
        };
        let result = written().and_then(|()| tx.commit());
        if let (Some(index), Some(mark)) = (self.index.as_mut(), mark) {
            index.finish(mark, result.is_ok());
        }
        result.map_err(|e| backend_on(&self.conn, e))
    }

    fn between_batches(&mut self) {
        if let Some(meter) = &self.meter {
            meter.sample(&self.conn);
        }
        let Some((_, notice)) = &self.checkpointer else { return };
        if !notice.take_catch_up() {
            return;
        }
        let started = std::time::Instant::now();
        match self.conn.wal_checkpoint_v2(None::<&str>, rusqlite::wal::CheckpointMode::PASSIVE) {
            Ok((_, copied)) => notice.caught_up(u32::try_from(copied.max(0)).unwrap_or(0)),
            // Busy: the checkpoint thread is at it again, and the next catch-up will do.
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {}
            // Anything else is worth seeing; commits stay durable either way.
            Err(e) => tracing::warn!(error = %e, "WAL catch-up failed"),
        }
        metrics::histogram!("switchboard_store_wal_catch_up_seconds").record(started.elapsed().as_secs_f64());
    }
}

impl SnapshotSource for SqliteStore {
    fn load(&self) -> StoreResult<Snapshot> {
        fn all<T>(
            c: &Connection,
            sql: &str,
            row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        ) -> rusqlite::Result<Vec<T>> {
            c.prepare(sql)?.query_map([], row)?.collect()
        }
        let c = &self.conn;
        let agents = all(c, sql!(format!("{} ORDER BY created_at", AGENTS.select())), agent_row).map_err(backend)?;
        let bots = all(c, sql!(BOTS.select()), bot_row).map_err(backend)?;
        let identities = all(c, sql!(IDENTITIES.select()), identity_row).map_err(backend)?;
        let open = all(
            c,
            sql!(format!("{} WHERE status != 'resolved' ORDER BY created_at", conversation_select())),
            conversation_row,
        )
        .map_err(backend)?;
        let open_conversations = open
            .into_iter()
            .map(|record| {
                let client_msg_ids = messages::client_msg_ids(c, record.id.0 as i64)?;
                Ok(OpenConversation { record, client_msg_ids })
            })
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(backend)?;
        let (last_ticket, reserved): (i64, i64) = c
            .query_row(
                "SELECT (SELECT COALESCE(MAX(ticket), 1000) FROM conversations) AS last_ticket, \
                        (SELECT COALESCE(MAX(reserved), 0) FROM ticket_state) AS reserved",
                [],
                |r| Ok((r.get("last_ticket")?, r.get("reserved")?)),
            )
            .map_err(backend)?;
        let notices = super::notices::all(c).map_err(backend)?;
        let (waiting_emails, acknowledged) = super::outbox::for_snapshot(c).map_err(backend)?;
        Ok(Snapshot {
            waiting_emails,
            acknowledged,
            agents,
            bots,
            identities,
            open_conversations,
            notices,
            last_ticket: last_ticket as u64,
            tickets_reserved: last_ticket.max(reserved) as u64,
        })
    }

    fn secret(&mut self, name: &str) -> StoreResult<[u8; 32]> {
        let fresh: [u8; 32] = rand::random();
        self.conn
            .execute(sql!(SECRETS.insert("INSERT OR IGNORE")), named_params! {":name": name, ":value": &fresh[..]})
            .map_err(backend)?;
        let value: Vec<u8> = self
            .conn
            .query_row(sql!(format!("{} WHERE name = :name", SECRETS.select())), named_params! {":name": name}, |r| {
                r.get("value")
            })
            .map_err(backend)?;
        value.try_into().map_err(|_| StoreError::Backend(format!("secret {name} is not 32 bytes")))
    }
}

#[path = "sqlite_reads.rs"]
mod reads;

#[cfg(test)]
#[path = "full_tests.rs"]
mod full_tests;
