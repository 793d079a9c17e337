//! The real loop around the core, with a plain channel standing in for the hub.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::*;
use crate::bot::{BotSettings, run};
use crate::delivery::{Broker, ConnId, ConnRegistry, LocalBroker, OutItem};
use crate::hub::HubEvent;

/// The real loop: register, answer through `HubEvent::Frame`, stop on `Close`, then say goodbye.
#[tokio::test]
async fn the_pump_speaks_the_hub_protocol() {
    let (hub_tx, mut hub_rx) = mpsc::channel::<HubEvent>(16);
    let bot = crate::domain::BotId(42);
    let conn = ConnId::new(0, 7);
    let registry = ConnRegistry::new();
    let broker = LocalBroker(registry.clone());
    let settings = BotSettings { bot, name: NAME.into(), conn, kb: demo_kb(), readers: None, search: None };
    let task = tokio::spawn(run(hub_tx, registry.clone(), settings));

    let Some(HubEvent::Bot { conn: c, bot: b, .. }) = hub_rx.recv().await else { panic!("expected the bot's hello") };
    assert_eq!((c, b), (conn, bot));
    broker.subscribe(conn, crate::domain::Participant::Bot(bot));
    let id = ConversationId::random();
    let assigned = ServerFrame::Assigned {
        conversation: view(id, Some("en"), None, None),
        messages: vec![msg(id, 1, Role::Visitor, "I want to talk to a human")],
        more: false,
    };
    let batch: Arc<[Arc<crate::delivery::OutFrame>]> =
        vec![Arc::new(crate::delivery::OutFrame::new(ServerFrame::Pong { reference: None }))].into();
    assert!(broker.to_conn(conn, OutItem::frame(assigned)));
    assert!(broker.to_conn(conn, OutItem::Frames(batch)));
    assert!(broker.to_conn(conn, OutItem::Close(1012, "service restart")));

    let mut sent = Vec::new();
    loop {
        match hub_rx.recv().await {
            Some(HubEvent::Frame {
                conn: c, who: crate::domain::Participant::Bot(b), frame, reference: None, ..
            }) if c == conn => {
                assert_eq!(b, bot);
                sent.push(frame);
            }
            Some(HubEvent::Disconnected { conn: c, .. }) if c == conn => break,
            _ => panic!("unexpected event"),
        }
    }
    let out = texts(&sent);
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[0].contains("SB-1001"));
    assert!(out[1].contains("someone will reply"));
    assert_eq!(out[2], "HANDOFF(visitor asked for a person)");
    assert!(task.await.is_ok());
    assert!(registry.is_empty(), "the bot's queue is removed when it stops");
}

/// The next event from the bot, skipping nothing; fails after five seconds.
async fn next_event(rx: &mut mpsc::Receiver<HubEvent>) -> HubEvent {
    tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await.expect("an event in time").expect("open")
}

/// A bot whose queue the hub lets go (as it would a slow client's) connects again by itself, and syncs
/// the conversations it holds from the last message it answered.
#[tokio::test]
async fn a_detached_bot_comes_back_and_syncs_what_it_missed() {
    let (hub_tx, mut hub_rx) = mpsc::channel::<HubEvent>(16);
    let bot = crate::domain::BotId(42);
    let conn = ConnId::new(0, 7);
    let registry = ConnRegistry::new();
    let broker = LocalBroker(registry.clone());
    let settings = BotSettings { bot, name: NAME.into(), conn, kb: demo_kb(), readers: None, search: None };
    let task = tokio::spawn(run(hub_tx, registry.clone(), settings));
    assert!(matches!(next_event(&mut hub_rx).await, HubEvent::Bot { .. }));
    broker.subscribe(conn, crate::domain::Participant::Bot(bot));
    let id = ConversationId::random();
    let assigned = ServerFrame::Assigned {
        conversation: view(id, Some("en"), None, None),
        messages: vec![msg(id, 1, Role::Visitor, "Where is my parcel?")],
        more: false,
    };
    assert!(broker.to_conn(conn, OutItem::frame(assigned)));
    // The greeting and the answer to seq 1.
    for _ in 0..2 {
        assert!(matches!(next_event(&mut hub_rx).await, HubEvent::Frame { .. }));
    }
    // The hub lets the bot's queue go.
    registry.remove(conn);
    assert!(matches!(next_event(&mut hub_rx).await, HubEvent::Disconnected { .. }));
    let HubEvent::Bot { conn: again, .. } = next_event(&mut hub_rx).await else { panic!("no second hello") };
    assert_eq!(again, conn);
    broker.subscribe(conn, crate::domain::Participant::Bot(bot));
    // Two messages came while it was away.
    let mut held = view(id, Some("en"), None, None);
    held.last_seq = 3;
    let welcome = crate::protocol::BotWelcome {
        v: 1,
        bot: crate::protocol::BotInfo { id: bot, name: NAME.into() },
        conversations: vec![held],
        email_replies: false,
        notices: vec![],
        reference: None,
    };
    assert!(broker.to_conn(conn, OutItem::frame(ServerFrame::BotWelcome(welcome))));
    let HubEvent::Frame { frame, .. } = next_event(&mut hub_rx).await else { panic!("no sync") };
    assert_eq!(frame, ClientFrame::Sync { conversation_id: id, after_seq: 1 });
    assert!(broker.to_conn(conn, OutItem::Close(1012, "service restart")));
    assert!(matches!(next_event(&mut hub_rx).await, HubEvent::Disconnected { .. }));
    assert!(task.await.is_ok(), "a close for good ends it");
}
