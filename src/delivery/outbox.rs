//! One connection's outbound queue, bounded twice: by items (the channel) and by bytes (an estimate of
//! each item's encoded size, counted when it is queued and given back when the session takes it). A
//! client that stops reading fills one bound or the other within a few hundred frames or bytes of
//! budget, whichever comes first, and is then disconnected, however large the frames it provoked (a
//! 60 KB `ref` echoed in every `error` used to pin 256 of them per connection).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use super::OutItem;
use crate::protocol::ServerFrame;

/// The sending side, held by the registry.
#[derive(Clone, Debug)]
pub struct OutboxTx {
    tx: mpsc::Sender<OutItem>,
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
}

/// The receiving side, held by the session (or the built-in bot).
#[derive(Debug)]
pub struct OutboxRx {
    rx: mpsc::Receiver<OutItem>,
    queued: Arc<AtomicUsize>,
}

/// A queue of at most `items` items and about `max_bytes` bytes. One item is always accepted into an
/// empty queue, whatever its size, so that a large frame (a long queue list) still goes out.
pub fn outbox(items: usize, max_bytes: usize) -> (OutboxTx, OutboxRx) {
    let (tx, rx) = mpsc::channel(items);
    let queued = Arc::new(AtomicUsize::new(0));
    (OutboxTx { tx, queued: queued.clone(), max_bytes }, OutboxRx { rx, queued })
}

impl OutboxTx {
    pub fn try_send(&self, item: OutItem) -> Result<(), TrySendError<OutItem>> {
        let weight = item.weight();
        let before = self.queued.fetch_add(weight, Ordering::AcqRel);
        if before > 0 && before + weight > self.max_bytes {
            self.queued.fetch_sub(weight, Ordering::AcqRel);
            return Err(TrySendError::Full(item));
        }
        self.tx.try_send(item).inspect_err(|_| {
            self.queued.fetch_sub(weight, Ordering::AcqRel);
        })
    }

    /// Bytes queued now (estimated).
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }
}

impl OutboxRx {
    pub async fn recv(&mut self) -> Option<OutItem> {
        let item = self.rx.recv().await?;
        self.queued.fetch_sub(item.weight(), Ordering::AcqRel);
        Some(item)
    }

    pub fn try_recv(&mut self) -> Option<OutItem> {
        let item = self.rx.try_recv().ok()?;
        self.queued.fetch_sub(item.weight(), Ordering::AcqRel);
        Some(item)
    }
}

/// Bytes a frame adds to its envelope at most, beyond its variable strings (type, ids, times, keys).
const FRAME_OVERHEAD: usize = 160;

impl OutItem {
    /// An estimate of the item's encoded size, from its variable-length parts: the same for the sender
    /// and the receiver, as the item does not change on the way.
    pub fn weight(&self) -> usize {
        match self {
            OutItem::Frame(f) => out_weight(f),
            OutItem::Frames(frames) => frames.iter().map(|f| out_weight(f)).sum(),
            OutItem::Close(..) => 16,
            OutItem::Backlog(_) => FRAME_OVERHEAD,
        }
    }
}

/// A relayed frame weighs its text.
fn out_weight(f: &super::OutFrame) -> usize {
    match f.frame() {
        Some(frame) => frame_weight(frame),
        None => f.encoded.get().map_or(FRAME_OVERHEAD, |t| t.len()),
    }
}

fn frame_weight(frame: &ServerFrame) -> usize {
    let reference = |r: &Option<crate::protocol::Ref>| r.as_ref().map_or(0, |r| r.0.len());
    FRAME_OVERHEAD
        + match frame {
            ServerFrame::Message(m) => m.text.len() + m.from.name.as_ref().map_or(0, |n| n.len()),
            ServerFrame::Ack { reference: r, client_msg_id, .. } => {
                reference(r) + client_msg_id.as_ref().map_or(0, |c| c.len())
            }
            ServerFrame::Error { message, reference: r, .. } => message.len() + reference(r),
            ServerFrame::Pong { reference: r } => reference(r),
            ServerFrame::VisitorWelcome(w) => {
                4 * FRAME_OVERHEAD
                    + w.visitor_token.len()
                    + reference(&w.reference)
                    + w.notices.iter().map(|n| FRAME_OVERHEAD + n.title.len() + n.text.len()).sum::<usize>()
            }
            ServerFrame::AgentWelcome(w) => 4 * FRAME_OVERHEAD * (1 + w.conversations.len()) + reference(&w.reference),
            ServerFrame::BotWelcome(w) => 4 * FRAME_OVERHEAD * (1 + w.conversations.len()) + reference(&w.reference),
            ServerFrame::Assigned { messages, .. } => {
                4 * FRAME_OVERHEAD + messages.iter().map(|m| FRAME_OVERHEAD / 2 + m.text.len()).sum::<usize>()
            }
            ServerFrame::AssignedRelayed { conversation, messages, .. } => {
                conversation.0.len() + messages.iter().map(|m| FRAME_OVERHEAD / 2 + m.text.len()).sum::<usize>()
            }
            ServerFrame::Queue { waiting, bot } => 2 * FRAME_OVERHEAD * (waiting.len() + bot.len()),
            ServerFrame::Conversation(_) => 4 * FRAME_OVERHEAD,
            ServerFrame::Note { note, .. } => note.text.len(),
            ServerFrame::Notice { notice, .. } => FRAME_OVERHEAD + notice.title.len() + notice.text.len(),
            ServerFrame::Typing { .. }
            | ServerFrame::Survey { .. }
            | ServerFrame::Synced { .. }
            | ServerFrame::Sla { .. } => 0,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Ref;

    fn error_with_ref(bytes: usize) -> OutItem {
        OutItem::frame(ServerFrame::error(
            crate::protocol::ErrorCode::RateLimited,
            "slow down",
            Some(Ref("x".repeat(bytes).into())),
        ))
    }

    #[test]
    fn the_byte_budget_refuses_what_the_item_count_would_take() {
        let (tx, mut rx) = outbox(256, 100_000);
        let mut accepted = 0;
        while tx.try_send(error_with_ref(60_000)).is_ok() {
            accepted += 1;
        }
        assert_eq!(accepted, 1, "one 60 KB frame fits, the second does not");
        assert!(rx.try_recv().is_some());
        assert_eq!(tx.queued_bytes(), 0, "taking an item gives its bytes back");
        assert!(tx.try_send(error_with_ref(60_000)).is_ok(), "room again once read");
    }

    #[test]
    fn an_empty_queue_takes_one_item_of_any_size() {
        let (tx, _rx) = outbox(8, 1000);
        assert!(tx.try_send(error_with_ref(10_000)).is_ok());
        assert!(matches!(tx.try_send(error_with_ref(10)), Err(TrySendError::Full(_))));
    }

    #[test]
    fn the_item_count_still_bounds_small_items() {
        let (tx, _rx) = outbox(2, 1 << 20);
        assert!(tx.try_send(error_with_ref(1)).is_ok());
        assert!(tx.try_send(error_with_ref(1)).is_ok());
        assert!(matches!(tx.try_send(error_with_ref(1)), Err(TrySendError::Full(_))));
        assert!(tx.queued_bytes() < 1000, "a refused item gives its bytes back");
    }
}
