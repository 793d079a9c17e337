//! The built-in bot (spec 4 "Bot", 5.3): it serves the bot queue with answers from a knowledge base
//! and hands the conversation to a person when the visitor asks for one.
//!
//! It is a participant like any WebSocket bot, only in-process: it registers with `HubEvent::Bot`,
//! reads `OutItem`s from its own bounded queue, and acts with `HubEvent::Frame`. It gets no privilege
//! and no shortcut, so whatever works for it works for an external bot, and the reverse. The behaviour
//! lives in [`BotCore`] (pure); this file only pumps frames between it and the hub.

mod brain;
pub mod kb;
pub mod phrases;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

pub use brain::{BotCore, EXCERPT_CHARS, HANDOFF_REASON, MAX_TRACKED, format_time};
pub use kb::{Article, KnowledgeBase, demo_articles};

use crate::delivery::{ConnId, ConnRegistry, OutFrame, OutItem};
use crate::domain::{BotId, Participant};
use crate::hub::{HubEvent, HubHandle, HubStopped};

/// The bot's outbound queue, as a WebSocket client has one. The hub never waits on it: if the bot let it
/// fill, the hub would disconnect it like any slow client. 4096 frames is minutes of peak traffic for a
/// task that answers each frame in microseconds.
pub const BOT_QUEUE: usize = 4096;
/// How long the bot waits to tell a busy hub that it has gone; the hub may be shutting down.
const DISCONNECT_GRACE: Duration = Duration::from_secs(1);

/// Who the bot is and what it knows.
pub struct BotSettings {
    /// Must exist in the hub (e.g. `AdminCommand::EnsureBot`) before `spawn`, or the hub refuses it.
    pub bot: BotId,
    pub name: Arc<str>,
    /// A connection id no WebSocket uses.
    pub conn: ConnId,
    pub kb: KnowledgeBase,
}

/// Starts the built-in bot. Runs until the hub closes the bot's queue.
pub fn spawn(hub: HubHandle, registry: Arc<ConnRegistry>, settings: BotSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(hub, registry, settings))
}

/// Where the bot's events go: the hub, or a plain channel in tests.
pub(crate) trait HubSink {
    fn send_event(&self, event: HubEvent) -> impl Future<Output = Result<(), HubStopped>> + Send;
}

impl HubSink for HubHandle {
    fn send_event(&self, event: HubEvent) -> impl Future<Output = Result<(), HubStopped>> + Send {
        self.send(event)
    }
}

impl HubSink for mpsc::Sender<HubEvent> {
    async fn send_event(&self, event: HubEvent) -> Result<(), HubStopped> {
        self.send(event).await.map_err(|_| HubStopped)
    }
}

pub(crate) async fn run(hub: impl HubSink, registry: Arc<ConnRegistry>, settings: BotSettings) {
    let BotSettings { bot, name, conn, kb } = settings;
    let (tx, rx) = mpsc::channel::<OutItem>(BOT_QUEUE);
    registry.register(conn, tx);
    if hub.send_event(HubEvent::Bot { conn, bot, reference: None }).await.is_err() {
        registry.remove(conn);
        return;
    }
    tracing::info!(%bot, articles = kb.len(), "built-in bot started");
    let core = BotCore::new(name, kb);
    let why = pump(&hub, conn, bot, core, rx).await;
    tracing::info!(%bot, why, "built-in bot stopped");
    // As a WebSocket session does when it ends, so that the hub stops counting this connection. A hub
    // that is gone or stuck is not waited for.
    registry.remove(conn);
    let gone = HubEvent::Disconnected { conn, who: Participant::Bot(bot) };
    let _ = tokio::time::timeout(DISCONNECT_GRACE, hub.send_event(gone)).await;
}

/// Feeds the hub's frames to the core and its answers back to the hub; returns why it stopped.
async fn pump(
    hub: &impl HubSink,
    conn: ConnId,
    bot: BotId,
    mut core: BotCore,
    mut rx: mpsc::Receiver<OutItem>,
) -> &'static str {
    while let Some(item) = rx.recv().await {
        let result = match item {
            OutItem::Frame(frame) => act(hub, conn, bot, &mut core, &frame).await,
            OutItem::Frames(frames) => {
                let mut result = Ok(());
                for frame in frames.iter() {
                    result = act(hub, conn, bot, &mut core, frame).await;
                    if result.is_err() {
                        break;
                    }
                }
                result
            }
            OutItem::Close(_, reason) => return reason,
        };
        if result.is_err() {
            return "the hub has stopped";
        }
    }
    "the hub closed the bot's queue"
}

async fn act(
    hub: &impl HubSink,
    conn: ConnId,
    bot: BotId,
    core: &mut BotCore,
    frame: &OutFrame,
) -> Result<(), HubStopped> {
    for reply in core.on_frame(&frame.frame) {
        let event = HubEvent::Frame {
            conn,
            who: Participant::Bot(bot),
            frame: reply,
            reference: None,
            received: Instant::now(),
        };
        hub.send_event(event).await?;
    }
    Ok(())
}
