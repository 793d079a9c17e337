//! Rows to records and back: column lists, the conversation query with its last seq, and the small
//! encodings the tables use (milliseconds, separated lists).

use std::sync::Arc;

use jiff::Timestamp;
use rusqlite::Row;

use super::*;

const SEP: char = '\u{1f}';

pub(super) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
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

pub(super) const CONVERSATION_COLUMNS: &str = "id, ticket, visitor_id, site, department, locale, language, priority, tier, \
    status, agent_id, bot_id, bot_reason, handoff_requested, verified, plan, urgent, visitor_name, visitor_email, \
    created_at, resolved_at, last_seq, rating, rating_comment";

/// `SELECT` of a conversation's columns, to be followed by `FROM conversations ...`. `last_seq` comes from
/// the messages themselves (the index's largest seq, or the unindexed tail's; see `messages`), since the
/// conversation row is only rewritten on status changes, not for every message. The tail is grouped once
/// per query, so that a list of conversations scans it once, not once per row.
pub(super) const CONVERSATION_SELECT: &str = "WITH tail(cid, last) AS MATERIALIZED (SELECT conversation_id, MAX(seq) \
        FROM messages WHERE id > (SELECT watermark FROM message_index_state) GROUP BY conversation_id) \
    SELECT id, ticket, visitor_id, site, department, locale, language, priority, tier, \
    status, agent_id, bot_id, bot_reason, handoff_requested, verified, plan, urgent, visitor_name, visitor_email, \
    created_at, resolved_at, \
    MAX(COALESCE((SELECT MAX(i.seq) FROM message_index i WHERE i.conversation_id = conversations.id), 0), \
        COALESCE((SELECT last FROM tail WHERE cid = conversations.id), 0)), \
    rating, rating_comment";

pub(super) fn conversation_row(r: &Row<'_>) -> rusqlite::Result<ConversationRecord> {
    Ok(ConversationRecord {
        id: ConversationId(r.get::<_, i64>(0)? as u64),
        ticket: Ticket(r.get::<_, i64>(1)? as u64),
        visitor_id: VisitorId(r.get::<_, i64>(2)? as u64),
        site: r.get::<_, String>(3)?.into(),
        department: r.get::<_, String>(4)?.into(),
        locale: arc(r.get(5)?),
        language: r.get::<_, Option<String>>(6)?.and_then(|l| Language::parse(&l)),
        priority: parse(&r.get::<_, String>(7)?, "priority")?,
        tier: r.get(8)?,
        status: parse(&r.get::<_, String>(9)?, "status")?,
        agent_id: r.get::<_, Option<i64>>(10)?.map(|v| AgentId(v as u64)),
        bot_id: r.get::<_, Option<i64>>(11)?.map(|v| BotId(v as u64)),
        bot_reason: r.get::<_, Option<String>>(12)?.map(|s| parse(&s, "bot_reason")).transpose()?,
        handoff_requested: r.get(13)?,
        verified: r.get(14)?,
        plan: parse(&r.get::<_, String>(15)?, "plan")?,
        urgent: r.get(16)?,
        visitor_name: arc(r.get(17)?),
        visitor_email: arc(r.get(18)?),
        created_at: from_ms(r.get(19)?),
        resolved_at: r.get::<_, Option<i64>>(20)?.map(from_ms),
        last_seq: r.get::<_, i64>(21)? as u64,
        rating: r.get(22)?,
        rating_comment: arc(r.get(23)?),
    })
}

pub(super) fn agent_row(r: &Row<'_>) -> rusqlite::Result<AgentRecord> {
    let languages: String = r.get(4)?;
    let departments: String = r.get(7)?;
    Ok(AgentRecord {
        id: AgentId(r.get::<_, i64>(0)? as u64),
        email: r.get(1)?,
        name: r.get::<_, String>(2)?.into(),
        password_hash: r.get(3)?,
        languages: split(&languages).filter_map(Language::parse).collect(),
        tier: r.get(5)?,
        max_chats: r.get(6)?,
        departments: split(&departments).map(Arc::from).collect(),
        created_at: from_ms(r.get(8)?),
    })
}

pub(super) const AGENT_COLUMNS: &str =
    "id, email, name, password_hash, languages, tier, max_chats, departments, created_at";

pub(super) fn principal_parts(p: Principal) -> (&'static str, i64) {
    match p {
        Principal::Agent(id) => ("agent", id.0 as i64),
        Principal::Bot(id) => ("bot", id.0 as i64),
        Principal::Visitor(id) => ("visitor", id.0 as i64),
    }
}
