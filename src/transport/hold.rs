//! Reconnect without repeats: live messages of the conversations a `welcome` lists are held back until
//! the client syncs them, so that a client that resumes with `sync` right after its welcome gets the
//! missed messages and then the live ones, in order and each once. Without this, a message accepted
//! between the welcome and the sync would arrive live first and then again in the backlog.
//!
//! A client that does not sync loses nothing either: what was held goes out after `HOLD_GRACE`. Plain
//! state over an explicit `now`; the session owns one per connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::delivery::{HoldFacts, OutFrame};
use crate::domain::ConversationId;
use crate::protocol::ClientFrame;

/// How long live messages of a just-welcomed conversation wait for the client's `sync`.
pub const HOLD_GRACE: Duration = Duration::from_secs(1);
/// How long a synced conversation's live messages wait for the backlog to pass (it is normally
/// milliseconds; this only bounds a sync that never completes).
pub const SYNC_WAIT: Duration = Duration::from_secs(5);
/// Held messages per connection at most; beyond it everything held is let go at once.
pub const MAX_HELD: usize = 256;

/// What to do with an outgoing frame.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Write,
    Held,
    /// The hold buffer is full: write `release_all()`, then this frame.
    ReleaseThenWrite,
}

#[derive(Default)]
pub struct Holds {
    /// Conversations on hold: (id, syncing, deadline).
    on_hold: Vec<(ConversationId, bool, Instant)>,
    /// Held messages in arrival order.
    held: Vec<Arc<OutFrame>>,
}

impl Holds {
    /// The earliest deadline, while anything is on hold.
    pub fn deadline(&self) -> Option<Instant> {
        self.on_hold.iter().map(|(_, _, d)| *d).min()
    }

    /// A frame on its way to the client. A welcome starts holds; a `synced` ends its conversation's
    /// hold and drops what the backlog already carried.
    pub fn outgoing(&mut self, frame: &Arc<OutFrame>, now: Instant) -> Verdict {
        if let Some(c) = frame.message_conversation() {
            if self.is_held(c) {
                if self.held.len() >= MAX_HELD {
                    return Verdict::ReleaseThenWrite;
                }
                self.held.push(frame.clone());
                return Verdict::Held;
            }
            return Verdict::Write;
        }
        match frame.facts() {
            HoldFacts::Welcome(conversations) => self.start(conversations.into_iter(), now),
            HoldFacts::Synced(id, last) if self.is_held(id) => {
                self.on_hold.retain(|(c, _, _)| *c != id);
                self.held.retain(|f| !f.is_message_up_to(id, last));
            }
            _ => {}
        }
        Verdict::Write
    }

    /// A frame from the client: a `sync` of a held conversation keeps it held until its `synced`.
    pub fn incoming(&mut self, frame: &ClientFrame, now: Instant) {
        if let ClientFrame::Sync { conversation_id, .. } = frame {
            for hold in self.on_hold.iter_mut().filter(|(c, _, _)| c == conversation_id) {
                *hold = (*conversation_id, true, now + SYNC_WAIT);
            }
        }
    }

    /// Ends the holds whose time is up; returns their messages, in arrival order, to be written.
    pub fn expire(&mut self, now: Instant) -> Vec<Arc<OutFrame>> {
        let expired: Vec<ConversationId> =
            self.on_hold.iter().filter(|(_, _, d)| *d <= now).map(|(c, _, _)| *c).collect();
        self.on_hold.retain(|(_, _, d)| *d > now);
        self.take(|c| expired.contains(&c))
    }

    /// Ends every hold; returns every held message, in arrival order.
    pub fn release_all(&mut self) -> Vec<Arc<OutFrame>> {
        self.on_hold.clear();
        std::mem::take(&mut self.held)
    }

    fn start(&mut self, conversations: impl Iterator<Item = ConversationId>, now: Instant) {
        self.on_hold.extend(conversations.map(|c| (c, false, now + HOLD_GRACE)));
    }

    fn is_held(&self, conversation: ConversationId) -> bool {
        self.on_hold.iter().any(|(c, _, _)| *c == conversation)
    }

    fn take(&mut self, pick: impl Fn(ConversationId) -> bool) -> Vec<Arc<OutFrame>> {
        let (out, keep) =
            std::mem::take(&mut self.held).into_iter().partition(|f| f.message_conversation().is_some_and(&pick));
        self.held = keep;
        out
    }
}

#[cfg(test)]
#[path = "hold_tests.rs"]
mod tests;
