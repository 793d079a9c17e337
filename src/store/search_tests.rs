use std::sync::Arc;

use jiff::Timestamp;

use super::*;
use crate::domain::{ConversationId, Role, Status};
use crate::store::sqlite::SqliteFactory;
use crate::store::{ConversationRecord, MessageRecord, StoreFactory, StoreOp};

#[test]
fn patterns_and_ticket_numbers() {
    assert_eq!(pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    assert_eq!(ticket_named("SB-1001"), Some(Ticket(1001)));
    assert_eq!(ticket_named("sb-1001"), Some(Ticket(1001)));
    assert_eq!(ticket_named("#1001"), Some(Ticket(1001)));
    assert_eq!(ticket_named(" 1001 "), Some(Ticket(1001)));
    assert_eq!(ticket_named("refund"), None);
}

/// A resolved conversation with ticket `ticket`, a visitor named after it, and one visitor message.
fn conversation(id: u64, ticket: u64, text: &str) -> Vec<StoreOp> {
    let mut rec = ConversationRecord::sample(id, Status::Resolved);
    rec.ticket = Ticket(ticket);
    rec.visitor_name = Some(Arc::from(format!("Visitor {ticket}")));
    rec.visitor_email = Some(Arc::from(format!("v{ticket}@example.com")));
    let message = MessageRecord {
        conversation_id: ConversationId(id),
        seq: 1,
        role: Role::Visitor,
        sender_name: None,
        text: Arc::from(text),
        at: Timestamp::UNIX_EPOCH,
        client_msg_id: None,
        system: None,
    };
    vec![StoreOp::PutConversation(Box::new(rec)), StoreOp::PutMessage(message)]
}

fn tickets(page: &SearchPage) -> Vec<u64> {
    page.records.iter().map(|r| r.ticket.0).collect()
}

/// A search over windows of five tickets.
fn query(text: &str, before: Option<u64>, limit: usize) -> SearchQuery {
    SearchQuery { text: text.into(), before: before.map(Ticket), limit, window: 5 }
}

#[test]
fn text_is_found_in_the_unindexed_tail_and_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    {
        let mut writer = factory.open_writer().unwrap();
        let ops: Vec<StoreOp> =
            (1..=5).flat_map(|i| conversation(i, 1000 + i, &format!("message {i}: my parcel is late"))).collect();
        writer.apply(&ops).unwrap();
        writer.apply(&conversation(6, 1006, "A 50% refund, please")).unwrap();
        // Few rows: all of them are still the unindexed tail.
        let reader = factory.open().unwrap();
        assert_eq!(tickets(&reader.search(&query("PARCEL", None, 10)).unwrap()), [1005, 1004, 1003, 1002]);
        assert_eq!(tickets(&reader.search(&query("50%", None, 10)).unwrap()), [1006]);
        assert_eq!(tickets(&reader.search(&query("5_", None, 10)).unwrap()), Vec::<u64>::new(), "_ is no wildcard");
    }
    // A new writer indexes the tail first: the same rows are now found through the index.
    let _writer = factory.open_writer().unwrap();
    let reader = factory.open().unwrap();
    assert_eq!(tickets(&reader.search(&query("parcel is", None, 10)).unwrap()), [1005, 1004, 1003, 1002]);
    assert_eq!(tickets(&reader.search(&query("v1003@", None, 10)).unwrap()), [1003], "by email");
    assert_eq!(tickets(&reader.search(&query("visitor 1002", None, 10)).unwrap()), [1002], "by name");
    assert_eq!(tickets(&reader.search(&query("SB-1004", None, 10)).unwrap())[0], 1004, "by number, first");
}

#[test]
fn pages_go_on_below_the_last_ticket_and_windows_below_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let mut ops: Vec<StoreOp> = (1..=7).flat_map(|i| conversation(i, 30_000 + i, "where is my order")).collect();
    // Far below the newest: outside the first window.
    ops.extend(conversation(8, 100, "where is my order"));
    ops.extend(conversation(9, 50, "nothing to see"));
    writer.apply(&ops).unwrap();
    let reader = factory.open().unwrap();

    let first = reader.search(&query("order", None, 3)).unwrap();
    assert_eq!(tickets(&first), [30_007, 30_006, 30_005]);
    assert_eq!(first.next_before, Some(Ticket(30_005)));
    let second = reader.search(&query("order", Some(30_005), 3)).unwrap();
    assert_eq!(tickets(&second), [30_004, 30_003, 30_002]);
    let third = reader.search(&query("order", Some(30_002), 3)).unwrap();
    // The window of five tickets below SB-30002 (30001, 100, 50) is not full: all older ones were seen.
    assert_eq!(tickets(&third), [30_001, 100]);
    assert_eq!(third.next_before, None, "no older ticket left");
    // A window of five that ends with older tickets left: the next page starts below it.
    let short = reader.search(&query("order", None, 10)).unwrap();
    assert_eq!(tickets(&short), [30_007, 30_006, 30_005, 30_004, 30_003]);
    assert_eq!(short.next_before, Some(Ticket(30_003)));
    let rest = reader.search(&query("order", Some(30_003), 10)).unwrap();
    assert_eq!(tickets(&rest), [30_002, 30_001, 100]);
    assert_eq!(rest.next_before, None);
    // A ticket's number finds it however far below the window it is.
    assert_eq!(tickets(&reader.search(&query("SB-50", None, 3)).unwrap()), [50]);
}
