//! The support policy as pure functions (spec section 5): where a conversation goes, which agent takes
//! it, in which order the queue is served. No IO, no clock, no locks, no async: the hub passes in plain
//! data and an explicit `now`, and acts on the answer.

pub mod assign;
pub mod hours;
#[cfg(feature = "server")]
pub mod language;
pub mod sla;

use crate::domain::{BotReason, Priority};

/// What routing needs to know about a conversation to place it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteFacts {
    pub department_open: bool,
    /// Some agent of the department speaks the conversation's language (true while it is unknown).
    pub language_covered: bool,
    pub require_verified: bool,
    pub verified: bool,
    /// The priority the visitor's identity earns (urgent, premium or standard).
    pub base_priority: Priority,
}

/// Where a conversation goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Human { priority: Priority },
    Bot { priority: Priority, reason: BotReason },
}

/// Spec 5.3 and 5.4. An uncovered language or a missing required verification lowers the priority to
/// `low`; a closed department alone keeps it, so the visitor keeps their place when it opens. The reason
/// reported is the one that opening hours would not cure, so the visitor is never told to wait for
/// opening time in vain.
pub fn destination(f: &RouteFacts) -> Destination {
    if f.require_verified && !f.verified {
        return Destination::Bot { priority: Priority::Low, reason: BotReason::Unverified };
    }
    if !f.language_covered {
        return Destination::Bot { priority: Priority::Low, reason: BotReason::Language };
    }
    if !f.department_open {
        return Destination::Bot { priority: f.base_priority, reason: BotReason::Closed };
    }
    Destination::Human { priority: f.base_priority }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Priority::*;

    fn facts(open: bool, covered: bool, require: bool, verified: bool, base: Priority) -> RouteFacts {
        RouteFacts {
            department_open: open,
            language_covered: covered,
            require_verified: require,
            verified,
            base_priority: base,
        }
    }

    #[test]
    fn destination_follows_rule_3_and_4() {
        let cases = [
            // open, covered, require_verified, verified, base => expected
            (facts(true, true, false, false, Standard), Destination::Human { priority: Standard }),
            (facts(true, true, false, true, Premium), Destination::Human { priority: Premium }),
            (facts(true, true, false, true, Urgent), Destination::Human { priority: Urgent }),
            (
                facts(false, true, false, true, Premium),
                Destination::Bot { priority: Premium, reason: BotReason::Closed },
            ),
            (facts(true, false, false, true, Premium), Destination::Bot { priority: Low, reason: BotReason::Language }),
            (
                facts(false, false, false, true, Standard),
                Destination::Bot { priority: Low, reason: BotReason::Language },
            ),
            (
                facts(true, true, true, false, Standard),
                Destination::Bot { priority: Low, reason: BotReason::Unverified },
            ),
            (facts(true, true, true, true, Premium), Destination::Human { priority: Premium }),
            (
                facts(false, false, true, false, Urgent),
                Destination::Bot { priority: Low, reason: BotReason::Unverified },
            ),
        ];
        for (i, (f, want)) in cases.iter().enumerate() {
            assert_eq!(destination(f), *want, "case {i}: {f:?}");
        }
    }
}
