//! A gateway passes every HTTP request that is not a WebSocket (the REST API, the widget's files) to the
//! leader whole, adding the client's address to `X-Forwarded-For`; the leader trusts it when the
//! gateways' network is in `trusted_proxies`. No leader, or one that does not answer: 503.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::ClusterView;

/// How long the leader may take to answer a request passed to it.
pub const PROXY_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections to the leader kept for reuse.
const IDLE_PER_HOST: usize = 32;

#[derive(Clone)]
pub struct Proxy {
    client: Client<HttpConnector, Body>,
    view: ClusterView,
}

fn unavailable() -> Response {
    let body = axum::Json(serde_json::json!({"status": "unavailable", "reason": "no leader can be reached"}));
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

impl Proxy {
    pub fn new(view: ClusterView) -> Proxy {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(super::gateway::LEADER_CONNECT_TIMEOUT));
        let client = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(IDLE_PER_HOST).build(connector);
        Proxy { client, view }
    }

    pub async fn pass(self, mut request: Request) -> Response {
        let Ok(Some(leader)) = self.view.cached_leader_address().await else {
            return unavailable();
        };
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        let Ok(uri) = format!("http://{leader}{path}").parse::<Uri>() else {
            return (StatusCode::BAD_REQUEST, "bad request target").into_response();
        };
        *request.uri_mut() = uri;
        if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
            let headers = request.headers_mut();
            let forwarded = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
                Some(earlier) => format!("{earlier}, {}", peer.ip()),
                None => peer.ip().to_string(),
            };
            if let Ok(v) = HeaderValue::from_str(&forwarded) {
                headers.insert("x-forwarded-for", v);
            }
        }
        match tokio::time::timeout(PROXY_TIMEOUT, self.client.request(request)).await {
            Ok(Ok(response)) => response.map(Body::new),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, %leader, "the leader did not take a passed request");
                self.view.forget_leader();
                unavailable()
            }
            Err(_) => (StatusCode::GATEWAY_TIMEOUT, "the leader did not answer in time").into_response(),
        }
    }
}
