//! Who is calling: the admin, an agent, or a visitor, from `Authorization: Bearer …`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::app::App;
use crate::auth;
use crate::domain::Participant;
use crate::domain::{AgentId, VisitorId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    Admin,
    Agent(AgentId),
    Visitor(VisitorId),
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Caller, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        if auth::secret_matches(token, &app.admin_token) {
            return Ok(Caller::Admin);
        }
        match app.principal(token).await? {
            Some(Participant::Agent(id)) => Ok(Caller::Agent(id)),
            Some(Participant::Visitor(id)) => Ok(Caller::Visitor(id)),
            Some(Participant::Bot(_)) => Err(ApiError::forbidden()),
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// The admin and no one else.
pub struct Admin;

impl FromRequestParts<App> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Admin, ApiError> {
        match Caller::from_request_parts(parts, app).await? {
            Caller::Admin => Ok(Admin),
            _ => Err(ApiError::forbidden()),
        }
    }
}

/// The admin or an agent.
pub struct Staff;

impl FromRequestParts<App> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Staff, ApiError> {
        match Caller::from_request_parts(parts, app).await? {
            Caller::Admin | Caller::Agent(_) => Ok(Staff),
            Caller::Visitor(_) => Err(ApiError::forbidden()),
        }
    }
}
