//! Agents' `queue` frames: the waiting list with each chat's first message, and the conversations the bot
//! holds (asked for a person first), sent again only when they changed.

use super::*;
use crate::protocol::{PREVIEW_CHARS, WaitingView};

/// The lists of the last `queue` frame the job sent to agent `n`, if it sent one.
fn queue_frame(f: &Fixture, n: u64) -> Option<(Vec<WaitingView>, Vec<WaitingView>)> {
    f.last_frames(Target::Who(Participant::Agent(AgentId(n)))).into_iter().rev().find_map(|fr| match fr {
        ServerFrame::Queue { waiting, bot } => Some((waiting, bot)),
        _ => None,
    })
}

#[test]
fn waiting_chats_carry_their_first_message_bounded() {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 1)]);
    f.connect_agent(1);
    let v = f.visitor(None, IdentityCheck::Absent);
    f.say(&v, ENGLISH);
    let w = f.visitor(None, IdentityCheck::Absent);
    let long = format!("{ENGLISH} {}", "And one more detail about the parcel. ".repeat(10));
    let c = f.say(&w, &long);
    assert_eq!(f.status(c), Some(Status::Queued), "Anna is full");
    let (waiting, _) = queue_frame(&f, 1).expect("a queue frame");
    let preview = waiting[0].preview.as_deref().unwrap();
    assert_eq!(preview.chars().count(), PREVIEW_CHARS);
    assert!(long.starts_with(preview));
    // Another message of the waiting visitor changes no list: no frame.
    f.say(&w, "Are you there?");
    assert_eq!(queue_frame(&f, 1), None);
}

#[test]
fn the_bot_list_is_pushed_when_it_changes_with_handoff_requests_first() {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 3)]);
    let anna = f.connect_agent(1);
    let bot = f.connect_bot();
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, FINNISH);
    assert_eq!(f.status(c), Some(Status::Bot));
    let (waiting, held) = queue_frame(&f, 1).expect("the bot's new chat is pushed");
    assert!(waiting.is_empty());
    assert_eq!(
        held.iter().map(|h| (h.conversation_id, h.preview.as_deref())).collect::<Vec<_>>(),
        [(c, Some(FINNISH))]
    );
    let w = f.visitor(None, IdentityCheck::Absent);
    let d = f.say(&w, "Hei, missä tilaukseni on? Se piti tulla eilen jo perille asti.");
    assert_eq!(
        queue_frame(&f, 1).unwrap().1.iter().map(|h| h.conversation_id).collect::<Vec<_>>(),
        [c, d],
        "oldest first"
    );

    f.frame(bot, Participant::Bot(BotId(1)), ClientFrame::Handoff { conversation_id: d, reason: None });
    let (_, held) = queue_frame(&f, 1).expect("the handoff request is pushed");
    assert_eq!(
        held.iter().map(|h| (h.conversation_id, h.handoff_requested)).collect::<Vec<_>>(),
        [(d, true), (c, false)]
    );

    f.agent_frame(anna, 1, ClientFrame::Pick { conversation_id: d });
    assert_eq!(f.holder(d), Some(Fixture::agent_id(1)));
    assert_eq!(queue_frame(&f, 1).expect("picked: it leaves the list").1.len(), 1);
}

#[test]
fn the_bot_speaks_under_its_sites_name() {
    let mut f = Fixture::new(vec![always("support")], &[agent("Anna", &["en"], 3)]);
    f.hub.settings.bot_names.insert(Arc::from("default"), Arc::from("Ada"));
    f.connect_agent(1);
    let bot = f.connect_bot();
    let v = f.visitor(None, IdentityCheck::Absent);
    let c = f.say(&v, FINNISH);
    assert_eq!(f.hub.view(c, true).unwrap().bot.unwrap().name.as_ref(), "Ada", "the visitor's view");
    let frame =
        ClientFrame::Message { conversation_id: Some(c), client_msg_id: None, text: "Hei!".into(), topic: None };
    f.frame(bot, Participant::Bot(BotId(1)), frame);
    let to_visitor = f.last_frames(Target::Who(Participant::Visitor(v.id)));
    assert!(
        matches!(&to_visitor[..], [ServerFrame::Message(m)] if m.from.name.as_deref() == Some("Ada")),
        "{to_visitor:?}"
    );
    // Another site, or none configured: the bot's own name.
    f.hub.settings.bot_names.clear();
    assert_eq!(f.hub.view(c, true).unwrap().bot.unwrap().name.as_ref(), "Helper");
}
