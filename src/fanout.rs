//! Delivery of frames to live connections, addressed by participant rather than by socket, so that a
//! Redis-backed fan-out can later reach connections on other nodes without routing knowing.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::mpsc;

use crate::hub::{ConnId, OutItem, Participant};

/// Where frames for participants go.
pub trait Fanout: Send + Sync + 'static {
    /// Starts delivering `who`'s frames to this connection too.
    fn attach(&self, conn: ConnId, who: Participant, tx: mpsc::Sender<OutItem>);
    /// Stops delivering to this connection (idempotent).
    fn detach(&self, conn: ConnId);
    /// To every connection of `who` except `except`. Returns how many connections got it.
    fn to_participant(&self, who: Participant, item: &OutItem, except: Option<ConnId>) -> usize;
    /// To one connection.
    fn to_conn(&self, conn: ConnId, item: OutItem) -> bool;
    /// To every connection (shutdown notice).
    fn to_all(&self, item: &OutItem);
}

/// Connections of this process. A full outbound queue means the client is not reading: it is detached
/// at once (its session sees the closed channel and disconnects it), so it can never stall the hub.
#[derive(Default)]
pub struct LocalFanout {
    conns: DashMap<ConnId, (Participant, mpsc::Sender<OutItem>)>,
    by_participant: DashMap<Participant, Vec<ConnId>>,
}

impl LocalFanout {
    pub fn new() -> Arc<LocalFanout> {
        Arc::new(LocalFanout::default())
    }

    fn push(&self, conn: ConnId, tx: &mpsc::Sender<OutItem>, item: OutItem) -> bool {
        match tx.try_send(item) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("switchboard_slow_clients_dropped_total").increment(1);
                tracing::info!(conn, "outbound queue full: disconnecting a client that does not read");
                self.detach(conn);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

impl Fanout for LocalFanout {
    fn attach(&self, conn: ConnId, who: Participant, tx: mpsc::Sender<OutItem>) {
        self.conns.insert(conn, (who, tx));
        self.by_participant.entry(who).or_default().push(conn);
    }

    fn detach(&self, conn: ConnId) {
        if let Some((_, (who, _))) = self.conns.remove(&conn) {
            let empty = self
                .by_participant
                .get_mut(&who)
                .map(|mut list| {
                    list.retain(|c| *c != conn);
                    list.is_empty()
                })
                .unwrap_or(false);
            if empty {
                self.by_participant.remove_if(&who, |_, l| l.is_empty());
            }
        }
    }

    fn to_participant(&self, who: Participant, item: &OutItem, except: Option<ConnId>) -> usize {
        // Copy the ids out so that no map guard is held while a slow client is being detached.
        let targets: smallvec::SmallVec<[ConnId; 4]> = match self.by_participant.get(&who) {
            Some(list) => list.iter().copied().filter(|c| Some(*c) != except).collect(),
            None => return 0,
        };
        targets
            .into_iter()
            .filter(|conn| {
                let tx = self.conns.get(conn).map(|e| e.1.clone());
                tx.is_some_and(|tx| self.push(*conn, &tx, item.clone()))
            })
            .count()
    }

    fn to_conn(&self, conn: ConnId, item: OutItem) -> bool {
        let tx = self.conns.get(&conn).map(|e| e.1.clone());
        tx.is_some_and(|tx| self.push(conn, &tx, item))
    }

    fn to_all(&self, item: &OutItem) {
        let all: Vec<(ConnId, mpsc::Sender<OutItem>)> =
            self.conns.iter().map(|e| (*e.key(), e.value().1.clone())).collect();
        for (conn, tx) in all {
            self.push(conn, &tx, item.clone());
        }
    }
}
