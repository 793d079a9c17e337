//! Guards on opening conversations (issue 16): per visitor and per address within an hour, and a disk
//! that the runner reports nearly full.

use jiff::SignedDuration;

use super::*;
use crate::hub::guard::{GuardSettings, OpenGuard};

fn guarded(per_visitor: u32, per_ip: u32) -> Fixture {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 10)]);
    let settings = GuardSettings { per_visitor_per_hour: per_visitor, per_ip_per_hour: per_ip, ..Default::default() };
    f.hub.guard = OpenGuard::new(&settings);
    f
}

/// A new visitor connected from `ip`.
fn visitor_from(f: &mut Fixture, ip: &str) -> Visitor {
    let (id, conn) = (VisitorId::random(), ConnId::new(0, 1_000_000 + f.jobs.len() as u64));
    let hello = VisitorHello { ip: Some(ip.parse().unwrap()), ..plain_hello(id) };
    f.send(HubEvent::Visitor { conn, hello: Box::new(hello) });
    Visitor { id, conn }
}

/// The visitor writes; returns whether that opened a conversation (and ends it at once if so).
fn open_and_end(f: &mut Fixture, v: &Visitor) -> Option<ErrorCode> {
    let frame = ClientFrame::Message { conversation_id: None, client_msg_id: None, text: ENGLISH.into(), topic: None };
    f.frame(v.conn, Participant::Visitor(v.id), frame);
    if f.hub.convs.open_of(v.id).is_none() {
        return f.last_error(v.conn);
    }
    f.frame(v.conn, Participant::Visitor(v.id), ClientFrame::End { conversation_id: None });
    None
}

#[test]
fn a_visitor_opens_so_many_conversations_an_hour() {
    let mut f = guarded(2, 0);
    let v = visitor_from(&mut f, "203.0.113.1");
    assert_eq!(open_and_end(&mut f, &v), None);
    assert_eq!(open_and_end(&mut f, &v), None);
    assert_eq!(open_and_end(&mut f, &v), Some(ErrorCode::RateLimited), "a third within the hour");
    let other = visitor_from(&mut f, "203.0.113.1");
    assert_eq!(open_and_end(&mut f, &other), None, "another visitor has its own count");
    f.now += SignedDuration::from_hours(1);
    assert_eq!(open_and_end(&mut f, &v), None, "an hour later");
}

#[test]
fn visitors_of_one_address_share_its_count() {
    let mut f = guarded(0, 2);
    for _ in 0..2 {
        let v = visitor_from(&mut f, "198.51.100.7");
        assert_eq!(open_and_end(&mut f, &v), None);
    }
    let third = visitor_from(&mut f, "198.51.100.7");
    assert_eq!(open_and_end(&mut f, &third), Some(ErrorCode::RateLimited));
    let elsewhere = visitor_from(&mut f, "198.51.100.8");
    assert_eq!(open_and_end(&mut f, &elsewhere), None);
}

#[test]
fn a_nearly_full_disk_refuses_new_conversations_but_not_messages_of_open_ones() {
    let mut f = guarded(0, 0);
    let chatting = visitor_from(&mut f, "192.0.2.1");
    let conv = f.say(&chatting, ENGLISH);
    f.send(HubEvent::DiskSpace { low: true });
    let newcomer = visitor_from(&mut f, "192.0.2.2");
    assert_eq!(open_and_end(&mut f, &newcomer), Some(ErrorCode::Unavailable));
    assert_eq!(f.say(&chatting, "still here"), conv, "an open conversation goes on");
    assert_eq!(f.last_error(chatting.conn), None);
    f.send(HubEvent::DiskSpace { low: false });
    assert_eq!(open_and_end(&mut f, &newcomer), None, "space is back");
}
