//! Live state: conversations, agents, bots, queues.
//!
//! The hub is split in two:
//! - the core ([`core::Hub`]): plain data in, decisions out. `Hub::handle(event, now)` applies one event
//!   at an explicit instant and adds what it decided (store ops, effects, domain events) to the current
//!   [`Job`]; `Hub::fire_due(now)` runs the timers that are due. No channel, clock, store or IO inside,
//!   so its rules are tested as plain function calls (`hub/tests/`).
//! - the runner (`runner`): one task that feeds the core from a bounded channel of `HubEvent`s and its
//!   own deadline queue, reads the clock, and hands each job to the dispatcher thread, which commits the
//!   ops and only then performs the effects: durable before acknowledged, in one FIFO order.

mod admin;
mod agents;
mod commands;
mod conversation;
pub mod core;
mod dispatch;
mod email;
mod events;
pub mod guard;
mod health;
pub mod inactivity;
mod notes;
mod notices;
mod owners;
mod place;
mod queue_frames;
mod runner;
pub mod system_text;
mod timers;
mod transition;
pub(crate) mod views;
pub mod views_for_http;
mod visitor;
mod workflow;

#[cfg(test)]
pub(crate) mod tests;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

pub use crate::config::EmailPolicy;
pub use admin::{AdminCommand, AdminError, AgentChanges, NewAgent};
pub use core::{Hub, HubSettings};
pub use dispatch::{Effect, Job};
pub use events::DomainEvent;
pub use guard::GuardSettings;
pub use health::StoreHealth;
pub use notices::{MAX_NOTICES, NewNotice, NoticeChanges, NoticeCommand};
pub use runner::{Clock, SystemClock};
pub use views::agent_info;
pub use visitor::MAX_COMMENT_CHARS;

use crate::delivery::{Broker, ConnId};
use crate::domain::{AgentId, BotId, Participant, VisitorId};
use crate::protocol::{ClientFrame, Ref};
use crate::store::{Snapshot, StoreWriter};

/// Events waiting for the hub. Producers wait when it is full, which slows every client a little
/// rather than letting memory grow without bound.
pub const HUB_QUEUE: usize = 16_384;
/// Jobs waiting for the dispatcher (each holds the work of one or more events).
pub const DISPATCH_QUEUE: usize = 1024;
/// Events the hub folds into one job before handing it to the dispatcher.
pub const EVENTS_PER_JOB: usize = 256;
/// Timers the runner fires in one turn at most; more due ones wait for the next turn, after the events
/// that came meanwhile. Timers come in bursts: the visitors of a campaign or of a restarted proxy leave
/// together, and their conversations end by the inactivity rule all in the same second. Fired at once,
/// 1,000 of them held every message behind 80-160 ms of hub work and one large commit
/// (docs/benchmarks.md, "Soak: memory attributed"); 16 at a time cost a turn about 2 ms.
pub const TIMERS_PER_TURN: usize = 16;

/// The authenticated side of a hello, as checked by the transport.
#[derive(Debug)]
pub struct VisitorHello {
    pub visitor: VisitorId,
    /// The plaintext token to hand back in the welcome.
    pub token: String,
    pub site: Arc<str>,
    pub locale: Option<String>,
    pub department: Option<String>,
    pub identity: crate::auth::IdentityCheck,
    /// Page, user agent and time zone from the hello (bounded), for agents' visitor panel.
    pub client: ClientFacts,
    /// The site's widget look, echoed in the welcome.
    pub widget: Option<Arc<crate::config::WidgetTheme>>,
    /// The hello's `ref`, for the welcome.
    pub reference: Option<Ref>,
    /// Where the visitor connects from (new conversations are counted per address).
    pub ip: Option<std::net::IpAddr>,
}

/// What a visitor's widget tells about where it runs (all optional, bounded at decoding).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientFacts {
    pub page: Option<Arc<str>>,
    pub user_agent: Option<Arc<str>>,
    pub timezone: Option<Arc<str>>,
}

/// Everything the hub reacts to. A connection's outbound queue is not in here: the session registers
/// it in the `ConnRegistry` before it sends its hello, and the hub addresses it by `ConnId`.
pub enum HubEvent {
    Visitor {
        conn: ConnId,
        hello: Box<VisitorHello>,
    },
    Agent {
        conn: ConnId,
        agent: AgentId,
        reference: Option<Ref>,
    },
    Bot {
        conn: ConnId,
        bot: BotId,
        reference: Option<Ref>,
    },
    Frame {
        conn: ConnId,
        who: Participant,
        frame: ClientFrame,
        reference: Option<Ref>,
        received: std::time::Instant,
        /// The frame's text as received, kept only on a gateway node, which forwards it to the leader
        /// (cluster mode); the hub never reads it.
        raw: Option<bytes::Bytes>,
    },
    Disconnected {
        conn: ConnId,
        who: Participant,
    },
    Admin(AdminCommand),
    /// The runner measured the data directory's disk: `low` when new conversations must wait.
    DiskSpace {
        low: bool,
    },
    /// Whether the store can be reached (cluster mode: Redis). While it cannot, frames are refused with
    /// `unavailable` and nothing is acknowledged.
    StoreReachable {
        up: bool,
    },
    /// Close every connection with 1012, flush, stop (handled by the runner, never by the core).
    Shutdown(oneshot::Sender<()>),
}

/// A cloneable handle to the hub.
#[derive(Clone)]
pub struct HubHandle {
    tx: mpsc::Sender<HubEvent>,
    health: Arc<StoreHealth>,
}

#[derive(Debug, thiserror::Error)]
#[error("the hub has stopped")]
pub struct HubStopped;

impl HubHandle {
    /// A handle over a plain channel: what tests use to stand in for the hub.
    pub fn from_sender(tx: mpsc::Sender<HubEvent>) -> HubHandle {
        HubHandle { tx, health: Arc::default() }
    }

    /// Whether the store takes commits (the dispatcher's view).
    pub fn store_health(&self) -> &StoreHealth {
        &self.health
    }

    pub async fn send(&self, event: HubEvent) -> Result<(), HubStopped> {
        self.tx.send(event).await.map_err(|_| HubStopped)
    }

    /// Like `send`, but the wait for room (only when `HUB_QUEUE` is full) is boxed, so that a caller
    /// that keeps this future in a long-lived task (a connection) does not carry its size for good.
    pub async fn send_small(&self, event: HubEvent) -> Result<(), HubStopped> {
        match self.tx.try_send(event) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(event)) => Box::pin(self.send(event)).await,
            Err(mpsc::error::TrySendError::Closed(_)) => Err(HubStopped),
        }
    }

    /// Runs an admin command and waits for its (durable) result.
    pub async fn admin<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> AdminCommand) -> Result<T, HubStopped> {
        let (tx, rx) = oneshot::channel();
        self.send(HubEvent::Admin(make(tx))).await?;
        rx.await.map_err(|_| HubStopped)
    }

    /// Flushes and stops the hub; returns when every effect has been performed.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(HubEvent::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// Starts the hub task and its dispatcher thread from a snapshot of the store. `mail_wake` is notified
/// after each commit that made an email ready to send (the email sender waits on it).
pub fn start(
    settings: HubSettings,
    snapshot: Snapshot,
    writer: Box<dyn StoreWriter>,
    broker: Arc<dyn Broker>,
    clock: Arc<dyn Clock>,
    mail_wake: Option<Arc<tokio::sync::Notify>>,
) -> HubHandle {
    let (tx, rx) = mpsc::channel(HUB_QUEUE);
    let health = Arc::new(StoreHealth::default());
    let dispatcher = dispatch::Dispatcher::start(writer, broker, health.clone());
    let disk = settings.guard.disk.clone();
    let hub = Hub::new(settings, snapshot, clock.now());
    tokio::spawn(runner::run(hub, rx, dispatcher, clock, disk, mail_wake));
    HubHandle { tx, health }
}
