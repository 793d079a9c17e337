//! Agent sign-in: email and password for a session token.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::auth::Caller;
use super::error::{ApiError, JsonBody};
use crate::app::App;
use crate::auth::{self, TokenKind};
use crate::domain::Participant;
use crate::hub::AdminCommand;
use crate::protocol::rest::{Login, LoginOut};
use crate::store::TokenRecord;
use crate::throttle::ClientAddr;

/// How long an agent's session token lasts.
pub const SESSION_HOURS: i64 = 7 * 24;

/// A valid argon2 hash of a random string, verified against when the email is unknown, so that the
/// answer takes as long for a wrong email as for a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$KQzSyyG3uPaTyHYr1Ms9Vtz1gFgKsPNhzA3Kuh5Lfj8";

pub async fn login(
    State(app): State<App>,
    ClientAddr(ip): ClientAddr,
    JsonBody(body): JsonBody<Login>,
) -> Result<Json<LoginOut>, ApiError> {
    let email = body.email.trim().to_lowercase();
    // Before the password check, whose thread and queue every login shares.
    if !app.throttles.login(ip, &email) {
        metrics::counter!("switchboard_logins_throttled_total").increment(1);
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many login attempts; wait a minute",
        ));
    }
    let agent = app.readers.run(move |s| s.agent_by_email(&email)).await?;
    let hash = agent.as_ref().map_or_else(|| DUMMY_HASH.to_string(), |a| a.password_hash.clone());
    let password = body.password;
    let ok = app.passwords.verify(password, hash).await?;
    let agent = match agent {
        Some(a) if ok => a,
        _ => {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong email or password"));
        }
    };
    let (token, hash) = auth::new_token(TokenKind::Agent);
    let expires_at = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS)).ok();
    let record = TokenRecord { hash, principal: Participant::Agent(agent.id), expires_at };
    app.hub.admin(|r| AdminCommand::IssueToken(record, r)).await??;
    Ok(Json(LoginOut { token, agent: crate::hub::agent_info(&agent) }))
}

/// Ends an agent's session: its token stops working.
pub async fn logout(caller: Caller, State(app): State<App>, parts: Parts) -> Result<StatusCode, ApiError> {
    if !matches!(caller, Caller::Agent(_)) {
        return Err(ApiError::forbidden());
    }
    let token = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let hash = auth::token_hash(token.trim());
    app.hub.admin(|r| AdminCommand::RevokeToken(hash, r)).await??;
    Ok(StatusCode::NO_CONTENT)
}
