//! The HTTP listener: hyper's connection builder with its timer, so that a client has
//! `limits.http_header_timeout_secs` to send a request's headers (slowloris), at most
//! `limits.max_http_connections` connections waiting for or serving requests (an upgraded WebSocket
//! leaves this count; `limits.max_connections` counts those), and a shutdown that waits a bounded time.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

use crate::config::Limits;

/// How long open HTTP connections get to finish their requests once the server stops.
pub const HTTP_DRAIN: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` until `stop` is cancelled, then waits up to `HTTP_DRAIN` for the
/// requests in flight.
pub async fn serve(listener: &TcpListener, router: axum::Router, limits: &Limits, stop: CancellationToken) {
    let permits = Arc::new(Semaphore::new(limits.max_http_connections));
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(limits.http_header_timeout_secs));
    let builder = Arc::new(builder);
    let connections = TaskTracker::new();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.cancelled() => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("switchboard_http_connections_refused_total").increment(1);
            drop(tcp);
            continue;
        };
        // TCP_NODELAY: chat frames are small, and with Nagle's algorithm a frame written while an
        // earlier one is unacknowledged waits for the peer's delayed ACK (40 ms on Linux).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY");
        }
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let (builder, stop) = (builder.clone(), stop.clone());
        connections.spawn(async move {
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    connections.close();
    if tokio::time::timeout(HTTP_DRAIN, connections.wait()).await.is_err() {
        tracing::warn!("some HTTP connections did not finish in time");
    }
}
