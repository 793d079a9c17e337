//! Spec 7.5: each figure of a report checked against a fixture of conversations and their history.

use std::sync::Arc;

use super::sqlite::SqliteFactory;
use super::*;

const D: &str = "2026-11-23T00:00:00Z";

fn at(offset_s: i64) -> Timestamp {
    D.parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_secs(offset_s)
}

struct Conv {
    id: u64,
    dept: &'static str,
    agent: Option<u64>,
    created: i64,
    sla_started: Option<i64>,
    first_response: Option<i64>,
    resolved: Option<i64>,
    rating: Option<u8>,
    history: &'static [(&'static str, Option<&'static str>)],
}

fn ops(c: &Conv) -> Vec<StoreOp> {
    let rec = ConversationRecord {
        id: ConversationId(c.id),
        ticket: Ticket(1000 + c.id),
        visitor_id: VisitorId(c.id),
        site: Arc::from("default"),
        department: Arc::from(c.dept),
        locale: None,
        language: None,
        language_source: None,
        priority: Priority::Standard,
        tier: 1,
        status: if c.resolved.is_some() {
            Status::Resolved
        } else if c.agent.is_some() {
            Status::Assigned
        } else {
            Status::Queued
        },
        agent_id: c.agent.map(AgentId),
        bot_id: None,
        bot_reason: None,
        handoff_requested: false,
        verified: false,
        plan: Plan::Standard,
        urgent: false,
        visitor_name: None,
        visitor_email: None,
        created_at: at(c.created),
        resolved_at: c.resolved.map(|r| at(c.created + r)),
        last_seq: 0,
        rating: c.rating,
        rating_comment: None,
        topic: None,
        sla_started_at: c.sla_started.map(|s| at(c.created + s)),
        first_response_at: c.first_response.map(|s| at(c.created + s)),
        sla_sent: 0,
    };
    let mut out = vec![StoreOp::PutConversation(Box::new(rec))];
    for (i, (what, note)) in c.history.iter().enumerate() {
        out.push(StoreOp::AddHistory(Box::new(HistoryEntry {
            conversation_id: ConversationId(c.id),
            at: at(c.created + i as i64),
            by: None,
            what: Arc::from(*what),
            status: Status::Queued,
            agent_id: None,
            tier: 1,
            note: note.map(Arc::from),
        })));
    }
    out
}

fn agent(id: u64, name: &str) -> StoreOp {
    StoreOp::PutAgent(AgentRecord {
        id: AgentId(id),
        email: format!("{id}@test"),
        name: name.into(),
        password_hash: String::new(),
        languages: vec![],
        tier: 1,
        max_chats: 3,
        departments: vec![],
        created_at: at(0),
    })
}

fn fixture() -> Vec<Conv> {
    let h = |x: &'static [(&'static str, Option<&'static str>)]| x;
    vec![
        Conv {
            id: 1,
            dept: "support",
            agent: Some(1),
            created: 100,
            sla_started: Some(0),
            first_response: Some(60),
            resolved: Some(600),
            rating: Some(5),
            history: h(&[("queued", None), ("assigned", None), ("resolved", None)]),
        },
        Conv {
            id: 2,
            dept: "support",
            agent: Some(1),
            created: 200,
            sla_started: Some(0),
            first_response: Some(120),
            resolved: Some(1200),
            rating: Some(4),
            history: h(&[
                ("queued", None),
                ("assigned", None),
                ("sla_breached", Some("first_response")),
                ("resolved", None),
            ]),
        },
        Conv {
            id: 3,
            dept: "support",
            agent: Some(2),
            created: 300,
            sla_started: Some(100),
            first_response: Some(400),
            resolved: Some(3000),
            rating: Some(2),
            history: h(&[("bot", None), ("handoff", None), ("queued", None), ("assigned", None), ("resolved", None)]),
        },
        Conv {
            id: 4,
            dept: "support",
            agent: None,
            created: 400,
            sla_started: None,
            first_response: None,
            resolved: Some(50),
            rating: None,
            history: h(&[("bot", None), ("resolved", None)]),
        },
        Conv {
            id: 5,
            dept: "support",
            agent: None,
            created: 500,
            sla_started: Some(0),
            first_response: None,
            resolved: None,
            rating: None,
            history: h(&[
                ("queued", None),
                ("sla_breached", Some("first_response")),
                ("sla_breached", Some("resolution")),
            ]),
        },
        Conv {
            id: 6,
            dept: "sales",
            agent: Some(2),
            created: 600,
            sla_started: None,
            first_response: Some(30),
            resolved: None,
            rating: None,
            history: h(&[("assigned", None)]),
        },
        // Outside the day: one second before it, and at its exclusive end.
        Conv {
            id: 7,
            dept: "support",
            agent: Some(1),
            created: -1,
            sla_started: Some(0),
            first_response: Some(5),
            resolved: Some(10),
            rating: Some(1),
            history: h(&[("assigned", None), ("sla_breached", Some("resolution")), ("resolved", None)]),
        },
        Conv {
            id: 8,
            dept: "support",
            agent: Some(1),
            created: 86_400,
            sla_started: None,
            first_response: Some(5),
            resolved: None,
            rating: Some(1),
            history: h(&[("assigned", None)]),
        },
    ]
}

fn store() -> (tempfile::TempDir, Box<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let mut all = vec![agent(1, "Anna"), agent(2, "Ben")];
    for c in fixture() {
        all.extend(ops(&c));
    }
    writer.apply(&all).unwrap();
    (dir, writer)
}

fn p(count: u64, median_s: i64, p90_s: i64) -> Percentiles {
    Percentiles { count, median_ms: Some(median_s * 1000), p90_ms: Some(p90_s * 1000) }
}

fn day(department: Option<&str>) -> ReportQuery {
    ReportQuery { from: at(0), to: at(86_400), department: department.map(String::from) }
}

#[test]
fn every_figure_per_department_matches_the_fixture() {
    let (_dir, s) = store();
    let r = s.report(&day(None)).unwrap();
    let names: Vec<&str> = r.departments.iter().map(|(n, _)| n.as_ref()).collect();
    assert_eq!(names, ["sales", "support"]);
    let support = &r.departments[1].1;
    assert_eq!((support.opened, support.resolved, support.bot_alone, support.handed_off), (5, 4, 1, 1));
    // First responses 60, 120 and 300 s (the third counted from its handoff, not its creation).
    assert_eq!(support.first_response, p(3, 120, 300));
    // Resolutions 50, 600, 1200, 3000 s: nearest rank 2 and 4.
    assert_eq!(support.resolution, p(4, 600, 3000));
    assert_eq!((support.breaches_first_response, support.breaches_resolution), (2, 1));
    assert_eq!(support.ratings, 3);
    assert!((support.rating_mean.unwrap() - 11.0 / 3.0).abs() < 1e-9, "{:?}", support.rating_mean);
    assert!((support.rating_share_4_5.unwrap() - 2.0 / 3.0).abs() < 1e-9);

    let sales = &r.departments[0].1;
    assert_eq!((sales.opened, sales.resolved, sales.bot_alone, sales.handed_off), (1, 0, 0, 0));
    assert_eq!(sales.first_response, p(1, 30, 30));
    assert_eq!(sales.resolution, Percentiles::default());
    assert_eq!((sales.ratings, sales.rating_mean, sales.rating_share_4_5), (0, None, None));
}

#[test]
fn every_figure_per_agent_matches_the_fixture() {
    let (_dir, s) = store();
    let r = s.report(&day(None)).unwrap();
    let names: Vec<_> = r.agents.iter().map(|(id, n, _)| (id.0, n.as_deref().map(String::from))).collect();
    assert_eq!(names, [(1, Some("Anna".to_string())), (2, Some("Ben".to_string()))]);
    let anna = &r.agents[0].2;
    assert_eq!((anna.opened, anna.resolved, anna.bot_alone, anna.handed_off), (2, 2, 0, 0));
    assert_eq!(anna.first_response, p(2, 60, 120));
    assert_eq!(anna.resolution, p(2, 600, 1200));
    assert_eq!((anna.breaches_first_response, anna.breaches_resolution), (1, 0));
    assert_eq!((anna.ratings, anna.rating_mean, anna.rating_share_4_5), (2, Some(4.5), Some(1.0)));
    let ben = &r.agents[1].2;
    assert_eq!((ben.opened, ben.resolved, ben.bot_alone, ben.handed_off), (2, 1, 0, 1));
    assert_eq!(ben.first_response, p(2, 30, 300));
    assert_eq!(ben.resolution, p(1, 3000, 3000));
    assert_eq!((ben.ratings, ben.rating_mean, ben.rating_share_4_5), (1, Some(2.0), Some(0.0)));
}

#[test]
fn a_department_filter_and_the_range_bounds_select_the_conversations() {
    let (_dir, s) = store();
    let r = s.report(&day(Some("sales"))).unwrap();
    assert_eq!(r.departments.len(), 1);
    assert_eq!(r.departments[0].0.as_ref(), "sales");
    assert_eq!(r.agents.len(), 1);
    assert_eq!((r.agents[0].0.0, r.agents[0].2.opened), (2, 1));
    // Two days around D: the conversations a second before and at its end join.
    let r = s.report(&ReportQuery { from: at(-86_400), to: at(2 * 86_400), department: None }).unwrap();
    let support = &r.departments.iter().find(|(n, _)| n.as_ref() == "support").unwrap().1;
    assert_eq!(support.opened, 7);
    assert_eq!(support.breaches_resolution, 2);
    // An empty range has nothing.
    let r = s.report(&ReportQuery { from: at(-10), to: at(-5), department: None }).unwrap();
    assert_eq!(r, Report::default());
}

/// The figure in docs/benchmarks.md ("Reports"): 100,000 conversations over a year, four history rows
/// each, a tenth rated; the report over the whole year and over one month. Run in release:
/// `cargo test --release --lib report_over_100k -- --ignored --nocapture`.
#[test]
#[ignore]
fn report_over_100k_conversations_answers_in_under_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let factory = SqliteFactory::new(dir.path()).unwrap();
    let mut writer = factory.open_writer().unwrap();
    let n: u64 = 100_000;
    let year = 365 * 86_400;
    let histories: [&'static [(&'static str, Option<&'static str>)]; 4] = [
        &[("queued", None), ("assigned", None), ("resolved", None), ("resolved", None)],
        &[("bot", None), ("resolved", None), ("resolved", None), ("resolved", None)],
        &[("bot", None), ("handoff", None), ("assigned", None), ("resolved", None)],
        &[("queued", None), ("sla_breached", Some("first_response")), ("assigned", None), ("resolved", None)],
    ];
    let mut batch = vec![agent(1, "Anna"), agent(2, "Ben")];
    for i in 1..=n {
        let kind = (i % 4) as usize;
        let c = Conv {
            id: i,
            dept: ["support", "sales", "billing"][(i % 3) as usize],
            agent: (kind != 1).then_some(1 + i % 2),
            created: (i as i64 * 7919) % year,
            sla_started: Some(0),
            first_response: (kind != 1).then_some(30 + (i as i64 % 600)),
            resolved: Some(60 + (i as i64 % 7200)),
            rating: (i % 10 == 0).then_some((i % 5 + 1) as u8),
            history: histories[kind],
        };
        batch.extend(ops(&c));
        if batch.len() > 20_000 {
            writer.apply(&batch).unwrap();
            batch.clear();
        }
    }
    writer.apply(&batch).unwrap();
    let reader = factory.open().unwrap();
    let mut slow = Vec::new();
    for (label, days) in [("a year", 365), ("a month", 30)] {
        let q = ReportQuery { from: at(0), to: at(days * 86_400), department: None };
        let _ = reader.report(&q).unwrap();
        let started = std::time::Instant::now();
        let runs = 3;
        for _ in 0..runs {
            let r = reader.report(&q).unwrap();
            assert_eq!(r.departments.len(), 3);
        }
        let each = started.elapsed() / runs;
        println!("report over {label} of {n} conversations: {each:?}");
        if each >= std::time::Duration::from_secs(1) {
            slow.push(format!("{label}: {each:?}"));
        }
    }
    assert!(slow.is_empty(), "over a second: {slow:?}");
}
