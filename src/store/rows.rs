//! Rows to records and back, by column name (the column tables are in `columns`): the conversation query
//! with its last seq, and the small encodings the tables use (milliseconds, separated lists).

use std::sync::Arc;

use jiff::Timestamp;
use rusqlite::{Row, Statement, named_params};

use super::columns::{CONVERSATIONS, run};
use super::*;

const SEP: char = '\u{1f}';

/// `e` as a store error: a full disk and an I/O failure are told apart from the rest, because the
/// dispatcher may retry the first and must not retry the second.
pub(super) fn backend(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full(e.to_string()),
        Some(rusqlite::ErrorCode::SystemIoFailure) => StoreError::Io(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

/// `backend`, with an I/O error that a full disk caused (ENOSPC, EDQUOT) reported as `Full`. On a real
/// disk a full file system does not always reach SQLite as `SQLITE_FULL`: growing the shared-memory
/// index (`-shm`) or extending a file fails as `SQLITE_IOERR_*`, and SQLite keeps the system's errno on
/// the connection. Such a write was rolled back like any other, so the batch may be tried again. A failed
/// sync stays an I/O error whatever its errno: after it the page cache no longer says what is on disk.
pub(super) fn backend_on(conn: &rusqlite::Connection, e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && f.code == rusqlite::ErrorCode::SystemIoFailure
    {
        // SAFETY: reads the errno SQLite saved on this open connection.
        let errno = unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) };
        if io_error_means_full(f.extended_code, errno) {
            return StoreError::Full(format!("{e} (no space left on the device)"));
        }
    }
    backend(e)
}

/// Whether an `SQLITE_IOERR_*` (its extended code) with this errno is a full disk: not for a failed
/// sync, whatever its errno.
fn io_error_means_full(extended_code: std::ffi::c_int, errno: std::ffi::c_int) -> bool {
    use rusqlite::ffi;
    !matches!(extended_code, ffi::SQLITE_IOERR_FSYNC | ffi::SQLITE_IOERR_DIR_FSYNC)
        && (errno == libc::ENOSPC || errno == libc::EDQUOT)
}

pub(super) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(super) fn from_ms(v: i64) -> Timestamp {
    Timestamp::from_millisecond(v).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(super) fn join<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.push_str(s.as_ref());
    }
    out
}

pub(super) fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(SEP).filter(|x| !x.is_empty())
}

pub(super) fn parse<T: std::str::FromStr>(s: &str, what: &str) -> rusqlite::Result<T> {
    s.parse().map_err(|_| rusqlite::Error::InvalidColumnName(format!("bad {what}: {s}")))
}

pub(super) fn arc(s: Option<String>) -> Option<Arc<str>> {
    s.map(Arc::from)
}

/// The conversation's `last_seq` comes from the messages themselves (the index's largest seq, or the
/// unindexed tail's; see `messages`), since the conversation row is only rewritten on status changes, not
/// for every message. The tail is grouped once per query, so that a list of conversations scans it once,
/// not once per row.
const LAST_SEQ: &str = "MAX(COALESCE((SELECT MAX(i.seq) FROM message_index i WHERE i.conversation_id = conversations.id), 0), \
    COALESCE((SELECT last FROM tail WHERE cid = conversations.id), 0))";

/// `SELECT` of a conversation's columns `FROM conversations`, to be followed by `WHERE ...`.
pub(super) fn conversation_select() -> String {
    format!(
        "WITH tail(cid, last) AS MATERIALIZED (SELECT conversation_id, MAX(seq) FROM messages \
         WHERE id > (SELECT watermark FROM message_index_state) GROUP BY conversation_id) {}",
        CONVERSATIONS.select_with(&[("last_seq", LAST_SEQ)])
    )
}

pub(super) fn put_conversation(stmt: &mut Statement<'_>, c: &ConversationRecord) -> rusqlite::Result<usize> {
    run(
        stmt,
        named_params! {
            ":id": c.id.0 as i64,
            ":ticket": c.ticket.0 as i64,
            ":visitor_id": c.visitor_id.0 as i64,
            ":site": c.site.as_ref(),
            ":department": c.department.as_ref(),
            ":locale": c.locale.as_deref(),
            ":language": c.language.as_ref().map(|l| l.as_str()),
            ":language_source": c.language_source.map(|s| s.as_str()),
            ":priority": c.priority.as_str(),
            ":tier": c.tier,
            ":status": c.status.as_str(),
            ":agent_id": c.agent_id.map(|a| a.0 as i64),
            ":bot_id": c.bot_id.map(|b| b.0 as i64),
            ":bot_reason": c.bot_reason.map(|r| r.as_str()),
            ":handoff_requested": c.handoff_requested,
            ":verified": c.verified,
            ":plan": c.plan.as_str(),
            ":urgent": c.urgent,
            ":visitor_name": c.visitor_name.as_deref(),
            ":visitor_email": c.visitor_email.as_deref(),
            ":created_at": ms(c.created_at),
            ":resolved_at": c.resolved_at.map(ms),
            ":last_seq": c.last_seq as i64,
            ":rating": c.rating,
            ":rating_comment": c.rating_comment.as_deref(),
            ":topic": c.topic.as_deref(),
            ":sla_started_at": c.sla_started_at.map(ms),
            ":first_response_at": c.first_response_at.map(ms),
            ":sla_sent": c.sla_sent,
        },
    )
}

pub(super) fn conversation_row(r: &Row<'_>) -> rusqlite::Result<ConversationRecord> {
    Ok(ConversationRecord {
        id: ConversationId(r.get::<_, i64>("id")? as u64),
        ticket: Ticket(r.get::<_, i64>("ticket")? as u64),
        visitor_id: VisitorId(r.get::<_, i64>("visitor_id")? as u64),
        site: r.get::<_, String>("site")?.into(),
        department: r.get::<_, String>("department")?.into(),
        locale: arc(r.get("locale")?),
        language: r.get::<_, Option<String>>("language")?.and_then(|l| Language::parse(&l)),
        language_source: r.get::<_, Option<String>>("language_source")?.and_then(|s| s.parse().ok()),
        priority: parse(&r.get::<_, String>("priority")?, "priority")?,
        tier: r.get("tier")?,
        status: parse(&r.get::<_, String>("status")?, "status")?,
        agent_id: r.get::<_, Option<i64>>("agent_id")?.map(|v| AgentId(v as u64)),
        bot_id: r.get::<_, Option<i64>>("bot_id")?.map(|v| BotId(v as u64)),
        bot_reason: r.get::<_, Option<String>>("bot_reason")?.map(|s| parse(&s, "bot_reason")).transpose()?,
        handoff_requested: r.get("handoff_requested")?,
        verified: r.get("verified")?,
        plan: parse(&r.get::<_, String>("plan")?, "plan")?,
        urgent: r.get("urgent")?,
        visitor_name: arc(r.get("visitor_name")?),
        visitor_email: arc(r.get("visitor_email")?),
        created_at: from_ms(r.get("created_at")?),
        resolved_at: r.get::<_, Option<i64>>("resolved_at")?.map(from_ms),
        last_seq: r.get::<_, i64>("last_seq")? as u64,
        rating: r.get("rating")?,
        rating_comment: arc(r.get("rating_comment")?),
        topic: arc(r.get("topic")?),
        sla_started_at: r.get::<_, Option<i64>>("sla_started_at")?.map(from_ms),
        first_response_at: r.get::<_, Option<i64>>("first_response_at")?.map(from_ms),
        sla_sent: r.get("sla_sent")?,
    })
}

pub(super) fn put_history(stmt: &mut Statement<'_>, h: &HistoryEntry) -> rusqlite::Result<usize> {
    let (by_kind, by_id) = match h.by {
        None => ("system", None),
        Some(Actor::Admin) => ("admin", None),
        Some(Actor::Participant(Participant::Visitor(v))) => ("visitor", Some(v.0 as i64)),
        Some(Actor::Participant(Participant::Agent(a))) => ("agent", Some(a.0 as i64)),
        Some(Actor::Participant(Participant::Bot(b))) => ("bot", Some(b.0 as i64)),
    };
    run(
        stmt,
        named_params! {
            ":conversation_id": h.conversation_id.0 as i64,
            ":at": ms(h.at),
            ":by_kind": by_kind,
            ":by_id": by_id,
            ":what": h.what.as_ref(),
            ":status": h.status.as_str(),
            ":agent_id": h.agent_id.map(|a| a.0 as i64),
            ":tier": h.tier,
            ":note": h.note.as_deref(),
        },
    )
}

pub(super) fn history_row(r: &Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let id = r.get::<_, Option<i64>>("by_id")?.unwrap_or_default() as u64;
    let by = match r.get::<_, String>("by_kind")?.as_str() {
        "admin" => Some(Actor::Admin),
        "visitor" => Some(Actor::Participant(Participant::Visitor(VisitorId(id)))),
        "agent" => Some(Actor::Participant(Participant::Agent(AgentId(id)))),
        "bot" => Some(Actor::Participant(Participant::Bot(BotId(id)))),
        _ => None,
    };
    Ok(HistoryEntry {
        conversation_id: ConversationId(r.get::<_, i64>("conversation_id")? as u64),
        at: from_ms(r.get("at")?),
        by,
        what: r.get::<_, String>("what")?.into(),
        status: parse(&r.get::<_, String>("status")?, "status")?,
        agent_id: r.get::<_, Option<i64>>("agent_id")?.map(|v| AgentId(v as u64)),
        tier: r.get("tier")?,
        note: arc(r.get("note")?),
    })
}

pub(super) fn put_agent(stmt: &mut Statement<'_>, a: &AgentRecord) -> rusqlite::Result<usize> {
    run(
        stmt,
        named_params! {
            ":id": a.id.0 as i64,
            ":email": a.email,
            ":name": a.name.as_ref(),
            ":password_hash": a.password_hash,
            ":languages": join(a.languages.iter().map(|l| l.as_str())),
            ":tier": a.tier,
            ":max_chats": a.max_chats,
            ":departments": join(a.departments.iter()),
            ":created_at": ms(a.created_at),
        },
    )
}

pub(super) fn agent_row(r: &Row<'_>) -> rusqlite::Result<AgentRecord> {
    let languages: String = r.get("languages")?;
    let departments: String = r.get("departments")?;
    Ok(AgentRecord {
        id: AgentId(r.get::<_, i64>("id")? as u64),
        email: r.get("email")?,
        name: r.get::<_, String>("name")?.into(),
        password_hash: r.get("password_hash")?,
        languages: split(&languages).filter_map(Language::parse).collect(),
        tier: r.get("tier")?,
        max_chats: r.get("max_chats")?,
        departments: split(&departments).map(Arc::from).collect(),
        created_at: from_ms(r.get("created_at")?),
    })
}

pub(super) fn put_bot(stmt: &mut Statement<'_>, b: &BotRecord) -> rusqlite::Result<usize> {
    run(stmt, named_params! {":id": b.id.0 as i64, ":name": b.name.as_ref(), ":created_at": ms(b.created_at)})
}

pub(super) fn bot_row(r: &Row<'_>) -> rusqlite::Result<BotRecord> {
    Ok(BotRecord {
        id: BotId(r.get::<_, i64>("id")? as u64),
        name: r.get::<_, String>("name")?.into(),
        created_at: from_ms(r.get("created_at")?),
    })
}

pub(super) fn put_token(stmt: &mut Statement<'_>, t: &TokenRecord) -> rusqlite::Result<usize> {
    let (kind, subject) = match t.principal {
        Participant::Agent(id) => ("agent", id.0 as i64),
        Participant::Bot(id) => ("bot", id.0 as i64),
        Participant::Visitor(id) => ("visitor", id.0 as i64),
    };
    run(
        stmt,
        named_params! {":hash": &t.hash[..], ":kind": kind, ":subject": subject, ":expires_at": t.expires_at.map(ms)},
    )
}

pub(super) fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    let hash: Vec<u8> = r.get("hash")?;
    let subject = r.get::<_, i64>("subject")? as u64;
    let principal = match r.get::<_, String>("kind")?.as_str() {
        "agent" => Participant::Agent(AgentId(subject)),
        "bot" => Participant::Bot(BotId(subject)),
        _ => Participant::Visitor(VisitorId(subject)),
    };
    Ok(TokenRecord {
        hash: hash.try_into().map_err(|_| rusqlite::Error::InvalidColumnName("bad token hash".into()))?,
        principal,
        expires_at: r.get::<_, Option<i64>>("expires_at")?.map(from_ms),
    })
}

pub(super) fn put_identity(stmt: &mut Statement<'_>, l: &IdentityLink) -> rusqlite::Result<usize> {
    run(stmt, named_params! {":site": l.site.as_ref(), ":sub": l.sub.as_ref(), ":email": l.email.as_ref()})
}

pub(super) fn identity_row(r: &Row<'_>) -> rusqlite::Result<IdentityLink> {
    Ok(IdentityLink {
        site: r.get::<_, String>("site")?.into(),
        sub: r.get::<_, String>("sub")?.into(),
        email: r.get::<_, String>("email")?.into(),
    })
}

#[cfg(test)]
mod io_error_tests {
    use rusqlite::ffi;

    #[test]
    fn a_full_disk_is_told_from_other_io_errors_but_never_after_a_failed_sync() {
        let cases = [
            (ffi::SQLITE_IOERR_SHMSIZE, libc::ENOSPC, true),
            (ffi::SQLITE_IOERR_WRITE, libc::ENOSPC, true),
            (ffi::SQLITE_IOERR_TRUNCATE, libc::EDQUOT, true),
            (ffi::SQLITE_IOERR_WRITE, libc::EIO, false),
            (ffi::SQLITE_IOERR_READ, 0, false),
            (ffi::SQLITE_IOERR_FSYNC, libc::ENOSPC, false),
            (ffi::SQLITE_IOERR_DIR_FSYNC, libc::ENOSPC, false),
            (ffi::SQLITE_IOERR_FSYNC, libc::EIO, false),
        ];
        for (code, errno, full) in cases {
            assert_eq!(super::io_error_means_full(code, errno), full, "code {code}, errno {errno}");
        }
    }
}
