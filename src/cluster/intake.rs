//! The leader's side of the gateways' events: reads `sb:events:<fence>` and hands each event to the hub
//! as if the connection were local, keeping the table of gateways' connections (`publish::Remote`) that
//! the broker delivers by. A gateway that restarts (a new instance) or stops beating loses its
//! connections here, and the hub hears that each one disconnected: its agents go offline within
//! `node_timeout_secs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redis::streams::{StreamReadOptions, StreamReadReply};

use super::bus::Inbound;
use super::publish::Remote;
use super::{ClusterView, keys};
use crate::app::App;
use crate::delivery::{Broker, OutItem};
use crate::hub::{HubEvent, HubStopped};

/// Entries read per round trip at most.
const READ_BATCH: usize = 1_024;
/// How long one read waits for new entries: no longer than `DEAD_CHECK`, so that silent gateways are
/// looked for at that pace on an idle cluster too.
const READ_BLOCK: Duration = DEAD_CHECK;
/// The wait before trying Redis again after a failed read.
const READ_RETRY: Duration = Duration::from_millis(200);
/// How often the leader looks for gateways that stopped beating.
const DEAD_CHECK: Duration = Duration::from_millis(250);

/// Reads the gateways' events for this lease until the hub stops.
pub async fn run(app: App, view: ClusterView, (remote, broker): (Arc<Remote>, Arc<dyn Broker>), fence: u64) {
    let key = keys::events(fence);
    if fence > 1 {
        tokio::spawn(forget_old_events(view.clone(), fence - 1));
    }
    let mut redis = loop {
        match view.blocking_conn(READ_BLOCK).await {
            Ok(c) => break c,
            Err(e) => tracing::warn!(error = %e, "connecting for gateways' events failed; trying again"),
        }
        tokio::time::sleep(READ_RETRY).await;
    };
    let mut last = "0-0".to_string();
    let mut instances: HashMap<u16, u64> = HashMap::new();
    let opts = StreamReadOptions::default().count(READ_BATCH).block(READ_BLOCK.as_millis() as usize);
    let mut checked = Instant::now();
    loop {
        if checked.elapsed() >= DEAD_CHECK {
            checked = Instant::now();
            if clear_dead_gateways(&app, &view, (&remote, &*broker)).await.is_err() {
                return;
            }
        }
        let reply: StreamReadReply = match redis.xread_options(&[&key], &[&last], &opts).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "reading gateways' events failed; trying again");
                tokio::time::sleep(READ_RETRY).await;
                continue;
            }
        };
        for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
            last = entry.id;
            let entries = super::bus::entries_of(entry.map).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "a gateway's entry could not be read; skipped");
                Vec::new()
            });
            for fields in entries {
                let event = match Inbound::decode(&fields) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(error = %e, "a gateway event could not be read; skipped");
                        continue;
                    }
                };
                if handle(&app, (&remote, &*broker), &mut instances, event).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn handle(
    app: &App,
    (remote, broker): (&Remote, &dyn Broker),
    instances: &mut HashMap<u16, u64>,
    event: Inbound,
) -> Result<(), HubStopped> {
    let hub = &app.hub;
    match event {
        Inbound::Start { node, instance } => {
            if instances.insert(node, instance).is_some_and(|was| was != instance) {
                tracing::info!(node, "a gateway restarted: its earlier connections are gone");
                drop_node(app, (remote, broker), node).await?;
            }
            Ok(())
        }
        Inbound::Visitor { conn, hello } => {
            let widget = app.sites.get(hello.site()).and_then(|s| s.widget.clone()).map(Arc::new);
            remote.register(conn);
            hub.send(HubEvent::Visitor { conn, hello: Box::new(hello.into_hello(widget)) }).await
        }
        Inbound::Agent { conn, agent, reference } => {
            remote.register(conn);
            hub.send(HubEvent::Agent { conn, agent, reference }).await
        }
        Inbound::Bot { conn, bot, reference } => {
            remote.register(conn);
            hub.send(HubEvent::Bot { conn, bot, reference }).await
        }
        Inbound::Frame { conn, who, text } if remote.knows(conn) => {
            let Ok(text) = std::str::from_utf8(&text) else { return Ok(()) };
            match crate::transport::codec::decode(text) {
                Ok((reference, frame)) => {
                    let received = std::time::Instant::now();
                    hub.send(HubEvent::Frame { conn, who, frame, reference, received, raw: None }).await
                }
                // The gateway decoded it before sending: only a different build could get here.
                Err(e) => {
                    tracing::warn!(error = %e.message, "a relayed frame did not decode");
                    Ok(())
                }
            }
        }
        Inbound::Frame { .. } => Ok(()),
        Inbound::Disconnected { conn, who } => {
            if remote.remove(conn).is_some() {
                hub.send(HubEvent::Disconnected { conn, who }).await?;
            }
            Ok(())
        }
    }
}

/// Deletes the previous lease's event stream once every gateway has moved on (they follow the lease every
/// `LEADER_POLL`; a whole lease is ample).
async fn forget_old_events(view: ClusterView, old: u64) {
    tokio::time::sleep(view.timeout).await;
    let mut redis = view.conn.clone();
    if let Err(e) = redis::cmd("DEL").arg(keys::events(old)).exec_async(&mut redis).await {
        tracing::warn!(error = %e, "the previous lease's event stream was not deleted");
    }
}

/// Every connection of `node` is gone. Should the node still be there (it stalled past the timeout),
/// it is told to close them: its clients reconnect and sync.
async fn drop_node(app: &App, (remote, broker): (&Remote, &dyn Broker), node: u16) -> Result<(), HubStopped> {
    for conn in remote.of_node(node) {
        broker.to_conn(conn, OutItem::Close(1013, "try again later"));
        if let Some(who) = remote.remove(conn) {
            app.hub.send(HubEvent::Disconnected { conn, who }).await?;
        }
    }
    Ok(())
}

/// Drops the connections of gateways that missed their last two heartbeats (beats come every quarter of
/// `node_timeout_secs`), so that a gateway that died without a word is noticed within the timeout.
async fn clear_dead_gateways(
    app: &App,
    view: &ClusterView,
    (remote, broker): (&Remote, &dyn Broker),
) -> Result<(), HubStopped> {
    let held = remote.nodes();
    if held.is_empty() {
        return Ok(());
    }
    let Ok(beats) = view.beats().await else {
        // Redis is away: nobody can tell who is alive; wait for it.
        return Ok(());
    };
    let now = jiff::Timestamp::now().as_millisecond();
    let silent_after = (view.timeout / 2).as_millis() as i64;
    for node in held {
        if !beats.iter().any(|n| n.number == node && now - n.heartbeat_ms <= silent_after) {
            tracing::info!(node, "a gateway stopped beating: its connections are gone");
            drop_node(app, (remote, broker), node).await?;
        }
    }
    Ok(())
}
