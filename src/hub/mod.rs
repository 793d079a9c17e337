//! Live state: conversations, agents, bots, queues. One task owns all of it (`Hub`), fed by a bounded
//! channel of `HubEvent`s; routing decisions inside it are synchronous calls into `crate::routing`.
//! What the hub decides leaves as a `Job` (store ops + effects) for the dispatcher thread, which commits
//! the ops and only then performs the effects: durable before acknowledged, in one FIFO order.

mod admin;
mod agents;
mod conversation;
mod dispatch;
mod place;
mod queue_frames;
mod state;
pub(crate) mod views;
pub mod views_for_http;
mod visitor;

use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

pub use admin::{AdminCommand, AdminError, AgentChanges, NewAgent};
pub use dispatch::MAX_BACKLOG;
pub use state::HubSettings;
pub use views::agent_info;

use crate::domain::{AgentId, BotId, VisitorId};
use crate::fanout::Fanout;
use crate::protocol::{ClientFrame, Ref, ServerFrame};
use crate::store::{Snapshot, Store};

/// Events waiting for the hub. Producers wait when it is full, which slows every client a little
/// rather than letting memory grow without bound.
pub const HUB_QUEUE: usize = 16_384;
/// Jobs waiting for the dispatcher (each holds the work of one or more events).
pub const DISPATCH_QUEUE: usize = 1024;
/// Events the hub folds into one job before handing it to the dispatcher.
pub const EVENTS_PER_JOB: usize = 256;

/// A connection's id, unique within this process.
pub type ConnId = u64;

/// Who is on the other end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Participant {
    Visitor(VisitorId),
    Agent(AgentId),
    Bot(BotId),
}

/// A frame on its way out, encoded at most once however many connections it goes to.
#[derive(Debug)]
pub struct OutFrame {
    pub frame: ServerFrame,
    /// The JSON text, filled in by the first connection that writes it (see `transport::codec`).
    pub encoded: OnceLock<bytes::Bytes>,
}

/// What a connection's outbound queue carries.
#[derive(Clone, Debug)]
pub enum OutItem {
    Frame(Arc<OutFrame>),
    /// Several frames that must go out together (a sync backlog) and take one queue slot.
    Frames(Arc<[Arc<OutFrame>]>),
    /// Close the connection with this code and reason.
    Close(u16, &'static str),
}

impl OutItem {
    pub fn frame(frame: ServerFrame) -> OutItem {
        OutItem::Frame(Arc::new(OutFrame { frame, encoded: OnceLock::new() }))
    }
}

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
    /// The hello's `ref`, for the welcome.
    pub reference: Option<Ref>,
}

/// Everything the hub reacts to.
pub enum HubEvent {
    Visitor {
        conn: ConnId,
        tx: mpsc::Sender<OutItem>,
        hello: Box<VisitorHello>,
    },
    Agent {
        conn: ConnId,
        tx: mpsc::Sender<OutItem>,
        agent: AgentId,
        reference: Option<Ref>,
    },
    Bot {
        conn: ConnId,
        tx: mpsc::Sender<OutItem>,
        bot: BotId,
        reference: Option<Ref>,
    },
    Frame {
        conn: ConnId,
        who: Participant,
        frame: ClientFrame,
        reference: Option<Ref>,
        received: std::time::Instant,
    },
    Disconnected {
        conn: ConnId,
        who: Participant,
    },
    Admin(AdminCommand),
    /// Once a second: departments opening and closing.
    Tick,
    /// Close every connection with 1012, flush, stop.
    Shutdown(oneshot::Sender<()>),
}

/// A cloneable handle to the hub.
#[derive(Clone)]
pub struct HubHandle {
    tx: mpsc::Sender<HubEvent>,
}

#[derive(Debug, thiserror::Error)]
#[error("the hub has stopped")]
pub struct HubStopped;

impl HubHandle {
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

/// Starts the hub task and its dispatcher thread from a snapshot of the store.
pub fn start(settings: HubSettings, snapshot: Snapshot, writer: Box<dyn Store>, fanout: Arc<dyn Fanout>) -> HubHandle {
    let (tx, rx) = mpsc::channel(HUB_QUEUE);
    let dispatcher = dispatch::Dispatcher::start(writer, fanout);
    let hub = state::Hub::new(settings, snapshot, dispatcher);
    tokio::spawn(hub.run(rx));
    let ticker = tx.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            if ticker.send(HubEvent::Tick).await.is_err() {
                break;
            }
        }
    });
    HubHandle { tx }
}
