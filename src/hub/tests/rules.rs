//! Spec section 5, rule by rule, as the hub applies it.

use super::*;
use crate::domain::BotReason;

fn support() -> Vec<Department> {
    vec![always("support")]
}

#[test]
fn rule_1_a_conversation_belongs_to_the_department_named_at_hello() {
    let mut f = Fixture::new(vec![always("support"), always("sales")], &[]);
    let v = f.visitor_in(Some("sales"), None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    assert_eq!(&*f.hub.convs.get(&c).unwrap().rec.department, "sales");
    let w = f.visitor_in(Some("nowhere"), None, IdentityCheck::Absent);
    let d = f.say(&w, ENGLISH);
    assert_eq!(&*f.hub.convs.get(&d).unwrap().rec.department, "support", "unknown: the default");
    // `support` is the default wherever it is in the file; without it, the first department is.
    let mut f = Fixture::new(vec![always("sales"), always("support")], &[]);
    let v = f.visitor_in(None, None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    assert_eq!(&*f.hub.convs.get(&c).unwrap().rec.department, "support", "named none: support");
    let mut f = Fixture::new(vec![always("sales"), always("billing")], &[]);
    let v = f.visitor_in(None, None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    assert_eq!(&*f.hub.convs.get(&c).unwrap().rec.department, "sales", "no support: the first");
}

#[test]
fn rule_2_language_is_detected_from_text_and_refined_until_assigned() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["de"], 3)]);
    let v = f.visitor(Some("en-US"), IdentityCheck::Absent);
    let c = f.say(&v, "ok");
    let lang = |f: &Fixture| f.hub.convs.get(&c).map(|c| c.rec.language.map(|l| l.to_string()));
    assert_eq!(lang(&f), Some(Some("en".into())), "too short to tell: the locale decides");
    assert_eq!(f.status(c), Some(Status::Bot), "nobody speaks English");
    f.say(&v, GERMAN);
    assert_eq!(lang(&f), Some(Some("de".into())), "refined from the text");
    let anna = f.connect_agent(1);
    assert_eq!(f.holder(c), Some(Fixture::agent_id(1)), "the German speaker takes it once online");
    f.say(&v, ENGLISH);
    f.say(&v, ENGLISH);
    assert_eq!(lang(&f), Some(Some("de".into())), "assigned: the language no longer changes");
    let _ = anna;
}

#[test]
fn rule_3_closed_department_sends_to_the_bot_keeping_priority() {
    let mut f = Fixture::new(vec![office("support")], &[agent("Anna", &["en"], 3)]);
    f.connect_agent(1);
    f.at("2026-11-28T10:00:00Z".parse().unwrap()); // a Saturday
    let v = f.visitor(None, verified("u1", "u1@example.com", Plan::Premium, false));
    let c = f.say(&v, ENGLISH);
    assert_eq!(f.status(c), Some(Status::Bot));
    assert_eq!(f.priority(c), Priority::Premium, "closed alone keeps the priority");
    assert_eq!(f.hub.convs.get(&c).unwrap().rec.bot_reason, Some(BotReason::Closed));
}

#[test]
fn rule_3_a_language_no_agent_speaks_goes_to_the_bot_at_low_priority() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["en"], 3)]);
    f.connect_agent(1);
    let v = f.visitor(None, verified("u1", "u1@example.com", Plan::Premium, false));
    let c = f.say(&v, FINNISH);
    assert_eq!(f.status(c), Some(Status::Bot));
    assert_eq!(f.priority(c), Priority::Low);
    assert_eq!(f.hub.convs.get(&c).unwrap().rec.bot_reason, Some(BotReason::Language));
}

#[test]
fn rule_2_a_bot_conversation_whose_visitor_switches_to_a_covered_language_goes_to_humans() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["en"], 3)]);
    f.connect_agent(1);
    let v = f.visitor(Some("fi-FI"), IdentityCheck::Absent);
    let c = f.say(&v, FINNISH);
    assert_eq!(f.status(c), Some(Status::Bot), "nobody speaks Finnish");
    for _ in 0..4 {
        f.say(&v, FINNISH);
    }
    // The whole sample is still mostly Finnish; the latest message, reliable on its own, decides.
    f.say(&v, "Sorry, let me write in English instead. My order was supposed to arrive last week, but I have still not received anything. Could you please check where it is?");
    assert_eq!(f.hub.convs.get(&c).unwrap().rec.language.map(|l| l.to_string()), Some("en".into()));
    assert_eq!(f.holder(c), Some(Fixture::agent_id(1)), "the English speaker takes it");
}

#[test]
fn rule_3_unverified_visitors_get_the_bot_when_verification_is_required() {
    let mut f = Fixture::with(support(), &[agent("Anna", &["en"], 3)], true);
    f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    assert_eq!((f.status(c), f.priority(c)), (Some(Status::Bot), Priority::Low));
    let w = f.visitor(None, verified("u2", "u2@example.com", Plan::Standard, false));
    let d = f.say(&w, ENGLISH);
    assert_eq!(f.holder(d), Some(Fixture::agent_id(1)), "a verified visitor reaches a human");
}

#[test]
fn rule_4_the_agent_with_fewest_chats_then_idle_longest_takes_it() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["en"], 3), agent("Ben", &["en"], 3)]);
    f.connect_agent(1);
    f.now += jiff::SignedDuration::from_secs(5);
    f.connect_agent(2);
    let v1 = f.visitor(None, IdentityCheck::Absent);
    let c1 = f.say(&v1, ENGLISH);
    let first = f.holder(c1).unwrap();
    let v2 = f.visitor(None, IdentityCheck::Absent);
    let c2 = f.say(&v2, ENGLISH);
    let second = f.holder(c2).unwrap();
    assert_ne!(first, second, "fewest open conversations first");
    assert_eq!(first, Fixture::agent_id(1), "on a tie, the one idle longest");
}

#[test]
fn rule_4_away_and_full_agents_take_nothing_and_a_higher_tier_serves_a_lower_one() {
    let specs = [
        agent("Anna", &["en"], 1),
        AgentSpec { name: "Tess", languages: &["en"], max_chats: 3, tier: 2, departments: &["support"] },
    ];
    let mut f = Fixture::new(support(), &specs);
    let anna = f.connect_agent(1);
    f.agent_frame(anna, 1, ClientFrame::Availability { status: crate::domain::Availability::Away });
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    assert_eq!(f.status(c), Some(Status::Queued), "Anna is away");
    f.agent_frame(anna, 1, ClientFrame::Availability { status: crate::domain::Availability::Online });
    assert_eq!(f.holder(c), Some(Fixture::agent_id(1)), "back online: takes it");
    let w = f.visitor(None, IdentityCheck::Absent);
    let d = f.say(&w, ENGLISH);
    assert_eq!(f.status(d), Some(Status::Queued), "Anna is at max_chats");
    f.connect_agent(2);
    assert_eq!(f.holder(d), Some(Fixture::agent_id(2)), "Tess's tier is 2: she serves tiers 1 and 2");
}

#[test]
fn rule_5_the_queue_is_served_by_priority_then_arrival_when_a_place_frees() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["en"], 1)]);
    let anna = f.connect_agent(1);
    let busy = f.visitor(None, IdentityCheck::Absent);
    let held = f.say(&busy, ENGLISH);
    let std1 = f.visitor(None, IdentityCheck::Absent);
    let s1 = f.say(&std1, ENGLISH);
    let prem = f.visitor(None, verified("p", "p@example.com", Plan::Premium, false));
    let p = f.say(&prem, ENGLISH);
    let urg = f.visitor(None, verified("u", "u@example.com", Plan::Standard, true));
    let u = f.say(&urg, ENGLISH);
    assert_eq!(f.queue(), [u, p, s1]);
    let positions: Vec<_> = [u, p, s1].iter().map(|c| f.hub.queue_position(*c)).collect();
    assert_eq!(positions, [Some(1), Some(2), Some(3)]);
    f.agent_frame(anna, 1, ClientFrame::Resolve { conversation_id: held });
    assert_eq!(f.holder(u), Some(Fixture::agent_id(1)), "the freed place goes to the urgent chat");
    f.agent_frame(anna, 1, ClientFrame::Resolve { conversation_id: u });
    assert_eq!(f.holder(p), Some(Fixture::agent_id(1)), "then premium, before the earlier standard");
}

#[test]
fn rule_5_an_agent_that_comes_online_takes_the_first_it_can() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["en"], 2)]);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    assert_eq!(f.status(c), Some(Status::Queued));
    f.connect_agent(1);
    assert_eq!(f.holder(c), Some(Fixture::agent_id(1)));
    assert!(f.last_events().contains(&DomainEvent::Assigned { conversation: c, agent: Fixture::agent_id(1) }));
}

#[test]
fn rule_6_handoffs_enter_the_queue_in_priority_order_when_the_department_opens() {
    let mut f = Fixture::new(vec![office("support")], &[agent("Anna", &["en"], 5)]);
    f.at("2026-11-23T20:00:00Z".parse().unwrap()); // closed for the night
    let bot = f.connect_bot();
    let std = f.visitor(None, IdentityCheck::Absent);
    let s = f.say(&std, ENGLISH);
    let prem = f.visitor(None, verified("p", "p@example.com", Plan::Premium, false));
    let p = f.say(&prem, ENGLISH);
    let stays = f.visitor(None, IdentityCheck::Absent);
    let q = f.say(&stays, ENGLISH);
    for c in [s, p] {
        f.frame(bot, Participant::Bot(BotId(1)), ClientFrame::Handoff { conversation_id: c, reason: None });
        assert_eq!(f.status(c), Some(Status::Bot), "closed: the handoff waits");
    }
    let opens: Timestamp = "2026-11-24T09:00:00Z".parse().unwrap();
    assert!(f.has_timer(opens, &Timer::DepartmentHours("support".into())), "the opening is a timer, not a poll");
    f.at(opens - jiff::SignedDuration::from_secs(1));
    assert_eq!(f.status(s), Some(Status::Bot));
    f.at(opens);
    assert_eq!([f.status(s), f.status(p)], [Some(Status::Queued); 2]);
    assert_eq!(f.queue(), [p, s], "premium first");
    assert_eq!(f.status(q), Some(Status::Bot), "no handoff asked: stays with the bot");
    f.connect_agent(1);
    assert_eq!([f.holder(p), f.holder(s)], [Some(Fixture::agent_id(1)); 2]);
}

#[test]
fn bot_conversations_wait_for_a_bot_and_go_to_the_first_that_connects() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["en"], 3)]);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, FINNISH);
    assert_eq!(f.status(c), Some(Status::Bot));
    assert_eq!(f.hub.convs.get(&c).unwrap().rec.bot_id, None);
    f.connect_bot();
    assert_eq!(f.hub.convs.get(&c).unwrap().rec.bot_id, Some(BotId(1)));
    let assigned = f.last_frames(Target::Who(Participant::Bot(BotId(1))));
    assert!(assigned.iter().any(|fr| matches!(fr, ServerFrame::Assigned { .. })), "{assigned:?}");
}

#[test]
fn a_new_speaker_of_a_language_releases_handed_off_chats() {
    let mut f = Fixture::new(support(), &[]);
    let bot = f.connect_bot();
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, FINNISH);
    f.frame(bot, Participant::Bot(BotId(1)), ClientFrame::Handoff { conversation_id: c, reason: None });
    assert_eq!(f.status(c), Some(Status::Bot), "no Finnish speaker: it waits");
    f.create_agent("Aino", &["fi"]);
    assert_eq!(f.status(c), Some(Status::Queued));
}

#[test]
fn an_identity_conflict_is_unverified_and_flagged() {
    let mut f = Fixture::new(support(), &[]);
    let first = f.visitor(None, verified("u1", "a@example.com", Plan::Premium, false));
    let welcome = f.last_frames(Target::Conn(first.conn));
    assert!(matches!(&welcome[0], ServerFrame::VisitorWelcome(w) if w.verified && !w.identity_conflict));
    let second = f.visitor(None, verified("u1", "b@example.com", Plan::Premium, false));
    let welcome = f.last_frames(Target::Conn(second.conn));
    let ServerFrame::VisitorWelcome(w) = &welcome[0] else { panic!("{welcome:?}") };
    assert!(!w.verified && w.identity_conflict, "{w:?}");
    assert_eq!(w.plan, Plan::Standard, "plan only from a valid identity");
}

#[test]
fn the_visitor_panel_facts_reach_agents_only() {
    let mut f = Fixture::new(support(), &[agent("Anna", &["en"], 3)]);
    f.connect_agent(1);
    let v = f.visitor(Some("en-US"), IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    let staff = f.hub.view(c, false).unwrap().visitor;
    assert_eq!(staff.page.as_deref(), Some("https://shop.test/cart"));
    assert_eq!(staff.timezone.as_deref(), Some("Europe/Helsinki"));
    assert!(staff.user_agent.is_some_and(|ua| ua.contains("Firefox")));
    let own = f.hub.view(c, true).unwrap().visitor;
    assert_eq!((own.page, own.user_agent, own.timezone), (None, None, None), "not echoed to the visitor");
}
