//! The email outbox (spec 7.6) on Redis, with the embedded store's meaning (`crate::store::outbox`):
//! each email is a JSON record (`sb:email:<id>`); `sb:outbox:due` holds the `ready` ones by their next
//! attempt's time (what the sender reads), `sb:outbox:waiting` the `waiting` ones (what a new leader
//! restores), `sb:outbox` every one by creation, and `sb:outbox:acked` the open conversations whose
//! acknowledgement is in the outbox.
//!
//! A waiting email is deleted only while it is waiting (`IFMEMBER` on the waiting set), and an attempt's
//! outcome applies only to a `ready` email. The outcome needs the record's content (a success adds one to
//! its attempts, and the record is rewritten whole): the writer reads it in Rust before it packs the
//! batch (`before`), not in the script. The leader is the only writer and its script is fenced, so the
//! record it reads is the one its batch applies to; decoding and encoding the record in Lua (cjson) would
//! round integers past 14 digits and turn empty arrays into objects. The update is packed behind
//! `IFEQ <record> <the bytes read>`, so that a repeated batch changes nothing: after the first, the
//! record no longer holds what was read.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::super::keys;
use super::RedisStore;
use super::write::{Packed, json};
use crate::domain::{ConversationId, EmailId, VisitorId};
use crate::email::{EmailAddress, EmailContent, EmailKind, EmailState, OutboxEmail};
use crate::store::{EmailOutcome, StoreError, StoreOp, StoreResult};

/// Records fetched per round trip.
const CHUNK: usize = 200;

/// An email as kept at `sb:email:<id>`: the embedded store's row, times in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    id: EmailId,
    conversation: ConversationId,
    visitor: VisitorId,
    kind: String,
    to: String,
    state: String,
    content: EmailContent,
    due_at: i64,
    attempts: u32,
    next_attempt_at: i64,
    created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sent_at: Option<i64>,
}

impl Row {
    /// A record put by the hub: as the embedded store's `INSERT OR REPLACE`, no error and no sending time.
    fn of(e: &OutboxEmail) -> Row {
        Row {
            id: e.id,
            conversation: e.conversation,
            visitor: e.visitor,
            kind: e.kind.as_str().into(),
            to: e.to.as_str().into(),
            state: e.state.as_str().into(),
            content: e.content.clone(),
            due_at: e.due_at.as_millisecond(),
            attempts: e.attempts,
            next_attempt_at: e.next_attempt_at.as_millisecond(),
            created_at: e.created_at.as_millisecond(),
            last_error: None,
            sent_at: None,
        }
    }

    fn email(self, key: &str) -> StoreResult<OutboxEmail> {
        let bad = |what: &str, v: &str| StoreError::Corrupt(format!("{key}: bad {what}: {v}"));
        let at = |ms: i64| Timestamp::from_millisecond(ms).map_err(|_| bad("time", &ms.to_string()));
        Ok(OutboxEmail {
            id: self.id,
            conversation: self.conversation,
            visitor: self.visitor,
            kind: EmailKind::parse(&self.kind).ok_or_else(|| bad("email kind", &self.kind))?,
            to: EmailAddress::parse(&self.to).map_err(|_| bad("recipient", &self.to))?,
            state: self.state()?,
            content: self.content,
            due_at: at(self.due_at)?,
            attempts: self.attempts,
            next_attempt_at: at(self.next_attempt_at)?,
            created_at: at(self.created_at)?,
        })
    }

    fn state(&self) -> StoreResult<EmailState> {
        EmailState::parse(&self.state)
            .ok_or_else(|| StoreError::Corrupt(format!("{}: bad email state: {}", keys::email(self.id), self.state)))
    }
}

fn decode(key: &str, bytes: &[u8]) -> StoreResult<Row> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
}

fn ms(t: Timestamp) -> String {
    t.as_millisecond().to_string()
}

/// The records a batch's attempts change, by id (`None`: there is none), first as Redis holds them
/// before the batch, then as the batch's earlier ops leave them.
#[derive(Default)]
pub struct Records(HashMap<EmailId, Option<Vec<u8>>>);

/// Reads the records `ops`' attempts change (no round trip for a batch without one).
pub(super) fn before(s: &RedisStore, ops: &[StoreOp]) -> StoreResult<Records> {
    let ids: Vec<EmailId> = ops
        .iter()
        .filter_map(|op| match op {
            StoreOp::EmailAttempt { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(Records::default());
    }
    let names: Vec<String> = ids.iter().map(|i| keys::email(*i)).collect();
    let raw: Vec<Option<Vec<u8>>> = s.with(|c| redis::cmd("MGET").arg(&names).query(c))?;
    Ok(Records(ids.into_iter().zip(raw).collect()))
}

/// An email's ready index: in `sb:outbox:due` by its next attempt while `ready`, out of it otherwise.
fn due_index(p: &mut Packed, id: &str, state: EmailState, next: Timestamp) {
    if state == EmailState::Ready {
        p.cmd(&[b"ZADD", keys::OUTBOX_DUE.as_bytes(), ms(next).as_bytes(), id.as_bytes()]);
    } else {
        p.cmd(&[b"ZREM", keys::OUTBOX_DUE.as_bytes(), id.as_bytes()]);
    }
}

/// `PutEmail`: the record replaced whole, its indexes made to match its state.
pub(super) fn pack_put(p: &mut Packed, e: &OutboxEmail, records: &mut Records) -> Result<(), StoreError> {
    let row = json(&Row::of(e))?;
    let (key, id) = (keys::email(e.id), e.id.to_string());
    p.cmd(&[b"SET", key.as_bytes(), &row]);
    p.cmd(&[b"ZADD", keys::OUTBOX.as_bytes(), ms(e.created_at).as_bytes(), id.as_bytes()]);
    due_index(p, &id, e.state, e.next_attempt_at);
    let waiting: &[u8] = if e.state == EmailState::Waiting { b"SADD" } else { b"SREM" };
    p.cmd(&[waiting, keys::OUTBOX_WAITING.as_bytes(), id.as_bytes()]);
    if e.kind == EmailKind::Ack {
        p.cmd(&[b"SADD", keys::OUTBOX_ACKED.as_bytes(), e.conversation.to_string().as_bytes()]);
    }
    if let Some(record) = records.0.get_mut(&e.id) {
        *record = Some(row);
    }
    Ok(())
}

/// `DeleteWaitingEmail`: the email goes if it is still waiting; a released one stays.
pub(super) fn pack_delete_waiting(p: &mut Packed, id: EmailId, records: &mut Records) -> Result<(), StoreError> {
    let (key, member) = (keys::email(id), id.to_string());
    p.cmd(&[b"IFMEMBER", keys::OUTBOX_WAITING.as_bytes(), member.as_bytes(), b"3"]);
    p.cmd(&[b"DEL", key.as_bytes()]);
    p.cmd(&[b"ZREM", keys::OUTBOX.as_bytes(), member.as_bytes()]);
    p.cmd(&[b"SREM", keys::OUTBOX_WAITING.as_bytes(), member.as_bytes()]);
    if let Some(record) = records.0.get_mut(&id) {
        let waiting = match record {
            Some(bytes) => decode(&key, bytes)?.state()? == EmailState::Waiting,
            None => false,
        };
        if waiting {
            *record = None;
        }
    }
    Ok(())
}

/// `EmailAttempt`: the outcome, if the email is `ready` (a repeated report, or one about an email no
/// longer ready, changes nothing).
pub(super) fn pack_attempt(
    p: &mut Packed,
    id: EmailId,
    outcome: &EmailOutcome,
    records: &mut Records,
) -> Result<(), StoreError> {
    let key = keys::email(id);
    let Some(Some(old)) = records.0.get(&id).cloned() else { return Ok(()) };
    let mut row = decode(&key, &old)?;
    if row.state()? != EmailState::Ready {
        return Ok(());
    }
    match outcome {
        EmailOutcome::Sent { at } => {
            row.state = EmailState::Sent.as_str().into();
            row.sent_at = Some(at.as_millisecond());
            row.attempts = row.attempts.saturating_add(1);
            row.last_error = None;
        }
        EmailOutcome::Failed { attempts, next, error } => {
            row.attempts = *attempts;
            row.last_error = Some(error.clone());
            match next {
                Some(next) => row.next_attempt_at = next.as_millisecond(),
                None => row.state = EmailState::Failed.as_str().into(),
            }
        }
    }
    let state = row.state()?;
    let next =
        Timestamp::from_millisecond(row.next_attempt_at).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))?;
    let new = json(&row)?;
    p.cmd(&[b"IFEQ", key.as_bytes(), &old, b"2"]);
    p.cmd(&[b"SET", key.as_bytes(), &new]);
    due_index(p, &id.to_string(), state, next);
    records.0.insert(id, Some(new));
    Ok(())
}

/// The emails with these ids (wire form), in that order; any gone meanwhile is left out.
fn emails(s: &RedisStore, ids: &[String]) -> StoreResult<Vec<OutboxEmail>> {
    let mut out = Vec::with_capacity(ids.len());
    let names: Vec<String> = ids.iter().filter_map(|i| i.parse().ok()).map(keys::email).collect();
    for chunk in names.chunks(CHUNK) {
        let raw: Vec<Option<Vec<u8>>> = s.with(|c| redis::cmd("MGET").arg(chunk).query(c))?;
        for (key, raw) in chunk.iter().zip(raw) {
            if let Some(bytes) = raw {
                out.push(decode(key, &bytes)?.email(key)?);
            }
        }
    }
    Ok(out)
}

/// Emails to send at `now`, the longest due first, at most `limit`.
pub(super) fn due(s: &RedisStore, now: Timestamp, limit: usize) -> StoreResult<Vec<OutboxEmail>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = s.with(|c| {
        redis::cmd("ZRANGEBYSCORE")
            .arg(keys::OUTBOX_DUE)
            .arg("-inf")
            .arg(now.as_millisecond())
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query(c)
    })?;
    let mut due = emails(s, &ids)?;
    due.retain(|e| e.state == EmailState::Ready);
    Ok(due)
}

/// When the next email to send falls due.
pub(super) fn next_due(s: &RedisStore) -> StoreResult<Option<Timestamp>> {
    let first: Vec<(String, f64)> =
        s.with(|c| redis::cmd("ZRANGE").arg(keys::OUTBOX_DUE).arg(0).arg(0).arg("WITHSCORES").query(c))?;
    first
        .first()
        .map(|(_, score)| {
            Timestamp::from_millisecond(*score as i64)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", keys::OUTBOX_DUE)))
        })
        .transpose()
}

fn by_creation(emails: &mut [OutboxEmail]) {
    emails.sort_by_key(|e| (e.created_at, e.id));
}

/// Every email of the outbox, oldest first.
pub(super) fn all(s: &RedisStore) -> StoreResult<Vec<OutboxEmail>> {
    let ids: Vec<String> = s.with(|c| redis::cmd("ZRANGE").arg(keys::OUTBOX).arg(0).arg(-1).query(c))?;
    let mut all = emails(s, &ids)?;
    by_creation(&mut all);
    Ok(all)
}

/// What a new leader restores: emails still gathering unseen messages, and the open conversations
/// already acknowledged (so that it neither loses the one nor repeats the other).
pub(super) fn for_snapshot(s: &RedisStore) -> StoreResult<(Vec<OutboxEmail>, Vec<ConversationId>)> {
    let ids: Vec<String> = s.with(|c| redis::cmd("SMEMBERS").arg(keys::OUTBOX_WAITING).query(c))?;
    let mut waiting = emails(s, &ids)?;
    waiting.retain(|e| e.state == EmailState::Waiting);
    by_creation(&mut waiting);
    let acked: Vec<String> = s.with(|c| redis::cmd("SINTER").arg(keys::OUTBOX_ACKED).arg(keys::OPEN).query(c))?;
    let mut acked: Vec<ConversationId> = acked.iter().filter_map(|i| i.parse().ok()).collect();
    acked.sort();
    Ok((waiting, acked))
}
