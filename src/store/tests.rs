//! The SQLite store under a steady stream of commits, as the dispatcher drives it.

use std::sync::Arc;

use super::sqlite::SqliteFactory;
use super::*;

fn message(conversation: u64, seq: u64) -> StoreOp {
    StoreOp::PutMessage(MessageRecord {
        conversation_id: ConversationId(conversation),
        seq,
        role: Role::Visitor,
        sender_name: None,
        text: Arc::from("a message of about the size the benchmark sends, to fill a few WAL frames per commit"),
        at: Timestamp::now(),
        client_msg_id: None,
        system: None,
    })
}

/// Under steady writes the checkpoint thread always finishes a few frames behind the writer; without the
/// writer's catch-up between batches the WAL never starts over and grows with every commit.
#[test]
fn the_wal_stays_bounded_under_steady_writes() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let wal = dir.path().join("switchboard.db-wal");
    let (chats, batches, per_batch) = (500u64, 6000u64, 4u64);
    let mut largest = 0;
    for b in 0..batches {
        let ops: Vec<StoreOp> = (0..per_batch).map(|i| message((b * per_batch + i) % chats + 1, b + 1)).collect();
        writer.apply(&ops).unwrap();
        writer.between_batches();
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    let written = batches * per_batch;
    let reader = factory.open().unwrap();
    assert_eq!(reader.messages_after(ConversationId(1), 0, 100_000).unwrap().len() as u64, written / chats);
    // The checkpoint threshold is 1,024 frames (4 MiB); a WAL that starts over stays within a few of them,
    // while one that never does ends up holding every frame written (~70 MiB here). The margin allows for a
    // checkpoint thread that a busy machine leaves waiting.
    let bound = 8 * u64::from(checkpoint::CHECKPOINT_FRAMES) * 4096;
    assert!(largest <= bound, "WAL grew to {largest} bytes (bound {bound}) over {written} messages");
}

pub(super) fn conversation(id: u64) -> StoreOp {
    StoreOp::PutConversation(Box::new(ConversationRecord {
        created_at: Timestamp::now(),
        ..ConversationRecord::sample(id, Status::Assigned)
    }))
}

/// Every message, from every kind of store instance, in order, with `limit` honoured; and what `load`
/// makes of the conversations (last seq, idempotency keys).
fn assert_reads(store: &dyn Store, last: &[u64], when: &str) {
    for (i, &last) in last.iter().enumerate().skip(1) {
        let id = ConversationId(i as u64);
        let seqs: Vec<u64> = store.messages_after(id, 3, 100_000).unwrap().iter().map(|m| m.seq).collect();
        assert_eq!(seqs, (4..=last).collect::<Vec<_>>(), "conversation {i} {when}");
        let first: Vec<u64> = store.messages_after(id, 1, 5).unwrap().iter().map(|m| m.seq).collect();
        assert_eq!(first, (2..=6).collect::<Vec<_>>(), "conversation {i} with a limit {when}");
    }
    let snapshot = store.load().unwrap();
    for open in &snapshot.open_conversations {
        let id = open.record.id.0 as usize;
        assert_eq!(open.record.last_seq, last[id], "last seq of {id} {when}");
        assert_eq!(open.client_msg_ids.len() as u64, last[id] / 10, "idempotency keys of {id} {when}");
    }
    let listed = store.conversations(TicketQuery { limit: 100, ..Default::default() }).unwrap();
    assert_eq!(listed.len(), last.len() - 1);
    for c in listed {
        assert_eq!(c.last_seq, last[c.id.0 as usize], "listed last seq of {} {when}", c.id.0);
    }
}

/// Message rows are indexed in bulk (`messages`): reads must find each one whether it is in the index,
/// in the flush under way or in the unindexed tail; on the writer (tail by rowid) and on a reader (tail
/// by scan); and after a restart in the middle of a flush.
#[test]
fn reads_find_every_message_across_index_flushes_and_restarts() {
    use super::messages::{INDEX_BATCH, INDEX_CHUNK};
    let dir = tempfile::tempdir().unwrap();
    let chats = 7u64;
    let per_batch = 16;
    let mut last = vec![0u64; chats as usize + 1];
    let next_batch = |writer: &mut Box<dyn Store>, last: &mut Vec<u64>| {
        let ops: Vec<StoreOp> = (0..per_batch)
            .map(|i| {
                let c = (last.iter().sum::<u64>() + i) % chats + 1;
                last[c as usize] += 1;
                let seq = last[c as usize];
                let StoreOp::PutMessage(mut m) = message(c, seq) else { unreachable!() };
                m.client_msg_id = seq.is_multiple_of(10).then(|| Arc::from(format!("c{c}-{seq}")));
                StoreOp::PutMessage(m)
            })
            .collect();
        writer.apply(&ops).unwrap();
    };
    // A flush starts after the batch that brings the tail to INDEX_BATCH rows and takes
    // INDEX_BATCH / INDEX_CHUNK commits; stop a few commits into it.
    let to_flush = INDEX_BATCH as u64 / per_batch;
    let mid_flush = to_flush + (INDEX_BATCH / INDEX_CHUNK) as u64 / 3;
    {
        let factory = SqliteFactory::new(dir.path()).unwrap();
        let mut writer = factory.open_writer().unwrap();
        let reader = factory.open().unwrap();
        writer.apply(&(1..=chats).map(conversation).collect::<Vec<_>>()).unwrap();
        for b in 1..=mid_flush {
            next_batch(&mut writer, &mut last);
            if b % 97 == 0 || b == to_flush || b == to_flush + 1 || b == mid_flush {
                assert_reads(writer.as_ref(), &last, &format!("on the writer after batch {b}"));
                assert_reads(reader.as_ref(), &last, &format!("on a reader after batch {b}"));
            }
        }
    }
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let reader = factory.open().unwrap();
    assert_reads(writer.as_ref(), &last, "on the writer after a restart");
    assert_reads(reader.as_ref(), &last, "on a reader after a restart");
    for b in 1..=to_flush + (INDEX_BATCH / INDEX_CHUNK) as u64 + 3 {
        next_batch(&mut writer, &mut last);
        if b % 101 == 0 {
            assert_reads(writer.as_ref(), &last, &format!("on the writer after batch {b} of the second run"));
            assert_reads(reader.as_ref(), &last, &format!("on a reader after batch {b} of the second run"));
        }
    }
    assert_reads(writer.as_ref(), &last, "on the writer at the end");
    assert_reads(reader.as_ref(), &last, "on a reader at the end");
    // The second run's flush is complete: its rows are under the watermark, and the tail is what came after.
    let conn = rusqlite::Connection::open(dir.path().join("switchboard.db")).unwrap();
    let watermark: i64 = conn.query_row("SELECT watermark FROM message_index_state", [], |r| r.get(0)).unwrap();
    assert_eq!(watermark as u64, (mid_flush + to_flush) * per_batch);
}

/// A database from before the bulk index had a row-by-row index on messages; opening it indexes every
/// message and drops that index.
#[test]
fn a_database_with_the_row_by_row_index_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join("switchboard.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, seq INTEGER NOT NULL,
                 role TEXT NOT NULL, sender_name TEXT, body TEXT NOT NULL, at INTEGER NOT NULL, client_msg_id TEXT);
             CREATE UNIQUE INDEX messages_seq ON messages(conversation_id, seq);
             INSERT INTO messages (conversation_id, seq, role, body, at) VALUES
                 (1, 1, 'visitor', 'a', 0), (2, 1, 'visitor', 'b', 0), (1, 2, 'agent', 'c', 0);",
        )
        .unwrap();
    }
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let _writer = factory.open_writer().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("switchboard.db")).unwrap();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM message_index"), 3);
    assert_eq!(count("SELECT watermark FROM message_index_state"), 3);
    assert_eq!(count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_seq'"), 0);
    let reader = factory.open().unwrap();
    let texts: Vec<String> =
        reader.messages_after(ConversationId(1), 0, 10).unwrap().iter().map(|m| m.text.to_string()).collect();
    assert_eq!(texts, ["a", "c"]);
}

fn seqs(store: &dyn Store, conversation: u64) -> Vec<u64> {
    store.messages_after(ConversationId(conversation), 0, 100_000).unwrap().iter().map(|m| m.seq).collect()
}

/// A writer opened after another one (same process or the next) indexes what the first left in its
/// memory only; otherwise its first flush would move the watermark over those rows.
#[test]
fn a_second_writer_keeps_the_rows_the_first_left_unindexed() {
    use super::messages::INDEX_BATCH;
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    factory.open_writer().unwrap().apply(&[message(1, 1), message(1, 2)]).unwrap();
    let mut second = factory.open_writer().unwrap();
    let mut seq = 0;
    while seq < 2 * INDEX_BATCH as u64 {
        let ops: Vec<StoreOp> = (0..64)
            .map(|_| {
                seq += 1;
                message(2, seq)
            })
            .collect();
        second.apply(&ops).unwrap();
    }
    second.apply(&[message(1, 3)]).unwrap();
    assert_eq!(seqs(second.as_ref(), 1), [1, 2, 3]);
    assert_eq!(seqs(factory.open().unwrap().as_ref(), 1), [1, 2, 3]);
}

/// Only the writer writes messages (see `messages`); another instance refuses to, and writes the rest.
#[test]
fn only_the_writer_writes_messages() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut reader = factory.open().unwrap();
    assert!(reader.apply(&[message(1, 1)]).is_err());
    assert!(reader.apply(&[conversation(1)]).is_ok());
    assert_eq!(seqs(reader.as_ref(), 1), Vec::<u64>::new());
}

/// Transactions that fail part-way (a trigger refuses some messages) across flushes and a restart: the
/// writer and a reader always return exactly the committed messages, with and without a limit.
#[test]
fn failed_transactions_leave_the_index_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let chats = 5;
    let mut last = vec![0u64; chats + 1];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for run in 0..2 {
        let factory = SqliteFactory::new(dir.path()).unwrap();
        let mut writer = factory.open_writer().unwrap();
        let reader = factory.open().unwrap();
        rusqlite::Connection::open(dir.path().join("switchboard.db"))
            .unwrap()
            .execute_batch(
                "CREATE TRIGGER IF NOT EXISTS refuse BEFORE INSERT ON messages WHEN NEW.body = 'refuse' \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .unwrap();
        for batch in 0..1200 {
            let n = next(40) as usize + 1;
            let refused = (next(5) == 0).then(|| next(n as u64) as usize);
            let mut tentative = last.clone();
            let ops: Vec<StoreOp> = (0..n)
                .map(|i| {
                    let c = next(chats as u64) as usize + 1;
                    tentative[c] += 1;
                    let StoreOp::PutMessage(mut m) = message(c as u64, tentative[c]) else { unreachable!() };
                    if refused == Some(i) {
                        m.text = Arc::from("refuse");
                    }
                    StoreOp::PutMessage(m)
                })
                .collect();
            assert_eq!(writer.apply(&ops).is_ok(), refused.is_none());
            if refused.is_none() {
                last = tentative;
            }
            if batch % 60 != 0 && batch != 1199 {
                continue;
            }
            for (c, &all) in last.iter().enumerate().skip(1) {
                for (after, limit) in [(0, 100_000), (0, 3), (5, 7), (all.saturating_sub(2), 10)] {
                    let want: Vec<u64> = (after + 1..=all).take(limit).collect();
                    for (name, store) in [("writer", writer.as_ref()), ("reader", reader.as_ref())] {
                        let got: Vec<u64> = store
                            .messages_after(ConversationId(c as u64), after, limit)
                            .unwrap()
                            .iter()
                            .map(|m| m.seq)
                            .collect();
                        assert_eq!(got, want, "{name}, run {run}, batch {batch}, conversation {c}, after {after}");
                    }
                }
            }
        }
    }
}
