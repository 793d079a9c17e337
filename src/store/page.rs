//! Transcript pages: every read of messages that a client can cause (a `sync`, an agent's `assigned`, a
//! ticket over HTTP) takes one page at a time, bounded in messages and in bytes, so that no request
//! holds more than a page in memory or a reader for longer than one short query.

use super::{MessageRecord, StoreResult, Transcripts};
use crate::domain::{ConversationId, Seq};

/// Messages in one page at most.
pub const PAGE_MESSAGES: usize = 200;
/// Bytes of message text in one page at most (a page always holds at least one message).
pub const PAGE_BYTES: usize = 256 * 1024;

/// One page of a transcript.
#[derive(Debug, Default)]
pub struct Page {
    pub messages: Vec<MessageRecord>,
    /// Whether messages after this page remain (up to the bound asked for).
    pub more: bool,
}

impl Page {
    /// The seq to continue after: the page's last message, or `after` for an empty page.
    pub fn next_after(&self, after: Seq) -> Seq {
        self.messages.last().map_or(after, |m| m.seq)
    }
}

/// The messages with `after < seq <= until` (no upper bound for `None`), at most `limit` of them (and
/// at most `PAGE_MESSAGES`) and about `PAGE_BYTES` of text.
pub fn read_page<S: Transcripts + ?Sized>(
    store: &S,
    conversation: ConversationId,
    after: Seq,
    until: Option<Seq>,
    limit: usize,
) -> StoreResult<Page> {
    let limit = limit.clamp(1, PAGE_MESSAGES);
    if until.is_some_and(|u| u <= after) {
        return Ok(Page::default());
    }
    let mut messages = store.messages_after(conversation, after, limit)?;
    let full = messages.len() == limit;
    if let Some(until) = until {
        messages.retain(|m| m.seq <= until);
    }
    let cut = cut_to_bytes(&mut messages, PAGE_BYTES);
    let reached_end = until.is_some_and(|u| messages.last().is_some_and(|m| m.seq >= u));
    let more = !messages.is_empty() && (cut || full) && !reached_end;
    Ok(Page { messages, more })
}

/// Keeps the longest prefix whose texts add up to at most `max` bytes (and at least one message);
/// returns whether anything was cut.
fn cut_to_bytes(messages: &mut Vec<MessageRecord>, max: usize) -> bool {
    let mut total = 0;
    let keep = messages
        .iter()
        .position(|m| {
            total += m.text.len();
            total > max
        })
        .map_or(messages.len(), |i| i.max(1));
    let cut = keep < messages.len();
    messages.truncate(keep);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn record(seq: Seq, bytes: usize) -> MessageRecord {
        MessageRecord {
            conversation_id: ConversationId(1),
            seq,
            role: Role::Visitor,
            sender_name: None,
            text: "x".repeat(bytes).into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            client_msg_id: None,
            system: None,
        }
    }

    #[test]
    fn a_page_is_cut_by_bytes_and_keeps_at_least_one_message() {
        let mut m: Vec<_> = (1..=10).map(|s| record(s, 100)).collect();
        assert!(cut_to_bytes(&mut m, 350));
        assert_eq!(m.len(), 3);
        let mut huge = vec![record(1, 1000), record(2, 1)];
        assert!(cut_to_bytes(&mut huge, 10));
        assert_eq!(huge.len(), 1, "one message even when it alone is over the bound");
        let mut small = vec![record(1, 1)];
        assert!(!cut_to_bytes(&mut small, 10));
    }

    #[test]
    fn pages_walk_a_long_transcript_to_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let factory = crate::store::sqlite::SqliteFactory::new(dir.path()).unwrap();
        let mut writer = crate::store::StoreFactory::open_writer(&factory).unwrap();
        let mut ops = vec![crate::store::tests::conversation(1)];
        // 1,000 messages of 2 KB: the byte bound cuts each page at 128 messages.
        ops.extend((1..=1000).map(|s| crate::store::StoreOp::PutMessage(record(s, 2048))));
        writer.apply(&ops).unwrap();
        let mut after = 0;
        let mut pages = 0;
        loop {
            let page = read_page(writer.as_ref(), ConversationId(1), after, Some(900), usize::MAX).unwrap();
            assert!(page.messages.len() <= PAGE_MESSAGES);
            assert!(page.messages.iter().map(|m| m.text.len()).sum::<usize>() <= PAGE_BYTES);
            assert_eq!(page.messages.first().map(|m| m.seq), Some(after + 1), "no gap between pages");
            after = page.next_after(after);
            pages += 1;
            if !page.more {
                break;
            }
        }
        assert_eq!(after, 900, "up to the bound and not beyond");
        assert_eq!(pages, 8, "900 messages in pages of 128");
        let rest = read_page(writer.as_ref(), ConversationId(1), 900, None, 10).unwrap();
        assert_eq!((rest.messages.len(), rest.more), (10, true));
        let none = read_page(writer.as_ref(), ConversationId(1), 900, Some(900), 10).unwrap();
        assert!(none.messages.is_empty() && !none.more);
    }
}
