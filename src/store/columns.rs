//! One column table per stored record. The insert and the select of a table are both made from it, so the
//! SQL names each column once; values are bound by name (`:column`, see `rows`) and rows are read by name.
//! A statement's text is built once per process (`sql!`) and prepared once per connection
//! (`prepare_cached`), so writing a row builds no string.

use rusqlite::{Statement, ToSql};

/// A table and the columns its record is written to and read from.
pub(super) struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

impl Table {
    /// `{verb} INTO name (a, b) VALUES (:a, :b)`, where `verb` is `INSERT`, `INSERT OR REPLACE`, ...
    pub fn insert(&self, verb: &str) -> String {
        let values: Vec<String> = self.columns.iter().map(|c| format!(":{c}")).collect();
        format!("{verb} INTO {} ({}) VALUES ({})", self.name, self.columns.join(", "), values.join(", "))
    }

    /// `SELECT a, b FROM name`, to be followed by `WHERE ...`.
    pub fn select(&self) -> String {
        self.select_with(&[])
    }

    /// `select`, with the columns named in `computed` read from an expression instead (`expr AS column`).
    pub fn select_with(&self, computed: &[(&str, &str)]) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|&c| match computed.iter().find(|(name, _)| *name == c) {
                Some((_, expr)) => format!("{expr} AS {c}"),
                None => c.to_owned(),
            })
            .collect();
        format!("SELECT {} FROM {}", columns.join(", "), self.name)
    }
}

pub(super) const CONVERSATIONS: Table = Table {
    name: "conversations",
    columns: &[
        "id",
        "ticket",
        "visitor_id",
        "site",
        "department",
        "locale",
        "language",
        "language_source",
        "priority",
        "tier",
        "status",
        "agent_id",
        "bot_id",
        "bot_reason",
        "handoff_requested",
        "verified",
        "plan",
        "urgent",
        "visitor_name",
        "visitor_email",
        "created_at",
        "resolved_at",
        "last_seq",
        "rating",
        "rating_comment",
        "topic",
        "sla_started_at",
        "first_response_at",
        "sla_sent",
    ],
};

/// The row's `id` (its rowid, arrival order) is SQLite's to assign.
pub(super) const MESSAGES: Table = Table {
    name: "messages",
    columns: &["conversation_id", "seq", "role", "sender_name", "body", "at", "client_msg_id", "event", "event_tier"],
};

pub(super) const MESSAGE_INDEX: Table =
    Table { name: "message_index", columns: &["conversation_id", "seq", "message_id"] };

pub(super) const AGENTS: Table = Table {
    name: "agents",
    columns: &["id", "email", "name", "password_hash", "languages", "tier", "max_chats", "departments", "created_at"],
};

pub(super) const BOTS: Table = Table { name: "bots", columns: &["id", "name", "created_at"] };

pub(super) const TOKENS: Table = Table { name: "tokens", columns: &["hash", "kind", "subject", "expires_at"] };

pub(super) const IDENTITIES: Table = Table { name: "identities", columns: &["site", "sub", "email"] };

pub(super) const SECRETS: Table = Table { name: "secrets", columns: &["name", "value"] };

/// The row's `id` (insertion order) is SQLite's to assign.
pub(super) const HISTORY: Table = Table {
    name: "history",
    columns: &["conversation_id", "at", "by_kind", "by_id", "what", "status", "agent_id", "tier", "note"],
};

pub(super) const NOTICES: Table = Table {
    name: "notices",
    columns: &["id", "kind", "title", "body", "starts_at", "ends_at", "departments", "created_at", "updated_at"],
};

/// The record tables, for the check that they match the schema.
#[cfg(test)]
pub(super) const ALL: &[&Table] =
    &[&CONVERSATIONS, &MESSAGES, &MESSAGE_INDEX, &AGENTS, &BOTS, &TOKENS, &IDENTITIES, &SECRETS, &HISTORY, &NOTICES];

/// A statement's SQL as a `&'static str`, built by the expression on first use and kept for the life of
/// the process: each use of the macro is a place of its own.
macro_rules! sql {
    ($build:expr) => {{
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        SQL.get_or_init(|| $build).as_str()
    }};
}
pub(super) use sql;

/// Runs a write whose values are named, in the order of the statement's parameters (for an insert, the
/// column table's). Every parameter must have its value: SQLite keeps a value from one run of a statement
/// to the next, so one left out would silently repeat the last row's. Debug builds (every test) check each
/// name against the statement, so that a value can neither land in another column nor be missed; the
/// order is fixed at each call, so a call that passes once is right for good. Values are then bound by
/// position: looking each name up costs the message insert a quarter more time than binding it
/// (rusqlite 0.41, 7 columns: ~520 against ~425 ns a row in a memory database).
pub(super) fn run(stmt: &mut Statement<'_>, values: &[(&str, &dyn ToSql)]) -> rusqlite::Result<usize> {
    let expected = stmt.parameter_count();
    if values.len() != expected {
        return Err(rusqlite::Error::InvalidParameterCount(values.len(), expected));
    }
    for (i, (name, value)) in values.iter().enumerate() {
        if cfg!(debug_assertions) && stmt.parameter_name(i + 1) != Some(*name) {
            let found = stmt.parameter_name(i + 1).unwrap_or("?").to_owned();
            return Err(rusqlite::Error::InvalidParameterName(format!("{name} given where {found} is expected")));
        }
        stmt.raw_bind_parameter(i + 1, value)?;
    }
    stmt.raw_execute()
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, named_params};

    use super::*;

    /// Every column a table names is in the migrated schema, and every column of the schema's table is
    /// named (but a rowid the database assigns).
    #[test]
    fn the_column_tables_match_the_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn).unwrap();
        for table in ALL {
            let mut stmt = conn.prepare(&format!("SELECT name, pk FROM pragma_table_info('{}')", table.name)).unwrap();
            let stored: Vec<(String, i64)> =
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
            assert!(!stored.is_empty(), "table {} exists", table.name);
            for column in table.columns {
                assert!(stored.iter().any(|(name, _)| name == column), "{}.{column} is stored", table.name);
            }
            for (name, _) in stored
                .iter()
                .filter(|(name, pk)| !(name == "id" && *pk == 1 && ["messages", "history"].contains(&table.name)))
            {
                assert!(table.columns.contains(&name.as_str()), "{}.{name} is in the column table", table.name);
            }
            conn.prepare(&table.insert("INSERT")).unwrap();
            conn.prepare(&table.select()).unwrap();
        }
    }

    #[test]
    fn statements_are_made_from_the_table() {
        assert_eq!(
            BOTS.insert("INSERT OR REPLACE"),
            "INSERT OR REPLACE INTO bots (id, name, created_at) VALUES (:id, :name, :created_at)"
        );
        assert_eq!(BOTS.select(), "SELECT id, name, created_at FROM bots");
        assert_eq!(
            BOTS.select_with(&[("name", "upper(name)")]),
            "SELECT id, upper(name) AS name, created_at FROM bots"
        );
        let first = sql!(BOTS.select()).as_ptr();
        let again = (0..2).map(|_| sql!(BOTS.select()).as_ptr()).collect::<Vec<_>>();
        assert_eq!(again[0], again[1], "built once for its place");
        assert_ne!(first, again[0], "another place, another string");
    }

    /// A parameter left out, named wrongly or out of order is refused, not bound from the last run.
    #[test]
    fn a_write_binds_every_parameter() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE bots (id INTEGER PRIMARY KEY, name TEXT, created_at INTEGER)").unwrap();
        let mut stmt = conn.prepare(&BOTS.insert("INSERT")).unwrap();
        run(&mut stmt, named_params! {":id": 1, ":name": "a", ":created_at": 5}).unwrap();
        assert!(run(&mut stmt, named_params! {":id": 2, ":name": "b"}).is_err());
        if cfg!(debug_assertions) {
            assert!(run(&mut stmt, named_params! {":id": 3, ":name": "c", ":created": 5}).is_err());
            assert!(run(&mut stmt, named_params! {":id": 4, ":created_at": 5, ":name": "d"}).is_err());
        }
        let rows: i64 = conn.query_row("SELECT COUNT(*) FROM bots", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1);
    }
}
