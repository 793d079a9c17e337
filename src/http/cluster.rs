//! `GET /api/admin/cluster` (spec 6.7): the live nodes, each with its id, address, role, connections by
//! role and the time of its last heartbeat. Connections are counted where the client's socket ends: a
//! gateway's relayed clients are its own, not the leader's.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::auth::Admin;
use super::error::ApiError;
use crate::app::App;
use crate::cluster::presence::{Connections, NodeBeat, NodeRole};

#[derive(Serialize)]
pub struct ClusterOut {
    /// The node that answered.
    pub node: String,
    pub nodes: Vec<NodeOut>,
}

#[derive(Serialize)]
pub struct NodeOut {
    pub id: String,
    pub address: String,
    pub role: NodeRole,
    pub connections: Connections,
    /// RFC 3339.
    pub last_heartbeat: String,
}

pub async fn list(_: Admin, State(app): State<App>) -> Result<Json<ClusterOut>, ApiError> {
    let Some(view) = app.cluster.get() else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "this node is not in cluster mode"));
    };
    let nodes = view.nodes().await.map_err(|e| {
        tracing::warn!(error = %e, "reading the cluster's nodes");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "redis cannot be reached")
    })?;
    Ok(Json(ClusterOut { node: view.node.to_string(), nodes: own_connections(nodes) }))
}

/// The leader serves its gateways' clients too: its own are what remains after theirs.
fn own_connections(nodes: Vec<NodeBeat>) -> Vec<NodeOut> {
    let relayed =
        nodes.iter().filter(|n| n.role == NodeRole::Gateway).fold(Connections::default(), |a, n| Connections {
            visitor: a.visitor + n.connections.visitor,
            agent: a.agent + n.connections.agent,
            bot: a.bot + n.connections.bot,
        });
    nodes
        .into_iter()
        .map(|n| {
            let mut c = n.connections;
            if n.role == NodeRole::Leader {
                c.visitor = c.visitor.saturating_sub(relayed.visitor);
                c.agent = c.agent.saturating_sub(relayed.agent);
                c.bot = c.bot.saturating_sub(relayed.bot);
            }
            let at = jiff::Timestamp::from_millisecond(n.heartbeat_ms).map(|t| t.to_string()).unwrap_or_default();
            NodeOut { id: n.id, address: n.address, role: n.role, connections: c, last_heartbeat: at }
        })
        .collect()
}
