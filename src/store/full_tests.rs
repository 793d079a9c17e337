//! The SQLite store on a full disk, made full by `max_page_count` (SQLite answers `SQLITE_FULL` exactly
//! as when a write meets ENOSPC): the error is told apart, nothing of the batch is kept, and the same
//! batch goes through once there is room.

use std::sync::Arc;

use super::*;

fn messages(n: u64) -> Vec<StoreOp> {
    (1..=n)
        .map(|seq| {
            StoreOp::PutMessage(MessageRecord {
                conversation_id: ConversationId(1),
                seq,
                role: Role::Visitor,
                sender_name: None,
                text: Arc::from("x".repeat(4000)),
                at: Timestamp::UNIX_EPOCH,
                client_msg_id: None,
                system: None,
            })
        })
        .collect()
}

#[test]
fn a_full_database_fails_the_batch_as_full_keeps_none_of_it_and_takes_it_again_once_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = SqliteStore {
        conn: factory.connect(ConnKind::Writer).unwrap(),
        checkpointer: None,
        index: Some(MessageIndex::default()),
        catch_up_pending: false,
        meter: None,
    };
    let pages: i64 = writer.conn.pragma_query_value(None, "page_count", |r| r.get(0)).unwrap();
    writer.conn.pragma_update(None, "max_page_count", pages + 2).unwrap();
    let batch = messages(100);
    match writer.apply(&batch) {
        Err(StoreError::Full(_)) => {}
        other => panic!("a full database must fail as Full, got {other:?}"),
    }
    assert!(writer.messages_after(ConversationId(1), 0, 1000).unwrap().is_empty(), "nothing of the batch is kept");
    writer.conn.pragma_update(None, "max_page_count", 1_000_000).unwrap();
    writer.apply(&batch).expect("the same batch, once there is room");
    let seqs: Vec<u64> = writer.messages_after(ConversationId(1), 0, 1000).unwrap().iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>(), "every message once, in order");
}
