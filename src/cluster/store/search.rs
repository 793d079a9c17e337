//! Ticket search over Redis (`GET /api/tickets/search`), with the SQLite store's answers: newest
//! conversation first below `before`, each matched on the visitor's email and name and the first
//! `SEARCH_MESSAGES` messages of its transcript; a ticket's number finds that ticket first. Redis has no
//! `LIKE`, so this reads: one round trip per conversation examined, which is why the window is at most
//! `REDIS_WINDOW` conversations here (the SQLite store examines up to `store::search::SEARCH_WINDOW`).

use super::RedisStore;
use super::read::conversations_by_id;
use crate::cluster::keys;
use crate::store::search::{SEARCH_MAX_PAGE, SearchPage, SearchQuery, ticket_named};
use crate::store::{ConversationRecord, StoreReader, StoreResult, Transcripts};

/// Conversations one search examines at most in cluster mode.
pub const REDIS_WINDOW: u64 = 2_000;
/// Messages of each conversation searched (its first page).
pub const SEARCH_MESSAGES: usize = 200;
/// Conversation ids fetched per round trip.
const CHUNK: usize = 200;

fn matches(s: &RedisStore, rec: &ConversationRecord, needle: &str) -> StoreResult<bool> {
    let has = |v: Option<&str>| v.is_some_and(|t| t.to_lowercase().contains(needle));
    if has(rec.visitor_email.as_deref()) || has(rec.visitor_name.as_deref()) {
        return Ok(true);
    }
    let messages = s.messages_after(rec.id, 0, SEARCH_MESSAGES)?;
    Ok(messages.iter().any(|m| m.text.to_lowercase().contains(needle)))
}

pub(super) fn search(s: &RedisStore, q: &SearchQuery) -> StoreResult<SearchPage> {
    let limit = q.limit.clamp(1, SEARCH_MAX_PAGE);
    let window = q.window.clamp(1, REDIS_WINDOW) as usize;
    let needle = q.text.to_lowercase();
    // Conversations are scored by creation time; tickets are handed out in that order.
    let max = match q.before.map(|t| s.conversation_by_ticket(t)).transpose()?.flatten() {
        Some(rec) => rec.created_at.as_millisecond().to_string(),
        None => "+inf".to_string(),
    };
    let (mut records, mut examined, mut offset) = (Vec::new(), 0usize, 0usize);
    let mut last_examined = None;
    let next_before = 'scan: loop {
        let ids: Vec<String> = s.with(|c| {
            redis::cmd("ZREVRANGEBYSCORE")
                .arg(keys::CONVERSATIONS)
                .arg(&max)
                .arg("-inf")
                .arg("LIMIT")
                .arg(offset)
                .arg(CHUNK)
                .query(c)
        })?;
        if ids.is_empty() {
            break None;
        }
        offset += ids.len();
        for rec in conversations_by_id(s, &ids)? {
            if q.before.is_some_and(|b| rec.ticket >= b) {
                continue;
            }
            if examined == window {
                // The window is done: the next page starts below the last ticket examined.
                break 'scan last_examined;
            }
            examined += 1;
            last_examined = Some(rec.ticket);
            if matches(s, &rec, &needle)? {
                let ticket = rec.ticket;
                records.push(rec);
                if records.len() == limit {
                    break 'scan Some(ticket);
                }
            }
        }
    };
    if let Some(ticket) = ticket_named(&q.text).filter(|_| q.before.is_none())
        && let Some(rec) = s.conversation_by_ticket(ticket)?
    {
        records.retain(|r| r.ticket != ticket);
        records.insert(0, rec);
    }
    Ok(SearchPage { records, next_before })
}
