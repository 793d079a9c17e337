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

use std::sync::{Arc, OnceLock};

pub use local::{ConnRegistry, LocalBroker};

use crate::domain::Participant;
use crate::protocol::ServerFrame;

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
