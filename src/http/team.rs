//! The team's records over HTTP: a ticket's internal notes, and canned replies (shared and personal).
//! Reads use the read pool; writes go through the hub (`AdminCommand::Persist`), durable before 201/204.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::Caller;
use super::error::ApiError;
use crate::app::App;
use crate::domain::{AgentId, Ticket};
use crate::hub::AdminCommand;
use crate::protocol::rest::{CannedIn, CannedOut};
use crate::protocol::{AgentRef, NoteView};
use crate::store::{CannedRecord, StoreOp};

/// Longest canned-reply title and text, in characters.
pub const MAX_CANNED_TITLE: usize = 80;
pub const MAX_CANNED_TEXT: usize = 4000;

fn staff(caller: Caller) -> Result<Option<AgentId>, ApiError> {
    match caller {
        Caller::Admin => Ok(None),
        Caller::Agent(a) => Ok(Some(a)),
        Caller::Visitor(_) => Err(ApiError::forbidden()),
    }
}

/// `GET /api/tickets/{ticket}/notes`: admin and agents only; a visitor is refused even for its own ticket.
pub async fn list_notes(
    caller: Caller,
    State(app): State<App>,
    Path(raw): Path<String>,
) -> Result<Json<Vec<NoteView>>, ApiError> {
    staff(caller)?;
    let ticket: Ticket = raw.parse().map_err(|_| ApiError::not_found("ticket"))?;
    let notes = app
        .readers
        .run(move |s| match s.conversation_by_ticket(ticket)? {
            Some(rec) => s.notes(rec.id).map(Some),
            None => Ok(None),
        })
        .await?
        .ok_or_else(|| ApiError::not_found("ticket"))?;
    Ok(Json(
        notes
            .into_iter()
            .map(|n| NoteView { agent: AgentRef { id: Some(n.agent_id), name: n.agent_name }, text: n.text, at: n.at })
            .collect(),
    ))
}

fn canned_out(c: CannedRecord) -> CannedOut {
    CannedOut { shared: c.owner.is_none(), id: c.id.to_string(), title: c.title.to_string(), text: c.text.to_string() }
}

/// `GET /api/canned`: an agent's own canned replies and the shared ones (the admin: all), by title.
pub async fn list_canned(caller: Caller, State(app): State<App>) -> Result<Json<Vec<CannedOut>>, ApiError> {
    let agent = staff(caller)?;
    let list = app.readers.run(move |s| s.canned(agent)).await?;
    Ok(Json(list.into_iter().map(canned_out).collect()))
}

/// `POST /api/canned` `{"title","text","shared"}`: an agent's own reply, or with `shared: true` one for the
/// whole team (the admin's are always shared).
pub async fn create_canned(
    caller: Caller,
    State(app): State<App>,
    Json(body): Json<CannedIn>,
) -> Result<(StatusCode, Json<CannedOut>), ApiError> {
    let agent = staff(caller)?;
    let title = body.title.trim();
    let text = body.text.trim();
    if title.is_empty() || title.chars().count() > MAX_CANNED_TITLE {
        return Err(ApiError::bad_request(format!("title: 1 to {MAX_CANNED_TITLE} characters")));
    }
    if text.is_empty() || text.chars().count() > MAX_CANNED_TEXT {
        return Err(ApiError::bad_request(format!("text: 1 to {MAX_CANNED_TEXT} characters")));
    }
    let owner = if body.shared.unwrap_or(false) { None } else { agent };
    let record = CannedRecord {
        id: format!("cr_{:016x}", rand::random::<u64>()).into(),
        owner,
        title: Arc::from(title),
        text: Arc::from(text),
        created_at: jiff::Timestamp::now(),
    };
    let ops = vec![StoreOp::PutCanned(record.clone())];
    app.hub.admin(|r| AdminCommand::Persist(ops, r)).await??;
    Ok((StatusCode::CREATED, Json(canned_out(record))))
}

/// `DELETE /api/canned/{id}`: its owner, or for a shared one any agent; the admin any.
pub async fn delete_canned(
    caller: Caller,
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let agent = staff(caller)?;
    let found = app.readers.run(move |s| s.canned(agent)).await?.into_iter().find(|c| *c.id == *id);
    let Some(record) = found else {
        return Err(ApiError::not_found("canned reply"));
    };
    let ops = vec![StoreOp::DeleteCanned(record.id)];
    app.hub.admin(|r| AdminCommand::Persist(ops, r)).await??;
    Ok(StatusCode::NO_CONTENT)
}
