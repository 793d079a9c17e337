//! Spec 7.1-7.3 and topics at the hub's boundary: system lines, tiers, service-level clocks driven by an
//! explicit `now` (no sleeping), and restarts that neither lose nor repeat a notice.

use jiff::SignedDuration;

use super::*;
use crate::config::{SlaSettings, Topic};
use crate::domain::SystemEvent;
use crate::protocol::TransferTarget;
use crate::routing::sla::{SlaClock, SlaState};
use crate::store::OpenConversation;

fn minutes(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

/// First response 10 min, resolution 60 min for every priority; warnings at 80%.
fn short_sla(business_hours: bool) -> SlaSettings {
    SlaSettings { first_response: [minutes(10); 4], resolution: [minutes(60); 4], business_hours, warn_at: 0.8 }
}

fn with_sla(departments: Vec<Department>, agents: &[AgentSpec], sla: SlaSettings) -> Fixture {
    let mut f = Fixture::new(departments, agents);
    f.hub.settings.sla = sla;
    f
}

/// `sla` frames in the last job: (conversation, clock, state) for `who`.
fn sla_frames(f: &Fixture, who: Participant) -> Vec<(ConversationId, &'static str, &'static str)> {
    f.last_frames(Target::Who(who))
        .into_iter()
        .filter_map(|fr| match fr {
            ServerFrame::Sla { conversation_id, clock, state, .. } => Some((conversation_id, clock, state)),
            _ => None,
        })
        .collect()
}

fn system_lines(f: &Fixture, who: Participant) -> Vec<SystemEvent> {
    f.last_frames(Target::Who(who))
        .into_iter()
        .filter_map(|fr| match fr {
            ServerFrame::Message(m) => m.event,
            _ => None,
        })
        .collect()
}

fn history_whats(f: &Fixture) -> Vec<String> {
    f.jobs
        .iter()
        .flat_map(|j| &j.ops)
        .filter_map(|op| match op {
            crate::store::StoreOp::AddHistory(h) => {
                Some(format!("{}{}", h.what, h.note.as_ref().map(|n| format!(":{n}")).unwrap_or_default()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_waiting_chat_gets_a_queued_line_and_one_taken_at_once_only_assigned() {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en", "de"], 1)]);
    f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    f.say(&v, ENGLISH);
    assert_eq!(system_lines(&f, Participant::Visitor(v.id)), [SystemEvent::Assigned]);
    let w = f.visitor(None, IdentityCheck::Absent);
    f.say(&w, ENGLISH);
    assert_eq!(system_lines(&f, Participant::Visitor(w.id)), [SystemEvent::Queued]);
    let w2 = f.visitor(Some("de-DE"), IdentityCheck::Absent);
    f.say(&w2, GERMAN);
    let text = f.last_frames(Target::Who(Participant::Visitor(w2.id))).into_iter().find_map(|fr| match fr {
        ServerFrame::Message(m) if m.event.is_some() => Some(m.text),
        _ => None,
    });
    assert!(text.is_some_and(|t| t.starts_with("Sie sind in der Warteschlange")), "in the conversation's language");
}

#[test]
fn escalation_needs_a_higher_tier_that_the_department_has() {
    let mut depts = vec![always("support")];
    depts[0].tiers = vec!["Support".into(), "Specialists".into()];
    let mut f = Fixture::new(depts, &[agent("Anna", &["en"], 3)]);
    let anna = f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    for tier in [1, 3] {
        f.agent_frame(anna, 1, ClientFrame::Transfer { conversation_id: c, target: TransferTarget::Tier(tier) });
        assert_eq!(f.last_error(anna), Some(ErrorCode::BadRequest), "tier {tier}");
        assert_eq!(f.holder(c), Some(Fixture::agent_id(1)), "refused: nothing changed");
    }
    f.agent_frame(anna, 1, ClientFrame::Transfer { conversation_id: c, target: TransferTarget::Tier(2) });
    assert_eq!(f.status(c), Some(Status::Queued), "accepted; no tier-2 agent: it waits in that tier's queue");
    let told = f.last_frames(Target::Who(Participant::Visitor(v.id)));
    assert!(told.iter().any(|fr| matches!(fr, ServerFrame::Message(m) if m.event == Some(SystemEvent::Escalated) && m.tier == Some(2) && m.text.contains("Specialists"))), "{told:?}");
    assert!(told.iter().any(|fr| matches!(fr, ServerFrame::Conversation(cv) if cv.tier == 2 && cv.tier_name.as_deref() == Some("Specialists"))), "{told:?}");
    assert!(!system_lines(&f, Participant::Visitor(v.id)).contains(&SystemEvent::Queued), "the escalated line says it");
}

#[test]
fn sla_warning_then_breach_reach_the_departments_agents_once_while_queued() {
    let mut f = with_sla(vec![always("support")], &[agent("Anna", &["en"], 1)], short_sla(false));
    let anna_conn = f.connect_agent(1);
    let busy = f.visitor(None, IdentityCheck::Absent);
    let held = f.say(&busy, ENGLISH);
    // Anna answers her chat at once: only the waiting one's first-response clock runs on.
    let hi = ClientFrame::Message { conversation_id: Some(held), client_msg_id: None, text: "Hi!".into(), topic: None };
    f.agent_frame(anna_conn, 1, hi);
    let w = f.visitor(None, IdentityCheck::Absent);
    let start = f.now;
    let c = f.say(&w, ENGLISH);
    assert_eq!(f.status(c), Some(Status::Queued));
    let anna = Participant::Agent(Fixture::agent_id(1));
    f.at(start + minutes(8) - SignedDuration::from_secs(1));
    assert!(sla_frames(&f, anna).is_empty());
    f.at(start + minutes(8));
    assert_eq!(sla_frames(&f, anna), [(c, "first_response", "warning")], "at 80% of 10 min, to the online agents");
    f.at(start + minutes(10));
    assert_eq!(sla_frames(&f, anna), [(c, "first_response", "breached")]);
    f.at(start + minutes(11));
    assert!(sla_frames(&f, anna).is_empty(), "once per clock");
    // A stale timer (left by a priority change) finds the notice sent and stays silent.
    let stale = Timer::Sla { conversation: c, clock: SlaClock::FirstResponse, state: SlaState::Breached };
    f.hub.deadlines.set(start + minutes(12), stale);
    f.at(start + minutes(12));
    assert!(sla_frames(&f, anna).is_empty(), "never repeated");
    assert_eq!(f.hub.sla_view(c).unwrap().state, "breached");
    let whats = history_whats(&f);
    assert!(
        whats.contains(&"sla_warning:first_response".into()) && whats.contains(&"sla_breached:first_response".into()),
        "{whats:?}"
    );
}

#[test]
fn the_first_agent_message_stops_the_first_response_clock_not_resolution() {
    let mut f = with_sla(vec![always("support")], &[agent("Anna", &["en"], 1)], short_sla(false));
    let anna = f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    let start = f.now;
    let c = f.say(&v, ENGLISH);
    f.now = start + minutes(2);
    let reply = ClientFrame::Message { conversation_id: Some(c), client_msg_id: None, text: "Hi!".into(), topic: None };
    f.agent_frame(anna, 1, reply);
    assert_eq!(f.hub.sla_view(c).unwrap().first_response_at, Some(start + minutes(2)));
    f.at(start + minutes(10));
    assert!(sla_frames(&f, Participant::Agent(Fixture::agent_id(1))).is_empty(), "answered in time");
    f.at(start + minutes(48));
    assert_eq!(
        sla_frames(&f, Participant::Agent(Fixture::agent_id(1))),
        [(c, "resolution", "warning")],
        "to the holder"
    );
}

#[test]
fn business_hours_clocks_pause_while_the_department_is_closed() {
    let mut f = with_sla(vec![office("support")], &[agent("Anna", &["en"], 0)], short_sla(true));
    f.connect_agent(1);
    f.at("2026-11-23T17:55:00Z".parse().unwrap());
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, ENGLISH);
    // 5 open minutes today, 5 tomorrow from 09:00.
    assert_eq!(f.hub.sla_view(c).unwrap().first_response_due, Some("2026-11-24T09:05:00Z".parse().unwrap()));
}

#[test]
fn a_restart_fires_what_passed_while_down_and_repeats_nothing() {
    let sla = short_sla(false);
    let start = monday_10();
    let rec = |sent: u8| {
        let mut f = Fixture::new(vec![always("support")], &[]);
        let v = f.visitor(None, IdentityCheck::Absent);
        let c = f.say(&v, ENGLISH);
        let mut rec = f.hub.convs.get(&c).unwrap().rec.clone();
        rec.sla_started_at = Some(start);
        rec.sla_sent = sent;
        rec
    };
    for (sent, want) in [(0u8, 1usize), (0b1111, 0)] {
        let snapshot = Snapshot {
            agents: vec![],
            open_conversations: vec![OpenConversation { record: rec(sent), client_msg_ids: vec![] }],
            ..Snapshot::default()
        };
        let later = start + minutes(30);
        let settings = HubSettings {
            departments: vec![always("support")],
            require_verified: false,
            sla: sla.clone(),
            ..Default::default()
        };
        let mut hub = Hub::new(settings, snapshot, later);
        assert!(hub.next_deadline().is_some_and(|d| d <= later) == (want > 0), "sent {sent:#b}");
        hub.fire_due(later);
        let job = hub.take_job();
        let breaches = job
            .ops
            .iter()
            .filter(|op| matches!(op, crate::store::StoreOp::AddHistory(h) if &*h.what == "sla_breached"))
            .count();
        assert_eq!(breaches, want, "sent {sent:#b}: a breach fires once, whatever restarts");
    }
}

#[test]
fn a_topic_sets_the_starting_tier_never_the_priority() {
    let mut depts = vec![always("support")];
    let topic = Topic { key: "fraud".into(), labels: [("en".to_string(), "Fraud".to_string())].into(), tier: 2 };
    depts[0].topics = vec![topic];
    // English is covered (Anna is offline), so the chat waits for a human at its own priority.
    let mut f = Fixture::new(depts, &[agent("Anna", &["en"], 1)]);
    let v = f.visitor(None, IdentityCheck::Absent);
    let welcome = f.last_frames(Target::Conn(v.conn));
    assert!(
        matches!(&welcome[0], ServerFrame::VisitorWelcome(w) if w.department.topics.len() == 1 && &*w.department.topics[0].label == "Fraud")
    );
    let me = Participant::Visitor(v.id);
    let bad = ClientFrame::Message {
        conversation_id: None,
        client_msg_id: None,
        text: ENGLISH.into(),
        topic: Some("nope".into()),
    };
    f.frame(v.conn, me, bad);
    assert_eq!(f.last_error(v.conn), Some(ErrorCode::BadRequest));
    assert!(f.hub.convs.open_of(v.id).is_none(), "nothing opened");
    let good = ClientFrame::Message {
        conversation_id: None,
        client_msg_id: None,
        text: ENGLISH.into(),
        topic: Some("fraud".into()),
    };
    f.frame(v.conn, me, good);
    let c = f.hub.convs.open_of(v.id).unwrap();
    let rec = &f.hub.convs.get(&c).unwrap().rec;
    assert_eq!((rec.tier, rec.topic.as_deref(), rec.priority), (2, Some("fraud"), Priority::Standard));
}

/// What live service-level clocks add for 10,000 open conversations: their cached instants and two
/// pending timers each. Run: `cargo test --release --lib sla_memory -- --ignored --nocapture`.
#[test]
#[ignore]
fn sla_memory_for_10k_conversations() {
    use crate::hub::timers::Deadlines;
    use crate::hub::workflow::SlaTimes;
    fn rss_kib() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        statm.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 4
    }
    let before = rss_kib();
    let mut deadlines = Deadlines::default();
    let mut times = Vec::with_capacity(10_000);
    let now = monday_10();
    for i in 0..10_000u64 {
        let c = ConversationId(i + 1);
        let at = now + SignedDuration::from_secs(i as i64);
        times.push(SlaTimes { first_response: (Some(at), Some(at)), resolution: (Some(at), Some(at)) });
        deadlines.set(at, Timer::Sla { conversation: c, clock: SlaClock::FirstResponse, state: SlaState::Warning });
        deadlines.set(at, Timer::Sla { conversation: c, clock: SlaClock::Resolution, state: SlaState::Warning });
    }
    let after = rss_kib();
    println!(
        "10,000 conversations: SlaTimes {} B each, {} timers; RSS +{} KiB",
        std::mem::size_of::<SlaTimes>(),
        deadlines.len(),
        after - before
    );
    assert!(after - before < 5 * 1024);
}
