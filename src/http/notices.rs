//! Status notices (spec 7.4): the admin's API and the public list.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;

use super::auth::Admin;
use super::error::{ApiError, JsonBody};
use crate::app::App;
use crate::domain::{NoticeId, NoticeKind};
use crate::hub::{AdminCommand, AdminError, NewNotice, NoticeChanges, NoticeCommand};
use crate::protocol::NoticeView;
use crate::protocol::rest::{CreateNotice, NoticesOut, PatchNotice};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

fn kind(raw: &str) -> Result<NoticeKind, ApiError> {
    raw.parse().map_err(|_| ApiError::bad_request("\"kind\" must be \"incident\" or \"maintenance\""))
}

fn title(t: &str) -> Result<(), ApiError> {
    if t.trim().is_empty() || t.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::bad_request(format!("\"title\" must be 1 to {MAX_TITLE_CHARS} characters")));
    }
    Ok(())
}

fn text(t: &str) -> Result<(), ApiError> {
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(format!("\"text\" must be at most {MAX_TEXT_CHARS} characters")));
    }
    Ok(())
}

fn instant(name: &str, raw: &str) -> Result<Timestamp, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::bad_request(format!("\"{name}\" must be an RFC 3339 instant such as 2026-11-23T22:00:00Z"))
    })
}

fn notice_id(raw: &str) -> Result<NoticeId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("notice"))
}

fn from_hub(e: AdminError) -> ApiError {
    match e {
        AdminError::NotFound => ApiError::not_found("notice"),
        other => other.into(),
    }
}

/// The notices in force and announced (of `department`, if given), soonest first.
pub async fn in_force_and_announced(app: &App, department: Option<String>) -> Result<Vec<NoticeView>, ApiError> {
    Ok(app.hub.admin(|reply| AdminCommand::Notice(NoticeCommand::List { all: false, department, reply })).await?)
}

#[derive(serde::Deserialize)]
pub struct PublicQuery {
    department: Option<String>,
}

/// `GET /api/notices` (anyone, from any origin: a status page on another site may show them).
pub async fn public_list(State(app): State<App>, Query(q): Query<PublicQuery>) -> Result<impl IntoResponse, ApiError> {
    let notices = in_force_and_announced(&app, q.department).await?;
    Ok(([(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], Json(NoticesOut { notices })))
}

/// `GET /api/admin/notices`: every notice, ended ones too, newest first.
pub async fn admin_list(_: Admin, State(app): State<App>) -> Result<Json<NoticesOut>, ApiError> {
    let notices =
        app.hub.admin(|reply| AdminCommand::Notice(NoticeCommand::List { all: true, department: None, reply })).await?;
    Ok(Json(NoticesOut { notices }))
}

pub async fn create(
    _: Admin,
    State(app): State<App>,
    JsonBody(body): JsonBody<CreateNotice>,
) -> Result<impl IntoResponse, ApiError> {
    title(&body.title)?;
    text(&body.text)?;
    let new = NewNotice {
        kind: kind(&body.kind)?,
        title: body.title.trim().to_owned(),
        text: body.text.trim().to_owned(),
        starts_at: body.starts_at.as_deref().map(|s| instant("starts_at", s)).transpose()?,
        ends_at: body.ends_at.as_deref().map(|s| instant("ends_at", s)).transpose()?,
        departments: body.departments,
    };
    let view = app.hub.admin(|r| AdminCommand::Notice(NoticeCommand::Create(new, r))).await?.map_err(from_hub)?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn update(
    _: Admin,
    State(app): State<App>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchNotice>,
) -> Result<Json<NoticeView>, ApiError> {
    let id = notice_id(&id)?;
    if let Some(t) = &body.title {
        title(t)?;
    }
    if let Some(t) = &body.text {
        text(t)?;
    }
    let changes = NoticeChanges {
        kind: body.kind.as_deref().map(kind).transpose()?,
        title: body.title.map(|t| t.trim().to_owned()),
        text: body.text.map(|t| t.trim().to_owned()),
        starts_at: body.starts_at.as_deref().map(|s| instant("starts_at", s)).transpose()?,
        ends_at: match body.ends_at {
            Some(Some(s)) => Some(Some(instant("ends_at", &s)?)),
            Some(None) => Some(None),
            None => None,
        },
        departments: body.departments,
    };
    let view =
        app.hub.admin(|r| AdminCommand::Notice(NoticeCommand::Update(id, changes, r))).await?.map_err(from_hub)?;
    Ok(Json(view))
}

pub async fn delete(_: Admin, State(app): State<App>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = notice_id(&id)?;
    app.hub.admin(|r| AdminCommand::Notice(NoticeCommand::Delete(id, r))).await?.map_err(from_hub)?;
    Ok(StatusCode::NO_CONTENT)
}
