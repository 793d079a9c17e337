//! The hub's deadline queue: timers as data. A timer is an instant and what to do then; the runner
//! sleeps until the earliest and the core fires every timer that is due at the `now` it is given, so
//! tests move time by passing a later `now`, never by sleeping.

use std::collections::BTreeSet;
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

/// Pending timers, earliest first. The same timer may be set once per instant.
#[derive(Default)]
pub struct Deadlines {
    pending: BTreeSet<(Timestamp, Timer)>,
}

/// Timers pending at most: every department has one, every open conversation at most two (the next
/// notice of each service-level clock), every visitor away at most one for its inactivity and one for
/// unseen agent messages to email, and stale ones go when they fire.
pub const MAX_TIMERS: usize = 100_000;

impl Deadlines {
    pub fn set(&mut self, at: Timestamp, timer: Timer) {
        if self.pending.len() < MAX_TIMERS {
            self.pending.insert((at, timer));
        } else {
            tracing::error!(?timer, "deadline queue full: timer dropped");
        }
    }

    /// The earliest pending instant.
    pub fn next(&self) -> Option<Timestamp> {
        self.pending.first().map(|(at, _)| *at)
    }

    /// Removes and returns the earliest timer due at `now`, if any.
    pub fn pop_due(&mut self, now: Timestamp) -> Option<Timer> {
        match self.pending.first() {
            Some((at, _)) if *at <= now => self.pending.pop_first().map(|(_, t)| t),
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
}
