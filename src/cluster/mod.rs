//! Cluster mode (spec 6): several nodes on one Redis act as one service.
//!
//! The shape: one logical hub. The node holding the Redis lease (`lease`) runs the pure hub core for the
//! whole cluster, exactly as a single node does, over the Redis store (`store`), whose every write is
//! checked against the lease inside Redis. The other nodes are standbys: they wait for the lease and,
//! when it lapses, the first to take it rebuilds the hub from Redis and serves. See ARCHITECTURE.md
//! ("Cluster mode") for what is built and what is next.

pub mod bus;
pub mod forward;
pub mod fsync;
pub mod gateway;
pub mod intake;
pub mod keys;
pub mod lease;
pub mod node;
pub mod presence;
pub mod proxy;
pub mod publish;
pub mod store;

pub use fsync::Durability;
pub use lease::{Lease, Renewal};
pub use presence::{ClusterView, NodeBeat, NodeRole};
pub use store::{LeaseToken, RedisFactory};
