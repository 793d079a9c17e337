//! Abandoned conversations end: a conversation whose visitor has had no connection for
//! `limits.inactive_resolve_minutes` is resolved (a timer per visitor gone, set when its last connection
//! closes or, after a restart, when the hub starts; a visitor who comes back cancels it).

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use super::core::Hub;
use super::timers::Timer;
use crate::domain::{ConversationId, VisitorId};

/// Since when each visitor with an open conversation has had no connection.
#[derive(Default)]
pub struct Gone {
    since: HashMap<VisitorId, Timestamp>,
}

impl Gone {
    /// Visitors whose conversation waits on their return.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.since.len()
    }
}

impl Hub {
    /// How long a visitor may be gone before its conversation ends, if it ends at all.
    fn inactive_after(&self) -> Option<SignedDuration> {
        self.settings.guard.inactive_after
    }

    /// The visitor's last connection closed (or the hub started without it) while `conversation` is open.
    pub(super) fn visitor_gone(&mut self, visitor: VisitorId, conversation: ConversationId) {
        let Some(after) = self.inactive_after() else { return };
        self.gone.since.insert(visitor, self.now);
        self.deadlines.set(self.now + after, Timer::VisitorGone { conversation, visitor, since: self.now });
    }

    /// The visitor connected again, or its conversation ended: nothing of it is abandoned.
    pub(super) fn visitor_back(&mut self, visitor: VisitorId) {
        self.gone.since.remove(&visitor);
    }

    /// The timer of a visitor gone since `since`: resolves the conversation if the visitor has not come
    /// back since (a later departure set a later timer) and the conversation is still its open one.
    pub(super) fn gone_too_long(&mut self, conversation: ConversationId, visitor: VisitorId, since: Timestamp) {
        if self.gone.since.get(&visitor) != Some(&since) || self.convs.open_of(visitor) != Some(conversation) {
            return;
        }
        self.gone.since.remove(&visitor);
        tracing::info!(%conversation, "resolving a conversation whose visitor has gone");
        metrics::counter!("switchboard_conversations_abandoned_total").increment(1);
        self.resolve_as(conversation, true);
    }
}
