//! What a node that does not hold the lease does: it serves its clients' WebSockets itself (the same
//! sessions as a single node: limits, holds, pings, backlogs read from Redis), sends their events to the
//! leader and writes the leader's frames to them (`forward`), and passes other HTTP requests to the
//! leader (`proxy`). It keeps trying for the lease; when it takes it, it closes its connections (they
//! come back at once, to the hub this node now runs) and becomes the leader.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use super::presence::{ClusterView, Connections};
use super::{Lease, LeaseToken, RedisFactory, keys};
use crate::app::App;
use crate::config::Config;
use crate::delivery::{Broker, ConnRegistry, LocalBroker, OutItem};
use crate::domain::Role;
use crate::hub::HubHandle;
use crate::store::{ReadPool, StoreFactory};

/// How long a gateway waits to connect to the leader before it answers 503.
pub const LEADER_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a gateway reads who holds the lease (a change closes its connections).
pub const LEADER_POLL: Duration = Duration::from_millis(250);
/// How long a gateway's connections get to close when it stops or becomes the leader.
const GATEWAY_DRAIN: Duration = Duration::from_secs(5);

/// Connections by role on this node, for its heartbeat.
#[derive(Default)]
pub struct RoleCounts {
    visitor: AtomicU64,
    agent: AtomicU64,
    bot: AtomicU64,
}

impl RoleCounts {
    pub fn snapshot(&self) -> Connections {
        Connections {
            visitor: self.visitor.load(Ordering::Relaxed),
            agent: self.agent.load(Ordering::Relaxed),
            bot: self.bot.load(Ordering::Relaxed),
        }
    }

    /// Counts one connection of `role` until the slot is dropped.
    pub fn hold(self: &Arc<Self>, role: Role) -> Option<RoleSlot> {
        let counter = match role {
            Role::Visitor => &self.visitor,
            Role::Agent => &self.agent,
            Role::Bot => &self.bot,
            Role::System => return None,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Some(RoleSlot { counts: self.clone(), role })
    }

    fn counter(&self, role: Role) -> &AtomicU64 {
        match role {
            Role::Agent => &self.agent,
            Role::Bot => &self.bot,
            _ => &self.visitor,
        }
    }
}

/// One counted connection.
pub struct RoleSlot {
    counts: Arc<RoleCounts>,
    role: Role,
}

impl Drop for RoleSlot {
    fn drop(&mut self) {
        self.counts.counter(self.role).fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves as a gateway until this node takes the lease (`Ok(true)`) or is asked to stop (`Ok(false)`).
pub async fn serve(
    config: &Config,
    listener: &TcpListener,
    view: &ClusterView,
    lease: &mut Lease,
) -> anyhow::Result<bool> {
    let (app, rx) = build(config, view).await?;
    let (fence_tx, fence) = watch::channel(None);
    let broker = LocalBroker(app.registry.clone());
    let instance = rand::random::<u64>();
    let forwarder = tokio::spawn(super::forward::forward(
        rx,
        fence.clone(),
        LocalBroker(app.registry.clone()),
        (view.number, instance),
        view.conn.clone(),
    ));
    let delivery = tokio::spawn(super::forward::deliver(
        LocalBroker(app.registry.clone()),
        view.clone(),
        super::forward::tail(view).await,
    ));
    let watcher = tokio::spawn(watch_leader(view.clone(), fence_tx, LocalBroker(app.registry.clone())));
    let router = axum::Router::new()
        .route("/healthz", get(crate::http::health))
        .route("/metrics", get(crate::http::metrics))
        .merge(crate::transport::router())
        .with_state(app.clone())
        .fallback({
            let proxy = super::proxy::Proxy::new(view.clone());
            move |request| proxy.clone().pass(request)
        });
    let stop = tokio_util::sync::CancellationToken::new();
    let server = crate::listen::serve(listener, router, &config.limits, stop.clone());
    tokio::pin!(server);
    let leading = tokio::select! {
        leading = super::node::wait_for_lease(view, lease) => leading,
        _ = &mut server => false,
    };
    // Either way this node's connections end here: to a hub of its own, or because it stops.
    app.shutdown.cancel();
    broker.to_all(&OutItem::Close(1012, "service restart"));
    stop.cancel();
    server.await;
    app.tracker.close();
    if tokio::time::timeout(GATEWAY_DRAIN, app.tracker.wait()).await.is_err() {
        tracing::warn!("some connections did not close in time");
    }
    for task in [forwarder, delivery, watcher] {
        task.abort();
    }
    Ok(leading)
}

/// The gateway's handles: the sessions' `HubHandle` leads to the forwarder (the returned receiver).
async fn build(config: &Config, view: &ClusterView) -> anyhow::Result<(App, mpsc::Receiver<crate::hub::HubEvent>)> {
    let url = config.cluster.redis_url.as_deref().expect("cluster mode has a redis_url");
    let told = view.clone();
    let factory = RedisFactory::new(url, LeaseToken::default())?.on_unreachable(Arc::new(move || told.redis_failed()));
    let mut store = factory.open()?;
    let key = crate::server::until_reachable(|| store.secret(crate::visitor_token::KEY_NAME)).await?;
    let (tx, rx) = mpsc::channel(crate::hub::HUB_QUEUE);
    let admin_token = config
        .admin_token
        .clone()
        .filter(|t| !t.is_empty())
        .context("configuration key `admin_token`: cluster mode needs one admin token for every node; set it")?;
    let app = App::new(
        HubHandle::from_sender(tx),
        ConnRegistry::new(),
        ReadPool::new(&factory)?,
        config.limits.clone(),
        config.sites(),
        admin_token,
        config.demo,
        config.departments()?,
        config.sla.check()?,
        view.metrics.clone(),
        crate::passwords::Passwords::start().context("starting the password thread")?,
        crate::visitor_token::VisitorTokens::new(key),
        config.trusted_proxies()?,
    )
    .for_node(view.number, true);
    let _ = app.cluster.set(view.clone());
    Ok((app, rx))
}

/// Follows who holds the lease. When another lease is taken, the connections made under the old leader
/// are closed (1012): they reconnect, say hello to the new one and resume with `sync`. While nobody
/// holds it, connections stay open and their frames are answered `unavailable` (`forward`); the same
/// leader taking its lapsed lease back (after Redis was away) changes nothing for them.
async fn watch_leader(view: ClusterView, fence: watch::Sender<Option<u64>>, broker: LocalBroker) {
    let mut every = tokio::time::interval(LEADER_POLL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut redis = view.conn.clone();
    let mut known: Option<u64> = None;
    loop {
        every.tick().await;
        let holder: Option<String> = match redis::cmd("GET").arg(keys::LEADER).query_async(&mut redis).await {
            Ok(h) => h,
            // Redis away: the leader cannot write either; keep the connections.
            Err(_) => continue,
        };
        let now = holder.as_deref().and_then(|h| h.rsplit_once(':')).and_then(|(_, f)| f.parse::<u64>().ok());
        if now.is_some() && now != known {
            if known.is_some() {
                tracing::info!(?known, ?now, "the leader changed: closing this gateway's connections");
                broker.to_all(&OutItem::Close(1012, "the leader changed"));
            }
            known = now;
        }
        fence.send_if_modified(|f| std::mem::replace(f, now) != now);
    }
}
