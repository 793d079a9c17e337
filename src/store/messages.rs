//! Messages: rows appended in arrival order, indexed per conversation in bulk.
//!
//! A message row lands at the end of `messages` (rowid order), so the rows of one commit share a page or
//! two. An index kept up to date row by row would dirty one more page per conversation in the commit,
//! most of a commit's pages (measured in docs/benchmarks.md), each to be synced and later checkpointed.
//! So `message_index` is written in
//! bulk instead: the writer keeps the rows since the last flush in memory (`MessageIndex`), and once
//! `INDEX_BATCH` have gathered, it sorts them by conversation and writes them into the index
//! `INDEX_CHUNK` at a time, inside the message commits that follow (no extra commit, no extra sync). A
//! conversation's leaf is then written once per flush, not once per message.
//!
//! Rows after `message_index_state.watermark` (the unindexed tail: `INDEX_BATCH` rows plus what arrives
//! during a flush, so at most about two batches) are found by scanning that rowid range; the writer,
//! which knows the tail, looks its rows up by rowid instead. At start the store indexes the tail left by
//! the last run (`catch_up`), so a restart begins with an empty tail.
//!
//! Two invariants hold this together. One writer: only the instance from `open_writer` writes messages
//! (another instance refuses to), and it starts by indexing everything after the watermark, so its
//! memory holds every unindexed row and the watermark it moves never covers a row it does not know.
//! Seq order is arrival order within a conversation (the hub assigns seqs in one task and the
//! dispatcher commits jobs in order), so the index holds a prefix of each conversation's seqs and the
//! tail the rest, in order.

use std::sync::Arc;

use rusqlite::{Connection, Row, Statement, Transaction, named_params};

use super::MessageRecord;
use super::SystemNote;
use super::columns::{MESSAGE_INDEX, MESSAGES, run, sql};
use super::rows::{arc, from_ms, ms, parse};
use crate::domain::{ConversationId, Seq};

/// Unindexed message rows that start a flush into `message_index`. Larger batches write each
/// conversation's index leaf less often; the tail that reads scan grows with it (the read cost of a full
/// tail is in docs/benchmarks.md, "Constants").
pub const INDEX_BATCH: usize = 8_192;
/// Index entries written per commit during a flush: a flush of 8,192 spreads over 32 commits or more,
/// so that no commit (and none of the messages waiting on it) carries the whole flush. A commit with more
/// messages than this writes as many entries as it has messages, so that the index always keeps up and
/// the tail stays within about two batches, however large commits grow.
pub const INDEX_CHUNK: usize = 256;
/// Conversations a chunk reaches at most: each is about one index leaf to write and sync, so this bounds
/// what a chunk adds to its commit whatever the number of live chats (with 1,000 chats a chunk is 32 of
/// them with ~8 entries each; with 5,000 chats, ~1.6 each, a chunk is ~50 entries, not ~160 leaves).
pub const INDEX_CHUNK_CONVERSATIONS: usize = 32;

/// The message INSERT, for `put_message`.
pub(super) fn put_message_sql() -> &'static str {
    sql!(MESSAGES.insert("INSERT"))
}

/// Brings the index up to date with every stored message. Run by every writer as it opens (at start, and
/// after an upgrade from the row-by-row index of early versions, which migration 2 drops).
pub(super) fn catch_up(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "INSERT OR IGNORE INTO message_index (conversation_id, seq, message_id)
             SELECT conversation_id, seq, id FROM messages
             WHERE id > (SELECT watermark FROM message_index_state) ORDER BY conversation_id, seq;
         UPDATE message_index_state SET watermark = (SELECT COALESCE(MAX(id), 0) FROM messages);",
    )?;
    tx.commit()
}

/// The hot path: the names are looked up in the statement's own cache, and nothing is allocated.
pub(super) fn put_message(stmt: &mut Statement<'_>, m: &MessageRecord) -> rusqlite::Result<()> {
    run(
        stmt,
        named_params! {
            ":conversation_id": m.conversation_id.0 as i64,
            ":seq": m.seq as i64,
            ":role": m.role.as_str(),
            ":sender_name": m.sender_name.as_deref(),
            ":body": m.text.as_ref(),
            ":at": ms(m.at),
            ":client_msg_id": m.client_msg_id.as_deref(),
            ":event": m.system.map(|n| n.event.as_str()),
            ":event_tier": m.system.and_then(|n| n.tier),
        },
    )?;
    Ok(())
}

pub(super) fn message_row(r: &Row<'_>) -> rusqlite::Result<MessageRecord> {
    Ok(MessageRecord {
        conversation_id: ConversationId(r.get::<_, i64>("conversation_id")? as u64),
        seq: r.get::<_, i64>("seq")? as u64,
        role: parse(&r.get::<_, String>("role")?, "role")?,
        sender_name: arc(r.get("sender_name")?),
        text: r.get::<_, String>("body")?.into(),
        at: from_ms(r.get("at")?),
        client_msg_id: arc(r.get("client_msg_id")?),
        system: match r.get::<_, Option<String>>("event")? {
            Some(e) => Some(SystemNote { event: parse(&e, "event")?, tier: r.get("event_tier")? }),
            None => None,
        },
    })
}

/// The unindexed tail: rows after the watermark. Used inside the queries below.
pub(super) const TAIL: &str = "id > (SELECT watermark FROM message_index_state)";

/// `(client_msg_id, seq)` of a conversation's messages that carry an idempotency key.
pub(super) fn client_msg_ids(conn: &Connection, conversation: i64) -> rusqlite::Result<Vec<(Arc<str>, Seq)>> {
    let sql = sql!(format!(
        "SELECT client_msg_id, seq FROM messages WHERE client_msg_id IS NOT NULL AND id IN ( \
             SELECT message_id FROM message_index WHERE conversation_id = :conversation \
             UNION ALL SELECT id FROM messages WHERE {TAIL} AND conversation_id = :conversation)"
    ));
    let mut stmt = conn.prepare_cached(sql)?;
    stmt.query_map(named_params! {":conversation": conversation}, |r| {
        Ok((r.get::<_, String>("client_msg_id")?.into(), r.get::<_, i64>("seq")? as Seq))
    })?
    .collect()
}

/// Messages with `seq > after`, in order, at most `limit`: from the index and the tail's scan.
pub(super) fn after(
    conn: &Connection,
    conversation: i64,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<MessageRecord>> {
    // Rows flushed but not yet under the watermark are in both halves; `IN` counts them once.
    let sql = sql!(format!(
        "{} WHERE id IN ( \
             SELECT message_id FROM (SELECT message_id FROM message_index \
                 WHERE conversation_id = :conversation AND seq > :after ORDER BY seq LIMIT :limit) \
             UNION ALL SELECT id FROM messages WHERE {TAIL} AND conversation_id = :conversation AND seq > :after) \
         ORDER BY seq LIMIT :limit",
        MESSAGES.select()
    ));
    let mut stmt = conn.prepare_cached(sql)?;
    stmt.query_map(named_params! {":conversation": conversation, ":after": after, ":limit": limit}, message_row)?
        .collect()
}

/// One message row the index does not hold yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    conversation: i64,
    seq: i64,
    row: i64,
}

/// The writer's view of the unindexed tail, and the flush in progress.
#[derive(Default)]
pub(super) struct MessageIndex {
    /// Rows since the last flush began, in arrival order (the current transaction's included).
    pending: Vec<Entry>,
    /// The flush in progress, sorted by conversation and seq; `written` of them are committed.
    flushing: Vec<Entry>,
    written: usize,
    /// Index entries refused because their (conversation, seq) was taken (see `begin`).
    conflicts: u64,
}

/// Entries of the flush's rest (sorted by conversation) for the next commit: up to `INDEX_CHUNK` of them
/// within `INDEX_CHUNK_CONVERSATIONS` conversations, and never fewer than the commit's `adding` messages,
/// so that the flush keeps up with any arrival rate.
fn chunk_len(rest: &[Entry], adding: usize) -> usize {
    let mut conversations = 0;
    let mut len = 0;
    for (i, e) in rest.iter().take(INDEX_CHUNK).enumerate() {
        if i == 0 || e.conversation != rest[i - 1].conversation {
            conversations += 1;
            if conversations > INDEX_CHUNK_CONVERSATIONS {
                break;
            }
        }
        len = i + 1;
    }
    len.max(adding.min(rest.len()))
}

/// What a transaction added, so that `finish` can keep or undo it.
pub(super) struct Mark {
    pending: usize,
    chunk: usize,
}

impl MessageIndex {
    /// Called first in a transaction that may add up to `adding` messages: writes the next chunk of the
    /// flush in progress, and the watermark with the last one.
    pub fn begin(&mut self, tx: &Transaction<'_>, adding: usize) -> rusqlite::Result<Mark> {
        let rest = &self.flushing[self.written..];
        let chunk = chunk_len(rest, adding);
        if chunk > 0 {
            let mut put = tx.prepare_cached(sql!(MESSAGE_INDEX.insert("INSERT OR IGNORE")))?;
            for e in &rest[..chunk] {
                let entry = named_params! {":conversation_id": e.conversation, ":seq": e.seq, ":message_id": e.row};
                if run(&mut put, entry)? == 0 {
                    // Two stored messages with one seq: a hub bug. Both rows stay in `messages`; the
                    // index keeps the first. Said loudly rather than failing every commit from now on.
                    tracing::error!(
                        conversation = e.conversation,
                        seq = e.seq,
                        row = e.row,
                        "two stored messages share a seq"
                    );
                    metrics::counter!("switchboard_store_seq_conflicts_total").increment(1);
                    self.conflicts += 1;
                }
            }
            if chunk == rest.len() {
                let upto = self.flushing.iter().map(|e| e.row).max().unwrap_or(0);
                tx.execute(
                    "UPDATE message_index_state SET watermark = :watermark",
                    named_params! {":watermark": upto},
                )?;
            }
        }
        Ok(Mark { pending: self.pending.len(), chunk })
    }

    /// A message row written in the current transaction.
    pub fn record(&mut self, m: &MessageRecord, row: i64) {
        self.pending.push(Entry { conversation: m.conversation_id.0 as i64, seq: m.seq as i64, row });
    }

    /// After the transaction: keeps what it wrote if it committed, forgets it if not; then starts the
    /// next flush when one is due.
    pub fn finish(&mut self, mark: Mark, committed: bool) {
        if !committed {
            self.pending.truncate(mark.pending);
            return;
        }
        self.written += mark.chunk;
        if self.written == self.flushing.len() {
            self.flushing.clear();
            self.written = 0;
            if self.pending.len() >= INDEX_BATCH {
                std::mem::swap(&mut self.flushing, &mut self.pending);
                self.flushing.sort_unstable();
            }
        }
    }

    /// Rows of `conversation` with `seq > after` that the committed index does not hold, in seq order.
    fn tail_rows(&self, conversation: i64, after: i64) -> Vec<i64> {
        let unflushed = &self.flushing[self.written..];
        let start = unflushed.partition_point(|e| (e.conversation, e.seq) <= (conversation, after));
        let flushing = unflushed[start..].iter().take_while(|e| e.conversation == conversation);
        let pending = self.pending.iter().filter(|e| e.conversation == conversation && e.seq > after);
        flushing.chain(pending).map(|e| e.row).collect()
    }

    /// `after` for the writer: the committed index, then the tail's rows by rowid (no scan).
    pub fn read_after(
        &self,
        conn: &Connection,
        conversation: i64,
        after: i64,
        limit: usize,
    ) -> rusqlite::Result<Vec<MessageRecord>> {
        let indexed = sql!(format!(
            "{} WHERE id IN (SELECT message_id FROM message_index \
             WHERE conversation_id = :conversation AND seq > :after ORDER BY seq LIMIT :limit) ORDER BY seq",
            MESSAGES.select()
        ));
        let mut out: Vec<MessageRecord> = conn
            .prepare_cached(indexed)?
            .query_map(
                named_params! {":conversation": conversation, ":after": after, ":limit": limit as i64},
                message_row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        if out.len() < limit {
            let mut one = conn.prepare_cached(sql!(format!("{} WHERE id = :id", MESSAGES.select())))?;
            for row in self.tail_rows(conversation, after).into_iter().take(limit - out.len()) {
                out.push(one.query_row(named_params! {":id": row}, message_row)?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(conversation: i64, seq: i64, row: i64) -> Entry {
        Entry { conversation, seq, row }
    }

    #[test]
    fn the_tail_is_the_unwritten_flush_then_the_pending_rows() {
        let mut index = MessageIndex {
            flushing: vec![entry(1, 1, 10), entry(1, 2, 12), entry(2, 1, 11), entry(2, 2, 13)],
            written: 1,
            pending: vec![entry(2, 3, 14), entry(1, 3, 15)],
            ..Default::default()
        };
        assert_eq!(index.tail_rows(1, 0), vec![12, 15]);
        assert_eq!(index.tail_rows(1, 2), vec![15]);
        assert_eq!(index.tail_rows(2, 1), vec![13, 14]);
        assert_eq!(index.tail_rows(3, 0), Vec::<i64>::new());
        index.written = 4;
        assert_eq!(index.tail_rows(2, 0), vec![14]);
    }

    /// A flush keeps up with commits of any size: one with more messages than `INDEX_CHUNK` indexes as
    /// many entries as it adds.
    #[test]
    fn a_large_commit_writes_a_chunk_as_large_as_itself() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn).unwrap();
        let flush = (0..3 * INDEX_CHUNK as i64).map(|i| entry(i % 5, i, i + 1)).collect::<Vec<_>>();
        let mut index = MessageIndex { flushing: flush, ..Default::default() };
        index.flushing.sort_unstable();
        for (adding, expected) in [(10, INDEX_CHUNK), (2 * INDEX_CHUNK, 2 * INDEX_CHUNK)] {
            let tx = conn.transaction().unwrap();
            let mark = index.begin(&tx, adding).unwrap();
            tx.commit().unwrap();
            assert_eq!(mark.chunk, expected);
            index.finish(mark, true);
        }
        assert!(index.flushing.is_empty(), "the flush is complete");
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM message_index", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 3 * INDEX_CHUNK as i64);
        let watermark: i64 = conn.query_row("SELECT watermark FROM message_index_state", [], |r| r.get(0)).unwrap();
        assert_eq!(watermark, 3 * INDEX_CHUNK as i64);
    }

    /// Two messages with one seq (a hub bug) are not hidden: the flush counts and reports the second.
    #[test]
    fn a_seq_taken_twice_is_reported_at_the_flush() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO message_index VALUES (1, 1, 1)", []).unwrap();
        let mut index = MessageIndex { flushing: vec![entry(1, 1, 2), entry(1, 2, 3)], ..Default::default() };
        let tx = conn.transaction().unwrap();
        let mark = index.begin(&tx, 0).unwrap();
        tx.commit().unwrap();
        index.finish(mark, true);
        assert_eq!(index.conflicts, 1);
        let rows: i64 = conn.query_row("SELECT COUNT(*) FROM message_index", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 2, "the flush went on past the conflict");
    }

    #[test]
    fn a_chunk_is_bounded_by_entries_and_by_conversations_but_keeps_up() {
        // (conversations, entries per conversation, messages the commit adds) -> chunk
        let cases = [
            (5, 100, 0, INDEX_CHUNK),                    // few conversations: the entry bound
            (1000, 8, 0, INDEX_CHUNK_CONVERSATIONS * 8), // 1k chats: both bounds meet
            (5000, 1, 0, INDEX_CHUNK_CONVERSATIONS),     // many chats: the conversation bound
            (5000, 1, 400, 400),                         // a large commit: as many as it adds
            (3, 1, 0, 3),                                // the end of a flush
            (3, 1, 10, 3),                               // never past it
        ];
        for (conversations, each, adding, want) in cases {
            let rest: Vec<Entry> =
                (0..conversations).flat_map(|c| (1..=each).map(move |s| entry(c, s, c * 1000 + s))).collect();
            assert_eq!(chunk_len(&rest, adding as usize), want, "{conversations} x {each}, adding {adding}");
        }
    }

    #[test]
    fn a_rolled_back_transaction_leaves_no_rows_behind() {
        let mut index = MessageIndex { pending: vec![entry(1, 1, 1)], ..Default::default() };
        let mark = Mark { pending: 1, chunk: 0 };
        index.pending.push(entry(1, 2, 2));
        index.finish(mark, false);
        assert_eq!(index.pending, vec![entry(1, 1, 1)]);
    }

    #[test]
    fn a_flush_starts_only_after_a_commit_that_reaches_the_batch() {
        let mut index = MessageIndex::default();
        for row in 0..INDEX_BATCH as i64 {
            index.pending.push(entry(row % 3, row, row));
        }
        index.finish(Mark { pending: 0, chunk: 0 }, false);
        assert!(index.flushing.is_empty(), "a rollback starts no flush");
        for row in 0..INDEX_BATCH as i64 {
            index.pending.push(entry(row % 3, row, row));
        }
        index.finish(Mark { pending: INDEX_BATCH, chunk: 0 }, true);
        assert_eq!(index.flushing.len(), INDEX_BATCH);
        assert!(index.pending.is_empty());
        assert!(index.flushing.windows(2).all(|w| w[0] < w[1]), "sorted by conversation and seq");
    }
}
