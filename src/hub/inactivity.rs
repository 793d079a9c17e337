//! Abandoned conversations end: a conversation whose visitor has had no connection for
//! `limits.inactive_resolve_minutes` is resolved (a timer per visitor gone, set when its last connection
//! closes or, after a restart, when the hub starts; a visitor who comes back cancels it).

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use super::core::Hub;
use super::timers::Timer;
use crate::domain::{ConversationId, Status, VisitorId};

/// Abandoned conversations ended in one second at most; the rest wait for the next second. Visitors
/// who came together leave together (a campaign, a load test, a network failure), and their
/// conversations come due in the same second. Each ending is a commit's worth of rows and frames to the
/// agent, so 1,000 at once made every message sent in that second wait behind them (end to end p99.9 of
/// 64-137 ms in the soak, docs/benchmarks.md); an abandoned conversation can end a few seconds late.
pub const ABANDONED_PER_SECOND: u32 = 50;

/// Since when each visitor with an open conversation has had no connection.
#[derive(Default)]
pub struct Gone {
    since: HashMap<VisitorId, Timestamp>,
    /// The second being counted (Unix seconds) and the conversations ended in it.
    this_second: (i64, u32),
}

impl Gone {
    /// Visitors whose conversation waits on their return.
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
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

    /// The visitor asked for a human and none has taken the conversation yet: it waits in the bot for its
    /// department to open or for a speaker of its language (spec 5.6), or in the queue since. It is not
    /// abandoned: the human's answer reaches the visitor on return, or by email (7.6).
    fn waits_for_a_human(&self, conversation: ConversationId) -> bool {
        self.convs
            .get(&conversation)
            .is_some_and(|c| c.rec.handoff_requested && matches!(c.rec.status, Status::Bot | Status::Queued))
    }

    /// The timer of a visitor gone since `since`: resolves the conversation if the visitor has not come
    /// back since (a later departure set a later timer) and the conversation is still its open one.
    pub(super) fn gone_too_long(&mut self, conversation: ConversationId, visitor: VisitorId, since: Timestamp) {
        if self.gone.since.get(&visitor) != Some(&since) || self.convs.open_of(visitor) != Some(conversation) {
            return;
        }
        if self.waits_for_a_human(conversation) {
            // Looked at again later; the visitor is still gone since `since`.
            if let Some(after) = self.inactive_after() {
                self.deadlines.set(self.now + after, Timer::VisitorGone { conversation, visitor, since });
            }
            return;
        }
        let second = self.now.as_second();
        let (counted, ended) = &mut self.gone.this_second;
        if *counted != second {
            (*counted, *ended) = (second, 0);
        }
        if *ended >= ABANDONED_PER_SECOND {
            // The same timer in the next second: it still finds the visitor gone since `since`.
            let next = Timestamp::from_second(second + 1).unwrap_or(self.now);
            self.deadlines.set(next, Timer::VisitorGone { conversation, visitor, since });
            return;
        }
        *ended += 1;
        self.gone.since.remove(&visitor);
        tracing::info!(%conversation, "resolving a conversation whose visitor has gone");
        metrics::counter!("switchboard_conversations_abandoned_total").increment(1);
        self.resolve_as(conversation, true);
    }
}
