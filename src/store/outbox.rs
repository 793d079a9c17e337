//! The email outbox (spec 7.6) as rows: written by the hub's ops in the same commit as the decision,
//! read by the sender task (due emails) and at start (emails still gathering unseen messages).

use rusqlite::{Connection, Row, named_params};

use super::rows::{from_ms, ms};
use super::*;
use crate::email::{EmailAddress, EmailContent, EmailKind, EmailState, OutboxEmail};

/// The outbox table and the index the sender reads it by (schema migration 10).
pub(super) const MIGRATION: &str = "CREATE TABLE email_outbox (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL,
        visitor_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        state TEXT NOT NULL,
        content TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
    );
    CREATE INDEX email_outbox_due ON email_outbox(state, next_attempt_at);
    CREATE INDEX email_outbox_conversation ON email_outbox(conversation_id, kind);";

const COLUMNS: &str = "id, conversation_id, visitor_id, kind, recipient, state, content, due_at, attempts, \
                       next_attempt_at, created_at";

/// What the sender reports of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum EmailOutcome {
    /// The SMTP server accepted it at `at`.
    Sent { at: Timestamp },
    /// It failed; tried again at `next` (`None`: given up, the email is `failed`).
    Failed { attempts: u32, next: Option<Timestamp>, error: Arc<str> },
}

pub(super) fn put(tx: &Connection, e: &OutboxEmail) -> rusqlite::Result<()> {
    let content = serde_json::to_string(&e.content).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO email_outbox ({COLUMNS}) VALUES (:id, :conversation_id, :visitor_id, :kind, \
         :recipient, :state, :content, :due_at, :attempts, :next_attempt_at, :created_at)"
    ))?
    .execute(named_params! {
        ":id": e.id.0 as i64,
        ":conversation_id": e.conversation.0 as i64,
        ":visitor_id": e.visitor.0 as i64,
        ":kind": e.kind.as_str(),
        ":recipient": e.to.as_str(),
        ":state": e.state.as_str(),
        ":content": content,
        ":due_at": ms(e.due_at),
        ":attempts": e.attempts,
        ":next_attempt_at": ms(e.next_attempt_at),
        ":created_at": ms(e.created_at),
    })?;
    Ok(())
}

/// The visitor saw the messages of a waiting email: it goes. An email already released stays.
pub(super) fn delete_waiting(tx: &Connection, id: EmailId) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM email_outbox WHERE id = :id AND state = 'waiting'", named_params! {":id": id.0 as i64})?;
    Ok(())
}

pub(super) fn outcome(tx: &Connection, id: EmailId, outcome: &EmailOutcome) -> rusqlite::Result<()> {
    let id = id.0 as i64;
    match outcome {
        EmailOutcome::Sent { at } => tx.execute(
            "UPDATE email_outbox SET state = 'sent', sent_at = :at, attempts = attempts + 1, last_error = NULL \
             WHERE id = :id AND state = 'ready'",
            named_params! {":id": id, ":at": ms(*at)},
        )?,
        EmailOutcome::Failed { attempts, next, error } => tx.execute(
            "UPDATE email_outbox SET attempts = :attempts, last_error = :error, \
             state = CASE WHEN :next IS NULL THEN 'failed' ELSE state END, \
             next_attempt_at = COALESCE(:next, next_attempt_at) WHERE id = :id AND state = 'ready'",
            named_params! {":id": id, ":attempts": attempts, ":error": error.as_ref(), ":next": next.map(ms)},
        )?,
    };
    Ok(())
}

fn row(r: &Row<'_>) -> rusqlite::Result<OutboxEmail> {
    let bad = |what: &str, v: String| rusqlite::Error::InvalidColumnName(format!("bad {what}: {v}"));
    let kind: String = r.get("kind")?;
    let state: String = r.get("state")?;
    let to: String = r.get("recipient")?;
    let content: String = r.get("content")?;
    Ok(OutboxEmail {
        id: EmailId(r.get::<_, i64>("id")? as u64),
        conversation: ConversationId(r.get::<_, i64>("conversation_id")? as u64),
        visitor: VisitorId(r.get::<_, i64>("visitor_id")? as u64),
        kind: EmailKind::parse(&kind).ok_or_else(|| bad("email kind", kind.clone()))?,
        to: EmailAddress::parse(&to).map_err(|_| bad("recipient", to.clone()))?,
        state: EmailState::parse(&state).ok_or_else(|| bad("email state", state.clone()))?,
        content: serde_json::from_str::<EmailContent>(&content).map_err(|_| bad("email content", content.clone()))?,
        due_at: from_ms(r.get("due_at")?),
        attempts: r.get("attempts")?,
        next_attempt_at: from_ms(r.get("next_attempt_at")?),
        created_at: from_ms(r.get("created_at")?),
    })
}

/// Emails to send at `now`, the longest due first, at most `limit`.
pub(super) fn due(c: &Connection, now: Timestamp, limit: usize) -> rusqlite::Result<Vec<OutboxEmail>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM email_outbox WHERE state = 'ready' AND next_attempt_at <= :now \
         ORDER BY next_attempt_at, id LIMIT :limit"
    ))?
    .query_map(named_params! {":now": ms(now), ":limit": limit as i64}, row)?
    .collect()
}

/// When the next email to send falls due.
pub(super) fn next_due(c: &Connection) -> rusqlite::Result<Option<Timestamp>> {
    let next: Option<i64> =
        c.query_row("SELECT MIN(next_attempt_at) FROM email_outbox WHERE state = 'ready'", [], |r| r.get(0))?;
    Ok(next.map(from_ms))
}

/// Every email of the outbox, oldest first (tests and the admin's view of it).
pub(super) fn all(c: &Connection) -> rusqlite::Result<Vec<OutboxEmail>> {
    c.prepare(&format!("SELECT {COLUMNS} FROM email_outbox ORDER BY created_at, id"))?.query_map([], row)?.collect()
}

/// What the hub restores at start: emails still gathering unseen messages, and the open conversations
/// already acknowledged (so a restart neither loses the one nor repeats the other).
pub(super) fn for_snapshot(c: &Connection) -> rusqlite::Result<(Vec<OutboxEmail>, Vec<ConversationId>)> {
    let waiting = c
        .prepare(&format!("SELECT {COLUMNS} FROM email_outbox WHERE state = 'waiting' ORDER BY created_at, id"))?
        .query_map([], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let acked = c
        .prepare(
            "SELECT DISTINCT o.conversation_id FROM email_outbox o JOIN conversations c ON c.id = o.conversation_id \
             WHERE o.kind = 'ack' AND c.status != 'resolved'",
        )?
        .query_map([], |r| Ok(ConversationId(r.get::<_, i64>(0)? as u64)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((waiting, acked))
}
