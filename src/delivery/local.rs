//! This process's connections and the broker that delivers through them.

use std::sync::Arc;

use dashmap::DashMap;
use smallvec::SmallVec;
use tokio::sync::mpsc::error::TrySendError;

use super::{Broker, ConnId, OutItem, OutboxTx};
use crate::domain::{IdHasher, Participant};

/// One connection's outbound queue.
type Outlet = (ConnId, OutboxTx);

/// This process's connections. A full outbound queue means the client is not reading: its connection is
/// removed at once (its session sees the closed channel and disconnects it), so it can never stall the
/// hub. Queues are bounded in items and in bytes (`outbox`).
#[derive(Default)]
pub struct ConnRegistry {
    /// Every registered connection; the participant once the hub has welcomed it.
    conns: DashMap<ConnId, (Option<Participant>, OutboxTx), IdHasher>,
    /// The same senders by participant, so that a delivery takes one map lookup.
    by_participant: DashMap<Participant, SmallVec<[Outlet; 1]>, IdHasher>,
}

impl ConnRegistry {
    pub fn new() -> Arc<ConnRegistry> {
        Arc::new(ConnRegistry::default())
    }

    /// A new connection's queue, before its hello reaches the hub.
    pub fn register(&self, conn: ConnId, tx: OutboxTx) {
        self.conns.insert(conn, (None, tx));
    }

    /// Forgets the connection (idempotent).
    pub fn remove(&self, conn: ConnId) {
        let Some((_, (Some(who), _))) = self.conns.remove(&conn) else {
            return;
        };
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

    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    /// What a refused `try_send` means: a full queue removes its connection. Called with no map guard
    /// held, as `remove` takes them.
    fn settle(&self, conn: ConnId, result: Result<(), TrySendError<OutItem>>) -> bool {
        match result {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                metrics::counter!("switchboard_slow_clients_dropped_total").increment(1);
                tracing::info!(%conn, "outbound queue full: disconnecting a client that does not read");
                self.remove(conn);
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }
}

/// The broker of a single node: every participant's connections are in this process's registry.
pub struct LocalBroker(pub Arc<ConnRegistry>);

impl Broker for LocalBroker {
    fn subscribe(&self, conn: ConnId, who: Participant) {
        let tx = match self.0.conns.get_mut(&conn) {
            Some(mut entry) if entry.0.is_none() => {
                entry.0 = Some(who);
                entry.1.clone()
            }
            _ => return,
        };
        self.0.by_participant.entry(who).or_default().push((conn, tx));
    }

    fn to_participant(&self, who: Participant, item: &OutItem, except: Option<ConnId>) -> usize {
        let mut delivered = 0;
        // Refused deliveries, settled once no map guard is held.
        let mut refused: SmallVec<[(ConnId, TrySendError<OutItem>); 1]> = SmallVec::new();
        if let Some(list) = self.0.by_participant.get(&who) {
            for (conn, tx) in list.iter().filter(|(c, _)| Some(*c) != except) {
                match tx.try_send(item.clone()) {
                    Ok(()) => delivered += 1,
                    Err(e) => refused.push((*conn, e)),
                }
            }
        }
        // The guard is gone: a slow client can be removed now.
        for (conn, e) in refused {
            self.0.settle(conn, Err(e));
        }
        delivered
    }

    fn to_conn(&self, conn: ConnId, item: OutItem) -> bool {
        let result = match self.0.conns.get(&conn) {
            Some(entry) => entry.1.try_send(item),
            None => return false,
        };
        self.0.settle(conn, result)
    }

    fn to_all(&self, item: &OutItem) {
        let all: Vec<Outlet> = self.0.conns.iter().map(|e| (*e.key(), e.value().1.clone())).collect();
        for (conn, tx) in all {
            self.0.settle(conn, tx.try_send(item.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::outbox;
    use crate::domain::VisitorId;
    use crate::protocol::ServerFrame;

    fn frame() -> OutItem {
        OutItem::frame(ServerFrame::Pong { reference: None })
    }

    #[test]
    fn a_connection_gone_before_its_welcome_is_not_subscribed() {
        let registry = ConnRegistry::new();
        let broker = LocalBroker(registry.clone());
        let (tx, _rx) = outbox(4, 1 << 20);
        let conn = ConnId::new(0, 7);
        let who = Participant::Visitor(VisitorId(1));
        registry.register(conn, tx);
        registry.remove(conn);
        broker.subscribe(conn, who);
        assert_eq!(broker.to_participant(who, &frame(), None), 0);
        assert!(registry.by_participant.is_empty(), "no entry left behind");
    }

    #[test]
    fn a_participant_gets_frames_on_each_connection_but_the_excepted_one() {
        let registry = ConnRegistry::new();
        let broker = LocalBroker(registry.clone());
        let who = Participant::Visitor(VisitorId(1));
        let (a, b) = (ConnId::new(0, 1), ConnId::new(0, 2));
        let (tx_a, mut rx_a) = outbox(4, 1 << 20);
        let (tx_b, mut rx_b) = outbox(4, 1 << 20);
        registry.register(a, tx_a);
        registry.register(b, tx_b);
        broker.subscribe(a, who);
        broker.subscribe(b, who);
        assert_eq!(broker.to_participant(who, &frame(), Some(a)), 1);
        assert!(rx_a.try_recv().is_none());
        assert!(rx_b.try_recv().is_some());
        registry.remove(b);
        assert_eq!(broker.to_participant(who, &frame(), None), 1);
        assert!(rx_a.try_recv().is_some());
    }

    #[test]
    fn a_full_queue_removes_its_connection() {
        let registry = ConnRegistry::new();
        let broker = LocalBroker(registry.clone());
        let who = Participant::Visitor(VisitorId(1));
        let conn = ConnId::new(0, 1);
        let (tx, _rx) = outbox(1, 1 << 20);
        registry.register(conn, tx);
        broker.subscribe(conn, who);
        assert!(broker.to_conn(conn, frame()));
        assert!(!broker.to_conn(conn, frame()), "the second frame does not fit");
        assert!(registry.is_empty());
    }

    #[test]
    fn conn_ids_name_their_node() {
        let id = ConnId::new(3, 42);
        assert_eq!(id.node(), 3);
        assert_eq!(id.to_string(), "3/42");
        assert_ne!(ConnId::new(1, 42), ConnId::new(2, 42));
    }
}
