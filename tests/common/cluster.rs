//! Cluster test helpers: nodes on a real `redis-server`, with a short lease.

use std::time::Duration;

use serde_json::{Value, json};

use super::redis::Redis;
use super::{CONFIG_247, Server, message};

/// The lease (and node timeout) in these tests: short, so a takeover is quick.
pub const LEASE_SECS: u64 = 2;
/// How long a standby may take to lead after the leader's death: the lease, a renewal interval, start-up.
pub const TAKEOVER: Duration = Duration::from_secs(LEASE_SECS * 2 + 10);

pub fn node_config(redis: &Redis, node: &str) -> String {
    format!(
        "{CONFIG_247}\n[bot]\nbuiltin = false\n\n[cluster]\nredis_url = \"{}\"\nnode_id = \"{node}\"\nnode_timeout_secs = {LEASE_SECS}\n",
        redis.url()
    )
}

/// Node `hub-a` leading and `hub-b` relaying to it.
pub fn two_nodes(redis: &Redis, admin: &str) -> (Server, Server) {
    two_nodes_with(redis, admin, "")
}

/// `two_nodes`, with `extra` (TOML tables) added to both nodes' configuration.
pub fn two_nodes_with(redis: &Redis, admin: &str, extra: &str) -> (Server, Server) {
    let a = Server::start_node(&(node_config(redis, "hub-a") + extra), admin, true);
    a.wait_line("hub-a: leading", TAKEOVER);
    let b = Server::start_node(&(node_config(redis, "hub-b") + extra), admin, true);
    b.wait_line("hub-b: gateway", TAKEOVER);
    (a, b)
}

/// A visitor's message whose answer (ack or error) carries `id` as its `ref`.
pub fn with_ref(id: &str, text: &str) -> Value {
    let mut m = message(id, text);
    m["ref"] = json!(id);
    m
}

pub fn admin_token() -> String {
    format!("test-admin-{:032x}", rand::random::<u128>())
}
