//! The shared, cloneable handles every request handler and connection task gets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use dashmap::DashMap;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Limits, SiteConfig};
use crate::delivery::{ConnId, ConnRegistry};
use crate::domain::Participant;
use crate::hub::HubHandle;
use crate::passwords::Passwords;
use crate::store::{ReadPool, StoreResult};
use crate::visitor_token::{Checked, VisitorTokens};

/// Cloned for every request and connection: one reference count to bump, not one per handle.
#[derive(Clone)]
pub struct App(Arc<Handles>);

impl std::ops::Deref for App {
    type Target = Handles;

    fn deref(&self) -> &Handles {
        &self.0
    }
}

pub struct Handles {
    pub hub: HubHandle,
    /// This process's connections; the hub's broker delivers through it.
    pub registry: Arc<ConnRegistry>,
    pub readers: ReadPool,
    pub limits: Arc<Limits>,
    pub sites: Arc<HashMap<String, SiteConfig>>,
    pub admin_token: Arc<str>,
    pub demo: bool,
    pub departments: Arc<[crate::config::Department]>,
    pub sla: Arc<crate::config::SlaSettings>,
    pub prometheus: Option<PrometheusHandle>,
    pub passwords: Passwords,
    pub visitor_tokens: VisitorTokens,
    /// The rate limiters' clock, made once: creating one probes the CPU (cpuid), a visible share of the
    /// work of accepting a connection when every connection made its own (docs/benchmarks.md).
    pub clock: governor::clock::QuantaClock,
    pub connections: Arc<ConnectionCounts>,
    /// New connections and logins per address and account; the trusted proxies.
    pub throttles: crate::throttle::Throttles,
    pub tracker: TaskTracker,
    pub shutdown: CancellationToken,
    /// This node in cluster mode (set once, before the router is built).
    pub cluster: std::sync::OnceLock<crate::cluster::ClusterView>,
    /// This node's number in connection ids (0 for a single node).
    node: u16,
    /// A gateway node (cluster mode): sessions keep each frame's text, which goes to the leader as it is.
    pub forwards_raw: bool,
    next_conn: AtomicU64,
}

impl App {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        hub: HubHandle,
        registry: Arc<ConnRegistry>,
        readers: ReadPool,
        limits: Limits,
        sites: Vec<SiteConfig>,
        admin_token: String,
        demo: bool,
        departments: Vec<crate::config::Department>,
        sla: crate::config::SlaSettings,
        prometheus: Option<PrometheusHandle>,
        passwords: Passwords,
        visitor_tokens: VisitorTokens,
        trusted_proxies: Vec<crate::throttle::Net>,
    ) -> App {
        let throttles = crate::throttle::Throttles::new(&limits, trusted_proxies);
        App(Arc::new(Handles {
            hub,
            registry,
            readers,
            limits: Arc::new(limits),
            sites: Arc::new(sites.into_iter().map(|s| (s.key.clone(), s)).collect()),
            admin_token: admin_token.into(),
            demo,
            departments: departments.into(),
            sla: Arc::new(sla),
            prometheus,
            passwords,
            visitor_tokens,
            clock: governor::clock::QuantaClock::default(),
            connections: Arc::default(),
            throttles,
            tracker: TaskTracker::new(),
            shutdown: CancellationToken::new(),
            cluster: std::sync::OnceLock::new(),
            // Ids below this are reserved for in-process participants (the built-in bot).
            node: 0,
            forwards_raw: false,
            next_conn: AtomicU64::new(1 << 20),
        }))
    }

    /// Sets this node's number in connection ids and whether it is a gateway (cluster mode). Called once,
    /// before the handles are shared.
    pub fn for_node(mut self, node: u16, gateway: bool) -> App {
        let handles = Arc::get_mut(&mut self.0).expect("set before the handles are shared");
        handles.node = node;
        handles.forwards_raw = gateway;
        self
    }

    pub fn node(&self) -> u16 {
        self.node
    }

    pub fn next_conn_id(&self) -> ConnId {
        ConnId::new(self.node, self.next_conn.fetch_add(1, Ordering::Relaxed))
    }

    /// Who a bearer token (not the admin token) belongs to: a visitor token is checked by its MAC
    /// alone; other tokens are looked up in the store, where expired ones count as absent.
    pub async fn principal(&self, token: &str) -> StoreResult<Option<Participant>> {
        match self.visitor_tokens.check(token) {
            Checked::Valid(visitor) => return Ok(Some(Participant::Visitor(visitor))),
            Checked::Invalid => return Ok(None),
            Checked::Other => {}
        }
        let hash = crate::auth::token_hash(token);
        let record = self.readers.run(move |s| s.token(&hash)).await?;
        let now = jiff::Timestamp::now();
        Ok(record.filter(|r| r.expires_at.is_none_or(|e| e > now)).map(|r| r.principal))
    }
}

/// Live WebSocket connections, in all and per client address.
#[derive(Default)]
pub struct ConnectionCounts {
    total: AtomicUsize,
    per_ip: DashMap<IpAddr, usize>,
}

/// Why a connection was refused before the upgrade.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    TooMany,
    TooManyFromAddress,
}

/// Holds one connection's place; gives it back when dropped.
pub struct ConnectionSlot {
    counts: Arc<ConnectionCounts>,
    ip: IpAddr,
}

impl ConnectionCounts {
    pub fn acquire(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Result<ConnectionSlot, Refused> {
        if self.total.fetch_add(1, Ordering::AcqRel) >= limits.max_connections {
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refused::TooMany);
        }
        let mut entry = self.per_ip.entry(ip).or_insert(0);
        if *entry >= limits.connections_per_ip {
            drop(entry);
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refused::TooManyFromAddress);
        }
        *entry += 1;
        Ok(ConnectionSlot { counts: self.clone(), ip })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.counts.total.fetch_sub(1, Ordering::AcqRel);
        if let Some(mut n) = self.counts.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
        }
        self.counts.per_ip.remove_if(&self.ip, |_, n| *n == 0);
    }
}
