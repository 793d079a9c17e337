//! What a node that does not hold the lease does with its clients: it relays each TCP connection, bytes
//! unchanged, to the leader (HTTP and WebSocket alike), so that any client may use any node. When no
//! leader can be reached it answers `503 {"status":"unavailable"}` and closes. A relayed connection
//! lives as long as both ends do; when the leader dies its clients reconnect (to any node) and resume
//! with `sync`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::presence::{ClusterView, Connections};
use crate::domain::Role;

/// How long a gateway waits to connect to the leader before it answers 503.
pub const LEADER_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Bytes a gateway reads of a request to tell its role (visitor, agent, bot) for the heartbeat.
const PEEK_BYTES: usize = 64;

const UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
content-length: 24\r\nconnection: close\r\n\r\n{\"status\":\"unavailable\"}";

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

/// The role a request's first line asks for (`GET /ws/agent …`), if it is a WebSocket path.
fn role_of(head: &[u8]) -> Option<Role> {
    match head.split(|b| *b == b' ').nth(1)? {
        b"/ws/visitor" => Some(Role::Visitor),
        b"/ws/agent" => Some(Role::Agent),
        b"/ws/bot" => Some(Role::Bot),
        _ => None,
    }
}

/// Relays one client connection to the leader.
pub async fn relay(mut client: TcpStream, view: ClusterView) {
    let leader = match view.cached_leader_address().await {
        Ok(Some(addr)) => addr,
        _ => {
            let _ = client.write_all(UNAVAILABLE).await;
            return;
        }
    };
    let upstream = tokio::time::timeout(LEADER_CONNECT_TIMEOUT, TcpStream::connect(&leader)).await;
    let Ok(Ok(mut upstream)) = upstream else {
        tracing::warn!(%leader, "the leader cannot be reached");
        view.forget_leader();
        let _ = client.write_all(UNAVAILABLE).await;
        return;
    };
    let _ = upstream.set_nodelay(true);
    let _ = client.set_nodelay(true);
    let mut head = [0u8; PEEK_BYTES];
    let n = client.peek(&mut head).await.unwrap_or(0);
    let _slot = role_of(&head[..n]).and_then(|role| view.counts.hold(role));
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
