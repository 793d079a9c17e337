//! Spec 7.4 at the hub's boundary: notices posted, changed, started and ended reach the connected visitors
//! of the departments concerned (and bots); starts and ends are timers fired by an explicit `now`.

use jiff::SignedDuration;

use super::*;
use crate::domain::{NoticeId, NoticeKind};
use crate::hub::{AdminCommand, AdminError, NewNotice, NoticeChanges, NoticeCommand};
use crate::protocol::NoticeView;
use crate::store::{NoticeRecord, StoreOp};

fn two_departments() -> Fixture {
    let mut f = Fixture::new(vec![always("support"), always("sales")], &[]);
    f.connect_bot();
    f
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

/// Runs an admin notice command; returns its reply (the job's `Reply` effects are performed, the rest
/// stay for the assertions).
fn command<T: Send + 'static>(
    f: &mut Fixture,
    make: impl FnOnce(crate::hub::admin::Reply<T>) -> NoticeCommand,
) -> Result<T, AdminError> {
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    f.send(HubEvent::Admin(AdminCommand::Notice(make(tx))));
    let job = f.jobs.last_mut().unwrap();
    let (replies, rest): (Vec<_>, Vec<_>) =
        std::mem::take(&mut job.effects).into_iter().partition(|e| matches!(e, Effect::Reply(_)));
    job.effects = rest;
    for r in replies {
        if let Effect::Reply(run) = r {
            run();
        }
    }
    rx.try_recv().expect("the command replied")
}

fn new_notice(kind: NoticeKind, starts: Option<Timestamp>, ends: Option<Timestamp>, departments: &[&str]) -> NewNotice {
    NewNotice {
        kind,
        title: "Card payments are failing".into(),
        text: "We are on it.".into(),
        starts_at: starts,
        ends_at: ends,
        departments: departments.iter().map(|d| d.to_string()).collect(),
    }
}

fn post(f: &mut Fixture, new: NewNotice) -> Result<NoticeView, AdminError> {
    command(f, |r| NoticeCommand::Create(new, r))
}

/// `notice` frames in the last job to `who`: (id, state, status).
fn notices_to(f: &Fixture, who: Participant) -> Vec<(NoticeId, &'static str, &'static str)> {
    f.last_frames(Target::Who(who))
        .into_iter()
        .filter_map(|fr| match fr {
            ServerFrame::Notice { notice, state } => Some((notice.id, state, notice.status)),
            _ => None,
        })
        .collect()
}

fn welcome_notices(f: &Fixture, conn: ConnId) -> Vec<(NoticeId, &'static str)> {
    match &f.last_frames(Target::Conn(conn))[0] {
        ServerFrame::VisitorWelcome(w) => w.notices.iter().map(|n| (n.id, n.status)).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_notice_is_posted_starts_and_ends_on_its_timers_for_its_departments_only() {
    let mut f = two_departments();
    let bot = Participant::Bot(BotId(1));
    let support = f.visitor_in(Some("support"), None, IdentityCheck::Absent);
    let sales = f.visitor_in(Some("sales"), None, IdentityCheck::Absent);
    let (start, end) = (f.now + hours(1), f.now + hours(3));
    let n = post(&mut f, new_notice(NoticeKind::Maintenance, Some(start), Some(end), &["support"])).unwrap();
    assert_eq!(n.status, "announced");
    assert!(f.last_events().is_empty());
    assert!(f.jobs.last().unwrap().ops.iter().any(|op| matches!(op, StoreOp::PutNotice(r) if r.id == n.id)));
    let support_who = Participant::Visitor(support.id);
    let sales_who = Participant::Visitor(sales.id);
    assert_eq!(notices_to(&f, support_who), vec![(n.id, "posted", "announced")]);
    assert_eq!(notices_to(&f, bot), vec![(n.id, "posted", "announced")], "bots hear of every notice");
    assert!(notices_to(&f, sales_who).is_empty(), "another department's visitors are not told");
    assert!(f.has_timer(start, &Timer::Notice { notice: n.id, at: start }));
    assert!(f.has_timer(end, &Timer::Notice { notice: n.id, at: end }));

    f.at(start - SignedDuration::from_secs(1));
    assert!(notices_to(&f, support_who).is_empty(), "nothing before its start");
    f.at(start);
    assert_eq!(notices_to(&f, support_who), vec![(n.id, "updated", "in_force")]);
    assert!(notices_to(&f, sales_who).is_empty());
    f.at(end);
    assert_eq!(notices_to(&f, support_who), vec![(n.id, "ended", "ended")]);
    assert_eq!(notices_to(&f, bot), vec![(n.id, "ended", "ended")]);
    f.at(end + hours(1));
    assert!(notices_to(&f, support_who).is_empty(), "each edge once");
}

#[test]
fn the_welcome_carries_notices_in_force_and_announced_of_its_department_soonest_first() {
    let mut f = two_departments();
    let now = f.now;
    let later =
        post(&mut f, new_notice(NoticeKind::Maintenance, Some(now + hours(5)), Some(now + hours(6)), &[])).unwrap();
    let on = post(&mut f, new_notice(NoticeKind::Incident, None, None, &["support"])).unwrap();
    let _sales = post(&mut f, new_notice(NoticeKind::Incident, None, None, &["sales"])).unwrap();
    let _past =
        post(&mut f, new_notice(NoticeKind::Incident, Some(now - hours(3)), Some(now - hours(2)), &[])).unwrap();
    let v = f.visitor_in(Some("support"), None, IdentityCheck::Absent);
    assert_eq!(welcome_notices(&f, v.conn), vec![(on.id, "in_force"), (later.id, "announced")]);
    let (reply, mut rx) = tokio::sync::oneshot::channel();
    f.send(HubEvent::Admin(AdminCommand::Notice(NoticeCommand::List { all: true, department: None, reply })));
    let all = rx.try_recv().unwrap();
    assert_eq!(all.len(), 4, "the admin's list keeps ended ones");
}

#[test]
fn a_notice_that_ends_before_it_starts_is_refused_and_changes_nothing() {
    let mut f = two_departments();
    let v = f.visitor(None, IdentityCheck::Absent);
    let now = f.now;
    let err =
        post(&mut f, new_notice(NoticeKind::Maintenance, Some(now + hours(2)), Some(now + hours(1)), &[])).unwrap_err();
    assert!(matches!(&err, AdminError::Invalid(m) if m.contains("must be after \"starts_at\"")), "{err:?}");
    assert!(f.jobs.last().unwrap().ops.is_empty());
    assert!(notices_to(&f, Participant::Visitor(v.id)).is_empty());
    let err = post(&mut f, new_notice(NoticeKind::Incident, None, None, &["nowhere"])).unwrap_err();
    assert!(matches!(&err, AdminError::Invalid(m) if m.contains("nowhere")), "{err:?}");

    let n = post(&mut f, new_notice(NoticeKind::Incident, None, None, &[])).unwrap();
    let changes = NoticeChanges { ends_at: Some(Some(now - hours(1))), ..Default::default() };
    let err = command(&mut f, |r| NoticeCommand::Update(n.id, changes, r)).unwrap_err();
    assert!(matches!(err, AdminError::Invalid(_)));
    assert_eq!(f.hub.notices.get(&n.id).unwrap().ends_at, None, "unchanged");
    let err = command(&mut f, |r| NoticeCommand::Delete(NoticeId(12345), r)).unwrap_err();
    assert_eq!(err, AdminError::NotFound);
}

#[test]
fn a_change_is_told_and_visitors_it_no_longer_concerns_see_it_end() {
    let mut f = two_departments();
    let support = f.visitor_in(Some("support"), None, IdentityCheck::Absent);
    let sales = f.visitor_in(Some("sales"), None, IdentityCheck::Absent);
    let start = f.now + hours(1);
    let n = post(&mut f, new_notice(NoticeKind::Maintenance, Some(start), None, &[])).unwrap();
    assert_eq!(notices_to(&f, Participant::Visitor(sales.id)), vec![(n.id, "posted", "announced")]);

    // Moved later, and only for support.
    let moved = start + hours(1);
    let changes = NoticeChanges {
        starts_at: Some(moved),
        departments: Some(vec!["support".into()]),
        title: Some("Maintenance moved".into()),
        ..Default::default()
    };
    let view = command(&mut f, |r| NoticeCommand::Update(n.id, changes, r)).unwrap();
    assert_eq!(&*view.title, "Maintenance moved");
    assert_eq!(notices_to(&f, Participant::Visitor(support.id)), vec![(n.id, "updated", "announced")]);
    assert_eq!(notices_to(&f, Participant::Visitor(sales.id)), vec![(n.id, "ended", "ended")]);

    // The old start's timer is stale: it finds the notice without that instant and does nothing.
    f.at(start);
    assert!(notices_to(&f, Participant::Visitor(support.id)).is_empty());
    f.at(moved);
    assert_eq!(notices_to(&f, Participant::Visitor(support.id)), vec![(n.id, "updated", "in_force")]);

    // Ending it now by setting its end: `ended` at once.
    f.at(moved + SignedDuration::from_mins(30));
    let changes = NoticeChanges { ends_at: Some(Some(f.now)), ..Default::default() };
    command(&mut f, |r| NoticeCommand::Update(n.id, changes, r)).unwrap();
    assert_eq!(notices_to(&f, Participant::Visitor(support.id)), vec![(n.id, "ended", "ended")]);
}

#[test]
fn removing_a_notice_ends_it_for_everyone_who_saw_it() {
    let mut f = two_departments();
    let v = f.visitor(None, IdentityCheck::Absent);
    let n = post(&mut f, new_notice(NoticeKind::Incident, None, None, &[])).unwrap();
    command(&mut f, |r| NoticeCommand::Delete(n.id, r)).unwrap();
    assert_eq!(notices_to(&f, Participant::Visitor(v.id)), vec![(n.id, "ended", "ended")]);
    assert!(f.jobs.last().unwrap().ops.contains(&StoreOp::DeleteNotice(n.id)));
    let v2 = f.visitor(None, IdentityCheck::Absent);
    assert!(welcome_notices(&f, v2.conn).is_empty());
}

/// After a restart the stored notices are live again and their future edges are timers once more.
#[test]
fn a_restart_restores_notices_and_their_timers() {
    let now = monday_10();
    let record = NoticeRecord {
        id: NoticeId(77),
        kind: NoticeKind::Maintenance,
        title: "Database upgrade".into(),
        text: String::new().into(),
        starts_at: now + hours(1),
        ends_at: Some(now + hours(2)),
        departments: vec![],
        created_at: now - hours(24),
        updated_at: now - hours(24),
    };
    let snapshot = Snapshot { notices: vec![record], last_ticket: 1000, ..Snapshot::default() };
    let settings = HubSettings { departments: vec![always("support")], ..Default::default() };
    let mut f = Fixture { hub: Hub::new(settings, snapshot, now), now, next_conn: 1, jobs: Vec::new() };
    let v = f.visitor(None, IdentityCheck::Absent);
    assert_eq!(welcome_notices(&f, v.conn), vec![(NoticeId(77), "announced")]);
    f.at(now + hours(1));
    assert_eq!(notices_to(&f, Participant::Visitor(v.id)), vec![(NoticeId(77), "updated", "in_force")]);
}
