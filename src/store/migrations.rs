//! Schema versions. The database's `PRAGMA user_version` is the number of migrations applied to it; each
//! migration runs in a transaction of its own that also sets the version, so a database is always at
//! exactly one version, whatever crashed when.
//!
//! Version 1 is the schema as the store created it before it had versions (`schema.sql`, every table
//! `IF NOT EXISTS`): a database from then is at version 0 and holds some or all of it, and migration 1
//! adds whatever it lacks. A change to the schema is a new migration at the end of `MIGRATIONS`, never an
//! edit of one already released. A database at a version this build does not know was written by a newer
//! build and is refused: running on a schema one does not know risks its data.
//!
//! `SqliteFactory::new` migrates before it hands out any connection, so no reader of this process sees a
//! schema part-way; the transactions are IMMEDIATE, so two processes opening one database at once
//! serialise, and the second finds the work done.

use rusqlite::{Connection, TransactionBehavior};

use super::{StoreError, StoreResult};

pub(super) struct Migration {
    /// The version a database is at once this migration is applied: its place in `MIGRATIONS`, from 1.
    pub version: u32,
    pub sql: &'static str,
}

/// Every migration, in order.
pub(super) const MIGRATIONS: &[Migration] = &[
    // The schema of the first release, as its `CREATE ... IF NOT EXISTS` statements left a database.
    Migration { version: 1, sql: include_str!("schema.sql") },
    // The row-by-row `(conversation_id, seq)` index of early versions. `message_index`, written in bulk,
    // replaced it (see `messages`); the writer indexes any message the new index lacks as it opens.
    Migration { version: 2, sql: "DROP INDEX IF EXISTS messages_seq;" },
    // The ticket high-water mark (`StoreOp::ReserveTickets`): every ticket up to `reserved` may have been
    // handed out, so none of them is handed out again, even after a crash. One row, written on first use.
    Migration {
        version: 3,
        sql: "CREATE TABLE ticket_state (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  reserved INTEGER NOT NULL
              );",
    },
    // The support workflow (spec 7): a conversation's topic and service-level clocks, system messages'
    // event and tier, and each conversation's history of changes.
    Migration {
        version: 4,
        sql: "ALTER TABLE conversations ADD COLUMN topic TEXT;
              ALTER TABLE conversations ADD COLUMN sla_started_at INTEGER;
              ALTER TABLE conversations ADD COLUMN first_response_at INTEGER;
              ALTER TABLE conversations ADD COLUMN sla_sent INTEGER NOT NULL DEFAULT 0;
              ALTER TABLE messages ADD COLUMN event TEXT;
              ALTER TABLE messages ADD COLUMN event_tier INTEGER;
              CREATE TABLE history (
                  id INTEGER PRIMARY KEY,
                  conversation_id INTEGER NOT NULL,
                  at INTEGER NOT NULL,
                  by_kind TEXT NOT NULL,
                  by_id INTEGER,
                  what TEXT NOT NULL,
                  status TEXT NOT NULL,
                  agent_id INTEGER,
                  tier INTEGER NOT NULL,
                  note TEXT
              );
              CREATE INDEX history_conversation ON history(conversation_id, id);",
    },
    // How a conversation's language was decided: from the text, the locale, or neither.
    Migration { version: 5, sql: "ALTER TABLE conversations ADD COLUMN language_source TEXT;" },
    // Internal notes (agents only, never in a transcript) and canned replies (shared: owner NULL).
    Migration {
        version: 6,
        sql: "CREATE TABLE notes (
                  conversation_id INTEGER NOT NULL,
                  agent_id INTEGER NOT NULL,
                  agent_name TEXT NOT NULL,
                  text TEXT NOT NULL,
                  at INTEGER NOT NULL
              );
              CREATE INDEX notes_conversation ON notes (conversation_id, at);
              CREATE TABLE canned_replies (
                  id TEXT PRIMARY KEY,
                  owner INTEGER,
                  title TEXT NOT NULL,
                  text TEXT NOT NULL,
                  created_at INTEGER NOT NULL
              );",
    },
    // Status notices (spec 7.4): incidents and maintenance windows, with the departments they concern
    // (a separated list; empty: all).
    Migration {
        version: 7,
        sql: "CREATE TABLE notices (
                  id INTEGER PRIMARY KEY,
                  kind TEXT NOT NULL,
                  title TEXT NOT NULL,
                  body TEXT NOT NULL,
                  starts_at INTEGER NOT NULL,
                  ends_at INTEGER,
                  departments TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL
              );",
    },
    // Reports (spec 7.5): a conversation's history looked up by what happened (assigned, handoff, breach).
    // The cohort of a range read from one covering index.
    Migration {
        version: 8,
        sql: "CREATE INDEX history_what ON history(conversation_id, what, note);
              CREATE INDEX conversations_report ON conversations(created_at, department, agent_id, status, rating,
                  sla_started_at, first_response_at, resolved_at);",
    },
    // The knowledge base (spec 7.6): articles, and their full-text index (FTS5, external content) kept in
    // step by triggers. Writes are upserts, so that a change fires the update trigger.
    Migration {
        version: 9,
        sql: "CREATE TABLE kb_articles (
                  id INTEGER PRIMARY KEY,
                  language TEXT NOT NULL,
                  title TEXT NOT NULL,
                  body TEXT NOT NULL,
                  tags TEXT NOT NULL,
                  url TEXT,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL
              );
              CREATE INDEX kb_articles_updated ON kb_articles(updated_at);
              CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, tags, content='kb_articles', content_rowid='id',
                  tokenize='unicode61 remove_diacritics 2');
              CREATE TRIGGER kb_ai AFTER INSERT ON kb_articles BEGIN
                  INSERT INTO kb_fts(rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
              END;
              CREATE TRIGGER kb_ad AFTER DELETE ON kb_articles BEGIN
                  INSERT INTO kb_fts(kb_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
              END;
              CREATE TRIGGER kb_au AFTER UPDATE ON kb_articles BEGIN
                  INSERT INTO kb_fts(kb_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
                  INSERT INTO kb_fts(rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
              END;",
    },
    // The email outbox (spec 7.6): emails the hub decided, sent by the sender task (`store::outbox`).
    Migration { version: 10, sql: super::outbox::MIGRATION },
    // Reports (spec 7.5) without reading the history: what a conversation's history says that the
    // reports count (it was with the bot, assigned, handed off; its service-level breaches) is kept per
    // conversation by a trigger on the history's inserts, and filled in here from the history so far.
    Migration {
        version: 11,
        sql: "CREATE TABLE conversation_flags (
                  conversation_id INTEGER PRIMARY KEY,
                  bot INTEGER NOT NULL DEFAULT 0,
                  assigned INTEGER NOT NULL DEFAULT 0,
                  handoff INTEGER NOT NULL DEFAULT 0,
                  breaches_first_response INTEGER NOT NULL DEFAULT 0,
                  breaches_resolution INTEGER NOT NULL DEFAULT 0
              );
              INSERT INTO conversation_flags
                  SELECT conversation_id, MAX(what = 'bot'), MAX(what = 'assigned'), MAX(what = 'handoff'),
                         SUM(what = 'sla_breached' AND note = 'first_response'),
                         SUM(what = 'sla_breached' AND note = 'resolution')
                  FROM history WHERE what IN ('bot', 'assigned', 'handoff', 'sla_breached')
                  GROUP BY conversation_id;
              CREATE TRIGGER history_flags AFTER INSERT ON history
                  WHEN new.what IN ('bot', 'assigned', 'handoff', 'sla_breached') BEGIN
                  INSERT INTO conversation_flags
                      (conversation_id, bot, assigned, handoff, breaches_first_response, breaches_resolution)
                  VALUES (new.conversation_id, new.what = 'bot', new.what = 'assigned', new.what = 'handoff',
                          new.what = 'sla_breached' AND new.note IS 'first_response',
                          new.what = 'sla_breached' AND new.note IS 'resolution')
                  ON CONFLICT (conversation_id) DO UPDATE SET
                      bot = MAX(bot, excluded.bot), assigned = MAX(assigned, excluded.assigned),
                      handoff = MAX(handoff, excluded.handoff),
                      breaches_first_response = breaches_first_response + excluded.breaches_first_response,
                      breaches_resolution = breaches_resolution + excluded.breaches_resolution;
              END;",
    },
];

/// The version this build writes and reads.
pub(super) const LATEST: u32 = MIGRATIONS.len() as u32;

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("migrating the schema: {e}"))
}

fn version_of(conn: &Connection) -> StoreResult<u32> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(backend)?;
    u32::try_from(version).map_err(|_| StoreError::Corrupt(format!("schema version {version}")))
}

/// The database's schema version, refused if it is newer than this build's (`latest`).
fn known_version(conn: &Connection, latest: u32) -> StoreResult<u32> {
    let version = version_of(conn)?;
    if version > latest {
        return Err(StoreError::Backend(format!(
            "the database is at schema version {version}, newer than this build knows ({latest}): \
             it was written by a newer Switchboard; run that version, or a copy of the data from before it"
        )));
    }
    Ok(version)
}

/// Checks the schema version of a connection about to be used: refuses a newer schema than this build's.
pub(super) fn check(conn: &Connection) -> StoreResult<u32> {
    known_version(conn, LATEST)
}

/// Brings the database to `LATEST`, one migration per transaction; returns the version it was at.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<u32> {
    apply(conn, MIGRATIONS)
}

fn apply(conn: &mut Connection, migrations: &[Migration]) -> StoreResult<u32> {
    let latest = migrations.len() as u32;
    let found = known_version(conn, latest)?;
    if found == latest {
        return Ok(found);
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
        // Read again under the write lock: another process may have migrated meanwhile.
        let version = known_version(&tx, latest)?;
        let Some(next) = migrations.get(version as usize) else { return Ok(found) };
        debug_assert_eq!(next.version, version + 1);
        tx.execute_batch(next.sql)
            .and_then(|()| tx.pragma_update(None, "user_version", next.version))
            .and_then(|()| tx.commit())
            .map_err(|e| StoreError::Backend(format!("migrating the schema to version {}: {e}", next.version)))?;
        tracing::info!(version = next.version, "schema migrated");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_the_places_in_the_list() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
    }

    #[test]
    fn a_new_database_is_migrated_to_the_latest_version_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(version_of(&conn).unwrap(), LATEST);
        assert_eq!(migrate(&mut conn).unwrap(), LATEST, "nothing left to do");
    }

    /// A migration that fails leaves the database as the one before it left it: its statements and its
    /// version roll back together.
    #[test]
    fn a_failed_migration_leaves_the_version_before_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        let steps = [
            Migration { version: 1, sql: "CREATE TABLE a (x INTEGER);" },
            Migration { version: 2, sql: "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);" },
        ];
        let err = apply(&mut conn, &steps).unwrap_err().to_string();
        assert!(err.contains("version 2"), "{err}");
        assert_eq!(version_of(&conn).unwrap(), 1);
        let tables: i64 =
            conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('a', 'b')", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 1, "table a stays, table b is rolled back");
    }

    /// Migration 11 fills the reports' per-conversation flags from the history written before it; the
    /// trigger keeps them from then on.
    #[test]
    fn conversation_flags_are_filled_from_the_history_then_kept_by_the_trigger() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, &MIGRATIONS[..10]).unwrap();
        let add = |conn: &Connection, id: i64, what: &str, note: Option<&str>| {
            conn.execute(
                "INSERT INTO history (conversation_id, at, by_kind, what, status, tier, note) \
                 VALUES (?1, 0, 'hub', ?2, 'queued', 1, ?3)",
                rusqlite::params![id, what, note],
            )
            .unwrap();
        };
        add(&conn, 1, "bot", None);
        add(&conn, 1, "handoff", None);
        add(&conn, 1, "sla_breached", Some("first_response"));
        add(&conn, 2, "queued", None);
        migrate(&mut conn).unwrap();
        add(&conn, 1, "assigned", None);
        add(&conn, 1, "sla_breached", Some("resolution"));
        add(&conn, 2, "assigned", None);
        add(&conn, 2, "sla_breached", Some("first_response"));
        add(&conn, 2, "sla_breached", Some("first_response"));
        let flags: Vec<(i64, i64, i64, i64, i64, i64)> = conn
            .prepare("SELECT * FROM conversation_flags ORDER BY conversation_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(flags, [(1, 1, 1, 1, 1, 1), (2, 0, 1, 0, 2, 0)]);
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1).unwrap();
        let err = migrate(&mut conn).unwrap_err().to_string();
        assert!(err.contains("newer than this build knows"), "{err}");
        assert!(check(&conn).is_err());
        let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0);
    }
}
