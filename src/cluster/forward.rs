//! A gateway's two streams: its clients' events go to the leader (`forward`), the leader's frames for
//! its connections come back (`deliver`). The sessions are the single node's (`transport`): they hand
//! events to a `HubHandle` as always, and this node's handle leads here instead of to a hub.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use redis::streams::{StreamReadOptions, StreamReadReply};
use tokio::sync::{mpsc, watch};

use super::bus::{self, BacklogWire, Delivery, HelloWire, Inbound, Item};
use super::keys;
use crate::delivery::{Backlog, BacklogKind, Broker, ConnId, LocalBroker, OutFrame, OutItem};
use crate::hub::HubEvent;
use crate::protocol::{ErrorCode, RawJson, Ref, ServerFrame};

/// Events per Redis round trip at most.
const FORWARD_BATCH: usize = 256;
/// How long one round trip of forwarded events may take before they are answered `unavailable`.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(1);
/// Deliveries read per round trip at most.
const DELIVER_BATCH: usize = 512;
/// How long one read of the delivery stream waits for entries.
const DELIVER_BLOCK: Duration = Duration::from_millis(1_000);
/// The wait before trying Redis again after a failed read.
const RETRY: Duration = Duration::from_millis(200);
/// Disconnections kept for a Redis that is away (the leader must hear of them; other events are
/// answered `unavailable` instead).
const PENDING_GOODBYES: usize = 65_536;

/// The reason sent to a client whose frame could not reach the leader.
const UNREACHABLE: &str = "the service cannot take this now; try again shortly";

/// The lease this gateway forwards to (`None`: no leader now).
pub type Fence = watch::Receiver<Option<u64>>;

/// Forwards the sessions' events to the leader of the current lease. An event that cannot be sent
/// (Redis away, no leader) is answered on the spot: a frame gets `unavailable`, a hello closes its
/// connection (1013, try again later). Nothing is acknowledged but by the leader, so nothing is lost.
pub async fn forward(
    mut rx: mpsc::Receiver<HubEvent>,
    fence: Fence,
    registry: LocalBroker,
    (node, instance): (u16, u64),
    mut redis: redis::aio::ConnectionManager,
) {
    let mut batch = Vec::with_capacity(FORWARD_BATCH);
    let mut goodbyes: Vec<Inbound> = Vec::new();
    let mut started: Option<u64> = None;
    while rx.recv_many(&mut batch, FORWARD_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        let current = *fence.borrow();
        let Some(fence) = current else {
            refuse_all(&registry, batch.drain(..), &mut goodbyes);
            continue;
        };
        let key = keys::events(fence);
        let mut inbound: Vec<Inbound> = Vec::with_capacity(batch.len() + 1);
        if started != Some(fence) {
            inbound.push(Inbound::Start { node, instance });
        }
        inbound.append(&mut goodbyes);
        let mut answers = Vec::new();
        for event in batch.drain(..) {
            match to_inbound(event) {
                Ok(Some(e)) => inbound.push(e),
                Ok(None) => {}
                Err(answer) => answers.push(answer),
            }
        }
        let packed = bus::pack(inbound.iter().map(Inbound::encode));
        pipe.cmd("XADD").arg(&key).arg("MAXLEN").arg("~").arg(bus::EVENT_STREAM_LEN).arg("*");
        pipe.arg("b").arg(packed.as_ref()).ignore();
        // Bounded: while the connection manager reconnects, a command can wait for it. Events that
        // time out are answered `unavailable`; should they reach the leader later, the client's retry
        // with the same `client_msg_id` gets the first ack and adds nothing.
        match tokio::time::timeout(FORWARD_TIMEOUT, pipe.exec_async(&mut redis)).await {
            Ok(Ok(())) => started = Some(fence),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "forwarding to the leader failed");
                refuse_inbound(&registry, inbound, &mut goodbyes);
            }
            Err(_) => {
                tracing::warn!("forwarding to the leader failed: no answer in time");
                refuse_inbound(&registry, inbound, &mut goodbyes);
            }
        }
        for (conn, item) in answers {
            registry.to_conn(conn, item);
        }
    }
}

/// The bus form of an event; `Err` holds an answer for a session when the event is not for the leader.
fn to_inbound(event: HubEvent) -> Result<Option<Inbound>, (ConnId, OutItem)> {
    Ok(Some(match event {
        HubEvent::Visitor { conn, hello } => Inbound::Visitor { conn, hello: Box::new(HelloWire::from_hello(&hello)) },
        HubEvent::Agent { conn, agent, reference } => Inbound::Agent { conn, agent, reference },
        HubEvent::Bot { conn, bot, reference } => Inbound::Bot { conn, bot, reference },
        HubEvent::Frame { conn, who, raw: Some(text), .. } => Inbound::Frame { conn, who, text },
        HubEvent::Frame { conn, reference, .. } => {
            return Err((conn, OutItem::frame(ServerFrame::error(ErrorCode::Internal, "not forwarded", reference))));
        }
        HubEvent::Disconnected { conn, who } => Inbound::Disconnected { conn, who },
        HubEvent::Shutdown(done) => {
            let _ = done.send(());
            return Ok(None);
        }
        // Admin commands come over HTTP, which a gateway passes to the leader whole (`proxy`).
        HubEvent::Admin(_) | HubEvent::DiskSpace { .. } | HubEvent::StoreReachable { .. } => return Ok(None),
    }))
}

fn unavailable(reference: Option<Ref>) -> OutItem {
    OutItem::frame(ServerFrame::error(ErrorCode::Unavailable, UNREACHABLE, reference))
}

fn refuse_all(registry: &LocalBroker, events: impl Iterator<Item = HubEvent>, goodbyes: &mut Vec<Inbound>) {
    let inbound = events.filter_map(|e| match to_inbound(e) {
        Ok(i) => i,
        Err((conn, item)) => {
            registry.to_conn(conn, item);
            None
        }
    });
    refuse_inbound(registry, inbound.collect(), goodbyes);
}

/// Answers events that did not reach the leader; disconnections are kept to be sent later.
fn refuse_inbound(registry: &LocalBroker, events: Vec<Inbound>, goodbyes: &mut Vec<Inbound>) {
    for event in events {
        match event {
            Inbound::Frame { conn, text, .. } => {
                let reference = std::str::from_utf8(&text).ok().and_then(crate::transport::codec::peek_ref);
                registry.to_conn(conn, unavailable(reference));
            }
            Inbound::Visitor { conn, .. } | Inbound::Agent { conn, .. } | Inbound::Bot { conn, .. } => {
                registry.to_conn(conn, unavailable(None));
                registry.to_conn(conn, OutItem::Close(1013, "try again later"));
            }
            Inbound::Disconnected { .. } if goodbyes.len() < PENDING_GOODBYES => goodbyes.push(event),
            Inbound::Disconnected { .. } | Inbound::Start { .. } => {}
        }
    }
}

/// Where this gateway's delivery stream ends now: read before the gateway accepts a connection, so that
/// nothing published for its connections comes before it.
pub async fn tail(view: &super::ClusterView) -> String {
    let mut redis = view.conn.clone();
    loop {
        match last_id(&mut redis, &keys::deliveries(view.number)).await {
            Ok(id) => return id,
            Err(e) => tracing::warn!(error = %e, "reading the delivery stream failed; trying again"),
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Reads this gateway's delivery stream from `last` (its end as it was at start), and hands each item to the
/// connections it names. A gap in the numbering (entries trimmed under a gateway far behind) or a
/// reset closes every connection: the clients reconnect and sync, so nothing is lost.
pub async fn deliver(registry: LocalBroker, view: super::ClusterView, mut last: String) {
    let key = keys::deliveries(view.number);
    let mut redis = loop {
        match view.blocking_conn(DELIVER_BLOCK).await {
            Ok(c) => break c,
            Err(e) => tracing::warn!(error = %e, "connecting for deliveries failed; trying again"),
        }
        tokio::time::sleep(RETRY).await;
    };
    let mut number = 0u64;
    let opts = StreamReadOptions::default().count(DELIVER_BATCH).block(DELIVER_BLOCK.as_millis() as usize);
    loop {
        let reply: StreamReadReply = match redis.xread_options(&[&key], &[&last], &opts).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "reading deliveries failed; trying again");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
            last = entry.id;
            let entries = bus::entries_of(entry.map).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "a delivery entry could not be read; skipped");
                Vec::new()
            });
            for fields in entries {
                match Delivery::decode(&fields) {
                    Ok(d) => number = hand_out(&registry, d, number),
                    Err(e) => tracing::warn!(error = %e, "a delivery could not be read; skipped"),
                }
            }
        }
    }
}

async fn last_id(redis: &mut redis::aio::ConnectionManager, key: &str) -> redis::RedisResult<String> {
    let newest: redis::streams::StreamRangeReply = redis.xrevrange_count(key, "+", "-", 1).await?;
    Ok(newest.ids.into_iter().next().map_or_else(|| "0-0".to_string(), |e| e.id))
}

/// Delivers one entry; returns the number to expect before the next.
fn hand_out(registry: &LocalBroker, d: Delivery, number: u64) -> u64 {
    // A repeat (a publish retried after a lost reply) is dropped. A new leader numbers from above the
    // last one's (`publish`), which reads as a gap: the clients of the old leader's time resync.
    if d.number <= number {
        return number;
    }
    if number != 0 && d.number != number + 1 || matches!(d.item, Item::Reset) {
        tracing::warn!(expected = number + 1, got = d.number, "deliveries were missed: closing every connection");
        registry.to_all(&OutItem::Close(1013, "try again later"));
        return d.number;
    }
    let item = match d.item {
        Item::Frames(mut frames) if frames.len() == 1 => {
            let (text, facts) = frames.pop().expect("one frame");
            OutItem::Frame(Arc::new(OutFrame::relayed(text, facts)))
        }
        Item::Frames(frames) => {
            OutItem::Frames(frames.into_iter().map(|(t, f)| Arc::new(OutFrame::relayed(t, f))).collect())
        }
        Item::Close(code, reason) => OutItem::Close(code, close_reason(&reason)),
        Item::Backlog(b) => OutItem::Backlog(Arc::new(backlog(*b))),
        Item::Reset => unreachable!("handled above"),
    };
    for conn in d.conns {
        registry.to_conn(conn, item.clone());
    }
    d.number
}

/// Close reasons are static text; the leader's are among these.
fn close_reason(reason: &str) -> &'static str {
    ["service restart", "agent removed", "unauthorized", "try again later"]
        .into_iter()
        .find(|r| *r == reason)
        .unwrap_or("closed by the service")
}

fn backlog(b: BacklogWire) -> Backlog {
    let kind = match (b.sync_ref, b.view) {
        (_, Some(view)) => BacklogKind::TranscriptRelayed(RawJson(view.into())),
        (Some(reference), None) => BacklogKind::Sync { reference: reference.map(|r| Ref(r.into())) },
        (None, None) => BacklogKind::Sync { reference: None },
    };
    Backlog { conversation: b.conversation, after_seq: b.after_seq, last_seq: b.last_seq, kind }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{ConnRegistry, HoldFacts, outbox};
    use bytes::Bytes;

    fn frames(n: u64) -> Delivery {
        let text = Bytes::from(format!("{{\"n\":{n}}}"));
        Delivery { number: n, conns: vec![ConnId::new(2, 1)], item: Item::Frames(vec![(text, HoldFacts::Other)]) }
    }

    #[test]
    fn deliveries_go_out_once_in_order_and_a_gap_closes_every_connection() {
        let registry = ConnRegistry::new();
        let broker = LocalBroker(registry.clone());
        let (tx, mut rx) = outbox(64, 1 << 20);
        registry.register(ConnId::new(2, 1), tx);
        let mut n = hand_out(&broker, frames(1), 0);
        n = hand_out(&broker, frames(2), n);
        n = hand_out(&broker, frames(2), n);
        assert_eq!(n, 2, "a repeat is dropped");
        let texts: Vec<String> = std::iter::from_fn(|| rx.try_recv())
            .map(|i| match i {
                OutItem::Frame(f) => String::from_utf8(f.encoded.get().unwrap().to_vec()).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(texts, ["{\"n\":1}", "{\"n\":2}"]);
        hand_out(&broker, frames(4), n);
        assert!(matches!(rx.try_recv(), Some(OutItem::Close(1013, _))), "a gap resets");
    }
}
