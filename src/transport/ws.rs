//! The WebSocket endpoints: upgrade (origin, rate and connection limits), then one session task per
//! connection (`session`).

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::{App, Refused};
use crate::domain::Role;

/// Initial read buffer per connection. Chat frames are small; tungstenite's 128 KiB default would
/// dominate the memory of an idle connection, and tungstenite keeps the whole buffer resident. It grows
/// for a larger frame when needed, at the cost of an extra read.
pub const READ_BUFFER_BYTES: usize = 1024;
/// Frames are written as soon as they are queued (and flushed per burst), so no write buffering.
pub const WRITE_BUFFER_BYTES: usize = 0;
/// A frame past `max_frame_bytes` gets `too_large` and the connection stays; one past this multiple of
/// it is not even read: the connection is closed with 1009.
pub const HARD_FRAME_FACTOR: usize = 4;

pub fn router() -> Router<App> {
    Router::new()
        .route("/ws/visitor", get(|s, c, h, u| upgrade(Role::Visitor, s, c, h, u)))
        .route("/ws/agent", get(|s, c, h, u| upgrade(Role::Agent, s, c, h, u)))
        .route("/ws/bot", get(|s, c, h, u| upgrade(Role::Bot, s, c, h, u)))
}

async fn upgrade(
    role: Role,
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if app.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned);
    if role == Role::Visitor && !origin_allowed_by_some_site(&app, origin.as_deref()) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let ip = crate::throttle::client_ip(peer.ip(), &headers, &app.throttles.trusted);
    if !app.throttles.connection(ip) {
        return (StatusCode::TOO_MANY_REQUESTS, "too many new connections from this address").into_response();
    }
    let slot = match app.connections.acquire(ip, &app.limits) {
        Ok(slot) => slot,
        Err(Refused::TooMany) => {
            return (StatusCode::SERVICE_UNAVAILABLE, "too many connections").into_response();
        }
        Err(Refused::TooManyFromAddress) => {
            return (StatusCode::TOO_MANY_REQUESTS, "too many connections from this address").into_response();
        }
    };
    let max = app.limits.max_frame_bytes * HARD_FRAME_FACTOR;
    let tracker = app.tracker.clone();
    let counted = app.cluster.get().and_then(|c| c.counts.hold(role));
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(max + 64 * 1024)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| {
            tracker.track_future(async move {
                let _slot = (slot, counted);
                super::session::run(socket, role, app, origin, ip).await;
            })
        })
}

/// A visitor's upgrade is refused when no site would accept its Origin; the site named in `hello` is
/// checked again then.
fn origin_allowed_by_some_site(app: &App, origin: Option<&str>) -> bool {
    app.sites.values().any(|s| origin_allowed(&s.allowed_origins, origin))
}

pub fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    allowed.is_empty() || origin.is_some_and(|o| allowed.iter().any(|a| a.trim_end_matches('/') == o))
}
