//! The hub's deadline queue: timers as data. A timer is an instant and what to do then; the runner
//! sleeps until the earliest and the core fires every timer that is due at the `now` it is given, so
//! tests move time by passing a later `now`, never by sleeping.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;

use crate::domain::ConversationId;
use crate::routing::sla::{SlaClock, SlaState};

/// What happens when a timer fires.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// A department's hours change (it opens or closes): look again at its state.
    DepartmentHours(Arc<str>),
    /// A conversation's service-level clock reaches a warning or its deadline (spec 7.3).
    Sla { conversation: ConversationId, clock: SlaClock, state: SlaState },
    /// The visitor of an open conversation has had no connection since `since` (`inactivity.rs`).
    VisitorGone { conversation: crate::domain::ConversationId, visitor: crate::domain::VisitorId, since: Timestamp },
    /// A status notice starts or ends at `at` (spec 7.4); stale if the notice no longer has that instant.
    Notice { notice: crate::domain::NoticeId, at: Timestamp },
    /// Agent messages the visitor has not seen are emailed at `due` (spec 7.6, `email.rs`); stale if the
    /// visitor's waiting email is gone or has another due time.
    UnseenEmail { visitor: crate::domain::VisitorId, due: Timestamp },
}

impl Timer {
    /// The conversation the timer is about, for timers that end with it.
    fn conversation(&self) -> Option<ConversationId> {
        match self {
            Timer::Sla { conversation, .. } | Timer::VisitorGone { conversation, .. } => Some(*conversation),
            _ => None,
        }
    }
}

/// Pending timers, earliest first. The same timer may be set once per instant.
#[derive(Default)]
pub struct Deadlines {
    pending: BTreeSet<(Timestamp, Timer)>,
    /// The pending timers of each conversation, so that they go when it ends (`cancel_conversation`):
    /// a service-level clock is hours away, and with conversations ending all day their timers would
    /// otherwise pile up until `MAX_TIMERS`.
    by_conversation: HashMap<ConversationId, Vec<(Timestamp, Timer)>>,
}

/// Timers pending at most: every department has one, every open conversation at most three (the next
/// notice of each service-level clock, its visitor's inactivity), every visitor away at most one for
/// unseen agent messages to email, and notices theirs. A timer past this is dropped and logged.
pub const MAX_TIMERS: usize = 100_000;

impl Deadlines {
    pub fn set(&mut self, at: Timestamp, timer: Timer) {
        if self.pending.len() >= MAX_TIMERS {
            tracing::error!(?timer, "deadline queue full: timer dropped");
            return;
        }
        if let Some(id) = timer.conversation()
            && !self.pending.contains(&(at, timer.clone()))
        {
            self.by_conversation.entry(id).or_default().push((at, timer.clone()));
        }
        self.pending.insert((at, timer));
    }

    /// Drops the pending timers of a conversation that ended.
    pub fn cancel_conversation(&mut self, id: ConversationId) {
        for key in self.by_conversation.remove(&id).unwrap_or_default() {
            self.pending.remove(&key);
        }
    }

    /// Forgets a fired timer in `by_conversation`.
    fn fired(&mut self, at: Timestamp, timer: &Timer) {
        let Some(id) = timer.conversation() else { return };
        if let Some(keys) = self.by_conversation.get_mut(&id) {
            if let Some(i) = keys.iter().position(|(t, k)| *t == at && k == timer) {
                keys.swap_remove(i);
            }
            if keys.is_empty() {
                self.by_conversation.remove(&id);
            }
        }
    }

    /// The earliest pending instant.
    pub fn next(&self) -> Option<Timestamp> {
        self.pending.first().map(|(at, _)| *at)
    }

    /// Removes and returns the earliest timer due at `now`, if any.
    pub fn pop_due(&mut self, now: Timestamp) -> Option<Timer> {
        match self.pending.first() {
            Some((at, _)) if *at <= now => {
                let (at, timer) = self.pending.pop_first()?;
                self.fired(at, &timer);
                Some(timer)
            }
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn contains(&self, at: Timestamp, timer: &Timer) -> bool {
        self.pending.contains(&(at, timer.clone()))
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Timers pending for the conversation (both views must agree).
    #[cfg(test)]
    pub fn of_conversation(&self, id: ConversationId) -> usize {
        let pending = self.pending.iter().filter(|(_, t)| t.conversation() == Some(id)).count();
        assert_eq!(pending, self.by_conversation.get(&id).map_or(0, Vec::len), "the index follows the set");
        pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn timers_fire_in_order_once_due() {
        let mut d = Deadlines::default();
        d.set(at(20), Timer::DepartmentHours("b".into()));
        d.set(at(10), Timer::DepartmentHours("a".into()));
        d.set(at(10), Timer::DepartmentHours("a".into()));
        assert_eq!(d.len(), 2, "the same timer at the same instant is set once");
        assert_eq!(d.next(), Some(at(10)));
        assert_eq!(d.pop_due(at(9)), None);
        assert_eq!(d.pop_due(at(15)), Some(Timer::DepartmentHours("a".into())));
        assert_eq!(d.pop_due(at(15)), None);
        assert_eq!(d.pop_due(at(20)), Some(Timer::DepartmentHours("b".into())));
        assert_eq!(d.next(), None);
    }

    #[test]
    fn a_conversation_that_ends_takes_its_timers_with_it() {
        let (a, b) = (ConversationId(1), ConversationId(2));
        let sla = |conversation, state| Timer::Sla { conversation, clock: SlaClock::ALL[0], state };
        let mut d = Deadlines::default();
        d.set(at(10), sla(a, SlaState::Warning));
        d.set(at(10), sla(a, SlaState::Warning));
        d.set(at(20), sla(a, SlaState::Breached));
        d.set(at(10), sla(b, SlaState::Warning));
        d.set(at(15), Timer::DepartmentHours("support".into()));
        assert_eq!((d.of_conversation(a), d.of_conversation(b)), (2, 1));
        assert_eq!(d.pop_due(at(10)), Some(sla(a, SlaState::Warning)), "fired, and forgotten in the index");
        assert_eq!(d.of_conversation(a), 1);
        d.cancel_conversation(a);
        assert_eq!((d.of_conversation(a), d.of_conversation(b), d.len()), (0, 1, 2));
        d.cancel_conversation(a);
        assert_eq!(d.pop_due(at(20)), Some(sla(b, SlaState::Warning)));
        assert_eq!(d.pop_due(at(20)), Some(Timer::DepartmentHours("support".into())));
        assert_eq!((d.pop_due(at(99)), d.of_conversation(b)), (None, 0));
    }
}
