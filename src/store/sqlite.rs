//! The embedded store: SQLite in WAL mode with `synchronous=FULL`, so a committed batch survives power
//! loss. One connection writes (group commit, driven by `hub::dispatch`); others read concurrently.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::checkpoint::{Checkpointer, CommitNotice};
use super::messages::{self, MessageIndex, PUT_MESSAGE, put_message};
use super::rows::*;
use super::*;

/// Page cache per connection, in KiB.
const CACHE_KIB: u32 = 64 * 1024;
/// Size the WAL file is trimmed back to after a checkpoint.
const WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

pub struct SqliteFactory {
    path: PathBuf,
}

impl SqliteFactory {
    /// Creates the database and its schema if needed.
    pub fn new(data_dir: &Path) -> StoreResult<SqliteFactory> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Backend(format!("{}: {e}", data_dir.display())))?;
        let factory = SqliteFactory { path: data_dir.join("switchboard.db") };
        let conn = factory.connect()?;
        conn.execute_batch(include_str!("schema.sql")).map_err(backend)?;
        factory.make_private()?;
        Ok(factory)
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

    fn connect(&self) -> StoreResult<Connection> {
        let conn = Connection::open(&self.path).map_err(backend)?;
        // synchronous=FULL: a commit is on disk before it returns (durable before acknowledged).
        // A 64 MiB page cache keeps the pages a busy hub touches in memory. No connection checkpoints
        // on its own: that is the checkpoint thread's job (`checkpoint`), off the commit path;
        // journal_size_limit trims the WAL file when it starts over.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=OFF; \
             PRAGMA cache_size=-{CACHE_KIB}; PRAGMA wal_autocheckpoint=0; \
             PRAGMA journal_size_limit={WAL_LIMIT_BYTES}; PRAGMA temp_store=MEMORY;"
        ))
        .map_err(backend)?;
        Ok(conn)
    }
}

impl StoreFactory for SqliteFactory {
    fn open(&self) -> StoreResult<Box<dyn Store>> {
        Ok(Box::new(SqliteStore { conn: self.connect()?, checkpointer: None, index: None }))
    }

    /// The writer, with its checkpoint thread on a second connection; the WAL hook (which replaces
    /// SQLite's automatic checkpoint) tells that thread how large the WAL is after every commit.
    fn open_writer(&self) -> StoreResult<Box<dyn Store>> {
        let mut conn = self.connect()?;
        // Rows a writer before this one (or the last run) left unindexed: its memory of them is gone.
        messages::catch_up(&mut conn).map_err(backend)?;
        let db_file = std::fs::File::open(&self.path)
            .map_err(|e| StoreError::Backend(format!("{}: {e}", self.path.display())))?;
        let (checkpointer, notice) = Checkpointer::start(self.connect()?, db_file)
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
}

impl SqliteStore {
    /// One op; `messages` is the message INSERT, prepared once per batch (messages are most of one).
    fn apply_one(
        tx: &rusqlite::Transaction<'_>,
        messages: &mut rusqlite::Statement<'_>,
        op: &StoreOp,
    ) -> rusqlite::Result<()> {
        match op {
            StoreOp::PutMessage(m) => put_message(messages, m)?,
            StoreOp::PutConversation(c) => {
                tx.prepare_cached(&format!(
                    "INSERT OR REPLACE INTO conversations ({CONVERSATION_COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
                ))?
                .execute(params![
                    c.id.0 as i64,
                    c.ticket.0 as i64,
                    c.visitor_id.0 as i64,
                    c.site.as_ref(),
                    c.department.as_ref(),
                    c.locale.as_deref(),
                    c.language.as_ref().map(|l| l.as_str()),
                    c.priority.as_str(),
                    c.tier,
                    c.status.as_str(),
                    c.agent_id.map(|a| a.0 as i64),
                    c.bot_id.map(|b| b.0 as i64),
                    c.bot_reason.map(|r| r.as_str()),
                    c.handoff_requested,
                    c.verified,
                    c.plan.as_str(),
                    c.urgent,
                    c.visitor_name.as_deref(),
                    c.visitor_email.as_deref(),
                    ms(c.created_at),
                    c.resolved_at.map(ms),
                    c.last_seq as i64,
                    c.rating,
                    c.rating_comment.as_deref()
                ])?;
            }
            StoreOp::PutAgent(a) => {
                tx.prepare_cached(&format!(
                    "INSERT OR REPLACE INTO agents ({AGENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ))?
                .execute(params![
                    a.id.0 as i64,
                    a.email,
                    a.name.as_ref(),
                    a.password_hash,
                    join(a.languages.iter().map(|l| l.as_str())),
                    a.tier,
                    a.max_chats,
                    join(a.departments.iter()),
                    ms(a.created_at)
                ])?;
            }
            StoreOp::DeleteAgent(id) => {
                tx.execute("DELETE FROM agents WHERE id = ?1", [id.0 as i64])?;
                tx.execute("DELETE FROM tokens WHERE kind = 'agent' AND subject = ?1", [id.0 as i64])?;
            }
            StoreOp::PutBot(b) => {
                tx.execute(
                    "INSERT OR REPLACE INTO bots (id, name, created_at) VALUES (?1, ?2, ?3)",
                    params![b.id.0 as i64, b.name.as_ref(), ms(b.created_at)],
                )?;
            }
            StoreOp::PutToken(t) => {
                let (kind, subject) = principal_parts(t.principal);
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO tokens (hash, kind, subject, expires_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![&t.hash[..], kind, subject, t.expires_at.map(ms)])?;
            }
            StoreOp::DeleteToken(hash) => {
                tx.execute("DELETE FROM tokens WHERE hash = ?1", [&hash[..]])?;
            }
            StoreOp::PutIdentity(l) => {
                tx.execute(
                    "INSERT OR REPLACE INTO identities (site, sub, email) VALUES (?1, ?2, ?3)",
                    params![l.site.as_ref(), l.sub.as_ref(), l.email.as_ref()],
                )?;
            }
            StoreOp::SetRating { conversation, score, comment } => {
                tx.execute(
                    "UPDATE conversations SET rating = ?2, rating_comment = ?3 WHERE id = ?1",
                    params![conversation.0 as i64, score, comment.as_deref()],
                )?;
            }
        }
        Ok(())
    }
}

impl Store for SqliteStore {
    fn apply(&mut self, ops: &[StoreOp]) -> StoreResult<()> {
        if self.index.is_none() && ops.iter().any(|op| matches!(op, StoreOp::PutMessage(_))) {
            return Err(StoreError::Backend("messages are written through the store's writer only".into()));
        }
        let tx = self.conn.transaction().map_err(backend)?;
        let mark = match self.index.as_mut() {
            Some(index) => Some(index.begin(&tx, ops.len()).map_err(backend)?),
            None => None,
        };
        let mut written = || -> rusqlite::Result<()> {
            let mut messages = tx.prepare_cached(PUT_MESSAGE)?;
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
        result.map_err(backend)
    }

    fn between_batches(&mut self) {
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

    fn secret(&mut self, name: &str) -> StoreResult<[u8; 32]> {
        let fresh: [u8; 32] = rand::random();
        self.conn
            .execute("INSERT OR IGNORE INTO secrets (name, value) VALUES (?1, ?2)", params![name, &fresh[..]])
            .map_err(backend)?;
        let value: Vec<u8> =
            self.conn.query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| r.get(0)).map_err(backend)?;
        value.try_into().map_err(|_| StoreError::Backend(format!("secret {name} is not 32 bytes")))
    }

    fn load(&self) -> StoreResult<Snapshot> {
        let c = &self.conn;
        let agents = c
            .prepare(&format!("SELECT {AGENT_COLUMNS} FROM agents ORDER BY created_at"))
            .and_then(|mut s| s.query_map([], agent_row)?.collect::<Result<Vec<_>, _>>())
            .map_err(backend)?;
        let bots = c
            .prepare("SELECT id, name, created_at FROM bots")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(BotRecord {
                        id: BotId(r.get::<_, i64>(0)? as u64),
                        name: r.get::<_, String>(1)?.into(),
                        created_at: from_ms(r.get(2)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(backend)?;
        let identities = c
            .prepare("SELECT site, sub, email FROM identities")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(IdentityLink {
                        site: r.get::<_, String>(0)?.into(),
                        sub: r.get::<_, String>(1)?.into(),
                        email: r.get::<_, String>(2)?.into(),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(backend)?;
        let open = c
            .prepare(&format!(
                "{CONVERSATION_SELECT} FROM conversations WHERE status != 'resolved' ORDER BY created_at"
            ))
            .and_then(|mut s| s.query_map([], conversation_row)?.collect::<Result<Vec<_>, _>>())
            .map_err(backend)?;
        let open_conversations = open
            .into_iter()
            .map(|record| {
                let client_msg_ids = messages::client_msg_ids(c, record.id.0 as i64)?;
                Ok(OpenConversation { record, client_msg_ids })
            })
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(backend)?;
        let last_ticket: i64 =
            c.query_row("SELECT COALESCE(MAX(ticket), 1000) FROM conversations", [], |r| r.get(0)).map_err(backend)?;
        Ok(Snapshot { agents, bots, identities, open_conversations, last_ticket: last_ticket as u64 })
    }

    fn messages_after(
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

    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        self.conn
            .prepare_cached("SELECT kind, subject, expires_at FROM tokens WHERE hash = ?1")
            .and_then(|mut s| {
                s.query_row([&hash[..]], |r| {
                    let kind: String = r.get(0)?;
                    let subject = r.get::<_, i64>(1)? as u64;
                    let principal = match kind.as_str() {
                        "agent" => Principal::Agent(AgentId(subject)),
                        "bot" => Principal::Bot(BotId(subject)),
                        _ => Principal::Visitor(VisitorId(subject)),
                    };
                    Ok(TokenRecord { hash: *hash, principal, expires_at: r.get::<_, Option<i64>>(2)?.map(from_ms) })
                })
                .optional()
            })
            .map_err(backend)
    }

    fn agent_by_email(&self, email: &str) -> StoreResult<Option<AgentRecord>> {
        self.conn
            .prepare_cached(&format!("SELECT {AGENT_COLUMNS} FROM agents WHERE email = ?1"))
            .and_then(|mut s| s.query_row([email], agent_row).optional())
            .map_err(backend)
    }

    fn agent(&self, id: AgentId) -> StoreResult<Option<AgentRecord>> {
        self.conn
            .prepare_cached(&format!("SELECT {AGENT_COLUMNS} FROM agents WHERE id = ?1"))
            .and_then(|mut s| s.query_row([id.0 as i64], agent_row).optional())
            .map_err(backend)
    }

    fn bot(&self, id: BotId) -> StoreResult<Option<BotRecord>> {
        self.conn
            .prepare_cached("SELECT id, name, created_at FROM bots WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([id.0 as i64], |r| {
                    Ok(BotRecord {
                        id: BotId(r.get::<_, i64>(0)? as u64),
                        name: r.get::<_, String>(1)?.into(),
                        created_at: from_ms(r.get(2)?),
                    })
                })
                .optional()
            })
            .map_err(backend)
    }

    fn conversation_by_ticket(&self, ticket: Ticket) -> StoreResult<Option<ConversationRecord>> {
        self.conn
            .prepare_cached(&format!("{CONVERSATION_SELECT} FROM conversations WHERE ticket = ?1"))
            .and_then(|mut s| s.query_row([ticket.0 as i64], conversation_row).optional())
            .map_err(backend)
    }

    fn conversations(&self, q: TicketQuery) -> StoreResult<Vec<ConversationRecord>> {
        let sql = format!(
            "{CONVERSATION_SELECT} FROM conversations WHERE (?1 IS NULL OR status = ?1) \
             AND (?2 IS NULL OR agent_id = ?2) ORDER BY created_at DESC, ticket DESC LIMIT ?3"
        );
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(
                    params![q.status.map(|s| s.as_str()), q.agent.map(|a| a.0 as i64), q.limit as i64],
                    conversation_row,
                )?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(backend)
    }

    fn open_conversation_of(&self, visitor: VisitorId) -> StoreResult<Option<ConversationRecord>> {
        self.conn
            .prepare_cached(&format!(
                "{CONVERSATION_SELECT} FROM conversations WHERE visitor_id = ?1 AND status != 'resolved' \
                 ORDER BY created_at DESC LIMIT 1"
            ))
            .and_then(|mut s| s.query_row([visitor.0 as i64], conversation_row).optional())
            .map_err(backend)
    }
}
