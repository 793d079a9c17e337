//! Delivery of frames to participants, wherever they are connected. Routing addresses participants
//! (`Participant`), never sockets; this module maps them to connections.
//!
//! Two pieces, split so that a second node can slot in:
//! - [`ConnRegistry`]: this process's connections, each with its bounded outbound queue. A session
//!   registers its queue before it says hello and removes it when it ends; nothing else holds senders.
//! - [`Broker`]: publishes frames to participants and to connections by id. The local broker delivers
//!   through the registry; a cluster broker publishes to the nodes that hold the connections, each of
//!   which delivers through its own registry.

mod local;
mod outbox;
mod pages;

use std::sync::{Arc, OnceLock};

pub use local::{ConnRegistry, LocalBroker};
pub use outbox::{OutboxRx, OutboxTx, outbox};
pub use pages::Pages;

use crate::domain::{ConversationId, Participant, Seq};
use crate::protocol::{ConversationView, Ref, ServerFrame};

/// A connection's id: unique within the cluster. The high 16 bits name the node that holds the
/// connection, the rest count that node's connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(u64);

/// Bits of a `ConnId` that count connections within one node.
const LOCAL_BITS: u32 = 48;

impl ConnId {
    pub const fn new(node: u16, n: u64) -> ConnId {
        ConnId(((node as u64) << LOCAL_BITS) | (n & ((1 << LOCAL_BITS) - 1)))
    }

    /// The node that holds this connection.
    pub fn node(self) -> u16 {
        (self.0 >> LOCAL_BITS) as u16
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for ConnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.node(), self.0 & ((1 << LOCAL_BITS) - 1))
    }
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
    /// Stored messages the connection reads itself, page by page, at this point of its queue (see
    /// [`Backlog`]).
    Backlog(Arc<Backlog>),
}

/// Stored messages for one connection, read by that connection's own task from the read pool in pages
/// bounded in count and bytes, and written where this item stands in its queue: after everything the
/// hub sent before, before everything it sends after. The dispatcher only queues it (after the commit of
/// its batch, so every message up to `last_seq` is stored), and never reads the store for a client.
#[derive(Debug)]
pub struct Backlog {
    pub conversation: ConversationId,
    /// Messages with a seq above this one…
    pub after_seq: Seq,
    /// …up to this one: the seq the hub had when it decided (later ones go out live, after this item).
    /// `None` for a conversation no longer live: up to its last stored message.
    pub last_seq: Option<Seq>,
    pub kind: BacklogKind,
}

#[derive(Debug)]
pub enum BacklogKind {
    /// The answer to `sync`: `message` frames, `synced`, then the ack with the frame's `ref`.
    Sync { reference: Option<Ref> },
    /// `assigned` with the first page of the transcript (`more: true` when there is more), then the
    /// rest as `message` frames.
    Transcript(Box<ConversationView>),
}

impl OutItem {
    pub fn frame(frame: ServerFrame) -> OutItem {
        OutItem::Frame(Arc::new(OutFrame { frame, encoded: OnceLock::new() }))
    }
}

/// Where frames for participants and connections go. The hub's dispatcher is its only caller, in the
/// hub's one order.
pub trait Broker: Send + Sync + 'static {
    /// Starts delivering `who`'s frames to this connection too. A connection that has already gone
    /// (its session ended before the hub welcomed it) is not subscribed.
    fn subscribe(&self, conn: ConnId, who: Participant);
    /// To every connection of `who` except `except`. Returns how many connections got it.
    fn to_participant(&self, who: Participant, item: &OutItem, except: Option<ConnId>) -> usize;
    /// To one connection.
    fn to_conn(&self, conn: ConnId, item: OutItem) -> bool;
    /// To every connection (shutdown notice).
    fn to_all(&self, item: &OutItem);
}
