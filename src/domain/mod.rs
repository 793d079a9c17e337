//! Domain vocabulary shared by every layer: identifiers, statuses, priorities.
//!
//! Ids are random 64-bit numbers with a readable prefix on the wire (`cv_…`, `ag_…`). They are `Copy`,
//! hash fast, and stay unique across nodes without coordination, which a Redis-backed deployment needs.

use std::fmt;
use std::str::FromStr;

mod language;
pub use language::{Language, LanguageSource, UnknownLanguage, language_codes};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh random id.
            pub fn random() -> Self {
                // Zero is reserved so that a default-initialised id is never mistaken for a real one.
                Self(rand::random::<u64>().max(1))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{:016x}", $prefix, self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                let hex = s.strip_prefix($prefix).ok_or(ParseIdError)?;
                if hex.len() != 16 {
                    return Err(ParseIdError);
                }
                u64::from_str_radix(hex, 16).map(Self).map_err(|_| ParseIdError)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(|_| serde::de::Error::custom(concat!("not a valid ", $prefix, " id")))
            }
        }
    };
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed id")]
pub struct ParseIdError;

id_type!(
    /// One conversation (and its ticket).
    ConversationId,
    "cv_"
);
id_type!(
    /// A human support agent.
    AgentId,
    "ag_"
);
id_type!(
    /// A bot account (built-in or external).
    BotId,
    "bt_"
);
id_type!(
    /// A visitor, stable across reconnects through its visitor token.
    VisitorId,
    "vi_"
);
id_type!(
    /// A knowledge-base article (spec 7.6).
    ArticleId,
    "kb_"
);
id_type!(
    /// A status notice: an incident or a maintenance window (spec 7.4).
    NoticeId,
    "nt_"
);
id_type!(
    /// An email in the outbox (spec 7.6).
    EmailId,
    "em_"
);

/// Who is on the other end of a connection, or who a credential stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Participant {
    Visitor(VisitorId),
    Agent(AgentId),
    Bot(BotId),
}

/// The hasher of maps keyed by the server's own ids (connections, conversations, agents, visitors): the
/// hub and the fan-out look one up several times per message, and SipHash cost more than the lookup.
/// Seeded at random (per process and per map); keys a client chooses (idempotency keys, names) keep the
/// standard hasher.
pub type IdHasher = foldhash::fast::RandomState;
/// A `HashMap` keyed by ids, with `IdHasher`.
pub type IdMap<K, V> = std::collections::HashMap<K, V, IdHasher>;

/// Human-readable ticket number, allocated from a counter and never reused: `SB-1001`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Ticket(pub u64);

impl fmt::Display for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SB-{}", self.0)
    }
}

impl FromStr for Ticket {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, ParseIdError> {
        let n = s.strip_prefix("SB-").ok_or(ParseIdError)?;
        n.parse().map(Ticket).map_err(|_| ParseIdError)
    }
}

/// Position of a message in its conversation: 1, 2, 3 … without gaps.
pub type Seq = u64;

/// Escalation tier of agents and conversations (1 to 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tier(u8);

impl Tier {
    pub const FIRST: Tier = Tier(1);
    pub const MAX: u8 = 3;

    pub fn new(n: u8) -> Option<Tier> {
        (1..=Self::MAX).contains(&n).then_some(Tier(n))
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

/// Derives `as_str`, `Display` and `FromStr` for a field-less enum from one table of wire names.
macro_rules! wire_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                match s { $($text => Ok($name::$variant),)+ _ => Err(ParseIdError) }
            }
        }
    };
}

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    Bot,
    Assigned,
    Resolved,
}
wire_enum!(Status { Queued => "queued", Bot => "bot", Assigned => "assigned", Resolved => "resolved" });

/// What a status notice announces (spec 7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Incident,
    Maintenance,
}
wire_enum!(NoticeKind { Incident => "incident", Maintenance => "maintenance" });

/// Service priority. Declared highest first, so the derived `Ord` sorts a queue in service order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    Premium,
    Standard,
    Low,
}
wire_enum!(Priority { Urgent => "urgent", Premium => "premium", Standard => "standard", Low => "low" });

/// The visitor's subscription, as vouched for by a valid identity token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Premium,
    #[default]
    Standard,
}
wire_enum!(Plan { Premium => "premium", Standard => "standard" });

/// Who wrote a message; `System` for the hub's own status lines (spec 7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Visitor,
    Agent,
    Bot,
    System,
}
wire_enum!(Role { Visitor => "visitor", Agent => "agent", Bot => "bot", System => "system" });

/// A change the visitor is told of with a system message (spec 7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemEvent {
    Queued,
    Assigned,
    Transferred,
    Escalated,
    Resolved,
    /// Resolved because its visitor was gone and silent for `limits.inactive_resolve_minutes`.
    ResolvedInactive,
}
wire_enum!(SystemEvent {
    Queued => "queued",
    Assigned => "assigned",
    Transferred => "transferred",
    Escalated => "escalated",
    Resolved => "resolved",
    ResolvedInactive => "resolved_inactive",
});

/// An agent's own choice; `Away` takes no new chats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    #[default]
    Online,
    Away,
}
wire_enum!(Availability { Online => "online", Away => "away" });

/// Why a conversation is with the bot rather than in the human queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotReason {
    /// The department is outside its hours or on a holiday.
    Closed,
    /// No agent of the department speaks the conversation's language.
    Language,
    /// `identity.require_verified` is on and the visitor is not verified.
    Unverified,
}
wire_enum!(BotReason { Closed => "closed", Language => "language", Unverified => "unverified" });

/// Priority that a visitor's identity earns before any routing rule lowers it.
pub fn base_priority(plan: Plan, urgent: bool) -> Priority {
    match (urgent, plan) {
        (true, _) => Priority::Urgent,
        (false, Plan::Premium) => Priority::Premium,
        (false, Plan::Standard) => Priority::Standard,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = ConversationId::random();
        assert_eq!(id.to_string().parse::<ConversationId>(), Ok(id));
        assert!("ag_0000000000000001".parse::<ConversationId>().is_err());
        assert!("cv_12".parse::<ConversationId>().is_err());
        assert_eq!("SB-1042".parse::<Ticket>(), Ok(Ticket(1042)));
    }

    #[test]
    fn priority_sorts_in_service_order() {
        let mut p = vec![Priority::Low, Priority::Standard, Priority::Urgent, Priority::Premium];
        p.sort();
        assert_eq!(p, [Priority::Urgent, Priority::Premium, Priority::Standard, Priority::Low]);
    }

    #[test]
    fn tiers_are_one_to_three() {
        assert!(Tier::new(0).is_none());
        assert_eq!(Tier::new(3).map(Tier::get), Some(3));
        assert!(Tier::new(4).is_none());
    }
}
