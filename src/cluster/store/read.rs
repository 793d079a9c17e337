//! Reads: point lookups by key, transcripts as stream ranges, the snapshot a new leader starts from (the
//! outbox's reads are in `outbox`).

use std::sync::Arc;

use redis::Connection;
use serde::de::DeserializeOwned;

use super::super::keys;
use super::RedisStore;
use crate::domain::{AgentId, BotId, ConversationId, Seq, Status, Ticket, VisitorId};
use crate::store::{
    AgentRecord, ArticleRecord, BotRecord, CannedRecord, ConversationRecord, HistoryEntry, IdentityLink, KbHit,
    MessageRecord, NoteRecord, NoticeRecord, OpenConversation, Report, ReportQuery, Snapshot, StoreError, StoreReader,
    StoreResult, TicketQuery, TokenRecord, Transcripts,
};

/// Conversations a ticket list looks at, newest first, before it stops filtering.
pub const MAX_LIST_SCAN: usize = 10_000;
/// Conversations fetched per round trip when listing.
const LIST_CHUNK: usize = 200;
/// Conversations one report covers at most (a year of a busy site fits).
pub const MAX_REPORT_CONVERSATIONS: usize = 1_000_000;
/// Notes read for one conversation at most.
pub const MAX_NOTES: usize = 1_000;
/// Articles the search indexes at most.
pub const MAX_ARTICLES: usize = 5_000;

/// One `XRANGE` entry: its id, and its fields with their values.
type StreamEntry = (String, Vec<(String, Vec<u8>)>);

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
}

fn get<T: DeserializeOwned>(s: &RedisStore, key: &str) -> StoreResult<Option<T>> {
    let raw: Option<Vec<u8>> = s.with(|c| redis::cmd("GET").arg(key).query(c))?;
    raw.map(|b| decode(key, &b)).transpose()
}

fn mget(c: &mut Connection, keys: &[String]) -> redis::RedisResult<Vec<Option<Vec<u8>>>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    redis::cmd("MGET").arg(keys).query(c)
}

fn hash_values<T: DeserializeOwned>(s: &RedisStore, key: &str) -> StoreResult<Vec<T>> {
    let raw: Vec<Vec<u8>> = s.with(|c| redis::cmd("HVALS").arg(key).query(c))?;
    raw.iter().map(|b| decode(key, b)).collect()
}

/// A conversation with its rating (kept beside it, so a rating never races a status change).
fn conversation(s: &RedisStore, id: ConversationId) -> StoreResult<Option<ConversationRecord>> {
    Ok(conversations_by_id(s, &[id.to_string()])?.pop())
}

fn with_rating(id: ConversationId, raw: &[u8], rating: Option<&[u8]>) -> StoreResult<ConversationRecord> {
    let key = keys::conversation(id);
    let mut record: ConversationRecord = decode(&key, raw)?;
    if let Some(r) = rating {
        let (score, comment): (u8, Option<Arc<str>>) = decode(&keys::rating(id), r)?;
        record.rating = Some(score);
        record.rating_comment = comment;
    }
    Ok(record)
}

/// The seq of a transcript's last entry (its id is `0-<seq>`), 0 for none.
fn last_seq(entries: &[StreamEntry]) -> Seq {
    entries.first().and_then(|(id, _)| id.strip_prefix("0-")).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Conversations with their rating and their last seq. The record is written when the conversation
/// changes, not with every message, so the last seq is read from the transcript itself, as the embedded
/// store reads it from its messages: a new leader must continue each transcript after its last entry.
pub(super) fn conversations_by_id(s: &RedisStore, ids: &[String]) -> StoreResult<Vec<ConversationRecord>> {
    let ids: Vec<ConversationId> = ids.iter().filter_map(|i| i.parse().ok()).collect();
    let conv_keys: Vec<String> = ids.iter().map(|i| keys::conversation(*i)).collect();
    let rating_keys: Vec<String> = ids.iter().map(|i| keys::rating(*i)).collect();
    let (convs, ratings, lasts) = s.with(|c| {
        let mut tails = redis::pipe();
        for id in &ids {
            tails.cmd("XREVRANGE").arg(keys::messages(*id)).arg("+").arg("-").arg("COUNT").arg(1);
        }
        let lasts: Vec<Vec<StreamEntry>> = if ids.is_empty() { Vec::new() } else { tails.query(c)? };
        Ok((mget(c, &conv_keys)?, mget(c, &rating_keys)?, lasts))
    })?;
    let mut out = Vec::with_capacity(ids.len());
    for (((id, raw), rating), last) in ids.iter().zip(convs).zip(ratings).zip(lasts) {
        if let Some(raw) = raw {
            let mut record = with_rating(*id, &raw, rating.as_deref())?;
            record.last_seq = record.last_seq.max(last_seq(&last));
            out.push(record);
        }
    }
    Ok(out)
}

impl Transcripts for RedisStore {
    fn messages_after(
        &self,
        conversation: ConversationId,
        after: Seq,
        limit: usize,
    ) -> StoreResult<Vec<MessageRecord>> {
        let key = keys::messages(conversation);
        let entries: Vec<StreamEntry> = self.with(|c| {
            redis::cmd("XRANGE").arg(&key).arg(format!("(0-{after}")).arg("+").arg("COUNT").arg(limit).query(c)
        })?;
        entries
            .iter()
            .filter_map(|(_, fields)| fields.iter().find(|(f, _)| f == "m"))
            .map(|(_, v)| decode(&key, v))
            .collect()
    }
}

impl StoreReader for RedisStore {
    fn token(&self, hash: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        get(self, &keys::token(hash))
    }

    fn agent_by_email(&self, email: &str) -> StoreResult<Option<AgentRecord>> {
        let id: Option<String> =
            self.with(|c| redis::cmd("HGET").arg(keys::AGENT_EMAILS).arg(email.to_lowercase()).query(c))?;
        let Some(id) = id.and_then(|i| i.parse::<AgentId>().ok()) else { return Ok(None) };
        // The index may name an agent that changed its email or was removed since.
        Ok(self.agent(id)?.filter(|a| a.email.eq_ignore_ascii_case(email)))
    }

    fn agent(&self, id: AgentId) -> StoreResult<Option<AgentRecord>> {
        get(self, &keys::agent(id))
    }

    fn bot(&self, id: BotId) -> StoreResult<Option<BotRecord>> {
        get(self, &keys::bot(id))
    }

    fn conversation_by_ticket(&self, ticket: Ticket) -> StoreResult<Option<ConversationRecord>> {
        let id: Option<String> = self.with(|c| redis::cmd("HGET").arg(keys::TICKETS).arg(ticket.0).query(c))?;
        match id.and_then(|i| i.parse().ok()) {
            Some(id) => conversation(self, id),
            None => Ok(None),
        }
    }

    fn conversations(&self, query: TicketQuery) -> StoreResult<Vec<ConversationRecord>> {
        let mut out = Vec::new();
        let mut start = 0;
        while out.len() < query.limit && start < MAX_LIST_SCAN {
            let stop = start + LIST_CHUNK - 1;
            let ids: Vec<String> =
                self.with(|c| redis::cmd("ZREVRANGE").arg(keys::CONVERSATIONS).arg(start).arg(stop).query(c))?;
            if ids.is_empty() {
                break;
            }
            let matching = conversations_by_id(self, &ids)?.into_iter().filter(|r| {
                query.status.is_none_or(|s| r.status == s) && query.agent.is_none_or(|a| r.agent_id == Some(a))
            });
            out.extend(matching);
            start += LIST_CHUNK;
        }
        out.truncate(query.limit);
        Ok(out)
    }

    fn open_conversation_of(&self, visitor: VisitorId) -> StoreResult<Option<ConversationRecord>> {
        let id: Option<String> =
            self.with(|c| redis::cmd("HGET").arg(keys::VISITOR_OPEN).arg(visitor.to_string()).query(c))?;
        match id.and_then(|i| i.parse().ok()) {
            Some(id) => Ok(conversation(self, id)?.filter(|r| r.status != Status::Resolved)),
            None => Ok(None),
        }
    }

    fn history(&self, conversation: ConversationId, limit: usize) -> StoreResult<Vec<HistoryEntry>> {
        listed(self, &keys::history(conversation), limit)
    }

    fn notes(&self, conversation: ConversationId) -> StoreResult<Vec<NoteRecord>> {
        listed(self, &keys::notes(conversation), MAX_NOTES)
    }

    fn canned(&self, agent: Option<AgentId>) -> StoreResult<Vec<CannedRecord>> {
        let mut all: Vec<CannedRecord> = hash_values(self, keys::CANNED)?;
        if agent.is_some() {
            all.retain(|c| c.owner.is_none() || c.owner == agent);
        }
        all.sort_by(|a, b| a.title.cmp(&b.title));
        Ok(all)
    }

    fn report(&self, query: &ReportQuery) -> StoreResult<Report> {
        report(self, query)
    }

    fn search(&self, query: &crate::store::search::SearchQuery) -> StoreResult<crate::store::search::SearchPage> {
        super::search::search(self, query)
    }

    fn kb_search(&self, query: &str, language: Option<&str>, limit: usize) -> StoreResult<Vec<KbHit>> {
        let version: Option<u64> = self.with(|c| redis::cmd("GET").arg(keys::KB_VERSION).query(c))?;
        let version = version.unwrap_or(0);
        let mut kb = self.kb.borrow_mut();
        if kb.as_ref().is_none_or(|(v, _)| *v != version) {
            let articles = self.kb_articles(None, MAX_ARTICLES)?;
            *kb = Some((version, crate::store::kb_memory::MemoryKb::build(&articles)?));
        }
        kb.as_ref().expect("built above").1.search(query, language, limit)
    }

    fn kb_articles(&self, id: Option<crate::domain::ArticleId>, limit: usize) -> StoreResult<Vec<ArticleRecord>> {
        let mut all: Vec<ArticleRecord> = match id {
            Some(id) => {
                let raw: Option<Vec<u8>> =
                    self.with(|c| redis::cmd("HGET").arg(keys::ARTICLES).arg(id.to_string()).query(c))?;
                raw.map(|b| decode(keys::ARTICLES, &b)).transpose()?.into_iter().collect()
            }
            None => hash_values(self, keys::ARTICLES)?,
        };
        all.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
        all.truncate(limit);
        Ok(all)
    }

    fn emails_due(&self, now: jiff::Timestamp, limit: usize) -> StoreResult<Vec<crate::email::OutboxEmail>> {
        super::outbox::due(self, now, limit)
    }

    fn next_email_due(&self) -> StoreResult<Option<jiff::Timestamp>> {
        super::outbox::next_due(self)
    }

    fn outbox(&self) -> StoreResult<Vec<crate::email::OutboxEmail>> {
        super::outbox::all(self)
    }
}

/// Spec 7.5's report: the conversations created in the range and their history, copied into an
/// in-memory SQLite store, where the embedded store's SQL computes every figure.
fn report(s: &RedisStore, query: &ReportQuery) -> StoreResult<Report> {
    use crate::store::{StoreOp, StoreWriter};
    let ids: Vec<String> = s.with(|c| {
        redis::cmd("ZRANGEBYSCORE")
            .arg(keys::CONVERSATIONS)
            .arg(query.from.as_millisecond())
            .arg(format!("({}", query.to.as_millisecond()))
            .arg("LIMIT")
            .arg(0)
            .arg(MAX_REPORT_CONVERSATIONS)
            .query(c)
    })?;
    let mut memory = crate::store::sqlite::SqliteStore::in_memory()?;
    for chunk in ids.chunks(LIST_CHUNK) {
        let mut ops = Vec::new();
        for record in conversations_by_id(s, chunk)? {
            let history: Vec<HistoryEntry> = listed(s, &keys::history(record.id), usize::MAX / 2)?;
            let rating = record.rating.map(|score| StoreOp::SetRating {
                conversation: record.id,
                score,
                comment: record.rating_comment.clone(),
            });
            ops.push(StoreOp::PutConversation(Box::new(record)));
            ops.extend(rating);
            ops.extend(history.into_iter().map(|h| StoreOp::AddHistory(Box::new(h))));
        }
        memory.apply(&ops)?;
    }
    memory.report(query)
}

/// The first `limit` entries of a list, oldest first.
fn listed<T: DeserializeOwned>(s: &RedisStore, key: &str, limit: usize) -> StoreResult<Vec<T>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let raw: Vec<Vec<u8>> = s.with(|c| redis::cmd("LRANGE").arg(key).arg(0).arg(limit - 1).query(c))?;
    raw.iter().map(|b| decode(key, b)).collect()
}

fn members(s: &RedisStore, key: &str) -> StoreResult<Vec<String>> {
    s.with(|c| redis::cmd("SMEMBERS").arg(key).query(c))
}

fn records<T: DeserializeOwned>(s: &RedisStore, keys: Vec<String>) -> StoreResult<Vec<T>> {
    let raw = s.with(|c| mget(c, &keys))?;
    keys.iter().zip(raw).filter_map(|(k, r)| r.map(|b| decode(k, &b))).collect()
}

/// Everything a new leader keeps live.
pub(super) fn snapshot(s: &RedisStore) -> StoreResult<Snapshot> {
    let mut agents: Vec<crate::store::AgentRecord> =
        records(s, members(s, keys::AGENTS)?.iter().filter_map(|i| i.parse().ok()).map(keys::agent).collect())?;
    // In the embedded store's order (creation), so that a new leader restores the same queues.
    agents.sort_by_key(|a| (a.created_at, a.id));
    let bots = records(s, members(s, keys::BOTS)?.iter().filter_map(|i| i.parse().ok()).map(keys::bot).collect())?;
    let identities: Vec<IdentityLink> = hash_values(s, keys::IDENTITIES)?;
    let notices: Vec<NoticeRecord> = hash_values(s, keys::NOTICES)?;
    let open_ids = members(s, keys::OPEN)?;
    let mut open_conversations = Vec::new();
    for chunk in open_ids.chunks(LIST_CHUNK) {
        for record in conversations_by_id(s, chunk)? {
            let ids: Vec<(String, u64)> =
                s.with(|c| redis::cmd("HGETALL").arg(keys::client_msg_ids(record.id)).query(c))?;
            let client_msg_ids = ids.into_iter().map(|(k, seq)| (Arc::from(k), seq)).collect();
            open_conversations.push(OpenConversation { record, client_msg_ids });
        }
    }
    // Queue places are given in this order: creation, as the embedded store loads them.
    open_conversations.sort_by_key(|c| (c.record.created_at, c.record.id));
    let (last, reserved): (Option<u64>, Option<u64>) =
        s.with(|c| redis::pipe().cmd("GET").arg(keys::LAST_TICKET).cmd("GET").arg(keys::TICKETS_RESERVED).query(c))?;
    let last_ticket = last.unwrap_or(1000);
    let (waiting_emails, acknowledged) = super::outbox::for_snapshot(s)?;
    Ok(Snapshot {
        agents,
        bots,
        identities,
        open_conversations,
        notices,
        last_ticket,
        tickets_reserved: last_ticket.max(reserved.unwrap_or(0)),
        waiting_emails,
        acknowledged,
    })
}
