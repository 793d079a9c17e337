//! A node's life in cluster mode. It checks Redis's durability, listens at once, and serves as a gateway
//! (`gateway`) until it takes the lease itself; then it builds the hub from Redis and serves, renewing
//! the lease. A leader that loses its lease stops at once (exit code `LOST_LEASE`):
//! another node decides now, and a supervisor restarts this one, which comes back as a gateway.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;

use super::gateway::RoleCounts;
use super::{ClusterView, Durability, Lease, LeaseToken, RedisFactory, Renewal};
use crate::config::Config;

/// The exit code of a leader that lost its lease.
pub const LOST_LEASE: i32 = 75;
/// How long a node waits between attempts to reach Redis at start.
const CONNECT_RETRY: Duration = Duration::from_secs(1);
/// How long one attempt to reach Redis at start may take before the node says it is still waiting.
const CONNECT_WAIT: Duration = Duration::from_secs(5);

/// The URL without its password, for the log.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// The shared connection: reconnects quickly (at most `RECONNECT_MAX_DELAY` between attempts), so that a
/// leader reaches a restarted Redis, and takes its lapsed lease back, well within the lease that
/// gateways leave it (`AfterOutage`).
fn manager_config() -> redis::aio::ConnectionManagerConfig {
    redis::aio::ConnectionManagerConfig::new()
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(RECONNECT_MAX_DELAY)
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(2)))
}

/// The longest wait between two attempts to reconnect to Redis.
const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(250);

/// Connects to Redis and checks that it fsyncs every write (spec 6.2). Returns the connection and
/// whether it runs without that guarantee (allowed by `require_fsync = false`).
async fn connect(config: &Config) -> anyhow::Result<(redis::aio::ConnectionManager, bool)> {
    let url = config.cluster.redis_url.as_deref().expect("cluster mode has a redis_url");
    let client = redis::Client::open(url).context("configuration key `cluster.redis_url`")?;
    tracing::info!(url = %redacted(url), "connecting to redis");
    let mut conn = loop {
        match tokio::time::timeout(
            CONNECT_WAIT,
            redis::aio::ConnectionManager::new_with_config(client.clone(), manager_config()),
        )
        .await
        {
            Ok(Ok(c)) => break c,
            Ok(Err(e)) => tracing::warn!(error = %e, "waiting for redis"),
            Err(_) => tracing::warn!("waiting for redis: no answer"),
        }
        tokio::time::sleep(CONNECT_RETRY).await;
    };
    let durability = Durability::read(&mut conn).await.context("reading redis's appendonly and appendfsync")?;
    if durability.is_fsync_always() {
        return Ok((conn, false));
    }
    anyhow::ensure!(
        !config.cluster.require_fsync,
        "redis runs with {durability}; cluster mode needs appendonly yes and appendfsync always, so that \
         nothing acknowledged is lost (or set cluster.require_fsync = false)"
    );
    tracing::warn!(%durability, "redis does not fsync every write: an acknowledged message may be lost");
    Ok((conn, true))
}

/// Runs this node until SIGTERM or SIGINT.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let (conn, fsync_warning) = connect(&config).await?;
    let listener = crate::server::bind(&config).await?;
    let addr = listener.local_addr()?;
    let node: Arc<str> = config.cluster.node_id(addr).into();
    let token = LeaseToken::default();
    let mut numbering = conn.clone();
    let number = ClusterView::number(&mut numbering, &node).await.context("numbering this node")?;
    let view = ClusterView {
        node: node.clone(),
        number,
        metrics: crate::server::install_metrics(Some(node.to_string())),
        lease: token.clone(),
        address: config.cluster.advertise.clone().unwrap_or_else(|| addr.to_string()).into(),
        timeout: Duration::from_secs(config.cluster.node_timeout_secs),
        redis_up: Arc::new(tokio::sync::watch::Sender::new(true)),
        fsync_warning,
        leader: Arc::new(AtomicBool::new(false)),
        conn: conn.clone(),
        client: redis::Client::open(config.cluster.redis_url.as_deref().expect("cluster mode has a redis_url"))?,
        counts: Arc::new(RoleCounts::default()),
        leader_cache: Arc::default(),
    };
    let mut lease = Lease::new(conn, &node, view.timeout, token.clone());
    let leading = lease.try_acquire().await.unwrap_or(false);
    view.leader.store(leading, Ordering::Relaxed);
    tokio::spawn(view.clone().beat_forever());
    crate::console::say(format_args!("switchboard listening on http://{addr}"));
    if !leading {
        crate::console::say(format_args!(
            "switchboard node {node}: gateway, forwarding its clients' events to the leader"
        ));
        if !super::gateway::serve(&config, &listener, &view, &mut lease).await? {
            return Ok(());
        }
        view.leader.store(true, Ordering::Relaxed);
    }
    let held = token.get().unwrap_or_default();
    tokio::spawn(keep(lease));
    let url = config.cluster.redis_url.as_deref().expect("cluster mode has a redis_url");
    let told = view.clone();
    let factory = RedisFactory::new(url, token)?.on_unreachable(Arc::new(move || told.redis_failed()));
    let built = crate::server::build_on(&config, &factory, Some(view)).await?;
    crate::console::say(format_args!("switchboard node {node}: leading ({held})"));
    if config.demo {
        crate::demo::print_welcome(addr);
    }
    crate::server::run(&config, listener, built).await
}

/// Tries for the lease until this node holds it (true) or is asked to stop (false).
pub async fn wait_for_lease(view: &ClusterView, lease: &mut Lease) -> bool {
    let mut attempt = tokio::time::interval(lease.renew_every());
    attempt.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stop = crate::server::wait_for_signal();
    tokio::pin!(stop);
    let mut back = AfterOutage::default();
    loop {
        tokio::select! {
            _ = attempt.tick() => {
                if !back.ready(view.redis_up(), view.timeout) {
                    continue;
                }
                match lease.try_acquire().await {
                    Ok(true) => return true,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "redis unreachable while waiting for the lease"),
                }
            }
            _ = &mut stop => return false,
        }
    }
}

/// A gateway's patience after Redis was away: the leader of before gets one whole lease to take its
/// lapsed lease back (it renews every third of it), so that Redis coming back does not change the
/// leader and drop every client (spec 6.6: service resumes without restarting any node).
#[derive(Default)]
struct AfterOutage {
    /// Redis was seen away, and since when it is back.
    outage: bool,
    back_since: Option<std::time::Instant>,
}

impl AfterOutage {
    /// Whether this gateway may try for the lease now.
    fn ready(&mut self, redis_up: bool, lease: Duration) -> bool {
        if !redis_up {
            self.outage = true;
            self.back_since = None;
            return false;
        }
        if !self.outage {
            return true;
        }
        let since = *self.back_since.get_or_insert_with(std::time::Instant::now);
        if since.elapsed() < lease {
            return false;
        }
        self.outage = false;
        true
    }
}

/// Renews the lease until it is lost; then stops the process.
async fn keep(mut lease: Lease) {
    let mut every = tokio::time::interval(lease.renew_every());
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match lease.renew().await {
            Renewal::Held => {}
            Renewal::Unreachable => tracing::warn!("redis unreachable: the lease is not renewed"),
            Renewal::Lost => {
                tracing::error!("this node lost the lease; another node leads now: stopping");
                crate::stop::now(LOST_LEASE);
            }
        }
    }
}
