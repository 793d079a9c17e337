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
