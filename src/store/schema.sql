-- Version 1 of the schema (migration 1 in store/migrations.rs), as released before the schema had
-- versions. Do not edit: a change to the schema is a new migration there.
-- Switchboard's embedded store. Times are milliseconds since the Unix epoch; ids are the 64-bit ids
-- stored as signed integers; lists are joined with the unit separator (0x1f).
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    ticket INTEGER NOT NULL UNIQUE,
    visitor_id INTEGER NOT NULL,
    site TEXT NOT NULL,
    department TEXT NOT NULL,
    locale TEXT,
    language TEXT,
    priority TEXT NOT NULL,
    tier INTEGER NOT NULL,
    status TEXT NOT NULL,
    agent_id INTEGER,
    bot_id INTEGER,
    bot_reason TEXT,
    handoff_requested INTEGER NOT NULL,
    verified INTEGER NOT NULL,
    plan TEXT NOT NULL,
    urgent INTEGER NOT NULL,
    visitor_name TEXT,
    visitor_email TEXT,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    last_seq INTEGER NOT NULL,
    rating INTEGER,
    rating_comment TEXT
);
CREATE INDEX IF NOT EXISTS conversations_open ON conversations(status) WHERE status != 'resolved';
CREATE INDEX IF NOT EXISTS conversations_visitor ON conversations(visitor_id, status);
CREATE INDEX IF NOT EXISTS conversations_created ON conversations(created_at);

-- Rows in arrival order (rowid), so that the messages of one commit share a few pages at the end of
-- the table. No index is kept row by row: `message_index` is written in bulk (see store/messages.rs), and
-- rows after its watermark are the unindexed tail.
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    sender_name TEXT,
    body TEXT NOT NULL,
    at INTEGER NOT NULL,
    client_msg_id TEXT
);
CREATE TABLE IF NOT EXISTS message_index (
    conversation_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
-- One row: every message with id <= watermark is in message_index.
CREATE TABLE IF NOT EXISTS message_index_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    watermark INTEGER NOT NULL
);
INSERT OR IGNORE INTO message_index_state (id, watermark) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    languages TEXT NOT NULL,
    tier INTEGER NOT NULL,
    max_chats INTEGER NOT NULL,
    departments TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS bots (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS tokens (
    hash BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    subject INTEGER NOT NULL,
    expires_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_subject ON tokens(kind, subject);

-- Server secrets (the visitor-token key), made once.
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS identities (
    site TEXT NOT NULL,
    sub TEXT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (site, sub)
) WITHOUT ROWID;
