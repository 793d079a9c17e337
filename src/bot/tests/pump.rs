//! The real loop around the core, with a plain channel standing in for the hub.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::*;
use crate::bot::{BotSettings, run};
use crate::hub::{HubEvent, OutItem};

/// The real loop: register, answer through `HubEvent::Frame`, stop on `Close`, then say goodbye.
#[tokio::test]
async fn the_pump_speaks_the_hub_protocol() {
    let (hub_tx, mut hub_rx) = mpsc::channel::<HubEvent>(16);
    let bot = crate::domain::BotId(42);
    let settings = BotSettings { bot, name: NAME.into(), conn: 7, kb: demo_kb() };
    let task = tokio::spawn(run(hub_tx, settings));

    let Some(HubEvent::Bot { conn: 7, tx, bot: b, .. }) = hub_rx.recv().await else {
        panic!("expected the bot's hello")
    };
    assert_eq!(b, bot);
    let id = ConversationId::random();
    let assigned = ServerFrame::Assigned {
        conversation: view(id, Some("en"), None, None),
        messages: vec![msg(id, 1, Role::Visitor, "I want to talk to a human")],
    };
    let batch: Arc<[Arc<crate::hub::OutFrame>]> = vec![Arc::new(crate::hub::OutFrame {
        frame: ServerFrame::Pong { reference: None },
        encoded: Default::default(),
    })]
    .into();
    assert!(tx.send(OutItem::frame(assigned)).await.is_ok());
    assert!(tx.send(OutItem::Frames(batch)).await.is_ok());
    assert!(tx.send(OutItem::Close(1012, "service restart")).await.is_ok());

    let mut sent = Vec::new();
    loop {
        match hub_rx.recv().await {
            Some(HubEvent::Frame { conn: 7, who: crate::hub::Participant::Bot(b), frame, reference: None, .. }) => {
                assert_eq!(b, bot);
                sent.push(frame);
            }
            Some(HubEvent::Disconnected { conn: 7, .. }) => break,
            _ => panic!("unexpected event"),
        }
    }
    let out = texts(&sent);
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[0].contains("SB-1001"));
    assert!(out[1].contains("someone will reply"));
    assert_eq!(out[2], "HANDOFF(visitor asked for a person)");
    assert!(task.await.is_ok());
}
