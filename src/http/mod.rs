//! The HTTP API (spec section 2): health, metrics, status, admin, login, tickets; plus the WebSocket
//! endpoints and the embedded pages, all on one router.

mod admin;
mod auth;
mod cluster;
mod error;
mod kb;
mod notices;
pub(crate) mod reports;
mod search;
mod session;
mod team;
mod tickets;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};

use crate::app::App;
use crate::hub::AdminCommand;
use crate::protocol::rest::StatusOut;
pub use error::ApiError;

/// Largest HTTP request body, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/metrics", get(metrics))
        .route("/api/status", get(status))
        .route("/api/login", post(session::login))
        .route("/api/logout", post(session::logout))
        .route("/api/agents", get(admin::list_agents_for_staff))
        .route("/api/admin/agents", get(admin::list_agents).post(admin::create_agent))
        .route("/api/admin/agents/{id}", patch(admin::patch_agent).delete(admin::delete_agent))
        .route("/api/admin/bots", post(admin::create_bot))
        .route("/api/admin/identities/{site}/{sub}", patch(admin::relink))
        .route("/api/notices", get(notices::public_list))
        .route("/api/admin/notices", get(notices::admin_list).post(notices::create))
        .route("/api/admin/notices/{id}", patch(notices::update).delete(notices::delete))
        .route("/api/admin/reports", get(reports::report))
        .route("/api/admin/cluster", get(cluster::list))
        .route("/api/kb/search", get(kb::search))
        .route("/api/admin/kb", get(kb::list).post(kb::create))
        .route("/api/admin/kb/{id}", get(kb::get_one).patch(kb::update).delete(kb::delete))
        .route("/api/tickets", get(tickets::list_tickets))
        .route("/api/tickets/search", get(search::search))
        .route("/api/tickets/{ticket}", get(tickets::get_ticket))
        .route("/api/tickets/{ticket}/notes", get(team::list_notes))
        .route("/api/canned", get(team::list_canned).post(team::create_canned))
        .route("/api/canned/{id}", axum::routing::delete(team::delete_canned))
        .merge(crate::transport::router())
        .merge(crate::web::router())
        .fallback(|| async { ApiError::not_found("route") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

pub(crate) async fn health(State(app): State<App>) -> impl IntoResponse {
    use axum::http::StatusCode;
    if app.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "stopping"})));
    }
    if app.hub.store_health().commits_failing() {
        // Reads still work; writes wait for room. A restart would not make room: this is for readiness.
        let body = serde_json::json!({"status": "store_full", "reason": "the store takes no commits (disk full)"});
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body));
    }
    match app.cluster.get() {
        Some(node) if !node.redis_up() => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable"})))
        }
        Some(node) if node.fsync_warning => {
            (StatusCode::OK, Json(serde_json::json!({"status": "ok", "warning": "redis does not fsync every write"})))
        }
        _ => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
    }
}

pub(crate) async fn metrics(State(app): State<App>) -> impl IntoResponse {
    let body = app.prometheus.as_ref().map(|p| p.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

async fn status(State(app): State<App>) -> Result<Json<StatusOut>, ApiError> {
    let departments = app.hub.admin(AdminCommand::Status).await?;
    let notices = notices::in_force_and_announced(&app, None).await?;
    Ok(Json(StatusOut { departments, notices }))
}

#[cfg(test)]
mod fakes_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod tests;
