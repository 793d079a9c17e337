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
pub mod store_kb;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

pub use brain::{BotCore, EXCERPT_CHARS, HANDOFF_REASON, MAX_TRACKED, Search, format_time};
pub use kb::{Article, KnowledgeBase, demo_articles};

use crate::delivery::{ConnId, ConnRegistry, OutFrame, OutItem, OutboxRx, Pages};
use crate::domain::{BotId, Participant};
use crate::hub::{HubEvent, HubHandle, HubStopped};
use crate::store::ReadPool;

/// The bot's outbound queue, as a WebSocket client has one. The hub never waits on it: if the bot let it
/// fill, the hub would disconnect it like any slow client. 4096 frames is minutes of peak traffic for a
/// task that answers each frame in microseconds.
pub const BOT_QUEUE: usize = 4096;
/// The bot's outbound queue in bytes (estimated): a few hundred full-length messages.
pub const BOT_QUEUE_BYTES: usize = 16 << 20;
/// How long the bot waits to tell a busy hub that it has gone; the hub may be shutting down.
const DISCONNECT_GRACE: Duration = Duration::from_secs(1);
/// The pause before the bot's first restart; it doubles with each restart.
const FIRST_RESTART_PAUSE: Duration = Duration::from_millis(100);
/// The longest pause between two restarts.
const MAX_RESTART_PAUSE: Duration = Duration::from_secs(5);

/// Who the bot is and what it knows.
pub struct BotSettings {
    /// Must exist in the hub (e.g. `AdminCommand::EnsureBot`) before `spawn`, or the hub refuses it.
    pub bot: BotId,
    pub name: Arc<str>,
    /// A connection id no WebSocket uses.
    pub conn: ConnId,
    pub kb: KnowledgeBase,
    /// Where transcripts are read from (`assigned`); `None` in tests that send frames only.
    pub readers: Option<ReadPool>,
    /// The store's knowledge-base search (spec 7.6); none: `kb` answers.
    pub search: Option<brain::Search>,
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

/// How the bot's connection to the hub ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The hub stopped, or closed it on purpose (service restart): the bot stops too.
    ForGood(&'static str),
    /// Its queue was let go (it fell behind) or it failed: the supervisor starts it again.
    Detached(&'static str),
}

/// The bot under supervision: whenever its connection ends other than for good (its queue was let go
/// like a slow client's, or its task failed), it connects again after a pause that grows to
/// `MAX_RESTART_PAUSE`, keeping what it knew, and syncs the conversations it holds from where it was.
pub(crate) async fn run(
    hub: impl HubSink + Clone + Send + Sync + 'static,
    registry: Arc<ConnRegistry>,
    settings: BotSettings,
) {
    let BotSettings { bot, name, conn, kb, readers, search } = settings;
    tracing::info!(%bot, articles = kb.len(), "built-in bot started");
    let fresh = move || match &search {
        Some(search) => BotCore::new(name.clone(), kb.clone()).with_search(search.clone()),
        None => BotCore::new(name.clone(), kb.clone()),
    };
    let mut core = Some(fresh());
    let mut pause = FIRST_RESTART_PAUSE;
    loop {
        let task = tokio::spawn(connect(
            hub.clone(),
            registry.clone(),
            (conn, bot),
            core.take().unwrap_or_else(&fresh),
            readers.clone(),
        ));
        let why = match task.await {
            Ok((Ended::ForGood(why), _)) => {
                tracing::info!(%bot, why, "built-in bot stopped");
                return;
            }
            Ok((Ended::Detached(why), kept)) => {
                core = Some(kept);
                why
            }
            // A panic: its state is gone with it, and the hub still counts the connection.
            Err(_) => {
                registry.remove(conn);
                let gone = HubEvent::Disconnected { conn, who: Participant::Bot(bot) };
                let _ = tokio::time::timeout(DISCONNECT_GRACE, hub.send_event(gone)).await;
                "its task failed"
            }
        };
        tracing::warn!(%bot, why, ?pause, "built-in bot detached; starting it again");
        metrics::counter!("switchboard_bot_restarts_total").increment(1);
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_RESTART_PAUSE);
    }
}

/// One connection of the bot: hello, then frames until it ends. Returns the core for the next one.
async fn connect(
    hub: impl HubSink,
    registry: Arc<ConnRegistry>,
    (conn, bot): (ConnId, BotId),
    core: BotCore,
    readers: Option<ReadPool>,
) -> (Ended, BotCore) {
    let (tx, rx) = crate::delivery::outbox(BOT_QUEUE, BOT_QUEUE_BYTES);
    registry.register(conn, tx);
    if hub.send_event(HubEvent::Bot { conn, bot, reference: None }).await.is_err() {
        registry.remove(conn);
        return (Ended::ForGood("the hub has stopped"), core);
    }
    let (ended, core) = pump(&hub, (conn, bot), core, rx, readers.as_ref()).await;
    // As a WebSocket session does when it ends, so that the hub stops counting this connection. A hub
    // that is gone or stuck is not waited for.
    registry.remove(conn);
    let gone = HubEvent::Disconnected { conn, who: Participant::Bot(bot) };
    let _ = tokio::time::timeout(DISCONNECT_GRACE, hub.send_event(gone)).await;
    (ended, core)
}

/// Feeds the hub's frames to the core and its answers back to the hub; returns why it stopped.
async fn pump(
    hub: &impl HubSink,
    (conn, bot): (ConnId, BotId),
    mut core: BotCore,
    mut rx: OutboxRx,
    readers: Option<&ReadPool>,
) -> (Ended, BotCore) {
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
            OutItem::Backlog(backlog) => {
                let Some(readers) = readers else { continue };
                let mut pages = Pages::new(&backlog);
                let mut result = Ok(());
                while let Ok(Some(frames)) = pages.next(readers).await {
                    for frame in frames {
                        let frame = OutFrame::new(frame);
                        result = act(hub, conn, bot, &mut core, &frame).await;
                        if result.is_err() {
                            break;
                        }
                    }
                }
                result
            }
            OutItem::Close(_, reason) => return (Ended::ForGood(reason), core),
        };
        if result.is_err() {
            return (Ended::ForGood("the hub has stopped"), core);
        }
    }
    (Ended::Detached("the hub let its queue go"), core)
}

async fn act(
    hub: &impl HubSink,
    conn: ConnId,
    bot: BotId,
    core: &mut BotCore,
    frame: &OutFrame,
) -> Result<(), HubStopped> {
    // The bot runs beside the hub: every frame it gets is this node's own.
    let Some(frame) = frame.frame() else { return Ok(()) };
    for reply in core.on_frame(frame) {
        let event = HubEvent::Frame {
            conn,
            who: Participant::Bot(bot),
            frame: reply,
            reference: None,
            received: Instant::now(),
            raw: None,
        };
        hub.send_event(event).await?;
    }
    Ok(())
}
