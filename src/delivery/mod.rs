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

    /// A connection id as `get` gave it (from another node, in cluster mode).
    pub const fn from_raw(raw: u64) -> ConnId {
        ConnId(raw)
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

/// A frame on its way out, encoded at most once however many connections it goes to. On a gateway node
/// (cluster mode) a frame arrives already encoded by the leader: it is kept as its text, with the few
/// facts a session's holds need (`HoldFacts`).
#[derive(Debug)]
pub struct OutFrame {
    body: Body,
    /// The JSON text, filled in by the first connection that writes it (see `transport::codec`).
    pub encoded: OnceLock<bytes::Bytes>,
}

// Unboxed: an `OutFrame` is already behind an `Arc`, and a relayed one is the rare case.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Body {
    Frame(ServerFrame),
    Relayed(HoldFacts),
}

/// What `transport::hold` looks at in an outgoing frame: welcomes start holds, messages may be held,
/// `synced` ends a hold.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum HoldFacts {
    Welcome(Vec<ConversationId>),
    Message(ConversationId, Seq),
    Synced(ConversationId, Seq),
    Other,
}

impl HoldFacts {
    pub fn of(frame: &ServerFrame) -> HoldFacts {
        match frame {
            ServerFrame::VisitorWelcome(w) => {
                HoldFacts::Welcome(w.conversation.iter().map(|c| c.conversation_id).collect())
            }
            ServerFrame::AgentWelcome(w) => {
                HoldFacts::Welcome(w.conversations.iter().map(|c| c.conversation_id).collect())
            }
            ServerFrame::BotWelcome(w) => {
                HoldFacts::Welcome(w.conversations.iter().map(|c| c.conversation_id).collect())
            }
            ServerFrame::Message(m) => HoldFacts::Message(m.conversation_id, m.seq),
            ServerFrame::Synced { conversation_id, last_seq } => HoldFacts::Synced(*conversation_id, *last_seq),
            _ => HoldFacts::Other,
        }
    }
}

impl OutFrame {
    pub fn new(frame: ServerFrame) -> OutFrame {
        OutFrame { body: Body::Frame(frame), encoded: OnceLock::new() }
    }

    /// A frame encoded elsewhere (by the leader, for a connection on this gateway).
    pub fn relayed(text: bytes::Bytes, facts: HoldFacts) -> OutFrame {
        OutFrame { body: Body::Relayed(facts), encoded: OnceLock::from(text) }
    }

    /// The frame itself; `None` for a relayed one, known by its text alone.
    pub fn frame(&self) -> Option<&ServerFrame> {
        match &self.body {
            Body::Frame(f) => Some(f),
            Body::Relayed(_) => None,
        }
    }

    pub fn facts(&self) -> HoldFacts {
        match &self.body {
            Body::Frame(f) => HoldFacts::of(f),
            Body::Relayed(facts) => facts.clone(),
        }
    }

    /// Whether this is a `message` frame of `conversation` with a seq up to `last` (cheap: no clone).
    pub fn is_message_up_to(&self, conversation: ConversationId, last: Seq) -> bool {
        match &self.body {
            Body::Frame(ServerFrame::Message(m)) => m.conversation_id == conversation && m.seq <= last,
            Body::Relayed(HoldFacts::Message(c, s)) => *c == conversation && *s <= last,
            _ => false,
        }
    }

    /// The conversation of a `message` frame.
    pub fn message_conversation(&self) -> Option<ConversationId> {
        match &self.body {
            Body::Frame(ServerFrame::Message(m)) => Some(m.conversation_id),
            Body::Relayed(HoldFacts::Message(c, _)) => Some(*c),
            _ => None,
        }
    }
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
    /// The same, for a gateway's connection: the conversation as the leader encoded it.
    TranscriptRelayed(crate::protocol::RawJson),
}

impl OutItem {
    pub fn frame(frame: ServerFrame) -> OutItem {
        OutItem::Frame(Arc::new(OutFrame::new(frame)))
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
