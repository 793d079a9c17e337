//! The leader's broker in cluster mode: frames for this node's connections go through its own registry,
//! frames for a gateway's connections are encoded once and appended to that gateway's delivery stream
//! (`bus`), several entries per Redis round trip. The dispatcher calls the broker in the hub's one order
//! and never waits: remote items go into a bounded queue that the publisher task drains.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use dashmap::DashMap;
use smallvec::SmallVec;
use tokio::sync::mpsc;

use super::bus::{self, BacklogWire, Delivery, Item};
use super::keys;
use crate::delivery::{BacklogKind, Broker, ConnId, LocalBroker, OutFrame, OutItem};
use crate::domain::{IdHasher, Participant};
use crate::protocol::RawJson;

/// Items for gateways' connections waiting for the publisher. A queue this full means Redis is away or
/// slower than the hub: further items are dropped and the gateway they were for is reset (its clients
/// reconnect and sync), rather than the hub waiting.
pub const PUBLISH_QUEUE: usize = 65_536;
/// Items per Redis round trip at most.
const PUBLISH_BATCH: usize = 1_024;
/// The wait before trying Redis again after a failed round trip.
const PUBLISH_RETRY: Duration = Duration::from_millis(200);

/// Connections held by gateways, as far as the leader knows them (registered by `relay::intake` when a
/// hello comes in, removed when the gateway says the connection ended or the gateway is gone).
#[derive(Default)]
pub struct Remote {
    conns: DashMap<ConnId, Option<Participant>, IdHasher>,
    by_participant: DashMap<Participant, SmallVec<[ConnId; 1]>, IdHasher>,
}

impl Remote {
    pub fn register(&self, conn: ConnId) {
        self.conns.insert(conn, None);
    }

    /// Forgets a connection; returns who it was, if the hub had welcomed it.
    pub fn remove(&self, conn: ConnId) -> Option<Participant> {
        let who = self.conns.remove(&conn)?.1?;
        let empty = self.by_participant.get_mut(&who).map(|mut l| {
            l.retain(|c| *c != conn);
            l.is_empty()
        });
        if empty == Some(true) {
            self.by_participant.remove_if(&who, |_, l| l.is_empty());
        }
        Some(who)
    }

    pub fn knows(&self, conn: ConnId) -> bool {
        self.conns.contains_key(&conn)
    }

    /// Every connection of one node.
    pub fn of_node(&self, node: u16) -> Vec<ConnId> {
        self.conns.iter().map(|e| *e.key()).filter(|c| c.node() == node).collect()
    }

    /// The nodes that hold connections.
    pub fn nodes(&self) -> Vec<u16> {
        let mut nodes: Vec<u16> = self.conns.iter().map(|e| e.key().node()).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }
}

/// One item for some connections of one gateway.
type Outgoing = (u16, SmallVec<[ConnId; 2]>, OutItem);

pub struct ClusterBroker {
    node: u16,
    local: LocalBroker,
    remote: Arc<Remote>,
    out: mpsc::Sender<Outgoing>,
    /// Gateways that missed an item (the queue was full): reset before anything else goes to them.
    missed: Arc<Mutex<Vec<u16>>>,
}

impl ClusterBroker {
    /// The broker and the publisher task to spawn.
    pub fn new(
        node: u16,
        local: LocalBroker,
        redis: redis::aio::ConnectionManager,
        fence: u64,
    ) -> (ClusterBroker, Arc<Remote>, impl Future<Output = ()>) {
        let (out, rx) = mpsc::channel(PUBLISH_QUEUE);
        let remote = Arc::new(Remote::default());
        let missed = Arc::new(Mutex::new(Vec::new()));
        let publisher = publish(rx, redis, missed.clone(), fence << 32);
        (ClusterBroker { node, local, remote: remote.clone(), out, missed }, remote, publisher)
    }

    /// This node's own connections (and the in-process bot's, node 0).
    fn is_local(&self, conn: ConnId) -> bool {
        conn.node() == self.node || conn.node() == 0
    }

    fn send(&self, node: u16, conns: SmallVec<[ConnId; 2]>, item: OutItem) {
        if self.out.try_send((node, conns, item)).is_err() {
            metrics::counter!("switchboard_cluster_deliveries_dropped_total").increment(1);
            let mut missed = self.missed.lock().unwrap_or_else(|p| p.into_inner());
            if !missed.contains(&node) {
                tracing::warn!(node, "the delivery queue is full: this gateway's clients will resync");
                missed.push(node);
            }
        }
    }
}

impl Broker for ClusterBroker {
    fn subscribe(&self, conn: ConnId, who: Participant) {
        if self.is_local(conn) {
            return self.local.subscribe(conn, who);
        }
        match self.remote.conns.get_mut(&conn) {
            Some(mut entry) if entry.is_none() => *entry = Some(who),
            _ => return,
        }
        self.remote.by_participant.entry(who).or_default().push(conn);
    }

    fn to_participant(&self, who: Participant, item: &OutItem, except: Option<ConnId>) -> usize {
        let mut delivered = self.local.to_participant(who, item, except);
        let conns: SmallVec<[ConnId; 2]> = match self.remote.by_participant.get(&who) {
            Some(list) => list.iter().copied().filter(|c| Some(*c) != except).collect(),
            None => return delivered,
        };
        delivered += conns.len();
        // Most participants have one connection, or all on one node.
        let mut rest = conns;
        while let Some(first) = rest.first().copied() {
            let (here, other): (SmallVec<[ConnId; 2]>, SmallVec<[ConnId; 2]>) =
                rest.into_iter().partition(|c| c.node() == first.node());
            self.send(first.node(), here, item.clone());
            rest = other;
        }
        delivered
    }

    fn to_conn(&self, conn: ConnId, item: OutItem) -> bool {
        if self.is_local(conn) {
            return self.local.to_conn(conn, item);
        }
        if !self.remote.knows(conn) {
            return false;
        }
        self.send(conn.node(), SmallVec::from_elem(conn, 1), item);
        true
    }

    fn to_all(&self, item: &OutItem) {
        self.local.to_all(item);
        for node in self.remote.nodes() {
            self.send(node, self.remote.of_node(node).into_iter().collect(), item.clone());
        }
    }
}

/// The bus form of an item.
fn item(out: &OutItem) -> Item {
    let frame = |f: &Arc<OutFrame>| (Bytes::from(crate::transport::codec::encode(f)), f.facts());
    match out {
        OutItem::Frame(f) => Item::Frames(vec![frame(f)]),
        OutItem::Frames(frames) => Item::Frames(frames.iter().map(frame).collect()),
        OutItem::Close(code, reason) => Item::Close(*code, (*reason).to_string()),
        OutItem::Backlog(b) => {
            let (sync_ref, view) = match &b.kind {
                BacklogKind::Sync { reference } => (Some(reference.as_ref().map(|r| r.0.to_string())), None),
                BacklogKind::Transcript(view) => (None, RawJson::encode(view).ok().map(|j| j.0.to_string())),
                BacklogKind::TranscriptRelayed(j) => (None, Some(j.0.to_string())),
            };
            Item::Backlog(Box::new(BacklogWire {
                conversation: b.conversation,
                after_seq: b.after_seq,
                last_seq: b.last_seq,
                sync_ref,
                view,
            }))
        }
    }
}

/// Drains the queue into the gateways' delivery streams, one pipeline per batch, numbering each
/// gateway's entries from `base` (the lease's fence above the low 32 bits, so that a later leader's
/// numbers are higher than any earlier one's); a failed round trip is retried as a whole (XADD of the same entries again can
/// only repeat, never lose, and a gateway drops repeats by number).
async fn publish(
    mut rx: mpsc::Receiver<Outgoing>,
    mut redis: redis::aio::ConnectionManager,
    missed: Arc<Mutex<Vec<u16>>>,
    base: u64,
) {
    let mut numbers: HashMap<u16, u64> = HashMap::new();
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while rx.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        let reset = std::mem::take(&mut *missed.lock().unwrap_or_else(|p| p.into_inner()));
        let entries = reset
            .into_iter()
            .map(|node| (node, Vec::new(), Item::Reset))
            .chain(batch.drain(..).map(|(node, conns, out)| (node, conns.into_vec(), item(&out))));
        // One entry per gateway per batch, its deliveries packed in it.
        let mut per_node: Vec<(u16, Vec<bus::Fields>)> = Vec::new();
        for (node, conns, item) in entries {
            let number = numbers.entry(node).or_insert(base);
            *number += 1;
            let fields = Delivery { number: *number, conns, item }.encode();
            match per_node.iter_mut().find(|(n, _)| *n == node) {
                Some((_, list)) => list.push(fields),
                None => per_node.push((node, vec![fields])),
            }
        }
        for (node, list) in per_node {
            pipe.cmd("XADD").arg(keys::deliveries(node)).arg("MAXLEN").arg("~").arg(bus::DELIVERY_STREAM_LEN);
            pipe.arg("*").arg("b").arg(bus::pack(list).as_ref()).ignore();
        }
        while let Err(e) = pipe.exec_async(&mut redis).await {
            tracing::warn!(error = %e, "publishing deliveries failed; trying again");
            tokio::time::sleep(PUBLISH_RETRY).await;
        }
    }
}
