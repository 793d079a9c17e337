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
    let settings = BotSettings { bot, name: NAME.into(), conn, kb: demo_kb() };
    let task = tokio::spawn(run(hub_tx, registry.clone(), settings));

    let Some(HubEvent::Bot { conn: c, bot: b, .. }) = hub_rx.recv().await else { panic!("expected the bot's hello") };
    assert_eq!((c, b), (conn, bot));
    broker.subscribe(conn, crate::domain::Participant::Bot(bot));
    let id = ConversationId::random();
    let assigned = ServerFrame::Assigned {
        conversation: view(id, Some("en"), None, None),
        messages: vec![msg(id, 1, Role::Visitor, "I want to talk to a human")],
    };
    let batch: Arc<[Arc<crate::delivery::OutFrame>]> = vec![Arc::new(crate::delivery::OutFrame {
        frame: ServerFrame::Pong { reference: None },
        encoded: Default::default(),
    })]
    .into();
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
