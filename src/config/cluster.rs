//! `[cluster]` (spec 6): set `redis_url` and this process is one node of a cluster sharing that Redis.

use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Set: this process is one node of the cluster that shares this Redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_url: Option<String>,
    /// Unique per node; default: the host name and the listen port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// A node silent for longer is dead; also the leader's lease.
    #[serde(default = "default_node_timeout")]
    pub node_timeout_secs: u64,
    /// Where the other nodes reach this one (`host:port`); default: the address it listens on. Needed
    /// when it listens on `0.0.0.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advertise: Option<String>,
    /// Refuse to start unless Redis runs `appendonly yes` and `appendfsync always`.
    #[serde(default = "yes")]
    pub require_fsync: bool,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            redis_url: None,
            node_id: None,
            node_timeout_secs: default_node_timeout(),
            advertise: None,
            require_fsync: true,
        }
    }
}

fn default_node_timeout() -> u64 {
    10
}
fn yes() -> bool {
    true
}

/// Longest `node_id` (it is part of Redis keys and of every fenced write).
pub const MAX_NODE_ID: usize = 64;

impl ClusterConfig {
    pub fn enabled(&self) -> bool {
        self.redis_url.is_some()
    }

    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("unix://"))
        {
            return Err(invalid("cluster.redis_url", "must start with redis://, rediss:// or unix://"));
        }
        if let Some(id) = &self.node_id
            && (id.is_empty()
                || id.len() > MAX_NODE_ID
                || !id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            return Err(invalid(
                "cluster.node_id",
                format!("1 to {MAX_NODE_ID} characters of letters, digits, '-', '_' or '.'"),
            ));
        }
        if !(2..=300).contains(&self.node_timeout_secs) {
            return Err(invalid("cluster.node_timeout_secs", "must be between 2 and 300"));
        }
        Ok(())
    }

    /// This node's id: `node_id`, else the host name and the listen port.
    pub fn node_id(&self, listen: std::net::SocketAddr) -> String {
        self.node_id.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "node".into());
            let host: String =
                host.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).take(48).collect();
            format!("{host}-{}", listen.port())
        })
    }
}
