//! Tickets and their transcripts (spec 2): readable by the admin, agents, and the visitor who owns one.

use axum::Json;
use axum::extract::{Path, Query, State};

use super::auth::{Caller, Staff};
use super::error::ApiError;
use crate::app::App;
use crate::domain::{Status, Ticket};
use crate::hub::views_for_http::{TicketParts, agents_named, ticket_out};

/// History entries a ticket shows at most.
pub const MAX_HISTORY: usize = 1000;
use crate::protocol::rest::TicketOut;
use crate::store::TicketQuery;
use crate::store::page::{PAGE_MESSAGES, read_page};

/// Most tickets one list returns.
pub const MAX_LIST: usize = 500;
/// Most tickets one list returns with their transcripts (each one page at most).
pub const MAX_LIST_WITH_MESSAGES: usize = 50;
const DEFAULT_LIST: usize = 50;

/// `?after_seq=&limit=`: which page of the transcript.
#[derive(serde::Deserialize)]
pub struct PageParams {
    after_seq: Option<u64>,
    limit: Option<usize>,
}

pub async fn get_ticket(
    caller: Caller,
    State(app): State<App>,
    Path(raw): Path<String>,
    Query(page): Query<PageParams>,
) -> Result<Json<TicketOut>, ApiError> {
    let ticket: Ticket = raw.parse().map_err(|_| ApiError::not_found("ticket"))?;
    let (after, limit) = (page.after_seq.unwrap_or(0), page.limit.unwrap_or(PAGE_MESSAGES));
    // Who may read it is decided on the conversation's row, before any message is read.
    let may_read = move |rec: &crate::store::ConversationRecord| match caller {
        Caller::Admin | Caller::Agent(_) => true,
        Caller::Visitor(v) => v == rec.visitor_id,
    };
    let parts = app
        .readers
        .run(move |s| {
            // Another visitor's ticket does not exist, as far as this caller can tell.
            let Some(rec) = s.conversation_by_ticket(ticket)?.filter(may_read) else {
                return Ok(None);
            };
            let agent = rec.agent_id.map(|a| s.agent(a)).transpose()?.flatten().map(|a| a.name);
            let bot = rec.bot_id.map(|b| s.bot(b)).transpose()?.flatten().map(|b| b.name);
            let page = read_page(s, rec.id, after, None, limit)?;
            let history = s.history(rec.id, MAX_HISTORY)?;
            let mut names = std::collections::HashMap::new();
            for id in agents_named(&history) {
                if let Some(a) = s.agent(id)? {
                    names.insert(id, a.name);
                }
            }
            let messages = Some(page.messages);
            Ok(Some(TicketParts { rec, agent, bot, messages, more: page.more, history: Some(history), names }))
        })
        .await?
        .ok_or_else(|| ApiError::not_found("ticket"))?;
    Ok(Json(ticket_out(site_bot_name(&app, parts), &app.departments, &app.sla)))
}

#[derive(serde::Deserialize)]
pub struct ListParams {
    status: Option<String>,
    limit: Option<usize>,
    /// `false` leaves the transcripts out (a lighter list); by default each item is a whole ticket.
    messages: Option<bool>,
}

pub async fn list_tickets(
    _: Staff,
    State(app): State<App>,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<TicketOut>>, ApiError> {
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<Status>()
                .map_err(|_| ApiError::bad_request("status must be queued, bot, assigned or resolved"))?,
        ),
        None => None,
    };
    let with_messages = p.messages.unwrap_or(true);
    let most = if with_messages { MAX_LIST_WITH_MESSAGES } else { MAX_LIST };
    let limit = p.limit.unwrap_or(DEFAULT_LIST).clamp(1, most);
    let list = app
        .readers
        .run(move |s| {
            let recs = s.conversations(TicketQuery { status, agent: None, limit })?;
            recs.into_iter().map(|rec| list_item(s, rec, with_messages)).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(list.into_iter().map(|p| ticket_out(site_bot_name(&app, p), &app.departments, &app.sla)).collect()))
}

/// A ticket of a list: its agent's and bot's names, and with `with_messages` the first page of its
/// transcript; no history.
pub(super) fn list_item(
    s: &dyn crate::store::StoreReader,
    rec: crate::store::ConversationRecord,
    with_messages: bool,
) -> crate::store::StoreResult<TicketParts> {
    let agent = rec.agent_id.map(|a| s.agent(a)).transpose()?.flatten().map(|a| a.name);
    let bot = rec.bot_id.map(|b| s.bot(b)).transpose()?.flatten().map(|b| b.name);
    let page = match with_messages {
        true => Some(read_page(s, rec.id, 0, None, PAGE_MESSAGES)?),
        false => None,
    };
    let more = page.as_ref().is_some_and(|p| p.more);
    let messages = page.map(|p| p.messages);
    Ok(TicketParts { rec, agent, bot, messages, more, history: None, names: Default::default() })
}

/// The bot named as the ticket's site names it (`[[sites]] bot_name`), as the live views do.
pub(super) fn site_bot_name(app: &App, mut parts: TicketParts) -> TicketParts {
    if parts.bot.is_some()
        && let Some(name) = app.sites.get(&*parts.rec.site).and_then(|s| s.bot_name.as_deref())
    {
        parts.bot = Some(std::sync::Arc::from(name));
    }
    parts
}
