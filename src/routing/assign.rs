//! Who takes a conversation, and in which order the human queue is served (spec 5.4 and 5.5).

use jiff::Timestamp;

use crate::domain::Language;
use crate::domain::{AgentId, Availability, ConversationId, Priority, Tier};

/// An agent as routing sees it at one instant.
#[derive(Clone, Copy, Debug)]
pub struct AgentSlot<'a> {
    pub id: AgentId,
    /// At least one live connection.
    pub connected: bool,
    pub availability: Availability,
    pub languages: &'a [Language],
    pub departments: &'a [std::sync::Arc<str>],
    pub tier: Tier,
    pub open_chats: u32,
    pub max_chats: u32,
    /// When the agent last had no chat or last finished one: the longest idle wins a tie.
    pub idle_since: Timestamp,
}

/// What a conversation asks of the agent who takes it.
#[derive(Clone, Copy, Debug)]
pub struct Need<'a> {
    pub department: &'a str,
    /// `None` while unknown: any agent will do.
    pub language: Option<Language>,
    pub tier: Tier,
}

/// Spec 5.4: online, not away, of the department, speaks the language, has room, serves the tier (an
/// agent's tier is the highest it serves, spec 7.2: a tier-2 agent takes tier-1 and tier-2 chats).
pub fn can_take(agent: &AgentSlot<'_>, need: &Need<'_>) -> bool {
    agent.connected
        && agent.availability == Availability::Online
        && agent.open_chats < agent.max_chats
        && agent.tier >= need.tier
        && agent.departments.iter().any(|d| d.as_ref() == need.department)
        && need.language.is_none_or(|l| agent.languages.contains(&l))
}

/// Among the agents who can take it: fewest open conversations, then idle longest, then the lowest id
/// so that the answer never depends on iteration order.
pub fn choose_agent<'a>(need: &Need<'_>, agents: impl IntoIterator<Item = AgentSlot<'a>>) -> Option<AgentId> {
    agents.into_iter().filter(|a| can_take(a, need)).min_by_key(|a| (a.open_chats, a.idle_since, a.id)).map(|a| a.id)
}

/// Whether some agent of the department speaks the language, online or not (spec 5.2, 5.3).
pub fn language_covered<'a>(
    department: &str,
    language: Option<Language>,
    agents: impl IntoIterator<Item = (&'a [Language], &'a [std::sync::Arc<str>])>,
) -> bool {
    let Some(language) = language else {
        return true;
    };
    agents.into_iter().any(|(langs, depts)| langs.contains(&language) && depts.iter().any(|d| d.as_ref() == department))
}

/// Position in the human queue: priority first, then arrival (spec 5.5). `arrival` is a counter the hub
/// bumps for each conversation entering the queue, so equal timestamps still have an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueKey {
    pub priority: Priority,
    pub arrival: u64,
}

/// The first conversation in queue order that this agent can take (spec 5.5).
pub fn first_takeable<'a, 'n>(
    agent: &AgentSlot<'a>,
    queue_in_order: impl IntoIterator<Item = (ConversationId, Need<'n>)>,
) -> Option<ConversationId> {
    queue_in_order.into_iter().find(|(_, need)| can_take(agent, need)).map(|(id, _)| id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn lang(s: &str) -> Language {
        Language::parse(s).unwrap()
    }

    struct A {
        id: u64,
        connected: bool,
        availability: Availability,
        languages: Vec<Language>,
        departments: Vec<Arc<str>>,
        tier: u8,
        open: u32,
        max: u32,
        idle: i64,
    }

    fn agent(id: u64, langs: &[&str], open: u32, idle: i64) -> A {
        A {
            id,
            connected: true,
            availability: Availability::Online,
            languages: langs.iter().map(|l| lang(l)).collect(),
            departments: vec!["support".into()],
            tier: 1,
            open,
            max: 3,
            idle,
        }
    }

    impl A {
        fn slot(&self) -> AgentSlot<'_> {
            AgentSlot {
                id: AgentId(self.id),
                connected: self.connected,
                availability: self.availability,
                languages: &self.languages,
                departments: &self.departments,
                tier: Tier::new(self.tier).unwrap(),
                open_chats: self.open,
                max_chats: self.max,
                idle_since: Timestamp::from_second(self.idle).unwrap(),
            }
        }
    }

    fn need(language: Option<&str>, tier: u8) -> Need<'static> {
        Need { department: "support", language: language.map(lang), tier: Tier::new(tier).unwrap() }
    }

    #[test]
    fn choose_agent_table() {
        let away = A { availability: Availability::Away, ..agent(9, &["de"], 0, 0) };
        let offline = A { connected: false, ..agent(9, &["de"], 0, 0) };
        let full = A { open: 3, ..agent(9, &["de"], 0, 0) };
        let tier2 = A { tier: 2, ..agent(9, &["de"], 0, 0) };
        let sales = A { departments: vec!["sales".into()], ..agent(9, &["de"], 0, 0) };
        let cases: Vec<(&str, Vec<A>, Need<'static>, Option<u64>)> = vec![
            (
                "speaks the language",
                vec![agent(1, &["en"], 0, 0), agent(2, &["de"], 1, 0)],
                need(Some("de"), 1),
                Some(2),
            ),
            (
                "fewest open chats",
                vec![agent(1, &["de"], 2, 0), agent(2, &["de"], 1, 50)],
                need(Some("de"), 1),
                Some(2),
            ),
            (
                "tie: idle longest",
                vec![agent(1, &["de"], 1, 100), agent(2, &["de"], 1, 50)],
                need(Some("de"), 1),
                Some(2),
            ),
            (
                "tie everywhere: lowest id",
                vec![agent(2, &["de"], 1, 50), agent(1, &["de"], 1, 50)],
                need(Some("de"), 1),
                Some(1),
            ),
            ("away takes nothing", vec![away], need(Some("de"), 1), None),
            ("disconnected takes nothing", vec![offline], need(Some("de"), 1), None),
            ("full capacity", vec![full], need(Some("de"), 1), None),
            ("a higher tier serves the lower ones", vec![tier2], need(Some("de"), 1), Some(9)),
            ("a lower tier does not serve a higher one", vec![agent(9, &["de"], 0, 0)], need(Some("de"), 2), None),
            (
                "tier 2 for an escalated chat",
                vec![agent(1, &["de"], 0, 0), A { tier: 2, ..agent(2, &["de"], 2, 0) }],
                need(Some("de"), 2),
                Some(2),
            ),
            ("other department", vec![sales], need(Some("de"), 1), None),
            ("unknown language: anyone", vec![agent(1, &["fr"], 0, 0)], need(None, 1), Some(1)),
            ("nobody speaks it", vec![agent(1, &["en"], 0, 0)], need(Some("ja"), 1), None),
        ];
        for (name, agents, need, want) in cases {
            let got = choose_agent(&need, agents.iter().map(A::slot));
            assert_eq!(got, want.map(AgentId), "{name}");
        }
    }

    #[test]
    fn queue_key_orders_priority_then_arrival() {
        let mut keys = [
            QueueKey { priority: Priority::Standard, arrival: 1 },
            QueueKey { priority: Priority::Low, arrival: 0 },
            QueueKey { priority: Priority::Premium, arrival: 3 },
            QueueKey { priority: Priority::Urgent, arrival: 4 },
            QueueKey { priority: Priority::Premium, arrival: 2 },
        ];
        keys.sort();
        let order: Vec<_> = keys.iter().map(|k| (k.priority, k.arrival)).collect();
        assert_eq!(
            order,
            [
                (Priority::Urgent, 4),
                (Priority::Premium, 2),
                (Priority::Premium, 3),
                (Priority::Standard, 1),
                (Priority::Low, 0)
            ]
        );
    }

    #[test]
    fn first_takeable_skips_what_the_agent_cannot_take() {
        let anna = agent(1, &["en", "de"], 0, 0);
        let queue = [
            (ConversationId(1), need(Some("ja"), 1)),
            (ConversationId(2), need(Some("de"), 2)),
            (ConversationId(3), need(Some("de"), 1)),
            (ConversationId(4), need(Some("en"), 1)),
        ];
        assert_eq!(first_takeable(&anna.slot(), queue), Some(ConversationId(3)));
        assert_eq!(first_takeable(&anna.slot(), queue[..2].iter().copied()), None);
    }

    #[test]
    fn coverage_counts_offline_agents_of_the_department_only() {
        let en: Vec<Language> = vec![lang("en")];
        let de: Vec<Language> = vec![lang("de")];
        let support: Vec<Arc<str>> = vec!["support".into()];
        let sales: Vec<Arc<str>> = vec!["sales".into()];
        let agents = [(&en[..], &support[..]), (&de[..], &sales[..])];
        assert!(language_covered("support", Some(lang("en")), agents));
        assert!(!language_covered("support", Some(lang("de")), agents));
        assert!(language_covered("support", None, agents));
        assert!(!language_covered("support", Some(lang("en")), []));
    }
}
