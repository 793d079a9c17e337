//! Node heartbeats (spec 6.5, 6.7): every node writes `sb:nodes[<node>]` with its address, role,
//! connections by role and the time, at a quarter of `node_timeout_secs`. Readers treat an entry older
//! than the timeout as a dead node; the leader removes such entries. Deadlines, not keyspace events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::keys;

/// What a node says of itself in its heartbeat.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NodeBeat {
    pub id: String,
    /// Its number in connection ids (`sb:node_numbers`).
    #[serde(default)]
    pub number: u16,
    /// Where other nodes reach it (`advertise`, else the address it listens on).
    pub address: String,
    pub role: NodeRole,
    pub connections: Connections,
    /// Milliseconds since the epoch.
    pub heartbeat_ms: i64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// Runs the hub for the cluster.
    Leader,
    /// Serves its clients' connections and forwards their events to the leader; takes over when the
    /// lease lapses.
    Gateway,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Connections {
    pub visitor: u64,
    pub agent: u64,
    pub bot: u64,
}

/// This node's view of the cluster, shared by its HTTP handlers and background tasks.
#[derive(Clone)]
pub struct ClusterView {
    pub node: Arc<str>,
    /// This node's number in connection ids.
    pub number: u16,
    pub address: Arc<str>,
    pub timeout: Duration,
    /// Redis answered the last heartbeat.
    pub redis_up: Arc<tokio::sync::watch::Sender<bool>>,
    /// Redis does not fsync every write and `require_fsync = false` let the node run.
    pub fsync_warning: bool,
    pub leader: Arc<AtomicBool>,
    /// The node's metrics recorder, installed once for the process (a gateway that becomes the leader
    /// keeps it).
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// The lease this node holds, once it leads.
    pub lease: super::LeaseToken,
    pub conn: redis::aio::ConnectionManager,
    /// For connections of its own: a blocking stream read (`XREAD BLOCK`) would hold up every other
    /// command on the shared `conn`.
    pub client: redis::Client,
    /// Connections this node relays or serves, by role.
    pub counts: Arc<super::gateway::RoleCounts>,
    /// The leader's address as last read, and when: a gateway accepting many connections asks Redis
    /// once per `LEADER_CACHE`, not once per connection.
    pub leader_cache: Arc<std::sync::Mutex<Option<(String, std::time::Instant)>>>,
}

/// Time a blocking read's answer may take beyond its block time before the connection counts as lost.
const BLOCKING_MARGIN: Duration = Duration::from_secs(2);

/// How long a gateway trusts the leader's address it read (a failed connect forgets it at once).
pub const LEADER_CACHE: Duration = Duration::from_millis(500);

impl ClusterView {
    /// A connection of its own for blocking reads of `block` at most (it reconnects by itself).
    pub async fn blocking_conn(&self, block: Duration) -> redis::RedisResult<redis::aio::ConnectionManager> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(Some(block + BLOCKING_MARGIN))
            .set_connection_timeout(Some(BLOCKING_MARGIN));
        redis::aio::ConnectionManager::new_with_config(self.client.clone(), config).await
    }

    /// The fence of the lease this node holds (0 when it holds none).
    pub fn fence(&self) -> u64 {
        self.lease.get().and_then(|t| t.rsplit_once(':').and_then(|(_, f)| f.parse().ok())).unwrap_or(0)
    }

    pub fn redis_up(&self) -> bool {
        *self.redis_up.borrow()
    }

    /// Tells the hub each time Redis goes away or comes back.
    pub async fn tell_hub(self, hub: crate::hub::HubHandle) {
        let mut changes = self.redis_up.subscribe();
        // The value now first: Redis may have gone while the hub was being built.
        changes.mark_changed();
        while changes.changed().await.is_ok() {
            let up = *changes.borrow_and_update();
            if hub.send(crate::hub::HubEvent::StoreReachable { up }).await.is_err() {
                return;
            }
        }
    }

    /// Records that Redis could not be reached (the dispatcher found out before the heartbeat did);
    /// the next successful heartbeat says it is back.
    pub fn redis_failed(&self) {
        self.redis_up.send_if_modified(|up| std::mem::replace(up, false));
    }

    fn beat(&self) -> NodeBeat {
        NodeBeat {
            id: self.node.to_string(),
            number: self.number,
            address: self.address.to_string(),
            role: if self.leader.load(Ordering::Relaxed) { NodeRole::Leader } else { NodeRole::Gateway },
            connections: self.counts.snapshot(),
            heartbeat_ms: jiff::Timestamp::now().as_millisecond(),
        }
    }

    /// Every node's last heartbeat, as written.
    pub async fn beats(&self) -> redis::RedisResult<Vec<NodeBeat>> {
        let mut conn = self.conn.clone();
        let all: Vec<String> = redis::cmd("HVALS").arg(keys::NODES).query_async(&mut conn).await?;
        Ok(all.iter().filter_map(|j| serde_json::from_str::<NodeBeat>(j).ok()).collect())
    }

    /// Every node's last heartbeat, live ones only (within the timeout), by id.
    pub async fn nodes(&self) -> redis::RedisResult<Vec<NodeBeat>> {
        let now = jiff::Timestamp::now().as_millisecond();
        let mut nodes: Vec<NodeBeat> = self
            .beats()
            .await?
            .into_iter()
            .filter(|n| now - n.heartbeat_ms <= self.timeout.as_millis() as i64)
            .collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(nodes)
    }

    /// The leader's address, from the cache while it is fresh.
    pub async fn cached_leader_address(&self) -> redis::RedisResult<Option<String>> {
        let cached = self.leader_cache.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((addr, at)) = cached
            && at.elapsed() < LEADER_CACHE
        {
            return Ok(Some(addr));
        }
        let addr = self.leader_address().await?;
        *self.leader_cache.lock().unwrap_or_else(|p| p.into_inner()) =
            addr.clone().map(|a| (a, std::time::Instant::now()));
        Ok(addr)
    }

    /// Forgets the cached leader address (it refused a connection).
    pub fn forget_leader(&self) {
        *self.leader_cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The address of the node holding the lease, if it is alive.
    pub async fn leader_address(&self) -> redis::RedisResult<Option<String>> {
        let mut conn = self.conn.clone();
        let holder: Option<String> = redis::cmd("GET").arg(keys::LEADER).query_async(&mut conn).await?;
        let Some(node) = holder.as_deref().and_then(|h| h.rsplit_once(':')).map(|(n, _)| n.to_string()) else {
            return Ok(None);
        };
        Ok(self.nodes().await?.into_iter().find(|n| n.id == node && n.role == NodeRole::Leader).map(|n| n.address))
    }

    /// This node's number in connection ids: the one it had before, or the next free one.
    pub async fn number(conn: &mut redis::aio::ConnectionManager, node: &str) -> redis::RedisResult<u16> {
        let script = redis::Script::new(
            "local n = redis.call('HGET', KEYS[1], ARGV[1]) if n then return tonumber(n) end \
             n = redis.call('INCR', KEYS[2]) redis.call('HSET', KEYS[1], ARGV[1], n) return n",
        );
        let n: u64 = script.key(keys::NODE_NUMBERS).key(keys::NODE_NUMBERS_LAST).arg(node).invoke_async(conn).await?;
        u16::try_from(n).map_err(|_| (redis::ErrorKind::Client, "more than 65,535 node ids were given").into())
    }

    /// Writes this node's heartbeat until the process ends; the leader also clears dead nodes.
    pub async fn beat_forever(self) {
        let every = (self.timeout / 4).max(Duration::from_millis(250));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Bounded: while the connection manager reconnects, a command can wait for it.
            let up = match tokio::time::timeout(every, self.beat_once()).await {
                Ok(Ok(())) => true,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "heartbeat failed");
                    false
                }
                Err(_) => {
                    tracing::warn!("heartbeat failed: no answer in time");
                    false
                }
            };
            self.redis_up.send_if_modified(|was| {
                let changed = *was != up;
                if changed {
                    tracing::info!(redis_up = up, "redis reachability changed");
                }
                *was = up;
                changed
            });
        }
    }

    async fn beat_once(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        let beat = serde_json::to_string(&self.beat()).expect("a heartbeat encodes");
        redis::cmd("HSET").arg(keys::NODES).arg(self.node.as_ref()).arg(beat).exec_async(&mut conn).await?;
        if self.leader.load(Ordering::Relaxed) {
            self.clear_dead().await?;
        }
        Ok(())
    }

    /// Removes the heartbeats of nodes silent for longer than the timeout.
    async fn clear_dead(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        let all: Vec<(String, String)> = redis::cmd("HGETALL").arg(keys::NODES).query_async(&mut conn).await?;
        let now = jiff::Timestamp::now().as_millisecond();
        for (id, json) in all {
            let stale = serde_json::from_str::<NodeBeat>(&json)
                .map(|n| now - n.heartbeat_ms > self.timeout.as_millis() as i64)
                .unwrap_or(true);
            if stale {
                tracing::info!(node = %id, "node silent past the timeout: cleared");
                redis::cmd("HDEL").arg(keys::NODES).arg(&id).exec_async(&mut conn).await?;
            }
        }
        Ok(())
    }
}
