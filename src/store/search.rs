//! Ticket search for agents (`GET /api/tickets/search`): by ticket number, the visitor's email or name, or
//! any text of the transcript, newest ticket first, a page at a time.
//!
//! `LIKE` over the rows, not an FTS5 index: an index over messages would be written on every message,
//! and the message path is what this store keeps cheap (no row-by-row index at all, see `messages`).
//! Instead each request examines a bounded window of tickets, the `SEARCH_WINDOW` newest below `before`,
//! and stops at the page's size; a window that ends before the page is full says where to go on
//! (`SearchPage::next_before`). Measured on 100,000 conversations of 10 messages (docs/http-api.md):
//! a common word fills its page in under a millisecond; a word found nowhere costs the whole window,
//! about 100 ms.

use rusqlite::{Connection, OptionalExtension, named_params};

use super::messages::TAIL;
use super::rows::{conversation_row, conversation_select};
use super::{ConversationRecord, columns::sql};
use crate::domain::Ticket;

/// Tickets one request examines at most, newest first below `before` (a text found nowhere reads the
/// messages of all of them).
pub const SEARCH_WINDOW: u64 = 10_000;
/// Characters of a search, at least and at most.
pub const SEARCH_MIN_CHARS: usize = 2;
pub const SEARCH_MAX_CHARS: usize = 100;
/// Tickets one page holds at most.
pub const SEARCH_MAX_PAGE: usize = 50;

/// What to look for, checked by the HTTP layer (length, page size). A ticket's number ("SB-1001",
/// "#1001", "1001") also finds that ticket, first on the first page.
#[derive(Clone, Debug)]
pub struct SearchQuery {
    /// Matched anywhere in the email, name or a message, case-insensitively for ASCII letters.
    pub text: String,
    /// Only tickets before this one (the previous page's `next_before`); none: from the newest.
    pub before: Option<Ticket>,
    pub limit: usize,
    /// Tickets examined at most (`SEARCH_WINDOW`; tests use fewer).
    pub window: u64,
}

/// One page of matches, newest ticket first.
#[derive(Clone, Debug, Default)]
pub struct SearchPage {
    pub records: Vec<ConversationRecord>,
    /// Where the next page starts (pass it as `before`), or none when no older ticket is left.
    pub next_before: Option<Ticket>,
}

/// `%text%` with `LIKE`'s wildcards taken literally (escaped with `\`).
fn pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The ticket a search names: "SB-1001", "sb-1001", "#1001" or "1001".
pub fn ticket_named(text: &str) -> Option<Ticket> {
    let t = text.trim().trim_start_matches('#');
    let n = t.get(..3).filter(|p| p.eq_ignore_ascii_case("SB-")).map_or(t, |_| &t[3..]);
    n.parse().ok().map(Ticket)
}

pub(super) fn search(conn: &Connection, q: &SearchQuery) -> rusqlite::Result<SearchPage> {
    let top: i64 = match q.before {
        Some(t) => t.0 as i64,
        None => conn.query_row("SELECT COALESCE(MAX(ticket), 0) + 1 FROM conversations", [], |r| r.get(0))?,
    };
    // The window: the `window` newest tickets below `top` (a walk of the ticket index), all when fewer.
    let floor: i64 = conn
        .query_row(
            "SELECT ticket FROM conversations WHERE ticket < :top ORDER BY ticket DESC LIMIT 1 OFFSET :skip",
            named_params! {":top": top, ":skip": q.window.max(1) as i64 - 1},
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    // Messages are reached through the bulk index (`message_index`), and the unindexed tail is read once.
    let sql = sql!(format!(
        "{} WHERE ticket < :top AND ticket >= :floor AND (visitor_email LIKE :pat ESCAPE '\\' OR visitor_name LIKE :pat ESCAPE '\\' \
           OR conversations.id IN (SELECT conversation_id FROM messages WHERE {TAIL} AND body LIKE :pat ESCAPE '\\') \
           OR EXISTS (SELECT 1 FROM message_index i JOIN messages m ON m.id = i.message_id \
                      WHERE i.conversation_id = conversations.id AND m.body LIKE :pat ESCAPE '\\')) \
         ORDER BY ticket DESC LIMIT :limit",
        conversation_select()
    ));
    let limit = q.limit.clamp(1, SEARCH_MAX_PAGE);
    let params = named_params! {
        ":top": top,
        ":floor": floor,
        ":pat": pattern(&q.text),
        ":limit": limit as i64 + 1,
    };
    let mut records = conn.prepare_cached(sql)?.query_map(params, conversation_row)?.collect::<Result<Vec<_>, _>>()?;
    let next_before = if records.len() > limit {
        records.truncate(limit);
        records.last().map(|r| r.ticket)
    } else {
        // The window is done: go on below it, unless no ticket is older.
        let older: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM conversations WHERE ticket < :floor)",
            named_params! {":floor": floor},
            |r| r.get(0),
        )?;
        older.then_some(Ticket(floor as u64))
    };
    // A ticket's number finds that ticket, however old, at the top of the first page.
    if let Some(ticket) = ticket_named(&q.text).filter(|_| q.before.is_none()) {
        let named = sql!(format!("{} WHERE ticket = :ticket", conversation_select()));
        let found = conn.prepare_cached(named)?.query_row(named_params! {":ticket": ticket.0 as i64}, conversation_row);
        if let Some(rec) = found.optional()? {
            records.retain(|r| r.ticket != ticket);
            records.insert(0, rec);
        }
    }
    Ok(SearchPage { records, next_before })
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
