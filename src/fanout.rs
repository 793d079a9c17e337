//! Delivery of frames to live connections, addressed by participant rather than by socket, so that a
//! Redis-backed fan-out can later reach connections on other nodes without routing knowing.

use std::sync::Arc;

use dashmap::DashMap;
use smallvec::SmallVec;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::domain::IdHasher;
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

/// One connection's outbound queue.
type Outlet = (ConnId, mpsc::Sender<OutItem>);

/// Connections of this process. A full outbound queue means the client is not reading: it is detached
/// at once (its session sees the closed channel and disconnects it), so it can never stall the hub.
#[derive(Default)]
pub struct LocalFanout {
    conns: DashMap<ConnId, (Participant, mpsc::Sender<OutItem>), IdHasher>,
    /// The same senders by participant, so that a delivery takes one map lookup.
    by_participant: DashMap<Participant, SmallVec<[Outlet; 1]>, IdHasher>,
}

impl LocalFanout {
    pub fn new() -> Arc<LocalFanout> {
        Arc::new(LocalFanout::default())
    }

    /// What a refused `try_send` means: a full queue detaches its connection. Called with no map guard
    /// held, as `detach` takes them.
    fn settle(&self, conn: ConnId, result: Result<(), TrySendError<OutItem>>) -> bool {
        match result {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                metrics::counter!("switchboard_slow_clients_dropped_total").increment(1);
                tracing::info!(conn, "outbound queue full: disconnecting a client that does not read");
                self.detach(conn);
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }
}

impl Fanout for LocalFanout {
    fn attach(&self, conn: ConnId, who: Participant, tx: mpsc::Sender<OutItem>) {
        self.conns.insert(conn, (who, tx.clone()));
        self.by_participant.entry(who).or_default().push((conn, tx));
    }

    fn detach(&self, conn: ConnId) {
        if let Some((_, (who, _))) = self.conns.remove(&conn) {
            let empty = self
                .by_participant
                .get_mut(&who)
                .map(|mut list| {
                    list.retain(|(c, _)| *c != conn);
                    list.is_empty()
                })
                .unwrap_or(false);
            if empty {
                self.by_participant.remove_if(&who, |_, l| l.is_empty());
            }
        }
    }

    fn to_participant(&self, who: Participant, item: &OutItem, except: Option<ConnId>) -> usize {
        let mut delivered = 0;
        // Refused deliveries, settled once no map guard is held.
        let mut refused: SmallVec<[(ConnId, TrySendError<OutItem>); 1]> = SmallVec::new();
        if let Some(list) = self.by_participant.get(&who) {
            for (conn, tx) in list.iter().filter(|(c, _)| Some(*c) != except) {
                match tx.try_send(item.clone()) {
                    Ok(()) => delivered += 1,
                    Err(e) => refused.push((*conn, e)),
                }
            }
        }
        // The guard is gone: a slow client can be detached now.
        for (conn, e) in refused {
            self.settle(conn, Err(e));
        }
        delivered
    }

    fn to_conn(&self, conn: ConnId, item: OutItem) -> bool {
        let result = match self.conns.get(&conn) {
            Some(entry) => entry.1.try_send(item),
            None => return false,
        };
        self.settle(conn, result)
    }

    fn to_all(&self, item: &OutItem) {
        let all: Vec<(ConnId, mpsc::Sender<OutItem>)> =
            self.conns.iter().map(|e| (*e.key(), e.value().1.clone())).collect();
        for (conn, tx) in all {
            self.settle(conn, tx.try_send(item.clone()));
        }
    }
}
